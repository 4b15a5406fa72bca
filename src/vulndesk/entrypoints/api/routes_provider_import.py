"""Supplier CSAF providers over the API: a one-off import, stored suppliers with their pinned
keys (`vulndesk supplier`), fetching one now, and the documents fetched from each."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from vulndesk.entrypoints.api.auth import (
    CurrentPrincipal,
    IdempotencyKey,
    container,
    idempotent,
)
from vulndesk.entrypoints.api.errors import ERROR_RESPONSES
from vulndesk.entrypoints.api.routes_publication_models import ImportedOut
from vulndesk.services.context import Deps
from vulndesk.services.publication import provider_import, suppliers
from vulndesk.services.publication.ports import Supplier

router = APIRouter(prefix="/api/v1", tags=["publication"], responses=ERROR_RESPONSES)


class ProviderImportIn(BaseModel):
    url: str = Field(max_length=2000, description="provider-metadata.json URL, site or domain")
    unit: str = Field(max_length=63, description="Organisation unit that handles the cases")
    fingerprint: str = Field(
        max_length=80, description="The supplier's OpenPGP key fingerprint, learnt out of band"
    )


class ProviderDocumentOut(BaseModel):
    url: str
    status: str = Field(description="imported, already-imported or refused")
    detail: str
    cases: list[ImportedOut]
    sha256: str | None = Field(None, description="SHA-256 of the verified document")
    tracking_id: str | None = None
    tracking_version: str | None = None


class ProviderImportOut(BaseModel):
    metadata_url: str
    fingerprint: str
    documents: list[ProviderDocumentOut]
    supplier: str | None = Field(None, description="The stored supplier the run recorded for")


def _import_out(done: provider_import.ProviderImport) -> ProviderImportOut:
    return ProviderImportOut(
        metadata_url=done.metadata_url,
        fingerprint=done.fingerprint,
        supplier=done.supplier,
        documents=[
            ProviderDocumentOut(
                url=d.url,
                status=d.status,
                detail=d.detail,
                sha256=d.sha256,
                tracking_id=d.tracking_id,
                tracking_version=d.tracking_version,
                cases=[
                    ImportedOut(ref=x.ref, case=x.case, action=x.action, products=list(x.products))
                    for x in d.cases
                ],
            )
            for d in done.documents
        ],
    )


@router.post("/imports/csaf-provider", response_model=ProviderImportOut, status_code=201)
def import_csaf_provider(
    body: ProviderImportIn, request: Request, who: CurrentPrincipal, idem: IdempotencyKey
) -> JSONResponse:
    """Download the provider's new documents, check hashes and signatures against the pinned
    fingerprint (mismatches refused and recorded), import the rest."""
    c = container(request)

    def create(j: Deps) -> ProviderImportOut:
        done = provider_import.import_provider(
            j, who, c.csaf_provider_source, c.document_readers, body.url, body.unit,
            body.fingerprint,
        )  # fmt: skip
        return _import_out(done)

    return idempotent(request, who, idem, body, create)


SupplierName = Annotated[str, Path(min_length=1, max_length=63, description="The supplier's name")]


class SupplierIn(BaseModel):
    name: str = Field(max_length=63, description="Lowercase letters, digits and '-'")
    url: str = Field(max_length=2000, description="provider-metadata.json URL, site or domain")
    fingerprint: str = Field(
        max_length=80, description="The supplier's OpenPGP key fingerprint, learnt out of band"
    )
    unit: str = Field(max_length=63, description="Organisation unit that handles the cases")


class SupplierOut(BaseModel):
    name: str
    metadata_url: str
    fingerprint: str
    unit: str
    created_by: str
    created_at: dt.datetime
    last_fetch_at: dt.datetime | None


class PinIn(BaseModel):
    fingerprint: str = Field(max_length=80, description="The new pinned fingerprint")
    justification: str = Field(
        max_length=2000, description="Why the pin changes; kept in the audit trail"
    )


class SupplierRemovedOut(BaseModel):
    name: str
    removed: bool


class SupplierDocumentOut(BaseModel):
    url: str
    status: str = Field(description="imported, already-imported or refused")
    detail: str = Field(description="What the import did, or the check that refused it and why")
    tracking_id: str | None
    tracking_version: str | None
    sha256: str | None = Field(description="SHA-256 of the verified document (none if refused)")
    fetched_at: dt.datetime = Field(description="When this content or refusal was first met")
    checked_at: dt.datetime = Field(description="When the document was last fetched")


def _supplier_out(s: Supplier) -> SupplierOut:
    return SupplierOut(
        name=s.name,
        metadata_url=s.metadata_url,
        fingerprint=s.fingerprint,
        unit=s.unit,
        created_by=s.created_by,
        created_at=s.created_at,
        last_fetch_at=s.last_fetch_at,
    )


@router.get("/suppliers", response_model=list[SupplierOut])
def list_suppliers(request: Request, who: CurrentPrincipal) -> list[SupplierOut]:
    """The stored CSAF suppliers with their pinned fingerprints and last fetch."""
    return [_supplier_out(s) for s in suppliers.suppliers(container(request).deps(), who)]


@router.post("/suppliers", response_model=SupplierOut, status_code=201)
def add_supplier(
    body: SupplierIn, request: Request, who: CurrentPrincipal, idem: IdempotencyKey
) -> JSONResponse:
    """Store a supplier's CSAF provider with its pinned OpenPGP fingerprint (audited)."""

    def create(j: Deps) -> SupplierOut:
        return _supplier_out(
            suppliers.add(j, who, body.name, body.url, body.fingerprint, body.unit)
        )

    return idempotent(request, who, idem, body, create)


