"""Everything that leaves a coordinated case to a participant passes the disclosure guard and
is recorded in the ledger: the shared view, thread messages, embargo break notices."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from vulndesk.domain.cases import Case
from vulndesk.domain.coordination import Participant, ParticipantRole
from vulndesk.domain.errors import InvalidInput, NotFound
from vulndesk.domain.ledger import LedgerEntry, NewLedgerEntry
from vulndesk.domain.policy import allowed_fields
from vulndesk.services.context import Acts, Deps
from vulndesk.services.disclosure import guard
from vulndesk.services.disclosure import ledger as ledger_service
from vulndesk.services.ports import UnitOfWork
from vulndesk.services.reports.drafts import policy_for

# The ledger's disclosure kind of a coordination message; the shared view sent to an upstream
# supplier is the RMSV Art. 7(1) notice and records `upstream-notice`, which meets that clock.
COORDINATION = "coordination"
UPSTREAM_NOTICE = "upstream-notice"
CHANNEL = "portal"


@dataclass(frozen=True, slots=True)
class Refusal:
    """A participant something could not be told to, and the guard's reason."""

    participant: int
    party: str
    reason: str


def digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def participant_of(uow: UnitOfWork, case: str, participant: int) -> Participant:
    """A participant of a case the caller sees; another id is bad input naming the fix."""
    try:
        return uow.coordination.participant(case, participant)
    except NotFound:
        raise InvalidInput(
            "participant",
            f"{participant} is not a participant of {case}",
            f"an id from vulndesk coord participants list {case}",
        ) from None


def visible_fields(uow: UnitOfWork, case: Case, participant: Participant) -> frozenset[str]:
    """The detail fields of the case the participant's disclosure policy lets it see."""
    party = uow.parties.get(participant.party)
    have = {name for name, text in case.details.items() if text.strip()}
    return frozenset(have) & allowed_fields(policy_for(uow, case.key), party)


def outgoing(
    uow: UnitOfWork, case: Case, participant: Participant, fields: frozenset[str]
) -> guard.Outgoing:
    party = uow.parties.get(participant.party)
    return guard.Outgoing(case, guard.recipient_of(party), fields, "coordination")


def tell(
    deps: Deps,
    actor: Acts,
    uow: UnitOfWork,
    case: Case,
    participant: Participant,
    content: str,
    fields: Sequence[str] = (),
    kind: str = COORDINATION,
) -> LedgerEntry:
    """Pass the guard (GuardFailed otherwise) and record what the participant was told."""
    now = deps.clock.now()
    chosen = tuple(sorted(set(fields)))
    verdict = guard.require(uow, outgoing(uow, case, participant, frozenset(chosen)))
    party = uow.parties.get(participant.party)
    entry = NewLedgerEntry(
        case=case.key,
        unit=case.unit,
        disclosure_kind=kind,
        recipient=party.id,
        recipient_kind=party.kind.value,
        channel=CHANNEL,
        at=now,
        draft_ref=None,
        receipt=None,
        screenshot=None,
        screenshot_sha256=None,
        content=content,
        sha256=digest(content),
        fields=chosen,
        classes=ledger_service.classes_of(chosen),
        approvers=verdict.approvers or (actor.name,),
        recorded_at=now,
        recorded_by=actor.name,
    )
    return ledger_service.add_entry(deps, actor, uow, entry)


def notice_kind(participant: Participant) -> str:
    if participant.role is ParticipantRole.UPSTREAM_SUPPLIER:
        return UPSTREAM_NOTICE
    return COORDINATION
