"""Case work routes: edit fields with history, product suggestions and links, the triage queue
of reports without a product, and bulk acts. The use cases check visibility and roles."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from vulndesk.entrypoints.api.auth import (
    CurrentDeps,
    CurrentPrincipal,
    IdempotencyKey,
    idempotent,
)
from vulndesk.entrypoints.api.errors import ERROR_RESPONSES
from vulndesk.entrypoints.api.routes_cases_models import CaseOut, case_out
from vulndesk.services.cases import bulk, editing, linking
from vulndesk.services.cases import lifecycle as cases
from vulndesk.services.context import Deps

router = APIRouter(prefix="/api/v1", tags=["cases"], responses=ERROR_RESPONSES)
CaseKeyPath = Annotated[str, Path(max_length=32)]
ProductPath = Annotated[str, Path(max_length=100)]


class FieldsIn(BaseModel):
    """The fields to set; a field left out keeps its value, an empty one clears it."""

    title: str | None = Field(default=None, max_length=300)
    products: str | None = Field(default=None, max_length=5_000)
    cvss31: str | None = Field(default=None, max_length=200)
    cvss40: str | None = Field(default=None, max_length=300)
    cwe: str | None = Field(default=None, max_length=16)
    unit: str | None = Field(default=None, max_length=63)
    owner: str | None = Field(default=None, max_length=63)
    remediation: str | None = Field(default=None, max_length=20_000)
    workaround: str | None = Field(default=None, max_length=20_000)


class FieldChangeOut(BaseModel):
    at: dt.datetime
    by: str
    field: str
    before: str
    after: str


class SuggestionOut(BaseModel):
    product: str
    name: str
    owner_unit: str | None
    score: float


class LinkIn(BaseModel):
    versions: list[str] = Field(default=[], max_length=100)


class TriageOut(BaseModel):
    key: str
    title: str
    unit: str
    created_at: dt.datetime


class BulkIn(BaseModel):
    action: Literal["assign", "transition"]
    keys: list[str] = Field(max_length=bulk.MAX_BULK)
    to: str = Field(default="", max_length=16)
    reason: str = Field(default="", max_length=10_000)
    owner: str = Field(default="", max_length=63)


class BulkResultOut(BaseModel):
    key: str
    done: bool
    reason: str
    guard: str


class BulkOut(BaseModel):
    results: list[BulkResultOut]


def _view(d: Deps, who: Any, key: str) -> dict[str, Any]:
    view = cases.show_case(d, who, key)
    return case_out(view.case, view.obligations)


@router.patch("/cases/{key}/fields", response_model=CaseOut)
def edit_fields(
    key: CaseKeyPath, body: FieldsIn, who: CurrentPrincipal, d: CurrentDeps
) -> dict[str, Any]:
    """Set fields one by one; each change is audited with its before and after."""
    changes = {k: v for k, v in body.model_dump(exclude_unset=True).items() if v is not None}
    case = editing.edit_case(d, who, key, changes)
    return _view(d, who, case.key)


@router.get("/cases/{key}/history", response_model=list[FieldChangeOut])
def field_history(key: CaseKeyPath, who: CurrentPrincipal, d: CurrentDeps) -> list[Any]:
    """The case's field changes, newest first."""
    return [
        FieldChangeOut.model_validate(h, from_attributes=True) for h in editing.history(d, who, key)
    ]


@router.get("/cases/{key}/product-suggestions", response_model=list[SuggestionOut])
def suggestions(key: CaseKeyPath, who: CurrentPrincipal, d: CurrentDeps) -> list[SuggestionOut]:
    """Catalogue products ranked against what the reporter wrote."""
    return [
        SuggestionOut(
            product=s.product.id,
            name=f"{s.product.vendor} {s.product.name}",
            owner_unit=s.product.owner_unit,
            score=s.score,
        )
        for s in linking.suggestions(d, who, key)
    ]


@router.put("/cases/{key}/products/{product}", response_model=CaseOut)
def link_product(
    key: CaseKeyPath, product: ProductPath, body: LinkIn, who: CurrentPrincipal, d: CurrentDeps
) -> dict[str, Any]:
    """Link a catalogue product: the case moves to its unit and its clocks start."""
    case = linking.link_product(d, who, key, product, ", ".join(body.versions))
    return _view(d, who, case.key)


@router.get("/triage", response_model=list[TriageOut])
def triage(who: CurrentPrincipal, d: CurrentDeps) -> list[TriageOut]:
    """Received and triaged cases that name no product (coordinators of every unit)."""
    return [
        TriageOut(key=r.key, title=r.title, unit=r.unit, created_at=r.created_at)
        for r in linking.unlinked(d, who)
    ]


@router.post("/cases/bulk", response_model=BulkOut, status_code=201)
def bulk_act(
    body: BulkIn, request: Request, who: CurrentPrincipal, idem: IdempotencyKey
) -> JSONResponse:
    """Assign or transition each listed case; one result per case, refusals with their guard."""

    def run(j: Deps) -> BulkOut:
        if body.action == "assign":
            results = bulk.bulk_assign(j, who, body.keys, body.owner)
        else:
            results = bulk.bulk_transition(j, who, body.keys, body.to, body.reason)
        return BulkOut(
            results=[BulkResultOut.model_validate(r, from_attributes=True) for r in results]
        )

    return idempotent(request, who, idem, body, run)
