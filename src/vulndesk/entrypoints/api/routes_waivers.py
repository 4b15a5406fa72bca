"""Obligation waivers: a coordinator or administrator proposes, a second approver approves.

A proposal names no approver: the second person approves with their own credentials
(`POST /cases/{key}/waivers/{waiver}/approvals`), and only then is the obligation waived.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import JSONResponse

from vulndesk.entrypoints.api.auth import (
    CurrentDeps,
    CurrentPrincipal,
    IdempotencyKey,
    idempotent,
)
from vulndesk.entrypoints.api.errors import ERROR_RESPONSES
from vulndesk.entrypoints.api.routes_admin_models import WaiverIn, WaiverOut
from vulndesk.services.access import rights as access
from vulndesk.services.access.rights import Principal
from vulndesk.services.clocks import waivers
from vulndesk.services.clocks.waivers import Waiver
from vulndesk.services.context import Deps

router = APIRouter(prefix="/api/v1", tags=["cases"], responses=ERROR_RESPONSES)
CaseKeyPath = Annotated[str, Path(max_length=32)]


def waiver_out(d: Deps, who: Principal, w: Waiver) -> dict[str, Any]:
    found = next((o for o in access.case_obligations(d, who, w.case) if o.id == w.obligation), None)
    return {
        "id": w.id,
        "case": w.case,
        "obligation": w.obligation,
        "reason": w.reason,
        "status": w.status,
        "proposed_by": w.proposed_by,
        "proposed_at": w.proposed_at,
        "approvers": list(w.approvers),
        "obligation_status": found.status.value if found else None,
    }


@router.post("/cases/{key}/waivers", response_model=WaiverOut, status_code=201)
def propose_waiver(
    key: CaseKeyPath,
    body: WaiverIn,
    request: Request,
    who: CurrentPrincipal,
    idem: IdempotencyKey,
) -> JSONResponse:
    """Propose waiving an open or overdue obligation, with a reason. The obligation keeps its
    status until a second, different approver approves the waiver with their own account."""

    def create(j: Deps) -> WaiverOut:
        found = waivers.propose(j, who, key, body.obligation, body.reason)
        return WaiverOut.model_validate(waiver_out(j, who, found))

    return idempotent(request, who, idem, body, create)


@router.get("/cases/{key}/waivers", response_model=list[WaiverOut])
def list_waivers(key: CaseKeyPath, who: CurrentPrincipal, d: CurrentDeps) -> list[dict[str, Any]]:
    """The case's waivers, pending and approved, oldest first."""
    return [waiver_out(d, who, w) for w in waivers.list_waivers(d, who, key)]


@router.post("/cases/{key}/waivers/{waiver}/approvals", response_model=WaiverOut, status_code=201)
def approve_waiver(
    key: CaseKeyPath,
    waiver: Annotated[int, Path(ge=1, le=2**31 - 1)],
    request: Request,
    who: CurrentPrincipal,
    idem: IdempotencyKey,
) -> JSONResponse:
    """Approve a pending waiver as its second person (an approver or administrator who is not
    its proposer); the obligation is then waived. A waiver of another case answers like a
    missing one."""

    def create(j: Deps) -> WaiverOut:
        return WaiverOut.model_validate(
            waiver_out(j, who, waivers.approve(j, who, key, str(waiver)))
        )

    return idempotent(request, who, idem, None, create)
