"""Notification bodies for users, downstream makers, upstream suppliers and CSIRTs, in English or 简体中文."""

from __future__ import annotations

import html
from dataclasses import dataclass
from enum import StrEnum

from vulndesk.domain.facts import FactKind
from vulndesk.domain.ids import parse_case_key
from vulndesk.domain.severity import SeverityLevel
from vulndesk.domain.values import language as check_language
from vulndesk.exporters.reports.model import (
    Report,
    ReportContext,
    ReportField,
    ReportSection,
    Stage,
    detail,
    item,
    local_time,
    new_report,
    section,
    sections,
    severity_values,
)


class NoticeKind(StrEnum):
    """Who a notice is written for."""

    USERS = "users"
    DOWNSTREAM = "downstream"
    UPSTREAM = "upstream"
    CSIRT = "csirt"


# Fixed subject labels: a subject travels in clear text, so it never carries case free text.
_SUBJECTS = {
    NoticeKind.USERS: ("security notice", "安全通告"),
    NoticeKind.DOWNSTREAM: ("security notice for downstream makers", "下游厂商安全通知"),
    NoticeKind.UPSTREAM: ("vulnerability in a component you maintain", "组件漏洞通知"),
    NoticeKind.CSIRT: ("vulnerability notification", "漏洞通报"),
}

_INTROS = {
    NoticeKind.USERS: (
        "{unit} informs users of the products below of a security vulnerability and how to fix it.",
        "{unit}现就下列产品中的安全漏洞及修复方法通知用户。",
    ),
    NoticeKind.DOWNSTREAM: (
        (
            "{unit} informs you, as a maker of products that include the products below, of a security "
            "vulnerability in them, so that you can plan updates of your own products."
        ),
        "{unit}现通知贵方：贵方产品所包含的下列产品存在安全漏洞，请据此安排贵方产品的更新。",
    ),
    NoticeKind.UPSTREAM: (
        (
            "{unit} has found a security vulnerability that it believes lies in a component you maintain. "
            "Please confirm it and tell us when a fix is available; we will coordinate disclosure with you."
        ),
        "{unit}发现一个安全漏洞，判断其位于贵方维护的组件中。请确认并告知修复时间，我方将与贵方协调披露。",
    ),
    NoticeKind.CSIRT: (
        "{unit} notifies you of a security vulnerability in its products.",
        "{unit}现就其产品中的安全漏洞向贵方通报。",
    ),
}

_CONFIDENTIAL = (
    "This notice contains information that is not yet public. Please share it only with those who need it.",
    "本通知包含尚未公开的信息，请仅在必要范围内知悉。",
)

# Detail fields each kind may carry, in reading order; the recipient's policy decides which remain.
_DETAILS = {
    NoticeKind.USERS: ("summary", "harm", "affected_versions_detail"),
    NoticeKind.DOWNSTREAM: (
        "summary",
        "harm",
        "technical_characteristics",
        "scope_of_impact",
        "affected_versions_detail",
    ),
    NoticeKind.UPSTREAM: (
        "summary",
        "harm",
        "technical_characteristics",
        "scope_of_impact",
        "affected_versions_detail",
        "trigger_location",
        "proof_of_concept",
    ),
    NoticeKind.CSIRT: (
        "summary",
        "harm",
        "technical_characteristics",
        "scope_of_impact",
        "affected_versions_detail",
        "trigger_location",
        "proof_of_concept",
        "exploit",
        "operator_system_details",
    ),
}

_LEVELS_ZH = {
    SeverityLevel.CRITICAL: "严重",
    SeverityLevel.HIGH: "高",
    SeverityLevel.MEDIUM: "中",
    SeverityLevel.LOW: "低",
    SeverityLevel.NONE: "无",
}

