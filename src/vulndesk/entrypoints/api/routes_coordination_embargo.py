"""Coordination routes of the embargo (/api/v1/cases/{key}/coordination/embargo...): its
state and its steps, with the end in its zone and in the caller's."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from vulndesk.domain.embargo import EmbargoEvent
from vulndesk.domain.errors import InvalidInput
from vulndesk.entrypoints.api.auth import (
    CurrentDeps,
    CurrentPrincipal,
    IdempotencyKey,
    idempotent,
)
from vulndesk.entrypoints.api.errors import ERROR_RESPONSES
from vulndesk.entrypoints.api.routes_coordination import (
    BASE,
    CaseKeyPath,
    EmbargoEventIn,
    EmbargoEventOut,
    EmbargoOut,
    RefusalOut,
    Zone,
)
from vulndesk.services.context import Deps
from vulndesk.services.coordination import (
    embargo,
)

router = APIRouter(prefix="/api/v1", tags=["coordination"], responses=ERROR_RESPONSES)


def _event_out(e: EmbargoEvent) -> EmbargoEventOut:
    return EmbargoEventOut(
        id=e.id,
        kind=e.kind.value,
        at=e.at,
        by=e.by,
        reason=e.reason,
        participant=e.participant,
        end=e.end,
        zone=e.zone,
        seen_where=e.seen_where,
        seen_at=e.seen_at,
    )


def _embargo_out(shown: embargo.Shown, step: embargo.Step | None = None) -> EmbargoOut:
    e = shown.embargo
    return EmbargoOut(
        state=e.state.value,
        in_force=shown.in_force,
        end=e.end,
        zone=e.zone,
        end_in_zone=shown.in_zone,
        end_in_your_zone=shown.in_viewer_zone,
        pending_end=e.pending_end,
        pending_zone=e.pending_zone,
        pending_in_zone=shown.pending_in_zone,
        pending_in_your_zone=shown.pending_in_viewer_zone,
        accepted_by=sorted(e.accepted_by),
        declined_by=sorted(e.declined_by),
        events=[_event_out(ev) for ev in e.events],
        held_until_in_zone=shown.held_until_in_zone,
        publication_free_since=shown.free_since_in_viewer_zone,
        told=list(step.told) if step else [],
        not_told=[
            RefusalOut(participant=r.participant, party=r.party, reason=r.reason)
            for r in (step.refused if step else ())
        ],
    )


@router.get(BASE + "/embargo", response_model=EmbargoOut)
def get_embargo(
    key: CaseKeyPath, who: CurrentPrincipal, d: CurrentDeps, zone: Zone = "UTC"
) -> EmbargoOut:
    """The embargo: state, end in its zone and in `zone`, every step with who and why."""
    return _embargo_out(embargo.show(d, who, key, zone))


@router.post(BASE + "/embargo/events", response_model=EmbargoOut, status_code=201)
def embargo_event(
    key: CaseKeyPath,
    body: EmbargoEventIn,
    request: Request,
    who: CurrentPrincipal,
    idem: IdempotencyKey,
    zone: Zone = "UTC",
) -> JSONResponse:
    """One embargo step: propose/extend (end and zone), accept/decline (a participant's answer
    with `participant`), break (where and when seen; participants are told), end."""

    def run(j: Deps) -> EmbargoOut:
        if body.kind in ("propose", "extend"):
            if body.end is None or body.zone is None:
                raise InvalidInput("end", f"{body.kind} needs end and zone", "both")
            act = embargo.propose if body.kind == "propose" else embargo.extend
            step = act(j, who, key, body.end, body.zone, body.reason)
        elif body.kind == "accept":
            step = embargo.accept(j, who, key, body.reason, body.participant)
        elif body.kind == "decline":
            step = embargo.decline(j, who, key, body.reason, body.participant)
        elif body.kind == "break":
            step = embargo.record_break(
                j, who, key, body.where or "", body.seen_at or "", body.reason
            )
        else:
            step = embargo.end_embargo(j, who, key, body.reason)
        return _embargo_out(embargo.shown(step.embargo, zone, step.event.at), step)

    return idempotent(request, who, idem, body, run)
