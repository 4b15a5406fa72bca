"""Storage port of coordinated disclosure (its records are in the domain)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Protocol

from vulndesk.domain.coordination import (
    Binding,
    Contact,
    Invitation,
    Participant,
    ParticipantRole,
    ProductStatus,
    StatusStatement,
    VexJustification,
)
from vulndesk.domain.embargo import EmbargoEvent
from vulndesk.domain.ids import PartyId
from vulndesk.domain.threads import MessageFile, ThreadMessage, ThreadSummary
from vulndesk.domain.watermark import Watermark
from vulndesk.services.intake.ports import Upload


class CoordinationRepository(Protocol):
    def add_participant(
        self,
        case: str,
        party: PartyId,
        role: ParticipantRole,
        people: Sequence[Contact],
        at: dt.datetime,
        by: str,
    ) -> Participant:
        """Conflict when the party already takes part in the case."""
        ...

    def participants(self, case: str) -> list[Participant]: ...
    def participant(self, case: str, participant_id: int) -> Participant:
        """NotFound when missing or of another case."""
        ...

    def add_statement(
        self,
        case: str,
        participant: int,
        product: str,
        status: ProductStatus,
        justification: VexJustification | None,
        fixed_versions: Sequence[str],
        statement: str,
        at: dt.datetime,
        by: str,
    ) -> StatusStatement: ...

    def approve_statement(
        self, case: str, statement_id: int, at: dt.datetime, by: str
    ) -> StatusStatement:
        """NotFound when missing or of another case; Conflict when already approved."""
        ...

    def statements(self, case: str) -> list[StatusStatement]: ...
    def add_embargo_event(self, case: str, event: EmbargoEvent) -> EmbargoEvent: ...
    def embargo_events(self, case: str) -> list[EmbargoEvent]: ...
    def embargo_cases(self, ends_after: dt.datetime, ends_by: dt.datetime) -> list[str]:
        """The cases with an embargo end proposed or extended to an instant in
        (`ends_after`, `ends_by`], in key order: those whose embargo may end in that window."""
        ...

    def add_message(
        self,
        case: str,
        participant: int | None,
        author: str,
        at: dt.datetime,
        body: str,
        files: Sequence[Upload] = (),
    ) -> ThreadMessage:
        """The message and its files, sealed (decision 0046: files bound to case, message
        and digest)."""
        ...

    def message_file(
        self, case: str, participant: int | None, message: int, sha256: str
    ) -> tuple[MessageFile, bytes] | None:
        """A file of a message of that thread of the case, with its content; None if none."""
        ...

    def messages(self, case: str, participant: int | None, limit: int = 200) -> list[ThreadMessage]:
        """The newest `limit` messages of one thread, oldest first."""
        ...

    def thread_summaries(self, case: str) -> list[ThreadSummary]: ...
    def mark_read(
        self, account: str, case: str, participant: int | None, message_id: int, at: dt.datetime
    ) -> None:
        """`account` (a desk or a participant's account) has read the thread up to message
        `message_id`; a marker never moves back."""
        ...

    def unread(self, account: str, case: str) -> dict[int | None, int]:
        """Per thread of the case (None: shared), the messages `account` has not read and did
        not write; threads with none are left out."""
        ...

    def set_party_purls(self, party: PartyId, purls: Sequence[str]) -> None:
        """Replace the package URLs `party` declares it makes."""
        ...

    def party_purls(self) -> Mapping[PartyId, tuple[str, ...]]: ...
    def add_watermark(self, mark: Watermark) -> None:
        """Conflict when the token or its ref is taken."""
        ...

    def watermarks(self, tokens: Sequence[str], refs: Sequence[str]) -> list[Watermark]:
        """The watermarks with any of these tokens (hex) or short refs."""
        ...

    # participants' own accounts (decision 0045)

    def bind_account(self, binding: Binding) -> Binding:
        """Bind (an existing binding of the same account, case and participant is kept);
        Conflict when the account already speaks for another participant of the case."""
        ...

    def bindings_of(self, user: str) -> list[Binding]: ...
    def binding(self, user: str, case: str) -> Binding | None: ...
    def bindings(self, case: str) -> list[Binding]: ...
    def add_invitation(self, invitation: Invitation, token_sha256: str, token: str) -> Invitation:
        """Store a new invitation, replacing any unused one of the same account and case."""
        ...

    def invitation_by_token(self, token_sha256: str) -> Invitation | None: ...
    def invitation(self, invitation_id: int) -> Invitation | None: ...
    def invitation_token(self, invitation_id: int) -> str | None:
        """The sealed token of an invitation not yet mailed (None once mailed or used)."""
        ...

    def forget_invitation_token(self, invitation_id: int) -> None: ...
    def use_invitation(self, invitation_id: int, at: dt.datetime) -> bool:
        """Mark used; False when it was used already (of two concurrent uses one wins)."""
        ...
