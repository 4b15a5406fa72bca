"""CLI commands for cases: open, list, show, record facts, change state."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

import typer

from vulndesk.domain.cases import Case, CaseState
from vulndesk.domain.clocks import CaseObligation
from vulndesk.domain.errors import InvalidInput
from vulndesk.domain.ids import ProductId, UnitId
from vulndesk.domain.values import timezone as check_zone
from vulndesk.entrypoints.cli import cases_remote, remote
from vulndesk.entrypoints.cli.common import (
    console,
    container,
    deps,
    errors,
    print_json,
    signed_in,
    table,
    to_jsonable,
)
from vulndesk.services.cases import lifecycle as cases
from vulndesk.services.cases import opening, regimes
from vulndesk.services.clocks import waivers
from vulndesk.services.clocks.waivers import Waiver
from vulndesk.services.ports import CaseFilter
from vulndesk.services.reports import approvals
from vulndesk.services.reports.approvals import CaseConflict

case_app = typer.Typer(help="Vulnerability cases.", no_args_is_help=True)


def _products(specs: list[str]) -> dict[str, list[str]]:
    """`router-x@1.0,1.1` or `router-x` (all versions unknown)."""
    out: dict[str, list[str]] = {}
    for spec in specs:
        pid, _, versions = spec.partition("@")
        out.setdefault(pid.strip(), []).extend(v.strip() for v in versions.split(",") if v.strip())
    return out


def _details(pairs: list[str]) -> dict[str, str]:
    out = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep:
            raise InvalidInput(
                "detail", f"{pair!r} has no '='", "name=value, e.g. summary=Heap overflow in httpd"
            )
        out[name.strip()] = value
    return out


@case_app.command("open")
def case_open(
    title: str = typer.Option(..., "--title"),
    unit: str = typer.Option(..., "--unit", help="Handling organisation unit id"),
    role: list[str] = typer.Option(
        ["product_provider"],
        "--role",
        help="Repeat: product_provider, network_operator, third_party",
    ),
    product: list[str] = typer.Option([], "--product", help="Repeat: PRODUCT[@v1,v2]"),
    aware: str | None = typer.Option(
        None,
        "--aware",
        help="When the organisation became aware (ISO 8601 with offset); default now",
    ),
    cwe: str | None = typer.Option(None, "--cwe"),
    cvss31: str | None = typer.Option(None, "--cvss31"),
    cvss40: str | None = typer.Option(None, "--cvss40"),
    cn_grade: str | None = typer.Option(None, "--cn-grade", help="超危, 高危, 中危, 低危"),
    upstream: bool = typer.Option(
        False, "--upstream-component", help="The flaw lies in an upstream component"
    ),
    detail: list[str] = typer.Option(
        [], "--detail", help="Repeat: field=value (summary, harm, technical_characteristics, ...)"
    ),
    option: list[str] = typer.Option(
        [], "--option", help="Repeat: rule-set.option=value for this case"
    ),
    evidence: str = typer.Option("case opened", "--evidence"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Open a case; its clocks start from `aware`."""
    who = signed_in()
    with errors():
        opts = _details(option)
        case = cases.open_case(
            deps(),
            who,
            opening.OpenCase(
                title=title,
                unit=unit,
                roles=role,
                products=_products(product),
                aware=aware,
                cwe=cwe,
                cvss31=cvss31,
                cvss40=cvss40,
                cn_grade=cn_grade,
                upstream_component=upstream,
                details=_details(detail),
                options=opts,
                evidence=evidence,
            ),
        )
    if as_json:
        print_json({"key": case.key})
    else:
        typer.echo(f"opened {case.key}")


