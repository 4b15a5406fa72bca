"""The disclosure ledger: every disclosure to anyone, submissions of approved drafts frozen in it.

NVDB and ENISA have no API: a person submits through the portal and records it here with the
portal's receipt. Recording a disclosure recomputes the case's clocks in the same transaction,
so an obligation it satisfies turns to met (or met late, after its due instant). Both ways
in pass the disclosure guard (`services.disclosure_guard`) first: what is recorded as told must
have been allowed to leave.

Each entry keeps the instant claimed (`at`) and the instant the server recorded it; the claim
is checked and, when old, held as backdated (`services.claims`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from vulndesk.domain import drafts
from vulndesk.domain.audit_tags import AuditTag
from vulndesk.domain.cases import Case
from vulndesk.domain.disclosure import DETAIL_FIELDS
from vulndesk.domain.drafts import DraftRecord
from vulndesk.domain.errors import GuardFailed, InvalidInput
from vulndesk.domain.ids import CaseKey, PartyId, parse_case_key
from vulndesk.domain.ledger import LedgerEntry, NewLedgerEntry
from vulndesk.domain.parties import Party
from vulndesk.exporters.reports import kinds as report_kinds
from vulndesk.services.access import rights as access
from vulndesk.services.access.rights import Principal
from vulndesk.services.clocks import live as clocks
from vulndesk.services.context import Acts, Deps
from vulndesk.services.disclosure import claims, exposure_alerts
from vulndesk.services.disclosure import guard as disclosure_guard
from vulndesk.services.ports import UnitOfWork
from vulndesk.services.reports import drafts as reports
from vulndesk.services.reports.approvals import check_current
from vulndesk.services.reports.drafts import load_draft, sha256

# The disclosure kind each draft kind records (from the registry of report kinds); these
# names are the rule files' `satisfied_by`.
DISCLOSURE_KINDS = report_kinds.DISCLOSURE_KINDS
MANUAL_KINDS = (*report_kinds.ALL_DISCLOSURES, "public-advisory", "other")
CHANNELS = ("portal", "email", "phone", "meeting", "post", "webhook", "website", "other")


def classes_of(fields: Sequence[str]) -> tuple[str, ...]:
    found = {DETAIL_FIELDS[f] for f in fields if f in DETAIL_FIELDS}
    return tuple(c.value for c in sorted(found, key=lambda c: c.rank))


def _add(
    deps: Deps,
    actor: Acts,
    uow: UnitOfWork,
    entry: NewLedgerEntry,
    backdate: tuple[str, int | None] | None = None,
) -> LedgerEntry:
    """Store an entry; `backdate` is (justification, draft id) of a backdated claim."""
    if backdate is not None:
        decision = claims.record_backdate(actor, uow, entry, backdate[1], backdate[0])
        entry = replace(entry, backdate_decision=decision)
    saved = uow.ledger.add(entry)
    exposure_alerts.after_disclosure(uow, saved)
    uow.audit.append(
        actor.event(
            entry.recorded_at,
            AuditTag.CASE_LEDGER_RECORDED,
            "ledger",
            saved.ref,
            entry.fields,
            case=entry.case,
            kind=entry.disclosure_kind,
            sha256=entry.sha256,
            **({"backdate_decision": str(entry.backdate_decision)} if backdate else {}),
        )
    )
    clocks.recompute(deps, uow, uow.cases.get(entry.case), entry.recorded_at)
    return saved


def add_entry(deps: Deps, actor: Acts, uow: UnitOfWork, entry: NewLedgerEntry) -> LedgerEntry:
    """Store an entry another use case judged and built (a published advisory), in its
    transaction: audited, and the case's clocks recomputed."""
    return _add(deps, actor, uow, entry)


def _outgoing(uow: UnitOfWork, record: DraftRecord) -> disclosure_guard.Outgoing:
    d = record.draft
    recipient = disclosure_guard.recipient_of(uow.parties.get(d.recipient))
    fields = frozenset(d.fields)
    return disclosure_guard.Outgoing(uow.cases.get(d.case), recipient, fields, "submission", record)


