"""The reporting entity in NVDB, ENISA and notices: shown when set, "not provided" only when not."""

from __future__ import annotations

from dataclasses import replace

from tests.unit.reports.report_fixtures import UNIT, context, make_case, party
from vulndesk.domain.parties import PartyKind
from vulndesk.domain.units import OrgUnit
from vulndesk.exporters.reports.enisa import EnisaKind, build_enisa
from vulndesk.exporters.reports.model import NOT_PROVIDED, Report, contact_of, to_markdown
from vulndesk.exporters.reports.model import ReportContext as Ctx
from vulndesk.exporters.reports.notices import NoticeKind, build_notice
from vulndesk.exporters.reports.nvdb import build_nvdb

BARE = replace(UNIT, contact_person=None, contact_email=None, contact_phone=None)
LEGAL = replace(UNIT, legal_name="星河网络科技股份有限公司 (Xinghe Networks Holdings Ltd.)")


def _with(unit: OrgUnit, kind: PartyKind) -> Ctx:
    ctx = context(make_case(), party(kind))
    return replace(ctx, unit=unit, contact=contact_of(unit))


def _entity(report: Report, section: str) -> dict[str, tuple[str, ...]]:
    return {f.key: f.values for s in report.sections if s.key == section for f in s.fields}


def test_the_contact_set_on_the_unit_fills_nvdb_and_enisa() -> None:
    nvdb = _entity(build_nvdb(_with(LEGAL, PartyKind.REGULATOR)), "reporting_entity")
    enisa = _entity(
        build_enisa(_with(LEGAL, PartyKind.CSIRT), EnisaKind.VULNERABILITY_NOTIFICATION),
        "manufacturer",
    )
    for found in (nvdb, enisa):
        assert found["organisation"] == (LEGAL.legal_name,)
        assert found["contact_name"] == ("李娜 (Li Na)",)
        assert found["contact_email"] == ("psirt@xinghe.example",)
        assert found["contact_phone"] == ("+86 10 5555 0100",)


def test_not_provided_only_where_nothing_is_set() -> None:
    report = build_nvdb(_with(BARE, PartyKind.REGULATOR))
    found = _entity(report, "reporting_entity")
    assert found["organisation"] == (UNIT.name,)
    assert found["contact_name"] == found["contact_email"] == found["contact_phone"] == ()
    md = to_markdown(report)
    entity = md.split("报送单位 / Reporting entity")[1].split("\n## ")[0]
    assert entity.count(NOT_PROVIDED) == 3
    full = to_markdown(build_nvdb(_with(UNIT, PartyKind.REGULATOR)))
    assert NOT_PROVIDED not in full.split("报送单位 / Reporting entity")[1].split("\n## ")[0]


def test_notices_sign_with_the_entity_or_say_not_provided() -> None:
    signed = build_notice(_with(LEGAL, PartyKind.CUSTOMER), NoticeKind.USERS).text
    assert "Contact: 李娜 (Li Na) <psirt@xinghe.example> +86 10 5555 0100\n" in signed
    assert f"\n{LEGAL.legal_name}\n" in signed
    bare = build_notice(_with(BARE, PartyKind.CUSTOMER), NoticeKind.USERS).text
    assert "Contact: not provided\n" in bare and "<>" not in bare
    zh_ctx = replace(_with(BARE, PartyKind.CUSTOMER), recipient=party(PartyKind.CUSTOMER, "zh-CN"))
    assert "联系人：未提供\n" in build_notice(zh_ctx, NoticeKind.USERS).text
