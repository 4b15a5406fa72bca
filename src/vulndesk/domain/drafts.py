"""Report drafts: their states, the moves between them, and the two-person and HQ rules.

A draft version is born `draft`; the second different approver makes it `approved`; recording
it as sent (a portal submission, a delivered notice) makes it `submitted`; a newer version of
the same report supersedes every older one that was not submitted. Submitted is final.

    draft ──approve×2──▶ approved ──submit / send──▶ submitted
      │                     │
      └──────supersede──────┴──▶ superseded

The functions are pure: the services load what they need (the approvers' stored units, which
units are headquarters, whether the organisation requires a headquarters approver) and store
what comes back. Refusals are `GuardFailed` naming the guard.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from enum import StrEnum

from vulndesk.domain.errors import GuardFailed
from vulndesk.domain.ids import CaseKey, PartyId, UnitId

MIN_APPROVERS = 2


class DraftStatus(StrEnum):
    DRAFT = "draft"
    APPROVED = "approved"
    SUBMITTED = "submitted"
    SUPERSEDED = "superseded"


# States whose content may leave (or has left): approved by two people.
SENDABLE = frozenset({DraftStatus.APPROVED, DraftStatus.SUBMITTED})


@dataclass(frozen=True, slots=True)
class Approval:
    """One person's approval of one draft version."""

    actor: str
    unit: str | None
    at: dt.datetime


@dataclass(frozen=True, slots=True)
class NewDraft:
    """A draft version about to be stored; `content` is the rendered JSON the recipient gets."""

    case: CaseKey
    unit: UnitId
    kind: str
    stage: str
    recipient: PartyId
    recipient_kind: str
    version: int
    content: str
    sha256: str
    fields: tuple[str, ...]
    created_at: dt.datetime
    created_by: str


@dataclass(frozen=True, slots=True)
class DraftRecord:
    """A stored draft version with its approvals; `ref` is `CASE/KIND/RECIPIENT/vN`."""

    id: int
    draft: NewDraft
    status: DraftStatus
    approvals: tuple[Approval, ...]

    @property
    def ref(self) -> str:
        d = self.draft
        return draft_ref(d.case, d.kind, d.recipient, d.version)

    @property
    def approvers(self) -> tuple[str, ...]:
        return tuple(a.actor for a in self.approvals)


def draft_ref(case: str, kind: str, recipient: str, version: int) -> str:
    return f"{case}/{kind}/{recipient}/v{version}"


def two_persons(approvers: Iterable[str]) -> bool:
    """Whether at least two different people approved."""
    return len(set(approvers)) >= MIN_APPROVERS


@dataclass(frozen=True, slots=True)
class HqRule:
    """The headquarters rule, when the organisation turns it on: once two people approve, one
    of them must belong to a top-level unit. `units` maps each approver to the unit their
    account has as stored (None when it has none); `hq_units` are the top-level units."""

    units: Mapping[str, str | None]
    hq_units: frozenset[str]

    def met_by(self, approvers: Iterable[str]) -> bool:
        return any(self.units.get(name) in self.hq_units for name in approvers)


def check_not_submitted(record: DraftRecord) -> None:
    if record.status == DraftStatus.SUBMITTED:
        raise GuardFailed("not-submitted", f"{record.ref} was already submitted")


def check_new_approver(record: DraftRecord, approver: str) -> None:
    """The same person never approves one draft twice: the second must be someone else."""
    if approver in record.approvers:
        raise GuardFailed(
            "two-persons", f"{approver} already approved {record.ref}; a second person must approve"
        )


def approve(record: DraftRecord, approval: Approval, hq: HqRule | None = None) -> DraftRecord:
    """`record` with `approval` added; approved once two different people approved it."""
    if record.status == DraftStatus.SUPERSEDED:
        raise GuardFailed("current-version", f"{record.ref} was superseded")
    check_not_submitted(record)
    check_new_approver(record, approval.actor)
    approvals = (*record.approvals, approval)
    names = [a.actor for a in approvals]
    if hq is not None and two_persons(names) and not hq.met_by(names):
        raise GuardFailed("hq-approver", "one approver must belong to headquarters")
    status = DraftStatus.APPROVED if two_persons(names) else record.status
    return replace(record, status=status, approvals=approvals)


def submit(record: DraftRecord) -> DraftRecord:
    """An approved draft recorded as submitted to its recipient (a portal submission)."""
    if record.status != DraftStatus.APPROVED:
        raise GuardFailed(
            "approved", f"{record.ref} is {record.status}; only approved drafts are submitted"
        )
    return replace(record, status=DraftStatus.SUBMITTED)


def check_sendable(record: DraftRecord) -> None:
    """A notice goes out only under an approved (or already submitted) draft."""
    if record.status not in SENDABLE:
        raise GuardFailed("approved", f"{record.ref} is {record.status}; approve it first")


def sent(record: DraftRecord) -> DraftRecord:
    """The draft after a notice under it was delivered: an approved one becomes submitted.

    Never refuses: the notice has already left (it was checked with `check_sendable` when it
    was queued), and a draft superseded meanwhile keeps its status."""
    if record.status == DraftStatus.APPROVED:
        return replace(record, status=DraftStatus.SUBMITTED)
    return record


def supersede(record: DraftRecord) -> DraftRecord:
    """An older version once a newer one is drafted; a submitted version keeps its status."""
    if record.status == DraftStatus.SUBMITTED:
        return record
    return replace(record, status=DraftStatus.SUPERSEDED)
