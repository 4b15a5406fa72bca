"""The report model every builder fills (sections of bilingual fields in form order) and its inputs."""

from __future__ import annotations

import datetime as dt
import html
import json
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from vulndesk.domain.cases import AffectedProduct
from vulndesk.domain.disclosure import DETAIL_FIELDS, Sensitivity
from vulndesk.domain.errors import InvalidInput
from vulndesk.domain.ids import CaseKey, ProductId
from vulndesk.domain.parties import Party
from vulndesk.domain.products import Product
from vulndesk.domain.units import OrgUnit
from vulndesk.exporters.reports.redaction import RedactedCase


class Stage(StrEnum):
    """Where a report stands in its regime's sequence."""

    INITIAL = "initial"
    UPDATE = "update"
    EARLY_WARNING = "early_warning"
    NOTIFICATION = "notification"
    FINAL = "final"


@dataclass(frozen=True, slots=True)
class Contact:
    """The person a recipient may call back about a report."""

    name: str
    email: str
    phone: str = ""


def contact_of(unit: OrgUnit) -> Contact:
    """The unit's contact as set; an empty part is shown as "not provided"."""
    return Contact(unit.contact_person or "", unit.contact_email or "", unit.contact_phone or "")


@dataclass(frozen=True, slots=True)
class ReportContext:
    """Everything a builder reads: the redacted case, its products, who reports, to whom, when."""

    case: RedactedCase
    products: Mapping[ProductId, Product]
    unit: OrgUnit
    contact: Contact
    recipient: Party
    now: dt.datetime

    def __post_init__(self) -> None:
        if self.now.tzinfo is None or self.now.utcoffset() is None:
            raise InvalidInput("now", "the instant has no UTC offset", "an aware datetime")
        missing = [a.product for a in self.case.products if a.product not in self.products]
        if missing:
            raise InvalidInput(
                "products",
                f"product {missing[0]!r} of the case is not given",
                "every product the case affects",
            )

    def affected(self) -> tuple[tuple[AffectedProduct, Product], ...]:
        """The case's affected products with their catalogue records, in case order."""
        return tuple((a, self.products[a.product]) for a in self.case.products)

    def markets(self) -> tuple[str, ...]:
        """Every market of every affected product, sorted."""
        return tuple(sorted({m for _, p in self.affected() for m in p.markets}))


@dataclass(frozen=True, slots=True)
class ReportField:
    """One form field: labels in both languages, zero or more values, and its sensitivity class."""

    key: str
    label_zh: str
    label_en: str
    values: tuple[str, ...] = ()
    sensitivity: Sensitivity = Sensitivity.PUBLIC


@dataclass(frozen=True, slots=True)
class ReportSection:
    """A group of fields, in form order."""

    key: str
    label_zh: str
    label_en: str
    fields: tuple[ReportField, ...]


@dataclass(frozen=True, slots=True)
class Report:
    """A document for one recipient; renderers show it without adding or dropping anything."""

    kind: str
    stage: Stage
    case: CaseKey
    recipient: Party
    title_zh: str
    title_en: str
    citation: str
    language: str
    generated_at: dt.datetime
    withheld: tuple[Sensitivity, ...]
    sections: tuple[ReportSection, ...]

    @property
    def field_keys(self) -> tuple[str, ...]:
        """`section.field` for every field, in order (what the ledger records as sent)."""
        return tuple(f"{s.key}.{f.key}" for s in self.sections for f in s.fields)

    @property
    def detail_fields(self) -> frozenset[str]:
        """The case detail fields this report carries (for the equal-dissemination check)."""
        return frozenset(
            f.key for s in self.sections for f in s.fields if f.key in DETAIL_FIELDS and f.values
        )


# ---------------------------------------------------------------- building blocks for builders


def both(zh: str, en: str) -> str:
    """A fixed value in both languages, Chinese first as the labels are."""
    return f"{zh} / {en}"


def item(
    key: str, zh: str, en: str, *values: str, sensitivity: Sensitivity = Sensitivity.PUBLIC
) -> ReportField:
    """A field with its non-empty values."""
    return ReportField(key, zh, en, tuple(v for v in values if v), sensitivity)


def detail(case: RedactedCase, name: str, zh: str, en: str) -> ReportField | None:
    """A case detail field, or None when the recipient may not see it (so it is left out)."""
    if not case.shows(name):
        return None
    return item(name, zh, en, case.detail(name), sensitivity=DETAIL_FIELDS[name])


def section(key: str, zh: str, en: str, *fields: ReportField | None) -> ReportSection | None:
    """A section of the fields that are present; None when every field was left out."""
    present = tuple(f for f in fields if f is not None)
    return ReportSection(key, zh, en, present) if present else None


