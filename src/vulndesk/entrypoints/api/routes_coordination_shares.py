"""Coordination routes of whom to invite and what they are sent: the suggestions, a
participant's watermarked shared view, and sharing it."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response

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
    IdPath,
    SuggestionList,
    SuggestionOut,
    ViewOut,
)
from vulndesk.services.context import Deps
from vulndesk.services.coordination import (
    participants,
    suggest,
)

router = APIRouter(prefix="/api/v1", tags=["coordination"], responses=ERROR_RESPONSES)


def _view_out(view: participants.SharedView, ledger: str | None = None) -> ViewOut:
    return ViewOut(
        participant=view.participant,
        party=view.party,
        title=view.title,
        fields=view.fields,
        withheld=list(view.withheld),
        statuses=[list(s) for s in view.statuses],
        embargo=view.embargo,
        text=view.stamped,
        watermark=view.ref,
        ledger=ledger,
    )


@router.get(BASE + "/suggestions", response_model=SuggestionList)
def get_suggestions(key: CaseKeyPath, who: CurrentPrincipal, d: CurrentDeps) -> SuggestionList:
    """Whom to invite and why: SBOMs, named suppliers, declared package URLs, CSIRTs."""
    found = suggest.suggestions(d, who, key)
    return SuggestionList(
        suggestions=[
            SuggestionOut(
                party=s.party,
                name=s.name,
                role=s.role.value,
                reasons=list(s.reasons),
                invited=s.invited,
            )
            for s in found
        ]
    )


@router.get(
    BASE + "/participants/{participant}/view",
    response_model=ViewOut,
    responses={200: {"content": {"text/plain": {}, "application/json": {}}}},
)
def get_view(
    key: CaseKeyPath,
    participant: IdPath,
    who: CurrentPrincipal,
    d: CurrentDeps,
    format: Annotated[
        Literal["text", "json"] | None,
        Query(description="Download the watermarked document as text or JSON"),
    ] = None,
) -> ViewOut | Response:
    """What the participant would be sent (nothing leaves; the read is audited), watermarked
    for the participant; `format` text or json downloads it as a file."""
    view = participants.shared_view(d, who, key, participant, format or "text")
    if format is None:
        return _view_out(view)
    name = f"{view.case}-participant-{view.participant}-{view.ref}.{'txt' if format == 'text' else 'json'}"
    media = "text/plain; charset=utf-8" if format == "text" else "application/json"
    return Response(
        view.stamped,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.post(BASE + "/participants/{participant}/shares", response_model=ViewOut, status_code=201)
def share_view(
    key: CaseKeyPath,
    participant: IdPath,
    request: Request,
    who: CurrentPrincipal,
    idem: IdempotencyKey,
) -> JSONResponse:
    """Send the participant its shared view: the disclosure guard judges, the ledger keeps it."""

    def run(j: Deps) -> ViewOut:
        view, entry = participants.share(j, who, key, participant)
        return _view_out(view, entry.ref)

    return idempotent(request, who, idem, None, run)
