"""Ports and records for regulator reports: drafts, decisions, the disclosure ledger, oversight."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Protocol

from vulndesk.domain.ids import CaseKey, PartyId, UnitId

MIN_APPROVERS = 2


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
    status: str
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


@dataclass(frozen=True, slots=True)
class Decision:
    """A recorded decision: an exception, a cross-border permission, a justification, a
    release, a backdate's justification, or an obligation's waiver (`obligation` names it)."""

    id: int
    kind: str
    case: CaseKey
    recipient: PartyId
    draft_id: int | None
    fields: tuple[str, ...]
    reason: str
    created_at: dt.datetime
    created_by: str
    approvers: tuple[str, ...]
    obligation: str | None = None

    @property
    def approved(self) -> bool:
        return len(set(self.approvers)) >= MIN_APPROVERS


@dataclass(frozen=True, slots=True)
class NewLedgerEntry:
    """A disclosure about to be recorded; `content` is the exact text sent or said.

    `at` is the instant claimed (when it was sent or said), `recorded_at` the server's clock
    when it was recorded. `backdate_decision` names the `backdate` decision of a claim older
    than the backdate limit.
    """

    case: CaseKey
    unit: UnitId
    disclosure_kind: str
    recipient: PartyId
    recipient_kind: str
    channel: str
    at: dt.datetime
    draft_ref: str | None
    receipt: str | None
    screenshot: str | None
    screenshot_sha256: str | None
    content: str
    sha256: str
    fields: tuple[str, ...]
    classes: tuple[str, ...]
    approvers: tuple[str, ...]
    recorded_at: dt.datetime
    recorded_by: str
    backdate_decision: int | None = None


@dataclass(frozen=True, slots=True)
class Backdate:
    """The justification of a backdated entry and who approved it (its recorder first)."""

    decision: int
    justification: str
    approvers: tuple[str, ...]

    @property
    def approved(self) -> bool:
        return len(set(self.approvers)) >= MIN_APPROVERS


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    """A recorded disclosure; `content` is None unless it was asked for.

    A backdated entry meets no obligation until its justification is approved.
    """

    id: int
    entry: NewLedgerEntry
    backdate: Backdate | None = None

    @property
    def ref(self) -> str:
        return f"ledger:{self.id}"

    @property
    def backdated(self) -> bool:
        return self.entry.backdate_decision is not None

    @property
    def backdate_decision(self) -> int | None:
        return self.entry.backdate_decision

    @property
    def backdate_pending(self) -> bool:
        return self.backdated and (self.backdate is None or not self.backdate.approved)

    @property
    def backdate_approvers(self) -> tuple[str, ...]:
        return self.backdate.approvers if self.backdate else ()

    @property
    def backdate_status(self) -> str | None:
        """None (not backdated), `pending` or `approved`."""
        if not self.backdated:
            return None
        return "pending" if self.backdate_pending else "approved"


@dataclass(frozen=True, slots=True)
class HqNotice:
    """A notice to headquarters: no case free text, only its key and what happened."""

    id: int
    created_at: dt.datetime
    case: CaseKey
    event: str
    draft_ref: str
    recipient: PartyId


@dataclass(frozen=True, slots=True)
class Subscriber:
    name: str
    email: str


class ReportRepository(Protocol):
    def add_draft(self, draft: NewDraft) -> DraftRecord: ...
    def latest_version(self, case: CaseKey, kind: str, recipient: PartyId) -> int: ...
    def get_draft(
        self, case: CaseKey, kind: str, recipient: PartyId, version: int | None = None
    ) -> DraftRecord: ...
    def drafts_for_case(self, case: CaseKey) -> list[DraftRecord]: ...
    def set_status(self, draft_id: int, status: str) -> None: ...
    def add_approval(self, draft_id: int, approval: Approval) -> None: ...
    def add_decision(self, decision: Decision) -> Decision: ...
    def approve_decision(self, decision_id: int, actor: str, at: dt.datetime) -> None: ...
    def get_decision(self, decision_id: int) -> Decision: ...
    def decisions_for(self, case: CaseKey) -> list[Decision]: ...
    def set_override(
        self,
        party: PartyId,
        classes: tuple[str, ...],
        fields: tuple[str, ...],
        at: dt.datetime,
        by: str,
    ) -> None: ...
    def overrides(self) -> dict[PartyId, tuple[tuple[str, ...], tuple[str, ...]]]: ...


class LedgerRepository(Protocol):
    def add(self, entry: NewLedgerEntry) -> LedgerEntry: ...
    def get(self, entry_id: int, *, content: bool = False) -> LedgerEntry: ...
    def list(
        self, case: CaseKey | None = None, *, government_only: bool = False
    ) -> list[LedgerEntry]: ...
    def earliest_by_kind(self, case: CaseKey) -> dict[str, tuple[dt.datetime, str]]: ...


class OversightRepository(Protocol):
    def add_notice(
        self, at: dt.datetime, case: CaseKey, event: str, draft_ref: str, recipient: PartyId
    ) -> None: ...
    def notices(self, limit: int = 200) -> list[HqNotice]: ...
    def has_notice(self, case: CaseKey, event: str, draft_ref: str) -> bool: ...
    def add_subscriber(self, subscriber: Subscriber, at: dt.datetime) -> None: ...
    def subscribers(self) -> list[Subscriber]: ...