@dataclass(frozen=True)
class _Claim:
    """The instant a disclosure is claimed to have happened, the server's instant, and the
    justification a backdated claim needs."""

    at: dt.datetime
    now: dt.datetime
    justification: str | None


def _claim(deps: Deps, at: str | dt.datetime, justification: str | None) -> _Claim:
    now = deps.clock.now()
    return _Claim(claims.claimed_instant(at, now), now, justification)


def _backdate_reason(
    deps: Deps,
    uow: UnitOfWork,
    claim: _Claim,
    case: Case,
    kind: str,
    approved_at: dt.datetime | None,
) -> str | None:
    """Check the claimed instant against the case; the justification it needs when backdated."""
    claims.check_claim(uow, case, kind, claim.at, approved_at)
    return claims.backdate_reason(deps, claim.now, claim.at, claim.justification)


def _require_receipt(receipt: str) -> None:
    if not receipt.strip():
        raise InvalidInput(
            "receipt", "a submission needs the portal's receipt number", "e.g. NVDB-2026-12345"
        )


def _submittable(uow: UnitOfWork, ref: str) -> tuple[DraftRecord, DraftRecord]:
    """The draft, current and intact, with the state it takes once submitted."""
    record = load_draft(uow, ref)
    check_current(uow, record)
    submitted = drafts.submit(record)
    if sha256(record.draft.content) != record.draft.sha256:
        raise GuardFailed("intact", f"{record.ref} does not match its recorded SHA-256")
    return record, submitted


def _submission_entry(
    record: DraftRecord,
    disclosure: str,
    claim: _Claim,
    receipt: str,
    screenshot: tuple[str, str] | None,
    actor: Acts,
) -> NewLedgerEntry:
    d = record.draft
    return NewLedgerEntry(
        case=d.case,
        unit=d.unit,
        disclosure_kind=disclosure,
        recipient=d.recipient,
        recipient_kind=d.recipient_kind,
        channel="portal" if d.recipient_kind in ("regulator", "csirt") else "email",
        at=claim.at,
        draft_ref=record.ref,
        receipt=receipt.strip(),
        screenshot=screenshot[0] if screenshot else None,
        screenshot_sha256=screenshot[1] if screenshot else None,
        content=d.content,
        sha256=d.sha256,
        fields=d.fields,
        classes=classes_of(d.fields),
        approvers=record.approvers,
        recorded_at=claim.now,
        recorded_by=actor.name,
    )


def record_submission(
    deps: Deps,
    principal: Principal,
    ref: str,
    at: str | dt.datetime,
    receipt: str,
    screenshot: tuple[str, str] | None = None,
    justification: str | None = None,
) -> LedgerEntry:
    """Freeze an approved draft as sent: snapshot and SHA-256 in the ledger, draft submitted.

    `at` is the instant claimed; `justification` is needed when it is older than the backdate
    limit (the entry then waits for a second person before it meets an obligation).
    """
    reports.visible_ref(deps, principal, ref)
    principal.require(access.CASE_WRITERS, "write")
    actor = principal.acting()
    _require_receipt(receipt)
    claim = _claim(deps, at, justification)
    with deps.uow() as uow:
        record, submitted = _submittable(uow, ref)
        d = record.draft
        # The claimed instant is input: checked before what may leave.
        approved_at = max((a.at for a in record.approvals), default=None)
        disclosure = report_kinds.disclosure_of(d.kind, d.stage)
        reason = _backdate_reason(deps, uow, claim, uow.cases.get(d.case), disclosure, approved_at)
        disclosure_guard.require(uow, _outgoing(uow, record))
        entry = _submission_entry(record, disclosure, claim, receipt, screenshot, actor)
        uow.reports.set_status(record.id, submitted.status)
        saved = _add(deps, actor, uow, entry, None if reason is None else (reason, record.id))
        if d.recipient_kind in ("regulator", "csirt"):
            uow.oversight.add_notice(claim.now, d.case, "submitted", record.ref, d.recipient)
        uow.commit()
    return saved


