"""A case's CVE ids at CVE Services over the API: list, reserve, attach, publish, update, reject.

The same use cases as `vulndesk cve ...`; the services check roles and need-to-know, so a case
the caller may not see answers like a missing one. Every POST takes an `Idempotency-Key` (a
retry replays the first answer and CVE Services is not asked twice).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from vulndesk.entrypoints.api.auth import (
    CurrentDeps,
    CurrentPrincipal,
    IdempotencyKey,
    container,
    idempotent,
)
from vulndesk.entrypoints.api.errors import ERROR_RESPONSES
from vulndesk.services.access.rights import Principal
from vulndesk.services.advisories import cve
from vulndesk.services.context import Deps

router = APIRouter(prefix="/api/v1", tags=["cve"], responses=ERROR_RESPONSES)
CaseKeyPath = Annotated[str, Path(max_length=32)]
CveIdPath = Annotated[str, Path(max_length=32, description="CVE-YYYY-NNNN")]


class ReserveIn(BaseModel):
    amount: int = Field(default=1, ge=1, le=cve.MAX_AMOUNT)
    year: int | None = Field(default=None, ge=cve.FIRST_YEAR, le=9999)


class RejectIn(BaseModel):
    reason: str = Field(min_length=1, max_length=cve.MAX_REASON)


class CveIdOut(BaseModel):
    cve_id: str
    case: str
    year: int
    state: str
    reserved_at: dt.datetime
    reserved_by: str
    published_at: dt.datetime | None = None
    published_by: str | None = None
    updated_at: dt.datetime | None = None
    updated_by: str | None = None
    rejected_at: dt.datetime | None = None
    rejected_by: str | None = None
    reason: str | None = None


class ReservedOut(BaseModel):
    cve_ids: list[CveIdOut]


class SentOut(CveIdOut):
    ledger_ref: str


class AttachedOut(BaseModel):
    cve_id: str
    advisory: str
    revision: int
    status: str


@router.get("/cases/{key}/cves", response_model=list[CveIdOut])
def list_cve_ids(key: CaseKeyPath, who: CurrentPrincipal, d: CurrentDeps) -> list[Any]:
    """The case's CVE ids with their state: reserved, published or rejected."""
    return [cve.record_fields(r) for r in cve.list_ids(d, who, key)]


@router.post("/cases/{key}/cves", response_model=ReservedOut, status_code=201)
def reserve_cve_ids(
    key: CaseKeyPath, body: ReserveIn, request: Request, who: CurrentPrincipal,
    idem: IdempotencyKey,
) -> JSONResponse:  # fmt: skip
    """Reserve CVE ids for the case at CVE Services (case writers)."""
    c = container(request)

    def create(j: Deps) -> ReservedOut:
        made = cve.reserve(j, who, c.cve_services, key, body.amount, body.year)
        return ReservedOut(cve_ids=[CveIdOut.model_validate(cve.record_fields(r)) for r in made])

    return idempotent(request, who, idem, body, create)


@router.post("/cases/{key}/cves/{cve_id}/attach", response_model=AttachedOut, status_code=201)
def attach_cve_id(
    key: CaseKeyPath, cve_id: CveIdPath, request: Request, who: CurrentPrincipal,
    idem: IdempotencyKey,
) -> JSONResponse:  # fmt: skip
    """Name the id in the case's advisory: a new revision, to be approved by two people."""

    def create(j: Deps) -> AttachedOut:
        r = cve.attach(j, who, key, cve_id)
        return AttachedOut(
            cve_id=cve_id.upper(), advisory=r.ref, revision=r.number, status=r.status
        )

    return idempotent(request, who, idem, None, create)


def _send(
    request: Request, who: Principal, idem: str, key: str, cve_id: str,
    act: Callable[..., tuple[Any, str]],
) -> JSONResponse:  # fmt: skip
    """Publish or update a CVE record: the same route shape, only the use case differs."""
    c = container(request)

    def create(j: Deps) -> SentOut:
        r, ref = act(j, who, c.advisory_setup, c.cve_services, key, cve_id)
        return SentOut.model_validate(cve.record_fields(r) | {"ledger_ref": ref})

    return idempotent(request, who, idem, None, create)


@router.post("/cases/{key}/cves/{cve_id}/publish", response_model=SentOut, status_code=201)
def publish_cve_record(
    key: CaseKeyPath, cve_id: CveIdPath, request: Request, who: CurrentPrincipal,
    idem: IdempotencyKey,
) -> JSONResponse:  # fmt: skip
    """Publish the CVE record of a reserved id from the approved advisory (ledger entry)."""
    return _send(request, who, idem, key, cve_id, cve.publish)


@router.post("/cases/{key}/cves/{cve_id}/update", response_model=SentOut, status_code=201)
def update_cve_record(
    key: CaseKeyPath, cve_id: CveIdPath, request: Request, who: CurrentPrincipal,
    idem: IdempotencyKey,
) -> JSONResponse:  # fmt: skip
    """Send the newest approved advisory revision as the published record's update."""
    return _send(request, who, idem, key, cve_id, cve.update)


@router.post("/cases/{key}/cves/{cve_id}/reject", response_model=CveIdOut, status_code=201)
def reject_cve_id(
    key: CaseKeyPath, cve_id: CveIdPath, body: RejectIn, request: Request,
    who: CurrentPrincipal, idem: IdempotencyKey,
) -> JSONResponse:  # fmt: skip
    """Reject a reserved id or a published record; the reason is published with it."""
    c = container(request)

    def create(j: Deps) -> CveIdOut:
        r = cve.reject(j, who, c.advisory_setup, c.cve_services, key, cve_id, body.reason)
        return CveIdOut.model_validate(cve.record_fields(r))

    return idempotent(request, who, idem, body, create)