@router.put("/suppliers/{name}/fingerprint", response_model=SupplierOut)
def pin_supplier(
    name: SupplierName, body: PinIn, request: Request, who: CurrentPrincipal
) -> SupplierOut:
    """Change the pinned fingerprint; the audit trail keeps the old and new one and why."""
    d = container(request).deps()
    return _supplier_out(suppliers.pin(d, who, name, body.fingerprint, body.justification))


@router.delete("/suppliers/{name}", response_model=SupplierRemovedOut)
def remove_supplier(
    name: SupplierName, request: Request, who: CurrentPrincipal
) -> SupplierRemovedOut:
    """Forget a supplier and its document records (audited)."""
    suppliers.remove(container(request).deps(), who, name)
    return SupplierRemovedOut(name=name, removed=True)


@router.get("/suppliers/{name}/documents", response_model=list[SupplierDocumentOut])
def supplier_documents(
    name: SupplierName, request: Request, who: CurrentPrincipal
) -> list[SupplierDocumentOut]:
    """Every document the supplier's provider listed, as it was when last fetched."""
    found = suppliers.documents(container(request).deps(), who, name)
    return [
        SupplierDocumentOut(
            url=x.url,
            status=x.status,
            detail=x.detail,
            tracking_id=x.tracking_id,
            tracking_version=x.tracking_version,
            sha256=x.sha256,
            fetched_at=x.fetched_at,
            checked_at=x.checked_at,
        )
        for x in found
    ]


@router.post("/suppliers/{name}/fetches", response_model=ProviderImportOut, status_code=201)
def fetch_supplier(
    name: SupplierName, request: Request, who: CurrentPrincipal, idem: IdempotencyKey
) -> JSONResponse:
    """Fetch the supplier's provider now with its stored pin and unit; new documents are
    verified and imported, refusals recorded."""
    c = container(request)

    def create(j: Deps) -> ProviderImportOut:
        done = suppliers.fetch(j, who, c.csaf_provider_source, c.document_readers, name)
        return _import_out(done)

    return idempotent(request, who, idem, None, create)
