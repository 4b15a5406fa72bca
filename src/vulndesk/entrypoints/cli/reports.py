"""CLI for regulator reports and notices (the ledger and oversight are in ledger.py, oversight.py).

Drafts are named `CASE/KIND/RECIPIENT/vN` (e.g. `VD-2026-0001/nvdb/nvdb/v2`); leaving out
`/vN` means the newest version.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import typer

from vulndesk.domain.decisions import Decision
from vulndesk.domain.drafts import DraftRecord
from vulndesk.domain.errors import InvalidInput
from vulndesk.entrypoints.cli.common import (
    LATE_JUSTIFICATION,
    container,
    deps,
    errors,
    print_json,
    signed_in,
    table,
)
from vulndesk.entrypoints.cli.ledger import backdate_note
from vulndesk.entrypoints.cli.ledger import ledger_app as ledger_app
from vulndesk.entrypoints.cli.oversight import oversight_app as oversight_app
from vulndesk.services.disclosure import ledger
from vulndesk.services.reports import approvals
from vulndesk.services.reports import drafts as reports

report_app = typer.Typer(
    help="Regulator reports and notices: draft, preview, approve, submit.", no_args_is_help=True
)


def _draft_row(d: DraftRecord) -> dict[str, object]:
    return {
        "ref": d.ref,
        "kind": d.draft.kind,
        "stage": d.draft.stage,
        "recipient": d.draft.recipient,
        "version": d.draft.version,
        "status": d.status,
        "sha256": d.draft.sha256,
        "fields": list(d.draft.fields),
        "approvers": list(d.approvers),
        "created_at": d.draft.created_at,
        "created_by": d.draft.created_by,
    }


def _show(d: DraftRecord, as_json: bool) -> None:
    if as_json:
        print_json(_draft_row(d))
        return
    approved = ", ".join(d.approvers) or "none"
    typer.echo(f"{d.ref}  {d.status}  approvals: {approved}  sha256: {d.draft.sha256}")


@report_app.command("draft")
def draft(
    case: str = typer.Argument(..., help="Case id, e.g. VD-2026-0001"),
    kind: str = typer.Option(..., "--kind", help=", ".join(reports.KINDS)),
    recipient: str = typer.Option(..., "--recipient", help="Party id"),
    stage: str | None = typer.Option(
        None, "--stage", help="initial or update (NVDB, notices, GDPR); final (CAC summary report)"
    ),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Build the next version of a draft, with only the fields the recipient may receive."""
    who = signed_in()
    with errors():
        _show(reports.draft_report(deps(), who, case, kind, recipient, stage), as_json)


@report_app.command("list")
def list_cmd(
    case: str = typer.Argument(...), as_json: bool = typer.Option(False, "--json")
) -> None:
    """Every draft version of a case."""
    who = signed_in()
    with errors():
        found = reports.list_drafts(deps(), who, case)
    if as_json:
        print_json([_draft_row(d) for d in found])
        return
    table(
        f"Drafts of {case}",
        ["draft", "status", "approvers", "created"],
        [(d.ref, d.status, ", ".join(d.approvers), d.draft.created_at.isoformat()) for d in found],
    )


@report_app.command("preview")
def preview(
    draft_id: str = typer.Argument(..., metavar="DRAFT"),
    fmt: str = typer.Option("md", "--format", help="json, md, html, pdf"),
    out: Path | None = typer.Option(None, "--out", help="Write to this file instead of stdout"),
) -> None:
    """Show exactly what the recipient would receive."""
    who = signed_in()
    with errors():
        if fmt == "pdf" and out is None:
            raise InvalidInput("out", "a PDF needs a file", "--out FILE.pdf")
        renderer = container().pdf_renderer if fmt == "pdf" else None
        data = reports.preview(deps(), who, draft_id, fmt, renderer)
    if out is not None:
        out.write_bytes(data)
        typer.echo(f"written: {out}")
    else:
        sys.stdout.write(data.decode("utf-8"))


