"""Importing a supplier's CSAF provider: new documents, verified against a pinned key.

Each document the provider lists is downloaded with its hashes and signature; one whose hash
or signature does not check out with the pinned fingerprint, or that is no CSAF 2.0 document,
is refused (recorded in the audit trail, nothing of it imported) and the others go on. A
verified document whose vulnerabilities are all already linked at its tracking version is
skipped; the rest go through `imports.import_csaf`, which opens a case only where our
components match an affected version.

For a stored supplier (services/publication/suppliers.py) every listed document's outcome is
also kept: a document fetched before at the same SHA-256 and not refused then is not imported
again, though it is still downloaded and verified (a changed signature is still refused).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from urllib.parse import urlparse

from vulndesk.domain.audit_tags import AuditTag
from vulndesk.domain.errors import GuardFailed, InvalidInput
from vulndesk.services.access.rights import REFERENCE_WRITERS, Principal
from vulndesk.services.context import Deps
from vulndesk.services.publication import imports
from vulndesk.services.publication.ports import (
    DocumentReaders,
    ProviderListing,
    ProviderSource,
    Supplier,
    SupplierAdvisory,
    SupplierDocument,
)

SOURCE = "import"
IMPORTED, SKIPPED, REFUSED = "imported", "already-imported", "refused"
METADATA = ".well-known/csaf/provider-metadata.json"


@dataclass(frozen=True, slots=True)
class DocumentResult:
    """What became of one listed document."""

    url: str
    status: str  # imported, already-imported or refused
    detail: str
    cases: tuple[imports.ImportedCase, ...] = ()
    sha256: str | None = None
    tracking_id: str | None = None
    tracking_version: str | None = None


@dataclass(frozen=True, slots=True)
class ProviderImport:
    metadata_url: str
    fingerprint: str
    documents: tuple[DocumentResult, ...]
    supplier: str | None = None


def metadata_url(source: str) -> str:
    """The provider-metadata.json URL a user's URL or domain names."""
    text = source.strip()
    if not text:
        raise InvalidInput("url", "no provider named", "a URL or a domain, e.g. example.com")
    if "://" not in text:
        return f"https://{text.strip('/')}/{METADATA}"
    parsed = urlparse(text)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise InvalidInput("url", f"{text!r} is not an http(s) URL", "https://example.com")
    if parsed.path.endswith(".json"):
        return text
    return text.rstrip("/") + "/" + METADATA


def pinned(fingerprint: str) -> str:
    """A fingerprint as pinned: 40 hex digits, upper case, no spaces."""
    pin = "".join(fingerprint.split()).upper()
    if len(pin) != 40 or any(c not in "0123456789ABCDEF" for c in pin):
        raise InvalidInput(
            "fingerprint",
            "the supplier's OpenPGP fingerprint is missing or not 40 hex digits",
            "--fingerprint with the fingerprint the supplier gave you out of band",
        )
    return pin


def _known(deps: Deps, advisory: SupplierAdvisory) -> bool:
    """Every vulnerability of this document is already linked at its tracking version."""
    with deps.reader() as uow:
        links = [
            uow.components.upstream(advisory.publisher_namespace, advisory.tracking_id, v.ref)
            for v in advisory.vulnerabilities
        ]
    return bool(links) and all(
        link is not None and link.tracking_version == advisory.tracking_version for link in links
    )


def import_provider(
    deps: Deps,
    principal: Principal,
    source: ProviderSource,
    readers: DocumentReaders,
    url: str,
    unit: str,
    fingerprint: str,
) -> ProviderImport:
    """Download, verify and import the provider's new documents for `unit` (a one-off run).

    When `url` is a stored supplier's provider, the fingerprint must be its pin (a different
    one is refused before anything is fetched) and the documents are recorded for it."""
    principal.require(REFERENCE_WRITERS, "write")
    pin = pinned(fingerprint)
    meta = metadata_url(url)
    with deps.reader() as uow:
        stored = uow.suppliers.by_url(meta)
    for s in stored:
        if s.fingerprint != pin:
            raise InvalidInput(
                "fingerprint",
                f"{pin} differs from the pin {s.fingerprint} stored for supplier {s.name!r}, "
                "whose provider this is",
                f"the stored pin; to change it: vulndesk supplier pin {s.name} "
                "--fingerprint NEW --justification WHY",
            )
    found = stored[0] if stored else None
    return _run(deps, principal, source, readers, url, unit, pin, found)


