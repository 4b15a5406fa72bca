"""Publication routes: the Art. 9 gate, blackout windows, CSAF and SBOM imports, affected products."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Form, Path, Query, Request, UploadFile
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from vulndesk.domain.errors import InvalidInput
from vulndesk.domain.ids import parse_case_key
from vulndesk.entrypoints.api import idempotency
from vulndesk.entrypoints.api.auth import (
    CurrentActor,
    CurrentDeps,
    CurrentPrincipal,
    IdempotencyKey,
    container,
    idempotent,
)
from vulndesk.entrypoints.api.errors import ERROR_RESPONSES
from vulndesk.entrypoints.api.routes_publication_models import (
    BlackoutIn,
    BlackoutOut,
    GateOut,
    ImportOut,
    MatchOut,
    PublicationDecisionIn,
    PublicationDecisionOut,
    SbomOut,
    ShareIn,
    ShareOut,
    VendorEventIn,
    VendorIn,
    VendorOut,
)
from vulndesk.services.context import Deps
from vulndesk.services.publication import gate as publication
from vulndesk.services.publication import imports, thirdparty

router = APIRouter(prefix="/api/v1", tags=["publication"], responses=ERROR_RESPONSES)
CaseKeyPath = Annotated[str, Path(max_length=32)]
# Supplier documents are far smaller than the body limit; more would be a mistake or an attack.
MAX_DOCUMENT = 1_000_000


@router.get("/cases/{key}/publication-check", response_model=GateOut)
def publication_check(
    key: Annotated[str, Path(max_length=32)],
    who: CurrentPrincipal,
    actor: CurrentActor,
    d: CurrentDeps,
    kind: Annotated[str, Query(max_length=16)] = "advisory",
    at: dt.datetime | None = None,
    include: Annotated[list[str], Query(max_length=20)] = [],  # noqa: B006 - FastAPI copies it
    stated_severity: Annotated[str | None, Query(max_length=16)] = None,
) -> dict[str, Any]:
    """Run every RMSV Art. 9 check for a planned publication (the check is audited)."""
    req = publication.CheckRequest(key, kind, at, tuple(include), (), stated_severity)
    result = publication.check(d, who, req)
    return {
        "case": parse_case_key(key),
        "kind": kind,
        "result": result.result.value,
        "checks": [
            {"id": c.id, "article": c.article, "result": c.result.value, "message": c.message}
            for c in result.checks
        ],
    }


def _blackout(b: Any) -> dict[str, Any]:
    return {"name": b.name, "start": b.start, "end": b.end, "note": b.note}


@router.get("/blackouts", response_model=list[BlackoutOut])
def list_blackouts(who: CurrentPrincipal, d: CurrentDeps) -> list[dict[str, Any]]:
    """Major-event blackout windows (RMSV Art. 9(6)); `end` is exclusive."""
    return [_blackout(b) for b in publication.list_blackouts(d, who)]


@router.post("/blackouts", response_model=BlackoutOut, status_code=201)
def add_blackout(
    body: BlackoutIn,
    request: Request,
    who: CurrentPrincipal,
    idem: IdempotencyKey,
) -> JSONResponse:
    def create(j: Deps) -> BlackoutOut:
        found = publication.add_blackout(j, who, body.name, body.start, body.end, body.note)
        return BlackoutOut.model_validate(_blackout(found))

    return idempotent(request, who, idem, body, create)


async def _read(upload: UploadFile) -> bytes:
    data = await upload.read(MAX_DOCUMENT + 1)
    if len(data) > MAX_DOCUMENT:
        raise InvalidInput("file", f"is over {MAX_DOCUMENT} bytes", "a smaller document")
    return data


def _digest(request: Request, data: bytes, *fields: str | None) -> str:
    head = "\x00".join(f or "" for f in fields).encode()
    return idempotency.request_hash(request.method, request.url.path, head + b"\x00" + data)


@router.post("/imports/csaf", response_model=ImportOut, status_code=201)
async def import_csaf(
    request: Request,
    who: CurrentPrincipal,
    idem: IdempotencyKey,
    file: Annotated[UploadFile, File(description="A CSAF 2.0 advisory (JSON)")],
    unit: Annotated[str, Form(max_length=63)],
) -> JSONResponse:
    """Open or update one upstream case per vulnerability; any error stores nothing."""
    data = await _read(file)
    c = container(request)

    def create(j: Deps) -> tuple[int, dict[str, Any]]:
        done = imports.import_csaf(j, who, c.document_readers, data, unit)
        imported = [
            {"ref": x.ref, "case": x.case, "action": x.action, "products": list(x.products)}
            for x in done
        ]
        return 201, {"imported": imported}

    digest = _digest(request, data, unit)
    return await run_in_threadpool(
        idempotency.run_idempotent, c, f"api:{who.name}", idem, digest, create
    )


@router.post("/imports/sbom", response_model=SbomOut, status_code=201)
async def import_sbom(
    request: Request,
    who: CurrentPrincipal,
    idem: IdempotencyKey,
    file: Annotated[UploadFile, File(description="A CycloneDX SBOM (JSON)")],
    product: Annotated[str, Form(max_length=63)],
    version: Annotated[str | None, Form(max_length=63)] = None,
) -> JSONResponse:
    """Replace the component list of one product version with the SBOM's."""
    data = await _read(file)
    c = container(request)

    def create(j: Deps) -> tuple[int, dict[str, Any]]:
        count = imports.import_sbom(j, who, c.document_readers, product, data, version)
        return 201, {"product": product, "version": version, "components": count}

    digest = _digest(request, data, product, version)
    return await run_in_threadpool(
        idempotency.run_idempotent, c, f"api:{who.name}", idem, digest, create
    )


