"""The CRA Art. 14 reports to ENISA's single reporting platform: vulnerabilities and severe incidents."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from vulndesk.domain.disclosure import DETAIL_FIELDS, Sensitivity
from vulndesk.domain.errors import InvalidInput
from vulndesk.domain.facts import FactKind
from vulndesk.domain.values import EU_MEMBER_STATES
from vulndesk.exporters.reports.model import (
    Report,
    ReportContext,
    ReportField,
    ReportSection,
    Stage,
    both,
    detail,
    item,
    local_time,
    new_report,
    product_section,
    section,
    sections,
    severity_values,
)
from vulndesk.exporters.reports.redaction import SUSPECTED_MALICIOUS_OPTION, RedactedCase

ZONE = "UTC"
REGULATION = "Regulation (EU) 2024/2847 (CRA)"
# Detail fields the final reports ask for that a case may not record; shown as not recorded.
THREAT_ACTORS = "threat_actors"
ROOT_CAUSE = "root_cause"
TLP = {
    Sensitivity.PUBLIC: "TLP:CLEAR",
    Sensitivity.RESTRICTED: "TLP:AMBER",
    Sensitivity.SECRET: "TLP:RED",
}


class EnisaKind(StrEnum):
    """The six Art. 14 submissions, in the order the article lists them."""

    VULNERABILITY_EARLY_WARNING = "vulnerability_early_warning"
    VULNERABILITY_NOTIFICATION = "vulnerability_notification"
    VULNERABILITY_FINAL_REPORT = "vulnerability_final_report"
    INCIDENT_EARLY_WARNING = "incident_early_warning"
    INCIDENT_NOTIFICATION = "incident_notification"
    INCIDENT_FINAL_REPORT = "incident_final_report"


def member_states(ctx: ReportContext) -> tuple[str, ...]:
    """EU Member States where an affected product is made available."""
    return tuple(m for m in ctx.markets() if m in EU_MEMBER_STATES)


def _manufacturer(ctx: ReportContext) -> ReportSection | None:
    return section(
        "manufacturer",
        "制造商",
        "Manufacturer",
        item("organisation", "单位名称", "Organisation", ctx.unit.entity_name),
        item("country", "主要营业地", "Main establishment", ctx.unit.country),
        item("contact_name", "联系人", "Contact person", ctx.contact.name),
        item("contact_email", "电子邮箱", "Email", ctx.contact.email),
        item("contact_phone", "联系电话", "Telephone", ctx.contact.phone),
    )


def _event(ctx: ReportContext, fact: FactKind, zh: str, en: str) -> ReportSection | None:
    return section(
        "event",
        "事件概况",
        "Report subject",
        item("reference", "内部编号", "Manufacturer reference", ctx.case.key),
        item("title", "标题", "Title", ctx.case.title),
        item("aware_at", zh, en, local_time(ctx.case.instants.get(fact), ZONE)),
        item(
            "member_states",
            "提供产品的成员国",
            "Member States where the product is made available",
            *(member_states(ctx) or (both("无", "none"),)),
        ),
    )


def _nature(case: RedactedCase) -> ReportSection | None:
    level = case.severity.level
    return section(
        "nature",
        "漏洞或事件的性质",
        "Nature of the vulnerability or incident",
        detail(case, "summary", "概述", "Summary"),
        detail(case, "technical_characteristics", "技术特征", "Technical characteristics"),
        detail(case, "harm", "危害", "Impact"),
        detail(case, "scope_of_impact", "影响范围", "Scope of impact"),
        item("cwe", "CWE 编号", "CWE", case.cwe or ""),
        item("severity", "严重程度", "Severity", level.value if level else ""),
        item("cvss", "CVSS 分值与向量", "CVSS score and vector", *severity_values(case)),
    )


def _measures(case: RedactedCase, *, final: bool) -> ReportSection | None:
    at = case.instants
    return section(
        "measures",
        "纠正或缓解措施",
        "Corrective or mitigating measures",
        item(
            "measures_taken_at",
            "采取措施时间",
            "Measures taken at",
            local_time(at.get(FactKind.MEASURES_TAKEN), ZONE),
        ),
        item(
            "fix_available_at",
            "安全更新发布时间",
            "Security update available at",
            local_time(at.get(FactKind.FIX_AVAILABLE), ZONE),
        ),
        detail(
            case,
            "remediation",
            "已采取的纠正措施与安全更新",
            "Corrective measures and security update",
        ),
        detail(case, "workaround", "用户可采取的措施", "Measures users can take"),
        detail(case, "remediation_plan", "进行中的措施", "Ongoing measures") if final else None,
    )


def _recorded(case: RedactedCase, name: str, zh: str, en: str) -> ReportField | None:
    """A detail the article asks for; when cases have no such field, say it is not recorded."""
    if name in DETAIL_FIELDS:
        return detail(case, name, zh, en)
    return item(name, zh, en, both("vulndesk 未记录此项", "not recorded in vulndesk"))


def _actors(case: RedactedCase) -> ReportSection | None:
    exploited = local_time(case.instants.get(FactKind.EXPLOITATION_AWARE), ZONE)
    return section(
        "actors",
        "恶意行为者信息",
        "Malicious actors",
        item(
            "exploitation",
            "利用情况",
            "Exploitation",
            both("已知被利用，自", "actively exploited since") + f" {exploited}"
            if exploited
            else both("未知被利用", "no known exploitation"),
        ),
        _recorded(case, THREAT_ACTORS, "恶意行为者", "Information on malicious actors"),
    )


def _suspected(case: RedactedCase) -> ReportField:
    value = case.options.get(SUSPECTED_MALICIOUS_OPTION, "unknown").strip().lower()
    labels = {"yes": both("是", "yes"), "no": both("否", "no"), "unknown": both("未知", "unknown")}
    if value not in labels:
        raise InvalidInput(
            f"options.{SUSPECTED_MALICIOUS_OPTION}",
            f"{value!r} is not an answer",
            "yes, no, unknown",
        )
    return item(
        "suspected_malicious",
        "是否怀疑由非法或恶意行为引起",
        "Suspected to be caused by unlawful or malicious acts",
        labels[value],
    )


def _root_cause(case: RedactedCase) -> ReportSection | None:
    return section(
        "root_cause",
        "威胁类型或根本原因",
        "Threat type or root cause",
        _suspected(case),
        _recorded(case, ROOT_CAUSE, "根本原因", "Root cause"),
        detail(case, "technical_characteristics", "技术特征", "Technical characteristics"),
    )


def _sensitivity(found: tuple[ReportSection, ...]) -> ReportSection | None:
    present = [f.sensitivity for s in found for f in s.fields if f.values]
    top = max(present, key=lambda s: s.rank, default=Sensitivity.PUBLIC)
    return section(
        "sensitivity",
        "信息敏感程度",
        "Sensitivity of the information",
        item("sensitivity", "敏感程度", "Sensitivity", f"{top.value} ({TLP[top]})"),
    )


Builder = Callable[[ReportContext], tuple[ReportSection | None, ...]]


def _vuln_early(ctx: ReportContext) -> tuple[ReportSection | None, ...]:
    return (
        _event(
            ctx, FactKind.EXPLOITATION_AWARE, "知悉被利用时间", "Aware of active exploitation at"
        ),
    )


def _vuln_notification(ctx: ReportContext) -> tuple[ReportSection | None, ...]:
    return (*_vuln_early(ctx), _nature(ctx.case), _measures(ctx.case, final=False))


def _vuln_final(ctx: ReportContext) -> tuple[ReportSection | None, ...]:
    return (
        *_vuln_early(ctx),
        _nature(ctx.case),
        _actors(ctx.case),
        _measures(ctx.case, final=True),
    )


def _incident_early(ctx: ReportContext) -> tuple[ReportSection | None, ...]:
    event = _event(ctx, FactKind.INCIDENT_AWARE, "知悉事件时间", "Aware of the incident at")
    return (event, section("suspicion", "初步判断", "Initial judgement", _suspected(ctx.case)))


def _incident_notification(ctx: ReportContext) -> tuple[ReportSection | None, ...]:
    return (
        *_incident_early(ctx),
        _nature(ctx.case),
        _measures(ctx.case, final=False),
    )


def _incident_final(ctx: ReportContext) -> tuple[ReportSection | None, ...]:
    event = _event(ctx, FactKind.INCIDENT_AWARE, "知悉事件时间", "Aware of the incident at")
    return (
        event,
        _nature(ctx.case),
        _root_cause(ctx.case),
        _measures(ctx.case, final=True),
    )


@dataclass(frozen=True, slots=True)
class Spec:
    """What one kind is called, which article asks for it, and how it is built."""

    article: str
    stage: Stage
    title_zh: str
    title_en: str
    build: Builder
    states_sensitivity: bool


SPECS: dict[EnisaKind, Spec] = {
    EnisaKind.VULNERABILITY_EARLY_WARNING: Spec(
        "Art. 14(2)(a)",
        Stage.EARLY_WARNING,
        "被积极利用漏洞预警",
        "Early warning: actively exploited vulnerability",
        _vuln_early,
        False,
    ),
    EnisaKind.VULNERABILITY_NOTIFICATION: Spec(
        "Art. 14(2)(b)",
        Stage.NOTIFICATION,
        "被积极利用漏洞通报",
        "Vulnerability notification",
        _vuln_notification,
        True,
    ),
    EnisaKind.VULNERABILITY_FINAL_REPORT: Spec(
        "Art. 14(2)(c)",
        Stage.FINAL,
        "被积极利用漏洞最终报告",
        "Final report: actively exploited vulnerability",
        _vuln_final,
        False,
    ),
    EnisaKind.INCIDENT_EARLY_WARNING: Spec(
        "Art. 14(4)(a)",
        Stage.EARLY_WARNING,
        "严重安全事件预警",
        "Early warning: severe incident",
        _incident_early,
        False,
    ),
    EnisaKind.INCIDENT_NOTIFICATION: Spec(
        "Art. 14(4)(b)",
        Stage.NOTIFICATION,
        "严重安全事件通报",
        "Incident notification",
        _incident_notification,
        True,
    ),
    EnisaKind.INCIDENT_FINAL_REPORT: Spec(
        "Art. 14(4)(c)",
        Stage.FINAL,
        "严重安全事件最终报告",
        "Final report: severe incident",
        _incident_final,
        False,
    ),
}


def build_enisa(ctx: ReportContext, kind: EnisaKind) -> Report:
    """One Art. 14 submission for `ctx.recipient` (the CSIRT coordinator and ENISA)."""
    spec = SPECS[kind]
    products = tuple(product_section(i, a, p) for i, (a, p) in enumerate(ctx.affected(), 1))
    found = sections(_manufacturer(ctx), *products, *spec.build(ctx))
    if spec.states_sensitivity:
        found = sections(*found, _sensitivity(found))
    return new_report(
        ctx,
        f"enisa.{kind.value}",
        spec.stage,
        (spec.title_zh, spec.title_en),
        f"{REGULATION} {spec.article}",
        "en",
        ZONE,
        found,
    )
