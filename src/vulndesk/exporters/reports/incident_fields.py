"""Fields incident reports share: facts and attributes read by name, shown as "not provided" when absent.

The incident regimes (CAC, NIS2, GDPR) read facts (`incident_handled`, `breach_aware`), case
attributes (`incident_grade`) and unit attributes (`cn_operator_class`, `nis2_entity`) that a
deployment may not record yet; a builder never fails on them, it says what is missing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from vulndesk.domain.units import OrgUnit
from vulndesk.exporters.reports.model import NOT_PROVIDED, ReportContext, ReportField, both, item
from vulndesk.exporters.reports.redaction import RedactedCase

INCIDENT_AWARE = "incident_aware"
INCIDENT_HANDLED = "incident_handled"
BREACH_AWARE = "breach_aware"
NOT_RECORDED = both("vulndesk 未记录此项", "not recorded in vulndesk")

GRADES: Mapping[str, tuple[str, str]] = {
    "especially_major": ("特别重大", "especially major"),
    "major": ("重大", "major"),
    "relatively_major": ("较大", "relatively major"),
    "general": ("一般", "general"),
}
OPERATOR_CLASSES: Mapping[str, tuple[str, str]] = {
    "cii": ("关键信息基础设施运营者", "critical information infrastructure operator"),
    "state_organ": ("中央和国家机关", "central or State organ"),
    "other": ("其他网络运营者", "other network operator"),
}
NIS2_ENTITIES: Mapping[str, tuple[str, str]] = {
    "essential": ("基本实体", "essential entity"),
    "important": ("重要实体", "important entity"),
}
ANSWERS: Mapping[str, tuple[str, str]] = {
    "yes": ("是", "yes"),
    "no": ("否", "no"),
    "unknown": ("未知", "unknown"),
}


def instant(case: RedactedCase, name: str) -> dt.datetime | None:
    """The instant of the fact called `name`, or None when the case has none."""
    for kind, at in case.instants.items():
        if kind == name:
            return at
    return None


def unit_attribute(unit: OrgUnit, name: str) -> str:
    """A unit attribute, whether held as a field or in an `attributes` mapping; empty when unset."""
    value = getattr(unit, name, None)
    if value is None:
        attributes = getattr(unit, "attributes", None)
        value = attributes.get(name) if isinstance(attributes, Mapping) else None
    return str(value).strip().lower() if value else ""


def labelled(value: str, labels: Mapping[str, tuple[str, str]]) -> str:
    """A known code in both languages, an unknown one as given, nothing as "not provided"."""
    if not value:
        return NOT_PROVIDED
    zh_en = labels.get(value)
    if zh_en is None:
        return value
    return both(*zh_en) + ("" if zh_en[1] == value else f" ({value})")


def option_field(
    case: RedactedCase, name: str, zh: str, en: str, labels: Mapping[str, tuple[str, str]]
) -> ReportField:
    value = case.options.get(name, "").strip().lower()
    return item(name, zh, en, labelled(value, labels))


def unit_field(
    ctx: ReportContext, name: str, zh: str, en: str, labels: Mapping[str, tuple[str, str]]
) -> ReportField:
    return item(name, zh, en, labelled(unit_attribute(ctx.unit, name), labels))


def given(key: str, zh: str, en: str, at: str) -> ReportField:
    return item(key, zh, en, at or NOT_PROVIDED)


def not_recorded(key: str, zh: str, en: str) -> ReportField:
    """A field the regulation asks for that cases do not record."""
    return item(key, zh, en, NOT_RECORDED)
