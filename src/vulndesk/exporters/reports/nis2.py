"""The NIS2 Art. 23(4) reports of a significant incident to the CSIRT or competent authority.

Early warning (a): suspected unlawful or malicious act, possible cross-border impact.
Notification (b): an update with the initial assessment (severity, impact, indicators).
Final report (d): detailed description, threat type or root cause, mitigation, cross-border impact.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum

from vulndesk.exporters.reports.enisa import member_states
from vulndesk.exporters.reports.incident_fields import (
    ANSWERS,
    INCIDENT_AWARE,
    NIS2_ENTITIES,
    given,
    instant,
    not_recorded,
    option_field,
    unit_field,
)
from vulndesk.exporters.reports.model import (
    Report,
    ReportContext,
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
from vulndesk.exporters.reports.redaction import SUSPECTED_MALICIOUS_OPTION

ZONE = "UTC"
REGULATION = "Directive (EU) 2022/2555 (NIS2)"


class Nis2Kind(StrEnum):
    """The Art. 23(4) submissions, in the order the article lists them."""

    EARLY_WARNING = "early_warning"
    NOTIFICATION = "notification"
    FINAL_REPORT = "final_report"


TITLES = {
    Nis2Kind.EARLY_WARNING: (
        "重大事件预警",
        "Early warning: significant incident",
        "Art. 23(4)(a)",
    ),
    Nis2Kind.NOTIFICATION: ("重大事件通报", "Incident notification", "Art. 23(4)(b)"),
    Nis2Kind.FINAL_REPORT: (
        "重大事件最终报告",
        "Final report: significant incident",
        "Art. 23(4)(d)",
    ),
}
STAGES = {
    Nis2Kind.EARLY_WARNING: Stage.EARLY_WARNING,
    Nis2Kind.NOTIFICATION: Stage.NOTIFICATION,
    Nis2Kind.FINAL_REPORT: Stage.FINAL,
}


def _entity(ctx: ReportContext) -> ReportSection | None:
    return section(
        "entity",
        "实体",
        "Entity",
        item("organisation", "单位名称", "Organisation", ctx.unit.entity_name),
        item("country", "主要营业地", "Main establishment", ctx.unit.country),
        unit_field(ctx, "nis2_entity", "NIS2 实体类别", "NIS2 entity", NIS2_ENTITIES),
        item("contact_name", "联系人", "Contact person", ctx.contact.name),
        item("contact_email", "电子邮箱", "Email", ctx.contact.email),
        item("contact_phone", "联系电话", "Telephone", ctx.contact.phone),
    )


def _cross_border(ctx: ReportContext) -> str:
    """Possible when the affected products are made available in more than one Member State."""
    states = member_states(ctx)
    if len(states) > 1:
        return both("可能", "possible") + f" ({', '.join(states)})"
    return both("未见", "none seen") + (f" ({states[0]})" if states else "")


def _early(ctx: ReportContext) -> ReportSection | None:
    return section(
        "early_warning",
        "预警",
        "Early warning",
        item("reference", "内部编号", "Entity reference", ctx.case.key),
        item("title", "标题", "Title", ctx.case.title),
        given(
            "incident_aware_at",
            "知悉事件时间",
            "Aware of the significant incident at",
            local_time(instant(ctx.case, INCIDENT_AWARE), ZONE),
        ),
        option_field(
            ctx.case,
            SUSPECTED_MALICIOUS_OPTION,
            "是否怀疑由非法或恶意行为引起",
            "Suspected to be caused by unlawful or malicious acts",
            ANSWERS,
        ),
        item("cross_border", "可能的跨境影响", "Possible cross-border impact", _cross_border(ctx)),
    )


def _assessment(ctx: ReportContext) -> ReportSection | None:
    level = ctx.case.severity.level
    return section(
        "assessment",
        "初步评估",
        "Initial assessment",
        detail(ctx.case, "summary", "概述", "Summary"),
        item("severity", "严重程度", "Severity", level.value if level else ""),
        item("cvss", "CVSS 分值与向量", "CVSS score and vector", *severity_values(ctx.case)),
        detail(ctx.case, "harm", "影响", "Impact"),
        detail(ctx.case, "scope_of_impact", "影响范围", "Scope of impact"),
        not_recorded("indicators", "失陷指标", "Indicators of compromise"),
    )


def _final(ctx: ReportContext) -> tuple[ReportSection | None, ...]:
    cause = section(
        "root_cause",
        "威胁类型或根本原因",
        "Type of threat or root cause",
        detail(ctx.case, "root_cause", "根本原因", "Root cause"),
        detail(ctx.case, "technical_characteristics", "技术特征", "Technical characteristics"),
    )
    mitigation = section(
        "mitigation",
        "已采取和正在采取的缓解措施",
        "Applied and ongoing mitigation measures",
        detail(ctx.case, "remediation", "已采取的措施", "Applied measures"),
        detail(ctx.case, "remediation_plan", "进行中的措施", "Ongoing measures"),
        detail(ctx.case, "workaround", "服务接收方可采取的措施", "Measures recipients can take"),
    )
    return (_assessment(ctx), cause, mitigation)


_BUILD: dict[Nis2Kind, Callable[[ReportContext], tuple[ReportSection | None, ...]]] = {
    Nis2Kind.EARLY_WARNING: lambda ctx: (),
    Nis2Kind.NOTIFICATION: lambda ctx: (_assessment(ctx),),
    Nis2Kind.FINAL_REPORT: _final,
}


def build_nis2(ctx: ReportContext, kind: Nis2Kind) -> Report:
    """One Art. 23(4) submission for `ctx.recipient` (the CSIRT or competent authority)."""
    zh, en, article = TITLES[kind]
    products = tuple(product_section(i, a, p) for i, (a, p) in enumerate(ctx.affected(), 1))
    found = sections(_entity(ctx), *products, _early(ctx), *_BUILD[kind](ctx))
    return new_report(
        ctx,
        f"nis2.{kind.value}",
        STAGES[kind],
        (zh, en),
        f"{REGULATION} {article}",
        "en",
        ZONE,
        found,
    )
