"""Redaction and the specifics of each builder: stages, times, classes, member states, subjects."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.unit.reports.report_fixtures import NOW, PRODUCTS, context, make_case, party
from vulndesk.domain.cases import AffectedProduct
from vulndesk.domain.disclosure import DETAIL_FIELDS, Sensitivity
from vulndesk.domain.errors import InvalidInput
from vulndesk.domain.ids import ProductId
from vulndesk.domain.parties import Party, PartyKind
from vulndesk.domain.units import OrgUnit
from vulndesk.exporters.reports.enisa import SPECS, EnisaKind, build_enisa, member_states
from vulndesk.exporters.reports.model import Contact, ReportContext, Stage, to_json
from vulndesk.exporters.reports.notices import NoticeKind, build_notice, subject
from vulndesk.exporters.reports.nvdb import VulnClass, build_nvdb
from vulndesk.exporters.reports.redaction import redact

NAMES = sorted(DETAIL_FIELDS)


@given(
    details=st.dictionaries(st.sampled_from(NAMES), st.text(min_size=1, max_size=30)),
    allowed=st.frozensets(st.sampled_from(NAMES)),
)
def test_redact_never_returns_a_field_outside_allowed(
    details: dict[str, str], allowed: frozenset[str]
) -> None:
    marked = {name: f"<{name}>{text}" for name, text in details.items()}
    redacted = redact(make_case(marked), allowed)
    assert set(redacted.details) <= allowed
    assert set(redacted.details) == {n for n in marked if n in allowed}
    shown = repr(redacted)
    for name, text in marked.items():
        if name not in allowed:
            assert text not in shown
            assert redacted.detail(name) == ""


def test_redact_refuses_unknown_field_names() -> None:
    with pytest.raises(InvalidInput, match="allowed_fields"):
        redact(make_case(), frozenset({"summary", "password"}))


def test_redact_keeps_products_versions_and_only_report_options() -> None:
    case = make_case(options={"gbt30279_class": "code_issue", "cn-rmsv-2021.report_window": "48h"})
    redacted = redact(case, frozenset())
    assert redacted.products == case.products
    assert dict(redacted.options) == {"gbt30279_class": "code_issue"}
    assert redacted.withheld == {Sensitivity.PUBLIC, Sensitivity.RESTRICTED, Sensitivity.SECRET}


def test_nvdb_shows_times_in_beijing_and_the_withheld_classes() -> None:
    report = json.loads(
        to_json(build_nvdb(context(make_case(), party(PartyKind.REGULATOR)), Stage.UPDATE))
    )
    assert report["kind"] == "nvdb"
    assert report["stage"] == "update"
    assert report["withheld_classes"] == ["secret"]
    by_key = {(f["section"], f["key"]): f["values"] for f in report["fields"]}
    assert by_key[("discovery", "discovered_at")] == ["2026-03-10T15:00:00+08:00"]
    assert by_key[("vulnerability", "class")] == ["代码问题 / code issue"]
    assert by_key[("scope", "regions")] == ["CN", "DE", "FR", "IT", "SG"]
    assert [f["label_zh"] for f in report["fields"]][:2] == ["单位名称", "所在国家或地区"]


def test_nvdb_for_a_customer_leaves_restricted_fields_out_entirely() -> None:
    report = build_nvdb(context(make_case(), party(PartyKind.CUSTOMER)))
    keys = {f.split(".", 1)[1] for f in report.field_keys}
    assert not keys & {"technical_characteristics", "scope_of_impact", "remediation_plan"}
    assert report.withheld == (Sensitivity.RESTRICTED, Sensitivity.SECRET)
    assert "characteristics" in [s.key for s in report.sections]  # harm is public and stays


def test_nvdb_unverified_unspecified_and_ungraded() -> None:
    case = make_case(
        facts=make_case().facts[:1],
        options={},
        severity=replace(make_case().severity, cn_grade=None),
    )
    values = {
        f.key: f.values
        for s in build_nvdb(context(case, party(PartyKind.REGULATOR))).sections
        for f in s.fields
    }
    assert values["verification"] == ("未验证 / unverified",)
    assert values["class"] == (VulnClass.UNSPECIFIED.label,)
    assert values["cn_grade"] == ("未评定 / not graded",)
    assert values["fix_available_at"] == ()


def test_nvdb_refuses_bad_class_and_stage() -> None:
    with pytest.raises(InvalidInput, match="gbt30279_class"):
        build_nvdb(
            context(make_case(options={"gbt30279_class": "typo"}), party(PartyKind.REGULATOR))
        )
    with pytest.raises(InvalidInput, match="stage"):
        build_nvdb(context(make_case(), party(PartyKind.REGULATOR)), Stage.FINAL)


def test_context_needs_every_product_and_an_aware_now() -> None:
    redacted = redact(make_case(products=(AffectedProduct(ProductId("ghost")),)), frozenset())
    with pytest.raises(InvalidInput, match="ghost"):
        ReportContext(redacted, PRODUCTS, *_rest())
    with pytest.raises(InvalidInput, match="now"):
        ReportContext(
            redact(make_case(), frozenset()), PRODUCTS, *_rest()[:3], NOW.replace(tzinfo=None)
        )


def _rest() -> tuple[OrgUnit, Contact, Party, dt.datetime]:
    ctx = context(make_case(), party(PartyKind.REGULATOR))
    return ctx.unit, ctx.contact, ctx.recipient, ctx.now


@pytest.mark.parametrize("kind", list(EnisaKind))
def test_enisa_cites_its_article_and_names_eu_member_states_only(kind: EnisaKind) -> None:
    ctx = context(make_case(), party(PartyKind.CSIRT))
    report = build_enisa(ctx, kind)
    assert report.citation.endswith(SPECS[kind].article)
    assert report.stage is SPECS[kind].stage
    states = next(f.values for s in report.sections for f in s.fields if f.key == "member_states")
    assert states == ("DE", "FR", "IT") == member_states(ctx)


def test_enisa_notification_states_the_sensitivity_and_final_report_the_actors() -> None:
    ctx = context(make_case(), party(PartyKind.CSIRT))
    notification = build_enisa(ctx, EnisaKind.VULNERABILITY_NOTIFICATION)
    assert notification.sections[-1].fields[0].values == ("restricted (TLP:AMBER)",)
    final = build_enisa(ctx, EnisaKind.VULNERABILITY_FINAL_REPORT)
    actors = next(s for s in final.sections if s.key == "actors")
    assert actors.fields[0].values == (
        "已知被利用，自 / actively exploited since 2026-03-12T01:00:00+00:00",
    )
    incident = build_enisa(ctx, EnisaKind.INCIDENT_EARLY_WARNING)
    assert ("是 / yes",) in [f.values for s in incident.sections for f in s.fields]


def test_enisa_refuses_a_bad_suspicion_answer() -> None:
    ctx = context(make_case(options={"suspected_malicious": "maybe"}), party(PartyKind.CSIRT))
    with pytest.raises(InvalidInput, match="suspected_malicious"):
        build_enisa(ctx, EnisaKind.INCIDENT_FINAL_REPORT)


def test_subject_carries_only_the_case_id_and_a_fixed_label() -> None:
    assert (
        subject("VD-2026-0001", NoticeKind.USERS, "en") == "[vulndesk] VD-2026-0001 security notice"
    )
    assert subject("vd-2026-0001", NoticeKind.CSIRT, "zh-CN") == "[vulndesk] VD-2026-0001 漏洞通报"
    with pytest.raises(InvalidInput, match="case"):
        subject("VD-2026-0001\r\nBcc: x@example.org", NoticeKind.USERS, "en")
    with pytest.raises(InvalidInput, match="language"):
        subject("VD-2026-0001", NoticeKind.USERS, "fr")


def test_notice_subject_ignores_free_text_and_language_follows_the_party() -> None:
    case = make_case(title="Secret project NIGHTJAR overflow")
    notice = build_notice(context(case, party(PartyKind.CUSTOMER, "zh-CN")), NoticeKind.USERS)
    assert "NIGHTJAR" not in notice.subject
    assert "NIGHTJAR" in notice.text
    assert notice.language == "zh-CN"
    assert '<html lang="zh-CN">' in notice.html
    assert "修复方法：" in notice.text


def test_upstream_notice_lists_only_the_suppliers_components() -> None:
    notice = build_notice(
        context(make_case(), party(PartyKind.UPSTREAM_SUPPLIER)), NoticeKind.UPSTREAM
    )
    assert "pkg:generic/acme/httpd-lite@1.4.2" in notice.text
    assert "openssl" not in notice.text


def test_report_detail_fields_feed_the_dissemination_check() -> None:
    regulator = build_nvdb(context(make_case(), party(PartyKind.REGULATOR)))
    customer = build_notice(
        context(make_case(), party(PartyKind.CUSTOMER)), NoticeKind.USERS
    ).report
    assert "technical_characteristics" in regulator.detail_fields
    assert customer.detail_fields == {"summary", "harm", "remediation", "workaround"}
