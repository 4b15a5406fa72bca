"""A case's advisory over the API: draft, revisions, a rendered revision, approve, publish.

The same use cases as `vulndesk advisory ...`; the services check roles and need-to-know, so
a case the caller may not see answers like a missing one. Creating POSTs take an
`Idempotency-Key` (a retry replays the first answer).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from vulndesk.bootstrap import Container
from vulndesk.entrypoints.api.auth import (
    CurrentDeps,
    CurrentPrincipal,
    IdempotencyKey,
    container,
    idempotent,
)
from vulndesk.entrypoints.api.errors import ERROR_RESPONSES
from vulndesk.exporters.advisories.provider import TreeEntry
from vulndesk.services.advisories import publish as advisory_publish
from vulndesk.services.advisories import revisions as advisories
from vulndesk.services.advisories.content import FORMATS
from vulndesk.services.advisories.ports import AdvisoryRecord
from vulndesk.services.context import Deps

router = APIRouter(prefix="/api/v1", tags=["advisories"], responses=ERROR_RESPONSES)
CaseKeyPath = Annotated[str, Path(max_length=32)]
_TEXT = Field(default=None, max_length=20_000)


class AdvisoryIn(BaseModel):
    """What the draft changes from the case; everything left out is taken from the case."""

    title: str | None = Field(default=None, max_length=300)
    texts: dict[str, Annotated[str, Field(max_length=20_000)]] | None = Field(
        default=None, description="summary, harm, remediation, workaround (and --include'd)"
    )
    statuses: list[tuple[str, str, str]] | None = Field(
        default=None, description="[product, version, known_affected|fixed|...]"
    )
    tlp: str | None = Field(default=None, max_length=10)
    cve: str | None = Field(default=None, max_length=40)
    cwe: str | None = Field(default=None, max_length=20)
    cvss31: str | None = Field(default=None, max_length=200)
    cvss40: str | None = Field(default=None, max_length=300)
    include: list[Annotated[str, Field(max_length=60)]] | None = None
    references: list[tuple[str, str]] | None = Field(default=None, description="[url, summary]")
    credit: str | None = Field(default=None, max_length=200)
    credit_consent: str | None = _TEXT

    def changes(self) -> dict[str, Any]:
        out = self.model_dump(exclude_none=True)
        for name in ("statuses", "include", "references"):
            if name in out:
                out[name] = tuple(tuple(v) if isinstance(v, list) else v for v in out[name])
        return out


class RevisionOut(BaseModel):
    ref: str
    case: str
    revision: int
    status: str
    tlp: str
    created_by: str
    created_at: dt.datetime
    approvers: list[str]
    sha256: str
    csaf_version: str | None = None


class PublishedOut(RevisionOut):
    path: str
    version: str
    ledger_ref: str


def _out(r: AdvisoryRecord) -> dict[str, Any]:
    return {
        "ref": r.ref,
        "case": str(r.case),
        "revision": r.number,
        "status": r.status,
        "tlp": r.tlp,
        "created_by": r.created_by,
        "created_at": r.created_at,
        "approvers": list(r.approvers),
        "sha256": r.sha256,
        "csaf_version": r.csaf_version,
    }


class _Site:
    """The configured site, built only when publishing gets that far."""

    def __init__(self, c: Container) -> None:
        self._c = c

    def publish(self, document: str, extra: Mapping[str, str], now: dt.datetime) -> TreeEntry:
        return self._c.advisory_site.publish(document, extra, now)


@router.post("/cases/{key}/advisory", response_model=RevisionOut, status_code=201)
def draft_advisory(
    key: CaseKeyPath, body: AdvisoryIn, request: Request, who: CurrentPrincipal,
    idem: IdempotencyKey,
) -> JSONResponse:  # fmt: skip
    """Draft the case's advisory (revision 1) from the case and the changes given."""

    def create(j: Deps) -> RevisionOut:
        return RevisionOut.model_validate(_out(advisories.draft(j, who, key, body.changes())))

    return idempotent(request, who, idem, body, create)


@router.get("/cases/{key}/advisory", response_model=list[RevisionOut])
def list_revisions(key: CaseKeyPath, who: CurrentPrincipal, d: CurrentDeps) -> list[Any]:
    """The revisions of the case's advisory, oldest first."""
    return [_out(r) for r in advisories.revisions(d, who, key)]


@router.get("/cases/{key}/advisory/document")
def show_revision(
    key: CaseKeyPath,
    request: Request,
    who: CurrentPrincipal,
    d: CurrentDeps,
    fmt: Annotated[str, Query(alias="format", max_length=20, description=", ".join(FORMATS))] = "csaf",
    revision: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
) -> Response:  # fmt: skip
    """A revision rendered exactly as publishing it now would write it (reading is audited)."""
    setup = container(request).advisory_setup
    _, text = advisories.preview(d, who, setup, key, fmt, revision)
    return Response(text, media_type="application/json")


@router.post("/cases/{key}/advisory/approvals", response_model=RevisionOut, status_code=201)
def approve_advisory(
    key: CaseKeyPath, request: Request, who: CurrentPrincipal, idem: IdempotencyKey
) -> JSONResponse:
    """Approve the newest revision; two different approver accounts make it publishable."""

    def create(j: Deps) -> RevisionOut:
        return RevisionOut.model_validate(_out(advisories.approve(j, who, key)))

    return idempotent(request, who, idem, None, create)


@router.post("/cases/{key}/advisory/publication", response_model=PublishedOut, status_code=201)
def publish_advisory(
    key: CaseKeyPath, request: Request, who: CurrentPrincipal, idem: IdempotencyKey
) -> JSONResponse:
    """Publish the approved newest revision to the CSAF provider tree, OSV and CVE files."""
    c = container(request)

    def create(j: Deps) -> PublishedOut:
        done = advisory_publish.publish(j, who, c.advisory_setup, _Site(c), key)
        out = _out(done.record) | {"path": done.path, "version": done.version}
        return PublishedOut.model_validate(out | {"ledger_ref": done.ledger_ref})

    return idempotent(request, who, idem, None, create)
