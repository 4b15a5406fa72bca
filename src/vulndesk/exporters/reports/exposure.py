"""The board's disclosure report: bilingual HTML (for the browser and PDF) and CSV, from its JSON.

Input is the plain data of `services.exposure.as_json`, so the same figures reach every format.
Every figure names the ledger entries behind it, and the header names the audit event the
report was built at, so a reader can check it with `vulndesk report exposure-verify`.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Mapping, Sequence
from html import escape
from typing import Any

LABELS = {
    "title": ("Disclosure exposure report", "漏洞信息披露暴露情况报告"),
    "period": ("Period", "期间"),
    "unit": ("Unit", "单位"),
    "all": ("all", "全部"),
    "built": ("Built", "生成时间"),
    "evidence": ("Evidence", "证据"),
    "governments": ("Exposure per government", "各政府机构的暴露情况"),
    "countries": ("Exposure per country", "各国家的暴露情况"),
    "units": ("Exposure per unit (governments)", "各单位的暴露情况（政府）"),
    "customers": ("Exposure per customer", "各客户的暴露情况"),
    "key": ("Recipient", "接收方"),
    "cases": ("Vulnerabilities", "漏洞数"),
    "disclosures": ("Disclosures", "披露次数"),
    "secret": ("With secret fields", "含机密字段"),
    "open": ("Open windows", "未结束窗口"),
    "days": ("Days exposed (sum)", "暴露天数（合计）"),
    "longest": ("Longest (days)", "最长（天）"),
    "entries": ("Ledger entries", "台账记录"),
    "windows": ("Disclosures before a fix", "修复前的披露"),
    "case": ("Case", "案件"),
    "recipient": ("Recipient", "接收方"),
    "at": ("Told at", "披露时间"),
    "fields": ("Fields", "字段"),
    "ends": ("Window ends", "窗口结束"),
    "still_open": ("still open", "尚未结束"),
    "inequalities": ("Equal-treatment exceptions", "平等对待例外"),
    "reason": ("Finding", "发现"),
    "decisions": ("Decisions that allowed it", "批准该披露的决定"),
    "none": ("none", "无"),
    "submissions": ("Government submissions", "向政府提交的报告"),
    "approvers": ("Approvers", "审批人"),
    "recorded": ("Recorded", "记录时间"),
    "late": ("Late filings and overdue duties", "逾期提交与逾期义务"),
    "obligation": ("Obligation", "义务"),
    "status": ("Status", "状态"),
    "ranges": ("Statutory range", "法定处罚幅度"),
    "whatif": (
        "What-if of the rule sets in force: open duties",
        "现行规则集的假设分析：未履行义务",
    ),
    "whatif_intro": (
        "Open obligations overdue or due within the window, per unit and regulator",
        "按单位和监管机构统计的已逾期或即将到期的未履行义务",
    ),
    "rule_sets": ("Rule sets in force", "现行规则集"),
    "computed_at": ("Computed at", "计算时间"),
    "recomputing": (
        "Cases or rules have changed since: these figures are being recomputed",
        "此后案件或规则已有变更：这些数字正在重新计算",
    ),
    "window": ("Window (hours)", "时间窗口（小时）"),
    "regulation": ("Regulation", "法规"),
    "regulator": ("Regulator", "监管机构"),
    "overdue": ("Overdue", "已逾期"),
    "due_soon": ("Due soon", "即将到期"),
    "note": (
        "Statutory ranges are quoted from the rule files; they are not legal advice.",
        "法定处罚幅度引自规则文件，不构成法律意见。",
    ),
}


def _t(key: str) -> str:
    en, zh = LABELS[key]
    return f"{escape(en)} / {escape(zh)}"


def _table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    head = "".join(f"<th>{_t(h)}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(str(c))}</td>" for c in row) + "</tr>" for row in rows
    )
    if not rows:
        body = f'<tr><td colspan="{len(headers)}">{_t("none")}</td></tr>'
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _totals(items: Sequence[Mapping[str, Any]]) -> str:
    rows = [
        (
            t["key"],
            len(t["cases"]),
            t["disclosures"],
            t["secret_disclosures"],
            t["open_windows"],
            t["total_days"],
            t["longest_days"],
            ", ".join(f"#{e}" for e in t["ledger_entries"]),
        )
        for t in items
    ]
    headers = ("key", "cases", "disclosures", "secret", "open", "days", "longest", "entries")
    return _table(headers, rows)


def _range(r: Mapping[str, Any]) -> str:
    cap = f" / {r['turnover_percent']:g}%" if r.get("turnover_percent") else ""
    return f"{r['currency']} {r['minimum']:,}-{r['maximum']:,}{cap} ({r['law']} {r['article']})"


Row = tuple[Any, ...]


def _window_rows(report: Mapping[str, Any]) -> list[Row]:
    still = LABELS["still_open"][0]
    return [
        (
            e["case"],
            f"{e['recipient']} ({e['recipient_kind']}, {e['country']})",
            e["at"],
            ", ".join(e["fields"]) + (" [SECRET]" if e["secret_fields"] else ""),
            e["ended"] or still,
            e["days"],
            f"#{e['ledger_entry']}",
        )
        for e in report["exposures"]
    ]


def _inequality_rows(report: Mapping[str, Any]) -> list[Row]:
    return [
        (
            i["case"],
            i["reason"],
            "; ".join(
                [f"#{d['id']} {d['kind']}: {d['reason']}" for d in i["decisions"]]
                + ([f"approved by {', '.join(i['approved_by'])}"] if i.get("approved_by") else [])
            )
            or "-",
            ", ".join(f"#{e}" for e in i["ledger_entries"]),
        )
        for i in report["inequalities"]
    ]


def _submission_rows(report: Mapping[str, Any]) -> list[Row]:
    return [
        (
            s["case"],
            f"{s['recipient']} ({s['country']})",
            s["at"],
            s["recorded_at"],
            ", ".join(s["approvers"]),
            f"#{s['ledger_entry']}",
        )
        for s in report["government_submissions"]
    ]


def _late_rows(report: Mapping[str, Any]) -> list[Row]:
    return [
        (
            x["case"],
            x["obligation"],
            x["status"],
            "; ".join(_range(r) for r in x["statutory_ranges"]) or "-",
        )
        for x in report["late_or_overdue"]
    ]


def _whatif_part(report: Mapping[str, Any]) -> list[str]:
    """The tallies under the rules in force, with the rule sets and window they used."""
    whatif = report.get("rules_in_force") or {}
    tallies = [
        (t["unit"], t["regulation"], t["recipient"], t["overdue"], t["due_soon"])
        for t in whatif.get("by_unit_and_regulation", [])
    ]
    in_force = ", ".join(whatif.get("rule_sets", [])) or LABELS["none"][0]
    return [
        f"<h2>{_t('whatif')}</h2>",
        (
            f"<p>{_t('whatif_intro')}. {_t('rule_sets')}: {escape(in_force)}; "
            f"{_t('window')}: {escape(str(whatif.get('window_hours', '')))}; "
            f"{_t('computed_at')}: {escape(str(whatif.get('computed_at') or '-'))}</p>"
        ),
        *(
            [f"<p><strong>{_t('recomputing')}</strong></p>"]
            if whatif.get("being_recomputed")
            else []
        ),
        _table(("unit", "regulation", "regulator", "overdue", "due_soon"), tallies),
    ]


def _head(report: Mapping[str, Any]) -> list[str]:
    """The title, the period and unit, who built it when, and the evidence it rests on."""
    p = report["period"]
    period = f"{p['from'] or '…'} — {p['to'] or '…'}"
    evidence = (
        f"audit event {report['audit_seq']} ({report['audit_hash'][:16]}…), "
        f"ledger digest {report['ledger_digest'][:16]}…"
    )
    return [
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">',
        f"<title>{_t('title')}</title>",
        (
            "<style>body{font-family:'Noto Sans CJK SC','Noto Sans',sans-serif;font-size:10pt}"
            "table{border-collapse:collapse;width:100%;margin-bottom:1em}"
            "td,th{border:1px solid #999;padding:2px 4px;text-align:left;vertical-align:top}"
            "</style></head><body>"
        ),
        f"<h1>{_t('title')}</h1>",
        (
            f"<p>{_t('period')}: {escape(period)}; {_t('unit')}: "
            f"{escape(p['unit'] or LABELS['all'][0])}</p>"
        ),
        f"<p>{_t('built')}: {escape(report['built_at'])} ({escape(report['built_by'])})</p>",
        f"<p>{_t('evidence')}: {escape(evidence)}</p>",
    ]


def html(report: Mapping[str, Any]) -> str:
    """A standalone bilingual page: no scripts, no outside resources (safe for PDF)."""
    windows = ("case", "recipient", "at", "fields", "ends", "days", "entries")
    parts = [
        *_head(report),
        f"<h2>{_t('governments')}</h2>{_totals(report['governments'])}",
        f"<h2>{_t('countries')}</h2>{_totals(report['countries'])}",
        f"<h2>{_t('units')}</h2>{_totals(report['units'])}",
        f"<h2>{_t('customers')}</h2>{_totals(report['customers'])}",
        f"<h2>{_t('windows')}</h2>",
        _table(windows, _window_rows(report)),
        f"<h2>{_t('inequalities')}</h2>",
        _table(("case", "reason", "decisions", "entries"), _inequality_rows(report)),
        f"<h2>{_t('submissions')}</h2>",
        _table(
            ("case", "recipient", "at", "recorded", "approvers", "entries"),
            _submission_rows(report),
        ),
        f"<h2>{_t('late')}</h2>",
        _table(("case", "obligation", "status", "ranges"), _late_rows(report)),
        *_whatif_part(report),
        f"<p>{_t('note')}</p></body></html>",
    ]
    return "\n".join(parts)


def csv_text(report: Mapping[str, Any]) -> str:
    """One row per exposure window, with its ledger entry, for spreadsheets."""
    buf = io.StringIO()
    out = csv.writer(buf)
    out.writerow(
        [
            "ledger_entry", "case", "unit", "recipient", "recipient_kind", "country", "at",
            "fields", "secret_fields", "ended", "end_reason", "open", "days",
        ]
    )  # fmt: skip
    for e in report["exposures"]:
        out.writerow(
            [
                e["ledger_entry"], e["case"], e["unit"], e["recipient"], e["recipient_kind"],
                e["country"], e["at"], " ".join(e["fields"]), " ".join(e["secret_fields"]),
                e["ended"] or "", e["end_reason"] or "", e["open"], e["days"],
            ]
        )  # fmt: skip
    return buf.getvalue()


FORMATS = ("json", "csv", "html", "pdf")
MEDIA_TYPES = {
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
}


def render(report: Mapping[str, Any], fmt: str, pdf: Callable[[str], bytes]) -> bytes:
    """The report in `fmt` (one of FORMATS); `pdf` turns the standalone HTML into a PDF."""
    if fmt == "json":
        return (json.dumps(report, ensure_ascii=False, indent=2) + "\n").encode()
    if fmt == "csv":
        return csv_text(report).encode()
    if fmt == "html":
        return html(report).encode()
    return pdf(html(report))
