"""The registry of report kinds: one entry per kind, recipients that fit, incident attributes read."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Mapping
from typing import Any, cast

import pytest

from tests.unit.reports.report_fixtures import UNIT, context, make_case, party
from vulndesk.domain.errors import InvalidInput
from vulndesk.domain.parties import PartyKind
from vulndesk.domain.units import OrgUnit
from vulndesk.exporters.reports.kinds import (
    DISCLOSURE_KINDS,
    KINDS,
    REGISTRY,
    check_recipient,
    fitting,
    report_kind,
)
from vulndesk.exporters.reports.model import Stage, to_json


def test_every_kind_is_listed_once_with_labels_and_a_distinct_disclosure_kind() -> None:
    assert len(KINDS) == len(REGISTRY)
    assert len(set(DISCLOSURE_KINDS.values())) == len(REGISTRY)
    for kind in REGISTRY:
        assert kind.label_en and kind.label_zh and kind.recipients and kind.stages


def test_the_disclosure_kinds_the_rule_files_name_are_unchanged() -> None:
    assert DISCLOSURE_KINDS["nvdb"] == "nvdb-report"
    assert DISCLOSURE_KINDS["enisa.vulnerability_final_report"] == "enisa-final-report"
    assert DISCLOSURE_KINDS["notice.users"] == "user-notice"
    assert DISCLOSURE_KINDS["cac.incident"] == "cac-incident-report"
    assert DISCLOSURE_KINDS["gdpr.breach_notification"] == "gdpr-breach-notification"


def test_an_nvdb_report_does_not_fit_an_upstream_supplier() -> None:
    with pytest.raises(InvalidInput) as caught:
        check_recipient(report_kind("nvdb"), PartyKind.UPSTREAM_SUPPLIER, "acme-httpd")
    assert caught.value.field == "recipient"
    accepted = caught.value.accepted or ""
    assert "regulator" in accepted and "notice.upstream" in accepted
    check_recipient(report_kind("nvdb"), PartyKind.REGULATOR, "miit-nvdb")
    assert fitting(PartyKind.UPSTREAM_SUPPLIER) == ("notice.upstream",)


def test_an_unknown_kind_and_an_unknown_stage_name_the_field_and_the_choices() -> None:
    with pytest.raises(InvalidInput) as caught:
        report_kind("csaf")
    assert caught.value.field == "kind" and "cac.incident" in (caught.value.accepted or "")
    with pytest.raises(InvalidInput) as stage:
        report_kind("gdpr.breach_notification").stage(Stage.FINAL)
    assert stage.value.field == "stage" and "update" in (stage.value.accepted or "")
    assert report_kind("enisa.incident_notification").stage(Stage.UPDATE) is Stage.NOTIFICATION


@dataclasses.dataclass(frozen=True, slots=True)
class _UnitWithAttributes(OrgUnit):
    attributes: Mapping[str, str] = dataclasses.field(default_factory=dict)


def _values(doc: str) -> dict[str, list[str]]:
    return {f["key"]: f["values"] for f in json.loads(doc)["fields"]}


def test_incident_attributes_are_read_where_present_and_not_provided_otherwise() -> None:
    case = make_case(options={"incident_grade": "relatively_major", "incident_type": "DDoS"})
    ctx = context(case, party(PartyKind.REGULATOR, "zh-CN"))
    handled = dt.datetime(2026, 3, 15, 1, tzinfo=dt.UTC)
    view = dataclasses.replace(
        ctx.case, instants={**ctx.case.instants, cast(Any, "incident_handled"): handled}
    )
    unit = _UnitWithAttributes(**{
        f.name: getattr(UNIT, f.name) for f in dataclasses.fields(OrgUnit)
    }, attributes={"cn_operator_class": "cii"})  # fmt: skip
    full = dataclasses.replace(ctx, case=view, unit=unit)
    found = _values(to_json(KINDS["cac.incident"].build(full, Stage.FINAL)))
    assert found["incident_grade"] == ["较大 / relatively major (relatively_major)"]
    assert found["incident_type"] == ["DDoS"]
    assert found["cn_operator_class"] == [
        "关键信息基础设施运营者 / critical information infrastructure operator (cii)"
    ]
    assert found["incident_handled_at"] == ["2026-03-15T09:00:00+08:00"]
    bare = _values(
        to_json(
            KINDS["cac.incident"].build(
                context(make_case(), party(PartyKind.REGULATOR)), Stage.FINAL
            )
        )
    )
    for key in ("incident_grade", "incident_type", "cn_operator_class", "incident_handled_at"):
        assert bare[key] == ["未提供 / not provided"], key


def test_the_first_cac_report_carries_items_one_and_two_only() -> None:
    ctx = context(make_case(), party(PartyKind.REGULATOR, "zh-CN"))
    sections = [s.key for s in KINDS["cac.incident"].build(ctx, Stage.INITIAL).sections]
    assert sections == ["unit", "product-1", "product-2", "discovery"]