@case_app.command("list")
def case_list(
    state: list[str] = typer.Option([], "--state"),
    unit: str | None = typer.Option(None, "--unit"),
    product: str | None = typer.Option(None, "--product"),
    sort: str = typer.Option("-updated", "--sort"),
    limit: int = typer.Option(50, "--limit"),
    offset: int = typer.Option(0, "--offset"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """List the cases you may see (no sensitive details)."""
    if remote.active():
        params: dict[str, Any] = {"state": state, "unit": unit, "product": product}
        params |= {"sort": sort, "limit": limit, "offset": offset}
        cases_remote.case_list({k: v for k, v in params.items() if v is not None}, as_json)
        return
    who = signed_in()
    with errors():
        flt = CaseFilter(
            states=tuple(CaseState.parse("state", s) for s in state),
            unit=UnitId(unit) if unit else None,
            product=ProductId(product) if product else None,
            limit=limit,
            offset=offset,
            order=sort,
        )
        items, total = cases.list_cases(deps(), who, flt)
    if as_json:
        print_json({"total": total, "cases": items})
        return
    table(
        f"Cases ({len(items)} of {total})",
        ["key", "state", "unit", "title", "CVSS", "grade", "products"],
        [
            (
                c.key,
                c.state.value,
                c.unit,
                c.title,
                c.cvss31_score,
                c.cn_grade,
                ", ".join(c.products),
            )
            for c in items
        ],
    )


def _left(delta: dt.timedelta | None) -> str:
    if delta is None:
        return ""
    sign = "-" if delta.total_seconds() < 0 else ""
    secs = abs(int(delta.total_seconds()))
    days, rem = divmod(secs, 86400)
    return f"{sign}{days}d {rem // 3600:02d}h {rem % 3600 // 60:02d}m"


def status_label(o: CaseObligation) -> str:
    """The status, and for one met late how late: `met_late (6d 00h 00m late)`."""
    late = o.late_by
    return f"{o.status.value} ({_left(late)} late)" if late is not None else o.status.value


def obligations_json(items: list[CaseObligation]) -> list[object]:
    """Obligations as JSON, each with `late_by_seconds` (null unless met late)."""
    return [to_jsonable(o) | {"late_by_seconds": o.late_by_seconds} for o in items]


def obligation_rows(
    items: list[CaseObligation], now: dt.datetime, zone: str
) -> list[tuple[object, ...]]:
    """Rows for clock tables: due in the viewer's zone and in the rule's zone, time left, flags."""
    viewer = zoneinfo.ZoneInfo(zone)
    rows: list[tuple[object, ...]] = []
    for o in items:
        due = o.due
        rule_zone = zoneinfo.ZoneInfo(o.obligation.timezone)
        live = o.status.value in {"open", "overdue"}
        rows.append(
            (
                o.id,
                o.obligation.article,
                o.obligation.timing.value,
                status_label(o),
                due.astimezone(viewer).strftime("%Y-%m-%d %H:%M %Z") if due else "",
                due.astimezone(rule_zone).strftime("%Y-%m-%d %H:%M %z") if due else "",
                _left(o.time_left(now)) if live else "",
                ", ".join(o.obligation.flags),
            )
        )
    return rows


@case_app.command("show")
def case_show(
    key: str,
    as_json: bool = typer.Option(False, "--json"),
    tz: str | None = typer.Option(
        None, "--tz", help="Viewer's time zone (default VULNDESK_TIMEZONE)"
    ),
) -> None:
    """Show a case with facts, history and clocks. The read is audited."""
    if remote.active():
        cases_remote.case_show(key, as_json)
        return
    who = signed_in()
    with errors():
        view = cases.show_case(deps(), who, key)
        key = view.case.key
        zone = check_zone("tz", tz or container().settings.timezone)
    now = container().clock.now()
    with errors():
        conflicts = approvals.case_conflicts(deps(), who, key)
        proposed = waivers.pending(deps(), who, key)
    if as_json:
        print_json(
            {
                "case": view.case,
                "obligations": obligations_json(view.obligations),
                "conflicts": conflicts,
                "pending_waivers": list(proposed.values()),
            }
        )
        return
    _summary_table(view.case)
    _facts_table(view.case)
    _obligations_table(view.obligations, now, zone)
    _pending_waivers(view.case.key, proposed)
    _conflicts_table(conflicts)
    _history_table(view.case)
    console.print()


def _summary_table(c: Case) -> None:
    """The case's fields and its details, one per row."""
    table(
        f"{c.key} — {c.title}",
        ["field", "value"],
        [
            ("state", c.state.value),
            ("unit", c.unit),
            ("roles", ", ".join(sorted(r.value for r in c.roles))),
            ("products", "; ".join(f"{p.product} {','.join(p.versions)}" for p in c.products)),
            ("cwe", c.cwe),
            ("CVSS 3.1", f"{c.severity.cvss31_score} {c.severity.cvss31_vector or ''}"),
            ("CVSS 4.0", f"{c.severity.cvss40_score} {c.severity.cvss40_vector or ''}"),
            ("grade", c.severity.cn_grade.value if c.severity.cn_grade else ""),
            *[(f"detail: {k}", v) for k, v in sorted(c.details.items())],
        ],
    )


def _facts_table(c: Case) -> None:
    """Every revision of every fact, retractions included."""
    table(
        "Facts (with corrections)",
        ["fact", "rev", "at", "recorded by", "recorded at", "evidence"],
        [
            (
                f.kind.value,
                f.revision,
                f.at.isoformat() if f.at else "(retracted)",
                f.recorded_by,
                f.recorded_at.isoformat(timespec="seconds"),
                f.evidence,
            )
            for f in c.facts
        ],
    )


def _obligations_table(items: list[CaseObligation], now: dt.datetime, zone: str) -> None:
    table(
        "Obligations",
        [
            "id",
            "article",
            "timing",
            "status",
            f"due ({zone})",
            "due (rule zone)",
            "time left",
            "flags",
        ],
        obligation_rows(items, now, zone),
    )


def _pending_waivers(key: str, proposed: dict[str, Waiver]) -> None:
    """One line per waiver awaiting its second approver, with the command that approves it."""
    for w in proposed.values():
        typer.echo(
            f"{w.obligation}: waiver {w.id} proposed by {w.proposed_by}, awaiting a second "
            f"approver (`vulndesk case waive-approve {key} {w.id}`)"
        )


def _conflicts_table(conflicts: list[CaseConflict]) -> None:
    if conflicts:
        table(
            "Disclosure conflicts",
            ["rule", "recipient", "draft", "resolved by decision", "message"],
            [(x.rule, x.recipient, x.draft, x.resolved_by or "", x.message) for x in conflicts],
        )


def _history_table(c: Case) -> None:
    if c.transitions:
        table(
            "History",
            ["from", "to", "by", "at", "reason"],
            [
                (
                    t.from_state.value,
                    t.to_state.value,
                    t.by,
                    t.at.isoformat(timespec="seconds"),
                    t.reason,
                )
                for t in c.transitions
            ],
        )


@case_app.command("record-fact")
def case_record_fact(
    key: str,
    fact: str = typer.Argument(
        ...,
        help="aware, verified, exploitation_aware, fix_available, measures_taken, incident_aware, incident_notification_submitted, published, breach_aware, major_incident_classified, materiality_determined, endangers_national_security, incident_handled, crime_suspected, reported, reporter_acknowledged",
    ),
    at: str | None = typer.Option(None, "--at", help="ISO 8601 instant with offset; default now"),
    evidence: str = typer.Option(..., "--evidence", help="How it is known"),
    correct: bool = typer.Option(False, "--correct", help="Correct an already recorded fact"),
    retract: bool = typer.Option(False, "--retract", help="Retract a fact recorded in error"),
) -> None:
    """Record, correct or retract a fact; the case's clocks are recomputed at once."""
    if remote.active():
        mode = "retract" if retract else "correct" if correct else "record"
        body = {"kind": fact, "at": at, "evidence": evidence, "mode": mode}
        cases_remote.case_record_fact(key, body)
        return
    who = signed_in()
    with errors():
        case = cases.record_fact(
            deps(), who, key, fact, at, evidence, retract=retract, correct=correct
        )
    typer.echo(f"{case.key}: {fact} {'retracted' if retract else 'recorded'}")


@case_app.command("incident-grade")
def case_incident_grade(
    key: str,
    grade: str = typer.Argument(
        ..., help="especially_major, major, relatively_major, general, or '' to clear"
    ),
) -> None:
    """Record the incident grade (CAC grading guide); the case's clocks are recomputed."""
    with errors():
        case = regimes.set_incident_grade(deps(), signed_in(), key, grade, "cli")
    typer.echo(f"{case.key}: incident_grade={case.incident_grade or '-'}")


def _marks(pairs: list[str]) -> dict[str, str]:
    marks: dict[str, str] = {}
    for pair in pairs:
        obligation, sep, reason = pair.partition("=")
        if not sep or not obligation.strip() or not reason.strip():
            raise InvalidInput(
                "--not-applicable", f"{pair[:80]!r} is not OBLIGATION=REASON", "rule-set/id=why"
            )
        marks[obligation.strip()] = reason
    return marks


@case_app.command("transition")
def case_transition(
    key: str,
    to: str = typer.Argument(..., help="Target state"),
    reason: str = typer.Option(..., "--reason"),
    duplicate_of: str | None = typer.Option(None, "--duplicate-of"),
    not_applicable: list[str] = typer.Option(
        [],
        "--not-applicable",
        help="OBLIGATION=REASON: when closing, mark an open obligation not applicable (repeat)",
    ),
) -> None:
    """Move a case to another state; guards say what is missing. Closing needs every open
    regulator obligation met, waived or marked not applicable with a reason."""
    who = signed_in()
    with errors():
        marks = _marks(not_applicable)
        case = cases.transition(deps(), who, key, to, reason, duplicate_of, marks)
    typer.echo(f"{case.key}: now {case.state.value}")