def sections(*found: ReportSection | None) -> tuple[ReportSection, ...]:
    return tuple(s for s in found if s is not None)


def local_time(at: dt.datetime | None, zone: str) -> str:
    """ISO 8601 in `zone` with its offset, or empty when the instant is unknown."""
    if at is None:
        return ""
    return at.astimezone(zoneinfo.ZoneInfo(zone)).isoformat(timespec="seconds")


def withheld_sorted(case: RedactedCase) -> tuple[Sensitivity, ...]:
    return tuple(sorted(case.withheld, key=lambda s: s.rank))


def severity_values(case: RedactedCase) -> tuple[str, ...]:
    """CVSS scores with vectors, newest version first."""
    sev = case.severity
    out = []
    if sev.cvss40_score is not None:
        out.append(f"CVSS 4.0 {sev.cvss40_score:.1f} {sev.cvss40_vector or ''}".rstrip())
    if sev.cvss31_score is not None:
        out.append(f"CVSS 3.1 {sev.cvss31_score:.1f} {sev.cvss31_vector or ''}".rstrip())
    return tuple(out)


def product_section(index: int, affected: AffectedProduct, product: Product) -> ReportSection:
    """Name, model, vendor, kind and versions of one affected product."""
    return ReportSection(
        f"product-{index}",
        f"受影响产品 {index}",
        f"Affected product {index}",
        (
            item("vendor", "厂商", "Vendor", product.vendor),
            item("name", "产品名称", "Product name", product.name),
            item("model", "型号", "Model", product.model),
            item("kind", "产品类别", "Kind", product.kind.value),
            item("versions", "受影响版本", "Affected versions", *affected.versions),
            item("fixed_versions", "修复版本", "Fixed versions", *affected.fixed_versions),
        ),
    )


def new_report(
    ctx: ReportContext,
    kind: str,
    stage: Stage,
    title: tuple[str, str],
    citation: str,
    language: str,
    zone: str,
    found: tuple[ReportSection, ...],
) -> Report:
    """Assemble a report with the header fields every kind shares."""
    return Report(
        kind=kind,
        stage=stage,
        case=ctx.case.key,
        recipient=ctx.recipient,
        title_zh=title[0],
        title_en=title[1],
        citation=citation,
        language=language,
        generated_at=ctx.now.astimezone(zoneinfo.ZoneInfo(zone)),
        withheld=withheld_sorted(ctx.case),
        sections=found,
    )


# ---------------------------------------------------------------- renderers

SENSITIVITY_LABELS = {
    Sensitivity.PUBLIC: ("公开", "public"),
    Sensitivity.RESTRICTED: ("受限", "restricted"),
    Sensitivity.SECRET: ("机密", "secret"),
}
NOT_PROVIDED = both("未提供", "not provided")
_NONE = both("无", "none")


def _header(report: Report) -> tuple[tuple[str, str, str], ...]:
    """(zh, en, value) rows every renderer shows above the sections."""
    withheld = ", ".join(both(*SENSITIVITY_LABELS[s]) for s in report.withheld) or _NONE
    return (
        ("案件编号", "Case", report.case),
        ("报告阶段", "Stage", report.stage.value),
        ("接收方", "Recipient", f"{report.recipient.name} ({report.recipient.kind.value})"),
        ("依据", "Legal basis", report.citation),
        ("生成时间", "Generated", report.generated_at.isoformat(timespec="seconds")),
        ("未包含的信息类别", "Classes withheld", withheld),
    )


def to_json(report: Report) -> str:
    """Stable JSON: header keys, then sections, then every field in form order."""
    document = {
        "kind": report.kind,
        "stage": report.stage.value,
        "recipient": {
            "id": report.recipient.id,
            "name": report.recipient.name,
            "kind": report.recipient.kind.value,
        },
        "case": report.case,
        "title": {"zh-CN": report.title_zh, "en": report.title_en},
        "citation": report.citation,
        "language": report.language,
        "generated_at": report.generated_at.isoformat(timespec="seconds"),
        "withheld_classes": [s.value for s in report.withheld],
        "sections": [
            {"key": s.key, "label_zh": s.label_zh, "label_en": s.label_en} for s in report.sections
        ],
        "fields": [
            {
                "section": s.key,
                "key": f.key,
                "label_zh": f.label_zh,
                "label_en": f.label_en,
                "sensitivity": f.sensitivity.value,
                "values": list(f.values),
            }
            for s in report.sections
            for f in s.fields
        ],
    }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


