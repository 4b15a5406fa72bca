"""Coordination routes outside one case: a party's package URLs (read by the suggestions)
and whose copy a leaked text is."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from vulndesk.entrypoints.api.auth import (
    CurrentDeps,
    CurrentPrincipal,
)
from vulndesk.entrypoints.api.errors import ERROR_RESPONSES
from vulndesk.entrypoints.api.routes_coordination import (
    PurlsIn,
    PurlsOut,
    TraceIn,
    TraceMatch,
    TraceOut,
)
from vulndesk.services.coordination import (
    participants,
    watermark,
)

router = APIRouter(prefix="/api/v1", tags=["coordination"], responses=ERROR_RESPONSES)


@router.put("/parties/{party}/purls", response_model=PurlsOut)
def put_purls(
    party: Annotated[str, Path(max_length=63)],
    body: PurlsIn,
    who: CurrentPrincipal,
    d: CurrentDeps,
) -> PurlsOut:
    """The package URLs the party makes (replaces its list), read by the suggestions."""
    saved = participants.set_party_purls(d, who, party, body.purls)
    return PurlsOut(party=party, purls=list(saved))


@router.post("/coordination/trace", response_model=TraceOut)
def trace(body: TraceIn, who: CurrentPrincipal, d: CurrentDeps) -> TraceOut:
    """Whose copy a leaked text is: the watermarks it carries (the invisible token, or only the
    visible ref), of cases you may see; none found answers an empty list (audited)."""
    found = watermark.trace(d, who, body.text)
    return TraceOut(found=[_match_out(f) for f in found])


def _match_out(f: watermark.Found) -> TraceMatch:
    m = f.mark
    return TraceMatch(
        case=m.case,
        participant=m.participant,
        party=m.party,
        recipient=m.recipient,
        kind=m.kind,
        at=m.at,
        by=m.by,
        ref=m.ref,
        document_sha256=m.document_sha256,
        found_by=f.how,
    )
