"""Coordination routes of the participants and their product statuses
(/api/v1/cases/{key}/coordination/participants, /statuses)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from vulndesk.domain.coordination import StatusCell, StatusStatement
from vulndesk.entrypoints.api.auth import (
    CurrentDeps,
    CurrentPrincipal,
    IdempotencyKey,
    idempotent,
)
from vulndesk.entrypoints.api.errors import ERROR_RESPONSES
from vulndesk.entrypoints.api.routes_coordination import (
    BASE,
    BoardOut,
    CaseKeyPath,
    CellOut,
    IdPath,
    ParticipantIn,
    ParticipantList,
    ParticipantOut,
    PersonOut,
    StatementIn,
    StatementOut,
)
from vulndesk.services.context import Deps
from vulndesk.services.coordination import (
    participants,
    statuses,
)

router = APIRouter(prefix="/api/v1", tags=["coordination"], responses=ERROR_RESPONSES)


def _participant_out(r: participants.ParticipantRow) -> ParticipantOut:
    p = r.participant
    return ParticipantOut(
        id=p.id,
        party=p.party,
        party_name=r.party_name,
        party_kind=r.party_kind,
        country=r.country,
        role=p.role.value,
        people=[PersonOut(name=c.name, address=c.address) for c in p.people],
        invited_at=p.invited_at,
        invited_by=p.invited_by,
    )


def _maybe(s: StatusStatement | None) -> StatementOut | None:
    return None if s is None else _statement_out(s)


def _statement_out(s: StatusStatement) -> StatementOut:
    return StatementOut(
        id=s.id,
        participant=s.participant,
        product=s.product,
        status=s.status.value,
        statement=s.statement,
        justification=s.justification.value if s.justification else None,
        fixed_versions=list(s.fixed_versions),
        recorded_at=s.recorded_at,
        recorded_by=s.recorded_by,
        approved_at=s.approved_at,
        approved_by=s.approved_by,
    )


def _cell_out(c: StatusCell) -> CellOut:
    return CellOut(
        participant=c.participant,
        product=c.product,
        status=c.status.value,
        since=c.since,
        current=_maybe(c.current),
        pending=_maybe(c.pending),
    )


@router.get(BASE + "/participants", response_model=ParticipantList)
def list_participants(key: CaseKeyPath, who: CurrentPrincipal, d: CurrentDeps) -> ParticipantList:
    """The organisations taking part in the case, with their people."""
    rows = participants.participants(d, who, key)
    return ParticipantList(participants=[_participant_out(r) for r in rows])


@router.post(BASE + "/participants", response_model=ParticipantOut, status_code=201)
def add_participant(
    key: CaseKeyPath,
    body: ParticipantIn,
    request: Request,
    who: CurrentPrincipal,
    idem: IdempotencyKey,
) -> JSONResponse:
    """Invite an organisation (nothing is sent until it is shared with)."""

    def run(j: Deps) -> ParticipantOut:
        added = participants.invite(j, who, key, body.party, body.role, body.people)
        row = next(
            r for r in participants.participants(j, who, key) if r.participant.id == added.id
        )
        return _participant_out(row)

    return idempotent(request, who, idem, body, run)


@router.get(BASE + "/statuses", response_model=BoardOut)
def get_board(key: CaseKeyPath, who: CurrentPrincipal, d: CurrentDeps) -> BoardOut:
    """Every participant and product: approved status, or no_answer since the invitation."""
    found = statuses.status_board(d, who, key)
    return BoardOut(
        cells=[_cell_out(c) for c in found.cells],
        statements=[_statement_out(s) for s in found.statements],
    )


@router.post(BASE + "/statuses", response_model=StatementOut, status_code=201)
def add_statement(
    key: CaseKeyPath,
    body: StatementIn,
    request: Request,
    who: CurrentPrincipal,
    idem: IdempotencyKey,
) -> JSONResponse:
    """Record a participant's status of a product; shared once a second person approves it."""

    def run(j: Deps) -> StatementOut:
        saved = statuses.record(
            j,
            who,
            key,
            body.participant,
            body.product,
            body.status,
            body.statement,
            body.justification,
            body.fixed_versions,
        )
        return _statement_out(saved)

    return idempotent(request, who, idem, body, run)


@router.post(BASE + "/statuses/{statement}/approval", response_model=StatementOut, status_code=201)
def approve_statement(
    key: CaseKeyPath,
    statement: IdPath,
    request: Request,
    who: CurrentPrincipal,
    idem: IdempotencyKey,
) -> JSONResponse:
    """Approve a statement for sharing (a person other than its recorder)."""

    def run(j: Deps) -> StatementOut:
        return _statement_out(statuses.approve(j, who, key, statement))

    return idempotent(request, who, idem, None, run)
