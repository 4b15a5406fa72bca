"""Reference data routes: organisation units, products and parties (list, get, create).

A unit's reporting entity (legal name, contact person, e-mail, phone) and on-call address are
set when it is created or later with `PATCH /units/{id}`.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from vulndesk.domain.parties import Party
from vulndesk.domain.products import Product
from vulndesk.domain.units import OrgUnit
from vulndesk.entrypoints.api.auth import (
    CurrentDeps,
    CurrentPrincipal,
    IdempotencyKey,
    idempotent,
)
from vulndesk.entrypoints.api.errors import ERROR_RESPONSES
from vulndesk.services.cases import reference

router = APIRouter(prefix="/api/v1", tags=["reference"], responses=ERROR_RESPONSES)
Text = Field(max_length=500)


class UnitContactIO(BaseModel):
    """The reporting entity and on-call address; a missing field is kept, "" clears it."""

    legal_name: str | None = Field(
        default=None, max_length=200, description="Legal entity name regulators see"
    )
    contact_person: str | None = Field(default=None, max_length=200)
    contact_email: str | None = Field(default=None, max_length=254)
    contact_phone: str | None = Field(
        default=None, max_length=40, description="E.164, e.g. +86 10 5555 0100"
    )
    on_call_email: str | None = Field(
        default=None, max_length=254, description="Where deadline escalations go"
    )
    on_call_webhook: str | None = Field(
        default=None, max_length=500, description="https URL on VULNDESK_WEBHOOK_HOSTS"
    )

    def contact(self) -> reference.UnitContact:
        return reference.UnitContact(**self.model_dump(include=set(CONTACT_FIELDS)))


CONTACT_FIELDS = tuple(UnitContactIO.model_fields)


class UnitIO(UnitContactIO):
    id: str = Field(max_length=63)
    name: str = Text
    country: str = Field(max_length=2)
    timezone: str = Field(max_length=64)
    parent: str | None = Field(default=None, max_length=63)

    @classmethod
    def of(cls, u: OrgUnit) -> UnitIO:
        contact: dict[str, Any] = {f: getattr(u, f) for f in CONTACT_FIELDS}
        return cls(
            id=u.id, name=u.name, country=u.country, timezone=u.timezone, parent=u.parent, **contact
        )


class ProductIO(BaseModel):
    id: str = Field(max_length=63)
    vendor: str = Text
    name: str = Text
    model: str = Text
    kind: str = Field(default="product", max_length=16)
    versions: list[str] = Field(default=[], max_length=500)
    markets: list[str] = Field(default=[], max_length=300)
    components: list[str] = Field(default=[], max_length=500)
    suppliers: list[str] = Field(default=[], max_length=100)
    users_must_act: bool = True
    purl: str | None = Field(default=None, max_length=500)
    installed_base: int | None = Field(default=None, ge=0, le=10**15)
    owner_unit: str | None = Field(default=None, max_length=63)

    @classmethod
    def of(cls, p: Product) -> ProductIO:
        return cls(
            id=p.id,
            vendor=p.vendor,
            name=p.name,
            model=p.model,
            kind=p.kind.value,
            versions=list(p.versions),
            markets=list(p.markets),
            components=[c.purl for c in p.components],
            suppliers=list(p.suppliers),
            users_must_act=p.users_must_act,
            purl=p.purl,
            installed_base=p.installed_base,
            owner_unit=p.owner_unit,
        )


class PartyIO(BaseModel):
    id: str = Field(max_length=63)
    name: str = Text
    kind: str = Field(max_length=32)
    country: str = Field(max_length=2)
    channels: list[str] = Field(default=[], max_length=20)
    language: str = Field(default="en", max_length=8)

    @classmethod
    def of(cls, p: Party) -> PartyIO:
        return cls(
            id=p.id,
            name=p.name,
            kind=p.kind.value,
            country=p.country,
            channels=[f"{c.kind.value}:{c.address}" for c in p.channels],
            language=p.language,
        )


@router.get("/units", response_model=list[UnitIO])
def list_units(who: CurrentPrincipal, d: CurrentDeps) -> list[UnitIO]:
    return [UnitIO.of(u) for u in reference.units(d, who)]


@router.get("/units/{unit_id}", response_model=UnitIO)
def get_unit(unit_id: str, who: CurrentPrincipal, d: CurrentDeps) -> UnitIO:
    return UnitIO.of(reference.unit(d, who, unit_id))


@router.post("/units", response_model=UnitIO, status_code=201)
def add_unit(
    body: UnitIO,
    request: Request,
    who: CurrentPrincipal,
    key: IdempotencyKey,
) -> JSONResponse:
    return idempotent(
        request,
        who,
        key,
        body,
        lambda j: UnitIO.of(
            reference.add_unit(
                j,
                who,
                **body.model_dump(exclude=set(CONTACT_FIELDS)),
                contact=body.contact(),
            )
        ),
    )


@router.patch("/units/{unit_id}", response_model=UnitIO)
def set_unit_contact(
    unit_id: str, body: UnitContactIO, who: CurrentPrincipal, d: CurrentDeps
) -> UnitIO:
    """Set or clear the reporting entity and on-call address (named in reports, notices, mail)."""
    return UnitIO.of(reference.set_unit_contact(d, who, unit_id, body.contact()))


@router.get("/products", response_model=list[ProductIO])
def list_products(who: CurrentPrincipal, d: CurrentDeps) -> list[ProductIO]:
    return [ProductIO.of(p) for p in reference.products(d, who)]


@router.get("/products/{product_id}", response_model=ProductIO)
def get_product(product_id: str, who: CurrentPrincipal, d: CurrentDeps) -> ProductIO:
    return ProductIO.of(reference.product(d, who, product_id))


@router.post("/products", response_model=ProductIO, status_code=201)
def add_product(
    body: ProductIO,
    request: Request,
    who: CurrentPrincipal,
    key: IdempotencyKey,
) -> JSONResponse:
    return idempotent(
        request,
        who,
        key,
        body,
        lambda j: ProductIO.of(
            reference.add_product(j, who, reference.ProductInput(**body.model_dump()))
        ),
    )


@router.get("/parties", response_model=list[PartyIO])
def list_parties(who: CurrentPrincipal, d: CurrentDeps) -> list[PartyIO]:
    return [PartyIO.of(p) for p in reference.parties(d, who)]


@router.get("/parties/{party_id}", response_model=PartyIO)
def get_party(party_id: str, who: CurrentPrincipal, d: CurrentDeps) -> PartyIO:
    return PartyIO.of(reference.party(d, who, party_id))


@router.post("/parties", response_model=PartyIO, status_code=201)
def add_party(
    body: PartyIO,
    request: Request,
    who: CurrentPrincipal,
    key: IdempotencyKey,
) -> JSONResponse:
    return idempotent(
        request,
        who,
        key,
        body,
        lambda j: PartyIO.of(reference.add_party(j, who, **body.model_dump())),
    )