def _check_manual(kind: str, channel: str, said: str, fields: Sequence[str]) -> None:
    if kind not in MANUAL_KINDS:
        raise InvalidInput("kind", f"{kind!r} is not a disclosure kind", ", ".join(MANUAL_KINDS))
    if channel not in CHANNELS:
        raise InvalidInput("channel", f"{channel!r} is not a channel", ", ".join(CHANNELS))
    if not said.strip():
        raise InvalidInput("said", "record what was disclosed", "a description of what was said")
    unknown = [f for f in fields if f not in DETAIL_FIELDS]
    if unknown:
        raise InvalidInput(
            "fields", f"{unknown[0]!r} is not a case detail field", ", ".join(DETAIL_FIELDS)
        )


def _guard_manual(
    uow: UnitOfWork, case: Case, party: Party, fields: Sequence[str]
) -> disclosure_guard.Verdict:
    """The disclosure guard's verdict on what a manual entry says was told to `party`."""
    outgoing = disclosure_guard.Outgoing(
        case, disclosure_guard.recipient_of(party), frozenset(fields), "ledger"
    )
    return disclosure_guard.require(uow, outgoing)


def record_disclosure(
    deps: Deps,
    principal: Principal,
    case: str,
    recipient: str,
    kind: str,
    at: str | dt.datetime,
    said: str,
    channel: str = "phone",
    fields: Sequence[str] = (),
    justification: str | None = None,
) -> LedgerEntry:
    """A disclosure made outside vulndesk (a call, a meeting): what was said, to whom, when.

    `at` is the instant claimed; see `record_submission` for `justification`.
    """
    key = access.check_case(deps, principal, case)
    principal.require(access.CASE_WRITERS, "write")
    actor = principal.acting()
    _check_manual(kind, channel, said, fields)
    claim = _claim(deps, at, justification)
    with deps.uow() as uow:
        found = uow.cases.get(key)
        party = uow.parties.get(PartyId(recipient))
        reason = _backdate_reason(deps, uow, claim, found, kind, None)
        verdict = _guard_manual(uow, found, party, fields)
        entry = NewLedgerEntry(
            key,
            found.unit,
            kind,
            party.id,
            party.kind.value,
            channel,
            claim.at,
            None,
            None,
            None,
            None,
            said,
            sha256(said),
            tuple(sorted(set(fields))),
            classes_of(fields),
            verdict.approvers or (actor.name,),
            claim.now,
            actor.name,
        )
        saved = _add(deps, actor, uow, entry, None if reason is None else (reason, None))
        uow.commit()
    return saved


def list_entries(deps: Deps, case: str | None = None) -> list[LedgerEntry]:
    with deps.uow() as uow:
        return uow.ledger.list(parse_case_key(case) if case else None)


def show_entry(deps: Deps, actor: Acts, entry_id: int) -> LedgerEntry:
    """One entry with the exact content sent; reading it is audited."""
    now = deps.clock.now()
    with deps.uow() as uow:
        entry = uow.ledger.get(entry_id, content=True)
        uow.audit.append(
            actor.event(now, AuditTag.CASE_LEDGER_READ, "ledger", entry.ref, entry.entry.fields)
        )
        uow.commit()
    return entry


def export_row(entry: LedgerEntry) -> dict[str, Any]:
    """An entry without its content: metadata and the SHA-256 of what was sent."""
    e = entry.entry
    return {
        "id": entry.id,
        "case": e.case,
        "unit": e.unit,
        "disclosure_kind": e.disclosure_kind,
        "recipient": e.recipient,
        "recipient_kind": e.recipient_kind,
        "channel": e.channel,
        "at": e.at.isoformat(),
        "draft": e.draft_ref,
        "receipt": e.receipt,
        "screenshot_sha256": e.screenshot_sha256,
        "sha256": e.sha256,
        "fields": list(e.fields),
        "classes": list(e.classes),
        "approvers": list(e.approvers),
        "recorded_at": e.recorded_at.isoformat(),
        "recorded_by": e.recorded_by,
        "backdated": entry.backdated,
        "backdate_status": entry.backdate_status,
        "backdate_approvers": list(entry.backdate_approvers),
    }


def earliest(uow: UnitOfWork, case: CaseKey) -> dict[str, tuple[dt.datetime, str]]:
    return uow.ledger.earliest_by_kind(case)