@report_app.command("diff")
def diff(
    draft_id: str = typer.Argument(..., metavar="DRAFT"),
    against: int | None = typer.Option(None, "--against", help="Earlier version number"),
    recipients: bool = typer.Option(False, "--recipients", help="Compare with other recipients"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Unified diff of the Markdown and field-level changes."""
    who = signed_in()
    with errors():
        found = reports.diff_draft(deps(), who, draft_id, against, recipients=recipients)
    if as_json:
        print_json(found)
        return
    for d in found:
        typer.echo(f"== {d.left} -> {d.right}")
        typer.echo(
            f"added: {', '.join(d.added) or '-'}; removed: {', '.join(d.removed) or '-'}; "
            f"changed: {', '.join(d.changed) or '-'}"
        )
        sys.stdout.write(d.unified)


@report_app.command("approve")
def approve(
    draft_id: str = typer.Argument(..., metavar="DRAFT"),
    justification: str | None = typer.Option(
        None, "--justification", help="Record (or second) why a government gets more than others"
    ),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Approve a draft; two different people are needed."""
    who = signed_in()
    with errors():
        _show(approvals.approve(deps(), who, draft_id, justification), as_json)


@report_app.command("record-submission")
def record_submission(
    draft_id: str = typer.Argument(..., metavar="DRAFT"),
    at: str = typer.Option(..., "--at", help="When it was submitted (ISO 8601 with offset)"),
    receipt: str = typer.Option(..., "--receipt", help="The portal's receipt number"),
    screenshot: Path | None = typer.Option(None, "--screenshot", help="Screenshot of the receipt"),
    justification: str | None = LATE_JUSTIFICATION,
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Record that an approved draft was submitted through the regulator's portal.

    --at is the instant claimed; the server also records when it was recorded.
    """
    who = signed_in()
    with errors():
        shot = None
        if screenshot is not None:
            if not screenshot.is_file():
                raise InvalidInput("screenshot", f"{screenshot} is not a file", "an image file")
            shot = (screenshot.name, hashlib.sha256(screenshot.read_bytes()).hexdigest())
        entry = ledger.record_submission(deps(), who, draft_id, at, receipt, shot, justification)
    if as_json:
        print_json(ledger.export_row(entry))
    else:
        typer.echo(
            f"recorded {entry.ref}: {entry.entry.disclosure_kind} sha256 {entry.entry.sha256}"
            + backdate_note(entry)
        )


def _decision_out(decision: Decision, as_json: bool) -> None:
    if as_json:
        print_json(decision)
        return
    state = "approved" if decision.approved else "awaiting a second approver"
    typer.echo(
        f"decision {decision.id} ({decision.kind}, {decision.case} -> {decision.recipient}): "
        f"{state}; approvers: {', '.join(decision.approvers)}"
    )


@report_app.command("exception")
def exception(
    case: str = typer.Argument(...),
    recipient: str = typer.Option(..., "--recipient"),
    reason: str = typer.Option(..., "--reason"),
    field: list[str] = typer.Option([], "--field", help="Repeat: detail field to grant"),
    cross_border: bool = typer.Option(
        False, "--cross-border", help="Allow a disclosure abroad (RMSV Art. 9(7))"
    ),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Propose an exception (fields beyond policy, or a cross-border disclosure); a second person approves."""
    kind = reports.CROSS_BORDER if cross_border else reports.EXCEPTION
    who = signed_in()
    with errors():
        found = approvals.record_decision(deps(), who, kind, case, recipient, reason, tuple(field))
    _decision_out(found, as_json)


@report_app.command("decide")
def decide(
    case: str = typer.Argument(...),
    kind: str = typer.Option(..., "--kind", help=", ".join(approvals.DECISION_KINDS)),
    recipient: str = typer.Option(..., "--recipient"),
    reason: str = typer.Option(..., "--reason"),
    field: list[str] = typer.Option(
        [], "--field", help="Repeat: detail field the decision covers (none: any)"
    ),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Propose a decision that lifts a disclosure check; a second person approves it.

    exception: fields beyond the recipient's policy; cross-border: RMSV Art. 9(7);
    justification: equal dissemination without a draft; release: two-person approval of a
    disclosure without a draft to a government or the public.
    """
    who = signed_in()
    with errors():
        found = approvals.record_decision(deps(), who, kind, case, recipient, reason, tuple(field))
    _decision_out(found, as_json)


@report_app.command("justify")
def justify(
    draft_id: str = typer.Argument(..., metavar="DRAFT"),
    reason: str = typer.Option(..., "--reason"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Record or second the equal-dissemination justification of a draft."""
    who = signed_in()
    with errors():
        found = approvals.justify(deps(), who, draft_id, reason)
    _decision_out(found, as_json)


@report_app.command("decision-approve")
def decision_approve(
    decision_id: int = typer.Argument(...), as_json: bool = typer.Option(False, "--json")
) -> None:
    """Approve a recorded decision as its second (different) person."""
    with errors():
        found = approvals.approve_decision(deps(), signed_in(), decision_id)
    _decision_out(found, as_json)


@report_app.command("policy")
def policy(
    party: str = typer.Argument(..., help="Party id"),
    cls: list[str] = typer.Option([], "--class", help="Repeat: public, restricted"),
    field: list[str] = typer.Option(
        [], "--field", help="Repeat: single detail field beyond the classes"
    ),
) -> None:
    """Give one recipient its own disclosure policy instead of its kind's."""
    with errors():
        reports.set_override(deps(), signed_in(), party, tuple(cls), tuple(field))
    typer.echo(
        f"policy for {party}: classes {', '.join(cls) or '-'}; fields {', '.join(field) or '-'}"
    )


@report_app.command("conflicts")
def conflicts(
    case: str = typer.Argument(...), as_json: bool = typer.Option(False, "--json")
) -> None:
    """Cross-border and equal-dissemination conflicts of a case's drafts."""
    who = signed_in()
    with errors():
        found = approvals.case_conflicts(deps(), who, case)
    if as_json:
        print_json(found)
        return
    table(
        f"Conflicts of {case}",
        ["rule", "draft", "resolved by", "message"],
        [(c.rule, c.draft, c.resolved_by or "-", c.message) for c in found],
    )