def run(
    deps: Deps,
    principal: Principal,
    source: ProviderSource,
    readers: DocumentReaders,
    supplier: Supplier,
) -> ProviderImport:
    """Fetch a stored supplier's provider with its pin and unit."""
    principal.require(REFERENCE_WRITERS, "write")
    return _run(
        deps, principal, source, readers, supplier.metadata_url, supplier.unit,
        supplier.fingerprint, supplier,
    )  # fmt: skip


def _refuse(
    deps: Deps,
    principal: Principal,
    doc_url: str,
    pin: str,
    supplier: Supplier | None,
    check: str,
    detail: str,
) -> DocumentResult:
    now = deps.clock.now()
    with deps.uow() as uow:
        extra = {"supplier": supplier.name} if supplier else {}
        uow.audit.append(
            principal.actor(SOURCE).event(
                now,
                AuditTag.IMPORT_PROVIDER_REFUSED,
                "document",
                doc_url,
                (),
                check=check,
                fingerprint=pin,
                **extra,
            )
        )
        if supplier is not None:
            uow.suppliers.put_document(
                supplier.name,
                SupplierDocument(
                    doc_url, REFUSED, f"{check}: {detail}", None, None, None, now, now
                ),
            )
        uow.commit()
    return DocumentResult(doc_url, REFUSED, detail)


def _one(
    deps: Deps,
    principal: Principal,
    source: ProviderSource,
    readers: DocumentReaders,
    listing: ProviderListing,
    doc_url: str,
    unit: str,
    pin: str,
    supplier: Supplier | None,
) -> DocumentResult:
    previous = None
    if supplier is not None:
        with deps.reader() as uow:
            previous = uow.suppliers.document(supplier.name, doc_url)
    try:
        data = source.fetch(listing, doc_url, pin)
    except GuardFailed as exc:
        return _refuse(deps, principal, doc_url, pin, supplier, exc.guard, exc.detail)
    try:
        advisory = readers.csaf(data)
    except InvalidInput as exc:
        return _refuse(deps, principal, doc_url, pin, supplier, "provider-csaf", str(exc))
    digest = hashlib.sha256(data).hexdigest()
    ids = (digest, advisory.tracking_id, advisory.tracking_version)
    now = deps.clock.now()
    if previous is not None and previous.sha256 == digest and previous.status != REFUSED:
        result = DocumentResult(doc_url, SKIPPED, "fetched before at this SHA-256", (), *ids)
        kept = SupplierDocument(
            doc_url, previous.status, previous.detail, advisory.tracking_id,
            advisory.tracking_version, digest, previous.fetched_at, now,
        )  # fmt: skip
    else:
        if _known(deps, advisory):
            result = DocumentResult(doc_url, SKIPPED, "imported before at this version", (), *ids)
        else:
            done = imports.import_csaf(deps, principal, readers, data, unit)
            result = DocumentResult(doc_url, IMPORTED, "", tuple(done), *ids)
        detail = result.detail or ", ".join(
            f"{c.ref}: {c.action}{' ' + c.case if c.case else ''}" for c in result.cases
        )
        kept = SupplierDocument(
            doc_url, result.status, detail[:4000], advisory.tracking_id,
            advisory.tracking_version, digest, now, now,
        )  # fmt: skip
    if supplier is not None:
        with deps.uow() as uow:
            uow.suppliers.put_document(supplier.name, kept)
            uow.commit()
    return result


def _run(
    deps: Deps,
    principal: Principal,
    source: ProviderSource,
    readers: DocumentReaders,
    url: str,
    unit: str,
    pin: str,
    supplier: Supplier | None,
) -> ProviderImport:
    listing = source.listing(url)
    results = [
        _one(deps, principal, source, readers, listing, doc_url, unit, pin, supplier)
        for doc_url in listing.documents
    ]
    with deps.uow() as uow:
        extra = {"supplier": supplier.name} if supplier else {}
        uow.audit.append(
            principal.actor(SOURCE).event(
                deps.clock.now(),
                AuditTag.IMPORT_PROVIDER_FETCHED,
                "provider",
                listing.metadata_url,
                (),
                fingerprint=pin,
                documents=str(len(results)),
                refused=str(sum(r.status == REFUSED for r in results)),
                **extra,
            )
        )
        if supplier is not None:
            uow.suppliers.fetched(supplier.name, deps.clock.now())
        uow.commit()
    name = supplier.name if supplier else None
    return ProviderImport(listing.metadata_url, pin, tuple(results), name)