@router.get("/affected", response_model=list[MatchOut])
def affected(
    who: CurrentPrincipal,
    d: CurrentDeps,
    purl: Annotated[str | None, Query(max_length=500)] = None,
    range: Annotated[str | None, Query(max_length=500)] = None,
    case: Annotated[str | None, Query(max_length=32)] = None,
) -> list[dict[str, Any]]:
    """Product versions containing a package (in a vers range), or an upstream case's packages."""
    if (purl is None) == (case is None):
        raise InvalidInput("purl", "give exactly one of purl and case", "purl=pkg:... or case=KEY")
    if case is not None:
        found = imports.affected_case(d, who, case, range)
    else:
        found = imports.affected_package(d, who, str(purl), range)
    return [
        {
            "product": m.product,
            "product_version": m.product_version,
            "component": m.component,
            "purl": m.affected.purl,
            "range": m.affected.range,
        }
        for m in found
    ]


@router.post(
    "/cases/{key}/publication-decisions", response_model=PublicationDecisionOut, status_code=201
)
def publication_decision(
    key: CaseKeyPath,
    body: PublicationDecisionIn,
    request: Request,
    who: CurrentPrincipal,
    actor: CurrentActor,
    d: CurrentDeps,
    idem: IdempotencyKey,
) -> JSONResponse:
    """Propose a decision that lifts a gate check; it takes effect with a second approver."""

    def create(j: Deps) -> PublicationDecisionOut:
        x = publication.decide(j, who, key, body.kind, body.subject, body.note)
        return _decision(parse_case_key(key), x)

    return idempotent(request, who, idem, body, create)


def _decision(case: str, x: Any) -> PublicationDecisionOut:
    return PublicationDecisionOut(
        id=x.id,
        case=case,
        kind=x.kind.value,
        subject=x.subject,
        by=x.by,
        at=x.at,
        note=x.note,
        approvers=list(x.approvers),
        approved=x.approved,
    )


@router.get("/cases/{key}/publication-decisions", response_model=list[PublicationDecisionOut])
def publication_decisions(
    key: CaseKeyPath, who: CurrentPrincipal, d: CurrentDeps
) -> list[PublicationDecisionOut]:
    """Publication decisions of the case with their approvers."""
    found = publication.decisions(d, who, key)
    return [_decision(parse_case_key(key), x) for x in found]


@router.post(
    "/cases/{key}/publication-decisions/{decision}/approvals",
    response_model=PublicationDecisionOut,
    status_code=201,
)
def approve_publication_decision(
    key: CaseKeyPath,
    decision: Annotated[int, Path(ge=1, le=2**31 - 1)],
    request: Request,
    who: CurrentPrincipal,
    actor: CurrentActor,
    d: CurrentDeps,
    idem: IdempotencyKey,
) -> JSONResponse:
    """Approve a publication decision as its second (different) person."""

    def create(j: Deps) -> PublicationDecisionOut:
        return _decision(parse_case_key(key), publication.approve_decision(j, who, key, decision))

    return idempotent(request, who, idem, None, create)


@router.post("/cases/{key}/shares", response_model=ShareOut, status_code=201)
def record_share(
    key: CaseKeyPath,
    body: ShareIn,
    request: Request,
    who: CurrentPrincipal,
    actor: CurrentActor,
    d: CurrentDeps,
    idem: IdempotencyKey,
) -> JSONResponse:
    """Record undisclosed information given to a named recipient (Art. 9(7) looks at these)."""

    def create(j: Deps) -> ShareOut:
        x = publication.record_share(
            j,
            who,
            key,
            body.recipient,
            body.country,
            at=body.at,
            is_provider=body.is_provider,
            note=body.note,
        )
        return ShareOut(
            case=parse_case_key(key),
            recipient=x.recipient,
            country=x.country,
            at=x.at,
            is_provider=x.is_provider,
        )

    return idempotent(request, who, idem, body, create)


def _vendor(t: Any) -> VendorOut:
    return VendorOut(case=t.case, vendor=t.vendor, notified_at=t.notified_at, fixed_at=t.fixed_at)


@router.get("/cases/{key}/vendor", response_model=VendorOut | None)
def vendor_status(key: CaseKeyPath, who: CurrentPrincipal, d: CurrentDeps) -> VendorOut | None:
    """Third-party mode: the vendor, when it was told and when its fix came (null if unnamed)."""
    found = thirdparty.vendor_status(d, who, key)
    return None if found is None else _vendor(found)


@router.put("/cases/{key}/vendor", response_model=VendorOut)
def name_vendor(
    key: CaseKeyPath, body: VendorIn, who: CurrentPrincipal, actor: CurrentActor, d: CurrentDeps
) -> VendorOut:
    """Name the vendor of a third_party case."""
    return _vendor(thirdparty.track_vendor(d, who, key, body.vendor))


@router.post("/cases/{key}/vendor/{event}", response_model=VendorOut, status_code=201)
def vendor_event(
    key: CaseKeyPath,
    event: Literal["notified", "fixed"],
    body: VendorEventIn,
    request: Request,
    who: CurrentPrincipal,
    actor: CurrentActor,
    d: CurrentDeps,
    idem: IdempotencyKey,
) -> JSONResponse:
    """The vendor was told (a share with the provider) or shipped a fix (a fact)."""
    act = thirdparty.vendor_notified if event == "notified" else thirdparty.vendor_fixed

    def create(j: Deps) -> VendorOut:
        return _vendor(act(j, who, key, body.at, body.evidence))

    return idempotent(request, who, idem, body, create)
