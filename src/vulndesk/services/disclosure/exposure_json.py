"""The exposure report as plain data: what `--format json` writes and `verify_report` reads."""

from __future__ import annotations

from collections.abc import Sequence

from vulndesk.domain.exposure import Totals
from vulndesk.services.clocks.whatif import InForceSummary
from vulndesk.services.disclosure.exposure_records import ExposureReport


def as_json(report: ExposureReport) -> dict[str, object]:
    """The report as plain data: what `--format json` writes and `verify_report` reads."""
    if report.late_groups is not None:
        raise ValueError("a report built for the page lists some late duties only: not exported")
    p = report.period
    return {
        "kind": "vulndesk-exposure-report",
        "period": {
            "from": p.start.isoformat() if p.start else None,
            "to": p.end.isoformat() if p.end else None,
            "unit": p.unit,
        },
        "built_at": report.built_at.isoformat(),
        "built_by": report.built_by,
        "audit_seq": report.audit_seq,
        "audit_hash": report.audit_hash,
        "ledger_digest": report.ledger_digest,
        "governments": _totals(report.governments),
        "countries": _totals(report.countries),
        "units": _totals(report.units),
        "customers": _totals(report.customers),
        "exposures": _exposures(report),
        "inequalities": _inequalities(report),
        "government_submissions": _submissions(report),
        "late_or_overdue": _late(report),
        "penalty_totals": _penalty_totals(report),
        "rules_in_force": _in_force_json(report.in_force),
        "penalty_note": "Statutory ranges from the rule files, not legal advice.",
    }


def _totals(items: Sequence[Totals]) -> list[dict[str, object]]:
    return [
        {
            "key": t.key,
            "cases": list(t.cases),
            "disclosures": t.disclosures,
            "secret_disclosures": t.secret_disclosures,
            "open_windows": t.open_windows,
            "total_days": t.total_days,
            "longest_days": t.longest_days,
            "ledger_entries": list(t.entries),
        }
        for t in items
    ]


def _exposures(report: ExposureReport) -> list[dict[str, object]]:
    return [
        {
            "ledger_entry": e.disclosure.entry,
            "case": e.disclosure.case,
            "unit": e.disclosure.unit,
            "recipient": e.disclosure.recipient,
            "recipient_kind": e.disclosure.recipient_kind,
            "country": e.disclosure.country,
            "at": e.disclosure.at.isoformat(),
            "fields": list(e.disclosure.fields),
            "secret_fields": list(e.disclosure.secret_fields),
            "ended": e.ended.isoformat() if e.ended else None,
            "end_reason": e.end_reason,
            "open": e.open,
            "days": e.days,
        }
        for e in report.exposures
    ]


def _inequalities(report: ExposureReport) -> list[dict[str, object]]:
    return [
        {
            "case": f.inequality.case,
            "government": f.inequality.government,
            "compared_with": f.inequality.compared_with,
            "more_fields": list(f.inequality.more_fields),
            "earlier_by_hours": (
                int(f.inequality.earlier_by.total_seconds() // 3600)
                if f.inequality.earlier_by
                else None
            ),
            "reason": f.inequality.reason,
            "approved_by": list(f.approvers),
            "ledger_entries": list(f.inequality.entries),
            "decisions": [
                {"id": d.id, "kind": d.kind, "reason": d.reason, "approvers": list(d.approvers)}
                for d in f.decisions
            ],
        }
        for f in report.flagged
    ]


def _submissions(report: ExposureReport) -> list[dict[str, object]]:
    return [
        {
            "ledger_entry": s.entry,
            "case": s.case,
            "unit": s.unit,
            "recipient": s.recipient,
            "country": s.country,
            "at": s.at.isoformat(),
            "recorded_at": s.recorded_at.isoformat(),
            "approvers": list(s.approvers),
            "classes": list(s.classes),
            "backdated": s.backdated,
        }
        for s in report.submissions
    ]


def _late(report: ExposureReport) -> list[dict[str, object]]:
    return [
        {
            "case": x.case,
            "unit": x.unit,
            "obligation": x.obligation,
            "status": x.status,
            "due": x.due.isoformat() if x.due else None,
            "late_by_seconds": int(x.late_by.total_seconds()) if x.late_by else None,
            "statutory_ranges": [
                {
                    "law": p.law,
                    "article": p.article,
                    "currency": p.currency,
                    "minimum": p.minimum,
                    "maximum": p.maximum,
                    "turnover_percent": p.turnover_percent,
                    "basis": p.basis,
                }
                for p in x.penalties
            ],
        }
        for x in report.late
    ]


def _penalty_totals(report: ExposureReport) -> list[dict[str, object]]:
    return [
        {
            "unit": t.unit,
            "regulation": t.regulation,
            "met_late": t.late,
            "overdue": t.overdue,
            "sum_of_maxima": dict(t.maximum),
            "turnover_percent": t.turnover_percent,
        }
        for t in report.penalty_totals
    ]


def _in_force_json(summary: InForceSummary | None) -> dict[str, object]:
    if summary is None:
        return {
            "rule_sets": [],
            "window_hours": 0,
            "open_cases": 0,
            "computed_at": None,
            "being_recomputed": False,
            "by_unit_and_regulation": [],
        }
    return {
        "rule_sets": list(summary.rule_sets),
        "computed_at": summary.computed_at.isoformat() if summary.computed_at else None,
        "being_recomputed": not summary.current,
        "window_hours": summary.window_hours,
        "open_cases": summary.cases,
        "by_unit_and_regulation": [
            {
                "unit": t.unit,
                "regulation": t.regulation,
                "recipient": t.recipient,
                "overdue": t.overdue,
                "due_soon": t.due_soon,
            }
            for t in summary.tallies
        ],
    }