_MD_SPECIAL = str.maketrans(
    {c: "\\" + c for c in "\\`*_[]#|~"} | {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
)


def md_escape(text: str) -> str:
    """Text shown literally by any CommonMark renderer, raw HTML included."""
    return text.translate(_MD_SPECIAL)


def _md_value(value: str) -> str:
    return "  \n".join(md_escape(line) for line in value.split("\n"))


def to_markdown(report: Report) -> str:
    """Markdown with `**简体中文 / English**` labels and each value as its own paragraph."""
    out = [f"# {md_escape(both(report.title_zh, report.title_en))}", ""]
    out += [f"- **{both(zh, en)}**: {md_escape(value)}" for zh, en, value in _header(report)]
    for s in report.sections:
        out += ["", f"## {md_escape(both(s.label_zh, s.label_en))}"]
        for f in s.fields:
            mark = (
                ""
                if f.sensitivity is Sensitivity.PUBLIC
                else f" ({both(*SENSITIVITY_LABELS[f.sensitivity])})"
            )
            out += ["", f"**{md_escape(both(f.label_zh, f.label_en))}**{mark}", ""]
            values = f.values or (NOT_PROVIDED,)
            if len(values) == 1:
                out.append(_md_value(values[0]))
            else:
                out += [f"- {_md_value(v)}" for v in values]
    return "\n".join(out) + "\n"


_CSS = """
@page { size: A4; margin: 18mm 16mm 20mm;
  @bottom-right { content: counter(page) " / " counter(pages); font-size: 8pt; } }
html { font-family: "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Micro Hei",
  "Microsoft YaHei", "PingFang SC", "DejaVu Sans", sans-serif; font-size: 10.5pt; line-height: 1.5;
  color: #000; background: #fff; }
body { margin: 0 auto; max-width: 50em; padding: 1em; }
h1 { font-size: 16pt; margin: 0 0 .5em; }
h2 { font-size: 12.5pt; margin: 1.4em 0 .4em; border-bottom: 1px solid #555; break-after: avoid; }
dl { margin: 0; }
dt { font-weight: bold; margin-top: .6em; break-after: avoid; }
dd { margin: .1em 0 0 1.2em; }
.v { margin: 0; white-space: pre-wrap; overflow-wrap: anywhere; }
ul.v { padding-left: 1.2em; white-space: normal; }
.meta { display: grid; grid-template-columns: max-content 1fr; gap: .1em 1em; }
.meta dt, .meta dd { margin: 0; }
.badge { font-size: 8pt; font-weight: normal; border: 1px solid #000; padding: 0 .3em; margin-left: .4em; }
.empty { color: #555; }
@media print { body { max-width: none; padding: 0; } }
"""


def _h(text: str) -> str:
    return html.escape(text, quote=True)


def _label(zh: str, en: str) -> str:
    return f'<span lang="zh-CN">{_h(zh)}</span> / <span lang="en">{_h(en)}</span>'


def _html_values(f: ReportField) -> str:
    if not f.values:
        return f'<p class="v empty">{_h(NOT_PROVIDED)}</p>'
    if len(f.values) == 1:
        return f'<p class="v">{_h(f.values[0])}</p>'
    return '<ul class="v">' + "".join(f"<li>{_h(v)}</li>" for v in f.values) + "</ul>"


def _html_field(s: ReportSection, f: ReportField) -> str:
    badge = ""
    if f.sensitivity is not Sensitivity.PUBLIC:
        badge = f'<span class="badge">{_label(*SENSITIVITY_LABELS[f.sensitivity])}</span>'
    return (
        f'<dt id="f-{_h(s.key)}-{_h(f.key)}">{_label(f.label_zh, f.label_en)}{badge}</dt>\n'
        f'<dd data-sensitivity="{f.sensitivity.value}">{_html_values(f)}</dd>'
    )


def to_html(report: Report) -> str:
    """A standalone, print-ready HTML document: escaped values, no scripts, no outside resources."""
    meta = "\n".join(
        f"<dt>{_label(zh, en)}</dt><dd>{_h(value)}</dd>" for zh, en, value in _header(report)
    )
    body = []
    for s in report.sections:
        fields = "\n".join(_html_field(s, f) for f in s.fields)
        body.append(
            f'<section id="s-{_h(s.key)}">\n<h2>{_label(s.label_zh, s.label_en)}</h2>\n<dl>\n{fields}\n</dl>\n</section>'
        )
    return (
        f'<!DOCTYPE html>\n<html lang="{_h(report.language)}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_h(report.case)} {_h(both(report.title_zh, report.title_en))}</title>\n"
        f"<style>{_CSS}</style>\n</head>\n<body>\n<header>\n"
        f"<h1>{_label(report.title_zh, report.title_en)}</h1>\n"
        f'<dl class="meta">\n{meta}\n</dl>\n</header>\n<main>\n'
        + "\n".join(body)
        + "\n</main>\n</body>\n</html>\n"
    )
