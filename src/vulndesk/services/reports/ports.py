"""Ports for regulator reports (drafts, decisions, the disclosure ledger) and oversight records."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass
from typing import Protocol

from vulndesk.domain.decisions import Decision
from vulndesk.domain.drafts import Approval, DraftRecord, DraftStatus, NewDraft
from vulndesk.domain.ids import CaseKey, PartyId
from vulndesk.domain.ledger import LedgerEntry, NewLedgerEntry


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
    def set_status(self, draft_id: int, status: DraftStatus) -> None: ...
    def add_approval(self, draft_id: int, approval: Approval) -> None: ...
    def add_decision(self, decision: Decision) -> Decision: ...
    def approve_decision(self, decision_id: int, actor: str, at: dt.datetime) -> None: ...
    def get_decision(self, decision_id: int) -> Decision: ...
    def decisions_for(self, case: CaseKey) -> list[Decision]: ...
    def decisions_for_cases(self, cases: Collection[CaseKey]) -> dict[CaseKey, list[Decision]]:
        """`decisions_for` of each case of `cases` that has decisions, in a few statements."""
        ...

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
    def earliest_by_kind_for(
        self, cases: Collection[CaseKey]
    ) -> dict[CaseKey, dict[str, tuple[dt.datetime, str]]]:
        """`earliest_by_kind` of each case of `cases` with disclosures, in a few statements."""
        ...


class OversightRepository(Protocol):
    def add_notice(
        self, at: dt.datetime, case: CaseKey, event: str, draft_ref: str, recipient: PartyId
    ) -> None: ...
    def notices(self, limit: int = 200) -> list[HqNotice]: ...
    def has_notice(self, case: CaseKey, event: str, draft_ref: str) -> bool: ...
    def add_subscriber(self, subscriber: Subscriber, at: dt.datetime) -> None: ...
    def subscribers(self) -> list[Subscriber]: ...