_LABELS = {
    "summary": ("概述", "Summary"),
    "harm": ("危害", "Impact"),
    "technical_characteristics": ("技术特征", "Technical characteristics"),
    "scope_of_impact": ("影响范围", "Scope of impact"),
    "affected_versions_detail": ("受影响版本说明", "Affected versions in detail"),
    "trigger_location": ("触发位置", "Trigger location"),
    "proof_of_concept": ("概念验证", "Proof of concept"),
    "exploit": ("利用方式", "Exploit"),
    "operator_system_details": ("系统详情", "System details"),
}


@dataclass(frozen=True, slots=True)
class Notice:
    """A notice ready to send: subject, plain-text and HTML bodies, and the report they show."""

    kind: NoticeKind
    language: str
    subject: str
    text: str
    html: str
    report: Report


def subject(case_key: str, kind: NoticeKind, language: str) -> str:
    """`[vulndesk] VD-2026-0001 security notice`: the case id and a fixed label, nothing else."""
    key = parse_case_key(case_key)
    en, zh = _SUBJECTS[kind]
    return f"[vulndesk] {key} {zh if check_language('language', language) == 'zh-CN' else en}"


def _products(ctx: ReportContext) -> tuple[ReportSection | None, ...]:
    return tuple(
        section(
            f"product-{i}",
            f"受影响产品 {i}",
            f"Affected product {i}",
            item("name", "产品名称", "Product name", p.name),
            item("model", "型号", "Model", p.model),
            item("versions", "受影响版本", "Affected versions", *a.versions),
            item("fixed_versions", "修复版本", "Fixed versions", *a.fixed_versions),
        )
        for i, (a, p) in enumerate(ctx.affected(), 1)
    )


def _components(ctx: ReportContext) -> ReportSection | None:
    """Only the components this supplier maintains: the rest of the bill of materials is not theirs."""
    purls = sorted(
        {c.purl for _, p in ctx.affected() for c in p.components if c.supplier == ctx.recipient.id}
    )
    return section(
        "components",
        "相关组件",
        "Components concerned",
        item("components", "组件（purl）", "Components (purl)", *purls),
    )


def _vulnerability(ctx: ReportContext, kind: NoticeKind, zh: bool) -> ReportSection | None:
    case = ctx.case
    level = case.severity.level
    shown = "" if level is None else _LEVELS_ZH[level] if zh else level.value
    return section(
        "vulnerability",
        "漏洞信息",
        "Vulnerability",
        item("title", "标题", "Title", case.title),
        item("severity", "严重程度", "Severity", shown),
        item("cvss", "CVSS", "CVSS", *severity_values(case)),
        item("cwe", "CWE", "CWE", case.cwe or ""),
        *(detail(case, name, *_LABELS[name]) for name in _DETAILS[kind]),
    )


def _measures(ctx: ReportContext) -> ReportSection | None:
    case = ctx.case
    return section(
        "measures",
        "应对措施",
        "What to do",
        item(
            "fix_available_at",
            "修复发布时间",
            "Fix available since",
            local_time(case.instants.get(FactKind.FIX_AVAILABLE), ctx.unit.timezone),
        ),
        detail(case, "remediation", "修复方法", "How to fix"),
        detail(case, "workaround", "临时缓解措施", "Workaround"),
        detail(case, "remediation_plan", "修复计划", "Remediation plan"),
    )


def _label(f: ReportField | ReportSection, zh: bool) -> str:
    return f.label_zh if zh else f.label_en


def _intro(ctx: ReportContext, kind: NoticeKind, zh: bool) -> tuple[str, ...]:
    greeting = f"{ctx.recipient.name}：" if zh else f"Dear {ctx.recipient.name},"
    confidential = () if kind is NoticeKind.USERS else (_CONFIDENTIAL[zh],)
    return (greeting, _INTROS[kind][zh].format(unit=ctx.unit.entity_name), *confidential)


