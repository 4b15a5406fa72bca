"""Case routes: list, open, read (audited), edit, members, facts, transitions, obligations.

The routes only authenticate: each use case checks visibility first (a case the caller may
not see gives the same 404 as a case that does not exist), then the caller's roles.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse

from vulndesk.domain.cases import CaseState
from vulndesk.domain.ids import ProductId, UnitId, parse_case_key
from vulndesk.entrypoints.api.auth import (
    CurrentActor,
    CurrentDeps,
    CurrentPrincipal,
    IdempotencyKey,
    container,
    idempotent,
)
from vulndesk.entrypoints.api.errors import ERROR_RESPONSES
from vulndesk.entrypoints.api.routes_cases_models import (
    CaseIn,
    CaseListOut,
    CaseOut,
    CasePatch,
    FactIn,
    MembersOut,
    ObligationOut,
    TransitionIn,
    case_out,
    obligation_out,
    summary_out,
)
from vulndesk.services.access import rights as access
from vulndesk.services.access.rights import (
    Principal,
)
from vulndesk.services.cases import lifecycle as cases
from vulndesk.services.cases import opening
from vulndesk.services.context import Deps, run_joined
from vulndesk.services.ports import CaseFilter

router = APIRouter(prefix="/api/v1", tags=["cases"], responses=ERROR_RESPONSES)
CaseKeyPath = Annotated[str, Path(max_length=32)]
UserPath = Annotated[str, Path(max_length=63)]


def _view(d: Deps, who: Principal, key: str) -> CaseOut:
    """The case as a response; responses carry details, so this read is audited too."""
    view = cases.show_case(d, who, key)
    return CaseOut.model_validate(case_out(view.case, view.obligations))


@router.get("/cases", response_model=CaseListOut)
def list_cases(
    who: CurrentPrincipal,
    d: CurrentDeps,
    state: Annotated[list[str], Query(max_length=10)] = [],  # noqa: B006 - FastAPI copies it
    unit: Annotated[str | None, Query(max_length=63)] = None,
    product: Annotated[str | None, Query(max_length=63)] = None,
    sort: Annotated[str, Query(max_length=16)] = "-updated",
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> dict[str, Any]:
    """Cases the caller may see, newest change first; no sensitive details."""
    flt = CaseFilter(
        states=tuple(CaseState.parse("state", s) for s in state),
        unit=UnitId(unit) if unit else None,
        product=ProductId(product) if product else None,
        limit=limit,
        offset=offset,
        order=sort,
    )
    items, total = cases.list_cases(d, who, flt)
    return {"total": total, "cases": [summary_out(c) for c in items]}


@router.post("/cases", response_model=CaseOut, status_code=201)
def open_case(
    body: CaseIn,
    request: Request,
    who: CurrentPrincipal,
    key: IdempotencyKey,
) -> JSONResponse:
    """Open a case; an opener without all-case access becomes a member so it stays visible."""
    req = opening.OpenCase(**body.model_dump())

    def create(j: Deps) -> CaseOut:
        case = cases.open_case(j, who, req)
        return _view(j, who, case.key)

    return idempotent(request, who, key, body, create)


@router.get("/cases/{key}", response_model=CaseOut)
def show_case(
    key: CaseKeyPath, who: CurrentPrincipal, actor: CurrentActor, request: Request
) -> dict[str, Any]:
    """A case with its details, facts and clocks; the read is recorded in the audit trail."""
    # Read (and decrypted) in a read-only transaction; only the read's audit event goes into
    # the shared writing transaction (group commit), and the case is shown once it committed.
    c = container(request)
    view = cases.read_visible_case(c.deps(), who, key)
    run_joined(c.deps(), lambda d: cases.record_case_read(d, actor, view.case))
    return case_out(view.case, view.obligations)


@router.patch("/cases/{key}", response_model=CaseOut)
def update_case(
    key: CaseKeyPath, body: CasePatch, who: CurrentPrincipal, d: CurrentDeps
) -> dict[str, Any]:
    """Edit descriptive fields (title, CWE, scores, details)."""
    case = cases.update_case(d, who, key, **body.model_dump(exclude_unset=True))
    return _view(d, who, case.key).model_dump()


@router.get("/cases/{key}/members", response_model=MembersOut)
def list_members(key: CaseKeyPath, who: CurrentPrincipal, d: CurrentDeps) -> MembersOut:
    members = access.case_members(d, who, key)
    return MembersOut(case=parse_case_key(key), members=list(members))


@router.put("/cases/{key}/members/{user}", response_model=MembersOut)
def add_member(
    key: CaseKeyPath, user: UserPath, who: CurrentPrincipal, d: CurrentDeps
) -> MembersOut:
    members = access.set_member(d, who, key, user, True)
    return MembersOut(case=parse_case_key(key), members=list(members))


@router.delete("/cases/{key}/members/{user}", response_model=MembersOut)
def remove_member(
    key: CaseKeyPath, user: UserPath, who: CurrentPrincipal, d: CurrentDeps
) -> MembersOut:
    members = access.set_member(d, who, key, user, False)
    return MembersOut(case=parse_case_key(key), members=list(members))


@router.post("/cases/{key}/facts", response_model=CaseOut, status_code=201)
def record_fact(
    key: CaseKeyPath,
    body: FactIn,
    request: Request,
    who: CurrentPrincipal,
    idem: IdempotencyKey,
) -> JSONResponse:
    """Record, correct or retract a fact; clocks are recomputed in the same transaction."""

    def create(j: Deps) -> CaseOut:
        case = cases.record_fact(
            j,
            who,
            key,
            body.kind,
            body.at,
            body.evidence,
            retract=body.mode == "retract",
            correct=body.mode == "correct",
        )
        return _view(j, who, case.key)

    return idempotent(request, who, idem, body, create)


@router.post("/cases/{key}/transitions", response_model=CaseOut, status_code=201)
def transition(
    key: CaseKeyPath,
    body: TransitionIn,
    request: Request,
    who: CurrentPrincipal,
    idem: IdempotencyKey,
) -> JSONResponse:
    """Move the case along its lifecycle; guards name what is missing."""

    def create(j: Deps) -> CaseOut:
        case = cases.transition(
            j, who, key, body.to, body.reason, body.duplicate_of, body.not_applicable
        )
        return _view(j, who, case.key)

    return idempotent(request, who, idem, body, create)


@router.get("/cases/{key}/obligations", response_model=list[ObligationOut])
def case_obligations(
    key: CaseKeyPath, who: CurrentPrincipal, d: CurrentDeps
) -> list[dict[str, Any]]:
    return [obligation_out(o) for o in access.case_obligations(d, who, key)]


@router.get("/obligations/due", response_model=list[ObligationOut])
def due_soon(
    who: CurrentPrincipal,
    d: CurrentDeps,
    within_hours: Annotated[int, Query(ge=1, le=24 * 366)] = 72,
    unit: Annotated[str | None, Query(max_length=63)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[dict[str, Any]]:
    """Open and overdue deadlines in the caller's visible cases, soonest first."""
    items = access.due_soon(
        d, who, dt.timedelta(hours=within_hours), UnitId(unit) if unit else None, limit
    )
    return [obligation_out(o) for o in items]
