"""Importing a supplier's CSAF provider: new documents, verified against a pinned key.

Each document the provider lists is downloaded with its hashes and signature; one whose hash
or signature does not check out with the pinned fingerprint is refused (recorded in the audit
trail, nothing of it imported) and the others go on. A verified document whose vulnerabilities
are all already linked at its tracking version is skipped; the rest go through
`imports.import_csaf`, which opens a case only where our components match an affected version.
"""

from __future__ import annotations

from dataclasses import dataclass

from vulndesk.domain.audit_tags import AuditTag
from vulndesk.domain.errors import GuardFailed, InvalidInput
from vulndesk.services.access.rights import REFERENCE_WRITERS, Principal
from vulndesk.services.context import Deps
from vulndesk.services.publication import imports
from vulndesk.services.publication.ports import DocumentReaders, ProviderSource

SOURCE = "import"
IMPORTED, SKIPPED, REFUSED = "imported", "already-imported", "refused"


@dataclass(frozen=True, slots=True)
class DocumentResult:
    """What became of one listed document."""

    url: str
    status: str  # imported, already-imported or refused
    detail: str
    cases: tuple[imports.ImportedCase, ...] = ()


@dataclass(frozen=True, slots=True)
class ProviderImport:
    metadata_url: str
    fingerprint: str
    documents: tuple[DocumentResult, ...]


def _pinned(fingerprint: str) -> str:
    pinned = "".join(fingerprint.split()).upper()
    if len(pinned) != 40 or any(c not in "0123456789ABCDEF" for c in pinned):
        raise InvalidInput(
            "fingerprint",
            "the supplier's OpenPGP fingerprint is missing or not 40 hex digits",
            "--fingerprint with the fingerprint the supplier gave you out of band",
        )
    return pinned


def _known(deps: Deps, readers: DocumentReaders, data: bytes) -> bool:
    """Every vulnerability of this document is already linked at its tracking version."""
    advisory = readers.csaf(data)
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
    """Download, verify and import the provider's new documents for `unit`."""
    principal.require(REFERENCE_WRITERS, "write")
    pinned = _pinned(fingerprint)
    actor = principal.actor(SOURCE)
    listing = source.listing(url)
    results = []
    for doc_url in listing.documents:
        try:
            data = source.fetch(listing, doc_url, pinned)
        except GuardFailed as exc:
            with deps.uow() as uow:
                uow.audit.append(
                    actor.event(
                        deps.clock.now(),
                        AuditTag.IMPORT_PROVIDER_REFUSED,
                        "document",
                        doc_url,
                        check=exc.guard,
                        fingerprint=pinned,
                    )
                )
                uow.commit()
            results.append(DocumentResult(doc_url, REFUSED, exc.detail))
            continue
        if _known(deps, readers, data):
            results.append(DocumentResult(doc_url, SKIPPED, "imported before at this version"))
            continue
        done = imports.import_csaf(deps, principal, readers, data, unit)
        results.append(DocumentResult(doc_url, IMPORTED, "", tuple(done)))
    with deps.uow() as uow:
        uow.audit.append(
            actor.event(
                deps.clock.now(),
                AuditTag.IMPORT_PROVIDER_FETCHED,
                "provider",
                listing.metadata_url,
                fingerprint=pinned,
                documents=str(len(results)),
                refused=str(sum(r.status == REFUSED for r in results)),
            )
        )
        uow.commit()
    return ProviderImport(listing.metadata_url, pinned, tuple(results))
