"""The report to MIIT's NVDB (网络安全威胁和漏洞信息共享平台) under RMSV 2021 Art. 7(2), in form order.

No official field list is public (the form sits behind a login), so the order follows the
legal minimum (product, model, version, technical characteristics, harm, scope of impact)
and the usual practice around it: reporter, product, vulnerability, grade, characteristics,
scope, discovery, measures, upstream components.
"""

from __future__ import annotations

from enum import StrEnum

from vulndesk.domain.errors import InvalidInput
from vulndesk.domain.facts import FactKind
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
from vulndesk.exporters.reports.redaction import VULN_CLASS_OPTION, RedactedCase

KIND = "nvdb"
ZONE = "Asia/Shanghai"
TITLE = ("网络产品安全漏洞信息报送", "Network product security vulnerability report")
CITATION = "《网络产品安全漏洞管理规定》第七条第（二）项 / RMSV 2021 Art. 7(2)"
STAGES = (Stage.INITIAL, Stage.UPDATE)


class VulnClass(StrEnum):
    """Top-level classes of GB/T 30279-2020 §5, plus `unspecified` until the analyst decides."""

    CODE_ISSUE = "code_issue"
    CONFIGURATION_ERROR = "configuration_error"
    ENVIRONMENT_ISSUE = "environment_issue"
    OTHER = "other"
    UNSPECIFIED = "unspecified"

    @property
    def label(self) -> str:
        zh = {
            "code_issue": "代码问题",
            "configuration_error": "配置错误",
            "environment_issue": "环境问题",
            "other": "其他",
            "unspecified": "未指定",
        }[self.value]
        return both(zh, self.value.replace("_", " "))


def vuln_class(case: RedactedCase) -> VulnClass:
    """The class the case data gives, or `unspecified`."""
    value = case.options.get(VULN_CLASS_OPTION, "").strip().lower()
    if not value:
        return VulnClass.UNSPECIFIED
    try:
        return VulnClass(value)
    except ValueError as exc:
        raise InvalidInput(
            f"options.{VULN_CLASS_OPTION}",
            f"{value!r} is not a GB/T 30279 class",
            ", ".join(VulnClass),
        ) from exc


def _entity(ctx: ReportContext) -> ReportSection | None:
    return section(
        "reporting_entity",
        "报送单位",
        "Reporting entity",
        item("organisation", "单位名称", "Organisation", ctx.unit.entity_name),
        item("country", "所在国家或地区", "Country", ctx.unit.country),
        item("contact_name", "联系人", "Contact person", ctx.contact.name),
        item("contact_email", "电子邮箱", "Email", ctx.contact.email),
        item("contact_phone", "联系电话", "Telephone", ctx.contact.phone),
    )


def _vulnerability(case: RedactedCase) -> ReportSection | None:
    return section(
        "vulnerability",
        "漏洞信息",
        "Vulnerability",
        item("name", "漏洞名称", "Vulnerability name", case.title),
        item("reference", "内部编号", "Internal reference", case.key),
        detail(case, "summary", "漏洞描述", "Description"),
        item(
            "class", "漏洞类型（GB/T 30279-2020）", "Type (GB/T 30279-2020)", vuln_class(case).label
        ),
        item("cwe", "CWE 编号", "CWE", case.cwe or ""),
    )


def _grade(case: RedactedCase) -> ReportSection | None:
    grade = case.severity.cn_grade
    level = case.severity.level
    return section(
        "grade",
        "危害等级",
        "Harm level",
        item(
            "cn_grade",
            "危害等级（GB/T 30279-2020）",
            "Harm level (GB/T 30279-2020)",
            both(grade.value, grade.english) if grade else both("未评定", "not graded"),
        ),
        item("cvss_level", "CVSS 定性等级", "CVSS rating", level.value if level else ""),
        item("cvss", "CVSS 分值与向量", "CVSS score and vector", *severity_values(case)),
    )