def _signature(ctx: ReportContext, zh: bool) -> tuple[str, ...]:
    c = ctx.contact
    parts = (c.name, f"<{c.email}>" if c.email else "", c.phone)
    contact = " ".join(p for p in parts if p) or ("未提供" if zh else "not provided")
    name = ctx.unit.entity_name
    if zh:
        return (f"联系人：{contact}", name, f"编号：{ctx.case.key}")
    return (f"Contact: {contact}", name, f"Reference: {ctx.case.key}")


def _text_field(f: ReportField, zh: bool) -> list[str]:
    label = _label(f, zh) + ("：" if zh else ":")
    values = f.values or ("—",)
    if not any("\n" in v for v in values):
        return [f"{label}{'' if zh else ' '}{', '.join(values)}"]
    return [label, *(f"  {line}" for v in values for line in v.split("\n"))]


def _text(report: Report, intro: tuple[str, ...], signature: tuple[str, ...], zh: bool) -> str:
    lines = [line for paragraph in intro for line in (paragraph, "")]
    for s in report.sections:
        lines.append(f"== {_label(s, zh)} ==")
        lines += [line for f in s.fields for line in _text_field(f, zh)]
        lines.append("")
    return "\n".join([*lines, *signature]) + "\n"


_STYLE = (
    'body { font-family: "Noto Sans CJK SC", "Noto Sans SC", "DejaVu Sans", sans-serif; line-height: 1.5; '
    "max-width: 44em; } dt { font-weight: bold; } dd { margin: 0 0 .6em 1.2em; white-space: pre-wrap; }"
)


def _html(
    report: Report, title: str, intro: tuple[str, ...], signature: tuple[str, ...], zh: bool
) -> str:
    """A standalone HTML body; every value escaped, no scripts, no outside resources."""
    e = html.escape
    body = [f"<p>{e(p)}</p>" for p in intro]
    for s in report.sections:
        rows = "".join(
            f"<dt>{e(_label(f, zh))}</dt><dd>"
            + "<br>".join(e(v) for v in f.values or ("—",))
            + "</dd>"
            for f in s.fields
        )
        body.append(f"<h2>{e(_label(s, zh))}</h2>\n<dl>{rows}</dl>")
    body.append("<p>" + "<br>".join(e(line) for line in signature) + "</p>")
    return (
        f'<!DOCTYPE html>\n<html lang="{e(report.language)}">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{e(title)}</title>\n<style>{_STYLE}</style>\n</head>\n<body>\n"
        + "\n".join(body)
        + "\n</body>\n</html>\n"
    )


_CITATIONS = {
    NoticeKind.USERS: "RMSV 2021 Art. 7(3); CRA Art. 14(8)",
    NoticeKind.DOWNSTREAM: "RMSV 2021 Art. 7(3)",
    NoticeKind.UPSTREAM: "RMSV 2021 Art. 7(1); CRA Art. 13(6)",
    NoticeKind.CSIRT: "ISO/IEC 29147 coordinated disclosure",
}


def build_notice(ctx: ReportContext, kind: NoticeKind, stage: Stage = Stage.INITIAL) -> Notice:
    """The notice for `ctx.recipient` in its language, showing only its allowed fields."""
    lang = check_language("recipient.language", ctx.recipient.language)
    zh = lang == "zh-CN"
    extra = (_components(ctx),) if kind is NoticeKind.UPSTREAM else ()
    found = sections(*_products(ctx), *extra, _vulnerability(ctx, kind, zh), _measures(ctx))
    en_title, zh_title = _SUBJECTS[kind]
    report = new_report(
        ctx,
        f"notice.{kind.value}",
        stage,
        (zh_title, en_title),
        _CITATIONS[kind],
        lang,
        ctx.unit.timezone,
        found,
    )
    title = subject(ctx.case.key, kind, lang)
    intro, signature = _intro(ctx, kind, zh), _signature(ctx, zh)
    return Notice(
        kind,
        lang,
        title,
        _text(report, intro, signature, zh),
        _html(report, title, intro, signature, zh),
        report,
    )
