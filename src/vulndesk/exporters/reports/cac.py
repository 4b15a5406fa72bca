"""The incident report to the CAC under the National Cybersecurity Incident Reporting Measures (2025), Art. 7-8.

Art. 7 lists the content: the unit and the affected facility or system, the time of discovery
or occurrence, the incident type, its grade, the impact and harm, the measures taken and their
effect. Items 1-2 may go first and the rest follow promptly (及时补报): stage `initial` carries
items 1-2, stage `update` the whole list, stage `final` the Art. 8 summary report after
handling ends. Labels are in both languages; the document language is Chinese.
"""

from __future__ import annotations

from vulndesk.domain.errors import InvalidInput
from vulndesk.domain.facts import FactKind
from vulndesk.exporters.reports.incident_fields import (
    ANSWERS,
    GRADES,
    INCIDENT_AWARE,
    INCIDENT_HANDLED,
    OPERATOR_CLASSES,
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
    detail,
    item,
    local_time,
    new_report,
    product_section,
    section,
    sections,
)
from vulndesk.exporters.reports.redaction import (
    INCIDENT_GRADE_OPTION,
    INCIDENT_TYPE_OPTION,
    SUSPECTED_MALICIOUS_OPTION,
)

KIND = "cac.incident"
ZONE = "Asia/Shanghai"
CITATION = "《国家网络安全事件报告管理办法》第七条、第八条 / CAC Incident Reporting Measures (2025) Art. 7-8"
STAGES = (Stage.INITIAL, Stage.UPDATE, Stage.FINAL)
TITLES = {
    Stage.INITIAL: ("网络安全事件报告（首报）", "Cybersecurity incident report (first report)"),
    Stage.UPDATE: ("网络安全事件报告（补报）", "Cybersecurity incident report (supplementary)"),
    Stage.FINAL: ("网络安全事件总结报告", "Cybersecurity incident summary report"),
}


def _unit(ctx: ReportContext) -> ReportSection | None:
    """Item 1: the unit where the incident happened."""
    return section(
        "unit",
        "事发单位",
        "Unit",
        item("organisation", "单位名称", "Organisation", ctx.unit.entity_name),
        unit_field(ctx, "cn_operator_class", "运营者类别", "Operator class", OPERATOR_CLASSES),
        item("contact_name", "联系人", "Contact person", ctx.contact.name),
        item("contact_phone", "联系电话", "Telephone", ctx.contact.phone),
        item("contact_email", "电子邮箱", "Email", ctx.contact.email),
    )


def _discovery(ctx: ReportContext) -> ReportSection | None:
    """Item 2: when the incident was discovered or occurred."""
    return section(
        "discovery",
        "发现时间",
        "Discovery",
        item("reference", "内部编号", "Internal reference", ctx.case.key),
        item("title", "事件名称", "Title", ctx.case.title),
        given(
            "incident_aware_at",
            "事件发现或发生时间",
            "Discovered or occurred at",
            local_time(instant(ctx.case, INCIDENT_AWARE), ZONE),
        ),
        not_recorded("location", "事件发生地点", "Location"),
    )


def _incident(ctx: ReportContext) -> ReportSection | None:
    """Items 3-4: type and grade."""
    case = ctx.case
    type_value = case.options.get(INCIDENT_TYPE_OPTION, "").strip()
    return section(
        "incident",
        "事件类型与级别",
        "Type and grade",
        given("incident_type", "事件类型", "Incident type", type_value),
        option_field(case, INCIDENT_GRADE_OPTION, "事件级别", "Incident grade", GRADES),
        option_field(
            case,
            SUSPECTED_MALICIOUS_OPTION,
            "是否涉嫌违法犯罪",
            "Suspected unlawful or criminal act",
            ANSWERS,
        ),
    )


def _impact(ctx: ReportContext) -> ReportSection | None:
    """Item 5: impact and harm."""
    return section(
        "impact",
        "影响和危害",
        "Impact and harm",
        detail(ctx.case, "summary", "事件概述", "Summary"),
        detail(ctx.case, "harm", "已造成的危害", "Harm caused"),
        detail(ctx.case, "scope_of_impact", "影响范围", "Scope of impact"),
    )


def _measures(ctx: ReportContext, *, final: bool) -> ReportSection | None:
    """Item 6: measures taken and their effect; the summary adds the cause and handling end."""
    at = ctx.case.instants
    return section(
        "measures",
        "已采取的应急处置措施及效果",
        "Measures taken and their effect",
        given(
            "measures_taken_at",
            "采取措施时间",
            "Measures taken at",
            local_time(at.get(FactKind.MEASURES_TAKEN), ZONE),
        ),
        detail(ctx.case, "remediation", "处置措施", "Measures"),
        detail(ctx.case, "workaround", "用户可采取的措施", "Measures users can take"),
        detail(ctx.case, "root_cause", "事件原因", "Cause") if final else None,
        given(
            "incident_handled_at",
            "处置结束时间",
            "Handling ended at",
            local_time(instant(ctx.case, INCIDENT_HANDLED), ZONE),
        )
        if final
        else None,
    )


def build_cac_incident(ctx: ReportContext, stage: Stage = Stage.INITIAL) -> Report:
    """The report for `ctx.recipient`: items 1-2 first, the full Art. 7 list, or the summary."""
    if stage not in STAGES:
        raise InvalidInput(
            "stage", f"{stage.value!r} is not a CAC incident report stage", ", ".join(STAGES)
        )
    products = tuple(product_section(i, a, p) for i, (a, p) in enumerate(ctx.affected(), 1))
    found = (_unit(ctx), *products, _discovery(ctx))
    if stage is not Stage.INITIAL:
        final = stage is Stage.FINAL
        found = (*found, _incident(ctx), _impact(ctx), _measures(ctx, final=final))
    return new_report(ctx, KIND, stage, TITLES[stage], CITATION, "zh-CN", ZONE, sections(*found))