def _characteristics(case: RedactedCase) -> ReportSection | None:
    return section(
        "characteristics",
        "技术特征与危害",
        "Technical characteristics and harm",
        detail(case, "technical_characteristics", "技术特征", "Technical characteristics"),
        detail(case, "harm", "危害", "Harm"),
    )


def _scope(ctx: ReportContext) -> ReportSection | None:
    case = ctx.case
    versions = [f"{p.name} {p.model}: {', '.join(a.versions) or '—'}" for a, p in ctx.affected()]
    installed = [
        f"{p.name} {p.model}: {p.installed_base}"
        for _, p in ctx.affected()
        if p.installed_base is not None
    ]
    return section(
        "scope",
        "影响范围",
        "Scope of impact",
        detail(case, "scope_of_impact", "影响范围说明", "Scope of impact"),
        item("affected_versions", "受影响产品及版本", "Affected products and versions", *versions),
        detail(case, "affected_versions_detail", "受影响版本说明", "Affected versions in detail"),
        item("installed_base", "装机量", "Installed base", *installed),
        item("regions", "销售或提供地区", "Markets", *ctx.markets()),
    )


def _discovery(case: RedactedCase) -> ReportSection | None:
    at = case.instants
    verified = local_time(at.get(FactKind.VERIFIED), ZONE)
    exploited = local_time(at.get(FactKind.EXPLOITATION_AWARE), ZONE)
    return section(
        "discovery",
        "发现与验证",
        "Discovery and verification",
        item(
            "discovered_at", "发现时间", "Discovery time", local_time(at.get(FactKind.AWARE), ZONE)
        ),
        item(
            "verification",
            "验证情况",
            "Verification status",
            both("已验证", "verified") + f" {verified}"
            if verified
            else both("未验证", "unverified"),
        ),
        item(
            "exploitation",
            "在野利用情况",
            "Exploitation",
            both("已发现利用", "exploitation known") + f" {exploited}"
            if exploited
            else both("未发现", "none known"),
        ),
    )


def _measures(case: RedactedCase) -> ReportSection | None:
    at = case.instants
    return section(
        "measures",
        "已采取的措施与修复计划",
        "Measures taken and remediation plan",
        item(
            "measures_taken_at",
            "采取措施时间",
            "Measures taken at",
            local_time(at.get(FactKind.MEASURES_TAKEN), ZONE),
        ),
        item(
            "fix_available_at",
            "修复发布时间",
            "Fix available at",
            local_time(at.get(FactKind.FIX_AVAILABLE), ZONE),
        ),
        detail(case, "remediation", "修复方法", "Remediation"),
        detail(case, "workaround", "临时缓解措施", "Workaround"),
        detail(case, "remediation_plan", "修复计划", "Remediation plan"),
    )


def _upstream(ctx: ReportContext) -> ReportSection | None:
    purls = sorted({c.purl for _, p in ctx.affected() for c in p.components})
    return section(
        "upstream",
        "上游组件",
        "Upstream components",
        item(
            "in_upstream",
            "漏洞位于上游组件",
            "Flaw lies in an upstream component",
            both("是", "yes") if ctx.case.upstream_component else both("否", "no"),
        ),
        item("components", "所含组件（purl）", "Components (purl)", *purls),
    )


def build_nvdb(ctx: ReportContext, stage: Stage = Stage.INITIAL) -> Report:
    """The NVDB report for `ctx.recipient`, `initial` or `update`."""
    if stage not in STAGES:
        raise InvalidInput("stage", f"{stage.value!r} is not an NVDB stage", ", ".join(STAGES))
    found = sections(
        _entity(ctx),
        *(product_section(i, a, p) for i, (a, p) in enumerate(ctx.affected(), 1)),
        _vulnerability(ctx.case),
        _grade(ctx.case),
        _characteristics(ctx.case),
        _scope(ctx),
        _discovery(ctx.case),
        _measures(ctx.case),
        _upstream(ctx),
    )
    return new_report(ctx, KIND, stage, TITLE, CITATION, "zh-CN", ZONE, found)
