"""Disclosure ledger records: what was sent or said to whom, when, and its backdate approval."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from vulndesk.domain.drafts import two_persons
from vulndesk.domain.ids import CaseKey, PartyId, UnitId


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
        return two_persons(self.approvers)


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
