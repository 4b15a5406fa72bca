"""The route that imports a supplier's CSAF provider (`vulndesk import csaf-provider`)."""

from __future__ import annotations

from fastapi import APIRouter, Request
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
from vulndesk.services.publication import provider_import

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


class ProviderImportOut(BaseModel):
    metadata_url: str
    fingerprint: str
    documents: list[ProviderDocumentOut]


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
        return ProviderImportOut(
            metadata_url=done.metadata_url,
            fingerprint=done.fingerprint,
            documents=[
                ProviderDocumentOut(
                    url=d.url,
                    status=d.status,
                    detail=d.detail,
                    cases=[
                        ImportedOut(
                            ref=x.ref, case=x.case, action=x.action, products=list(x.products)
                        )
                        for x in d.cases
                    ],
                )
                for d in done.documents
            ],
        )

    return idempotent(request, who, idem, body, create)
