"""The GDPR Art. 33(3) notification of a personal data breach to the supervisory authority.

Art. 33(3): (a) the nature of the breach with the categories and approximate numbers of data
subjects and records; (b) the contact point; (c) the likely consequences; (d) the measures
taken or proposed. Art. 33(4) lets the information follow in phases: stage `update`.
"""

from __future__ import annotations

from vulndesk.domain.errors import InvalidInput
from vulndesk.domain.facts import FactKind
from vulndesk.exporters.reports.incident_fields import BREACH_AWARE, given, instant, not_recorded
from vulndesk.exporters.reports.model import (
    Report,
    ReportContext,
    ReportSection,
    Stage,
    detail,
    item,
    local_time,
    new_report,
    section,
    sections,
)

KIND = "gdpr.breach_notification"
ZONE = "UTC"
CITATION = "Regulation (EU) 2016/679 (GDPR) Art. 33(3)"
TITLE = ("个人数据泄露通知", "Notification of a personal data breach")
STAGES = (Stage.INITIAL, Stage.UPDATE)


def _controller(ctx: ReportContext) -> ReportSection | None:
    """(b): who to contact for more information."""
    return section(
        "controller",
        "控制者与联系人",
        "Controller and contact point",
        item("organisation", "控制者", "Controller", ctx.unit.entity_name),
        item("country", "主要营业地", "Main establishment", ctx.unit.country),
        item(
            "contact_name",
            "数据保护官或联系人",
            "Data protection officer or contact",
            ctx.contact.name,
        ),
        item("contact_email", "电子邮箱", "Email", ctx.contact.email),
        item("contact_phone", "联系电话", "Telephone", ctx.contact.phone),
    )


def _nature(ctx: ReportContext) -> ReportSection | None:
    """(a): the nature of the breach, categories and numbers."""
    return section(
        "nature",
        "泄露性质",
        "Nature of the breach",
        item("reference", "内部编号", "Controller reference", ctx.case.key),
        item("title", "标题", "Title", ctx.case.title),
        given(
            "breach_aware_at",
            "知悉泄露时间",
            "Aware of the breach at",
            local_time(instant(ctx.case, BREACH_AWARE), ZONE),
        ),
        detail(ctx.case, "summary", "概述", "Description"),
        not_recorded("subject_categories", "数据主体类别", "Categories of data subjects"),
        not_recorded("subject_count", "数据主体大致数量", "Approximate number of data subjects"),
        not_recorded(
            "record_categories", "个人数据记录类别", "Categories of personal data records"
        ),
        not_recorded("record_count", "个人数据记录大致数量", "Approximate number of records"),
    )


def _consequences(ctx: ReportContext) -> ReportSection | None:
    """(c): the likely consequences."""
    return section(
        "consequences",
        "可能后果",
        "Likely consequences",
        detail(ctx.case, "harm", "可能后果", "Likely consequences"),
        detail(ctx.case, "scope_of_impact", "影响范围", "Scope"),
    )


def _measures(ctx: ReportContext) -> ReportSection | None:
    """(d): measures taken or proposed, including to mitigate adverse effects."""
    return section(
        "measures",
        "已采取或拟采取的措施",
        "Measures taken or proposed",
        given(
            "measures_taken_at",
            "采取措施时间",
            "Measures taken at",
            local_time(ctx.case.instants.get(FactKind.MEASURES_TAKEN), ZONE),
        ),
        detail(ctx.case, "remediation", "已采取的措施", "Measures taken"),
        detail(ctx.case, "remediation_plan", "拟采取的措施", "Measures proposed"),
        detail(
            ctx.case, "workaround", "减轻不利影响的措施", "Measures to mitigate adverse effects"
        ),
    )


def build_gdpr_breach(ctx: ReportContext, stage: Stage = Stage.INITIAL) -> Report:
    """The Art. 33(3) notification for `ctx.recipient` (the supervisory authority)."""
    if stage not in STAGES:
        raise InvalidInput(
            "stage", f"{stage.value!r} is not a GDPR notification stage", ", ".join(STAGES)
        )
    found = sections(_controller(ctx), _nature(ctx), _consequences(ctx), _measures(ctx))
    return new_report(ctx, KIND, stage, TITLE, CITATION, "en", ZONE, found)
