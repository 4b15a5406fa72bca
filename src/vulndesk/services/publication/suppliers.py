"""Stored CSAF suppliers: a provider's metadata URL kept with a pinned OpenPGP fingerprint.

Adding a supplier, changing its pin (with a justification; the audit line holds the old and the
new fingerprint) and removing it are reference-data writes. `fetch` runs the provider import
with the stored pin and unit and records what became of every listed document.
"""

from __future__ import annotations

from vulndesk.domain import values
from vulndesk.domain.audit_tags import AuditTag
from vulndesk.domain.errors import InvalidInput
from vulndesk.domain.ids import UnitId, slug
from vulndesk.services.access.rights import REFERENCE_READERS, REFERENCE_WRITERS, Principal
from vulndesk.services.context import Deps
from vulndesk.services.publication import provider_import
from vulndesk.services.publication.ports import (
    DocumentReaders,
    ProviderSource,
    Supplier,
    SupplierDocument,
)


def add(
    deps: Deps, principal: Principal, name: str, url: str, fingerprint: str, unit: str
) -> Supplier:
    """Store a supplier's provider with the fingerprint learnt out of band."""
    principal.require(REFERENCE_WRITERS, "write")
    name = slug("name", name)
    meta = provider_import.metadata_url(url)
    if len(meta) > 2000:
        raise InvalidInput("url", f"is {len(meta)} characters long", "at most 2000")
    pinned = provider_import.pinned(fingerprint)
    now = deps.clock.now()
    with deps.uow() as uow:
        unit_id = uow.units.get(UnitId(slug("unit", unit))).id
        supplier = Supplier(name, meta, pinned, unit_id, principal.name, now)
        uow.suppliers.add(supplier)
        uow.audit.append(
            principal.event(
                now,
                AuditTag.IMPORT_SUPPLIER_ADDED,
                "supplier",
                name,
                url=meta,
                fingerprint=pinned,
                unit=unit_id,
            )
        )
        uow.commit()
    return supplier


def suppliers(deps: Deps, principal: Principal) -> list[Supplier]:
    principal.require(REFERENCE_READERS)
    with deps.reader() as uow:
        return uow.suppliers.all()


def supplier(deps: Deps, principal: Principal, name: str) -> Supplier:
    principal.require(REFERENCE_READERS)
    with deps.reader() as uow:
        return uow.suppliers.get(name.strip())


def pin(
    deps: Deps, principal: Principal, name: str, fingerprint: str, justification: str
) -> Supplier:
    """Change the pinned fingerprint; the audit trail keeps the old one, the new one and why.

    Pinning the fingerprint already pinned changes nothing (a repeated request is harmless)."""
    principal.require(REFERENCE_WRITERS, "write")
    pinned = provider_import.pinned(fingerprint)
    why = values.text("justification", justification, max_len=2000)
    now = deps.clock.now()
    with deps.uow() as uow:
        before = uow.suppliers.get(name.strip())
        if before.fingerprint == pinned:
            return before  # already pinned to it: nothing changes, nothing to audit
        uow.suppliers.set_fingerprint(before.name, pinned)
        uow.audit.append(
            principal.event(
                now,
                AuditTag.IMPORT_SUPPLIER_PINNED,
                "supplier",
                before.name,
                old_fingerprint=before.fingerprint,
                new_fingerprint=pinned,
                justification=why,
            )
        )
        uow.commit()
        return uow.suppliers.get(before.name)


def remove(deps: Deps, principal: Principal, name: str) -> None:
    """Forget a supplier and its document records (the audit trail keeps what was fetched)."""
    principal.require(REFERENCE_WRITERS, "write")
    with deps.uow() as uow:
        gone = uow.suppliers.get(name.strip())
        uow.suppliers.remove(gone.name)
        uow.audit.append(
            principal.event(
                deps.clock.now(),
                AuditTag.IMPORT_SUPPLIER_REMOVED,
                "supplier",
                gone.name,
                url=gone.metadata_url,
                fingerprint=gone.fingerprint,
            )
        )
        uow.commit()


def documents(deps: Deps, principal: Principal, name: str) -> list[SupplierDocument]:
    """Every document the supplier's provider listed, as it was when last fetched."""
    principal.require(REFERENCE_READERS)
    with deps.reader() as uow:
        return uow.suppliers.documents(name.strip())


def fetch(
    deps: Deps,
    principal: Principal,
    source: ProviderSource,
    readers: DocumentReaders,
    name: str,
) -> provider_import.ProviderImport:
    """Fetch the supplier's provider now with its stored pin and unit."""
    principal.require(REFERENCE_WRITERS, "write")
    with deps.reader() as uow:
        found = uow.suppliers.get(name.strip())
    return provider_import.run(deps, principal, source, readers, found)
