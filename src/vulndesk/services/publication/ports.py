"""Ports for the publication gate, imports and third-party work: storage Protocols and records."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from vulndesk.rules.matching import ComponentRow
from vulndesk.rules.publication import Blackout, Decision, Share

# The content of a collection platform's filing (Filing Measures, draft Art. 4, items 1-8).
FILING_FIELDS: tuple[str, ...] = (
    "platform_name",
    "homepage_url",
    "icp_number",
    "publication_channels",
    "sponsor_name",
    "sponsor_id_number",
    "head_name",
    "head_contact",
    "contact_name",
    "contact_details",
    "registered_capital",
    "shareholding",
    "collection_scope",
    "collection_method",
    "verification_rules",
    "notification_rules",
    "publication_rules",
    "identity_verification_rules",
    "user_grading",
    "protection_level_proof",
    "standards_management",
    "commitment_letter",
    "other",
)


@dataclass(frozen=True, slots=True)
class Filing:
    fields: dict[str, str]
    updated_by: str
    updated_at: dt.datetime


@dataclass(frozen=True, slots=True)
class VendorTracking:
    """Third-party mode: the vendor told, and when its fix came."""

    case: str
    vendor: str
    notified_at: dt.datetime | None = None
    fixed_at: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class UpstreamLink:
    """A supplier advisory's vulnerability and the case that handles it here."""

    publisher: str
    tracking_id: str
    vulnerability: str
    tracking_version: str
    case: str
    purls: tuple[str, ...] = ()


class PublicationRepository(Protocol):
    def add_blackout(self, window: Blackout, by: str, now: dt.datetime) -> None: ...
    def blackouts(self) -> list[Blackout]: ...
    def add_decision(self, case: str, decision: Decision) -> Decision:
        """Store `decision` with its recorder (`by`) as its first approver."""
        ...

    def approve_decision(self, decision_id: int, actor: str, at: dt.datetime) -> None:
        """Add an approver; Conflict when `actor` already approved it."""
        ...

    def decision(self, case: str, decision_id: int) -> Decision:
        """One decision of `case`; NotFound when it is missing or belongs to another case."""
        ...

    def decisions(self, case: str) -> list[Decision]: ...
    def add_share(self, case: str, share: Share, note: str) -> int: ...
    def shares(self, case: str) -> list[Share]: ...
    def vendor(self, case: str) -> VendorTracking | None: ...
    def put_vendor(self, tracking: VendorTracking) -> None: ...
    def filing(self) -> Filing | None: ...
    def put_filing(self, filing: Filing) -> None: ...


class ComponentRepository(Protocol):
    def replace_sbom(self, product: str, version: str, purls: Sequence[str]) -> int: ...
    def components(self, package_keys: Sequence[str] | None = None) -> list[ComponentRow]: ...
    def upstream(
        self, publisher: str, tracking_id: str, vulnerability: str
    ) -> UpstreamLink | None: ...
    def put_upstream(self, link: UpstreamLink, now: dt.datetime) -> None: ...
    def upstream_for_case(self, case: str) -> list[UpstreamLink]: ...


@dataclass(frozen=True, slots=True)
class SbomDocument:
    """What vulndesk keeps of a CycloneDX SBOM: the described product and component purls."""

    product_name: str | None
    product_version: str | None
    purls: tuple[str, ...]
    without_purl: int = 0


@dataclass(frozen=True, slots=True)
class ProductRef:
    """A product of a supplier's CSAF product tree."""

    product_id: str
    name: str
    purl: str | None = None
    cpe: str | None = None


@dataclass(frozen=True, slots=True)
class UpstreamVulnerability:
    """One vulnerability of a supplier advisory, with the supplier's products by status."""

    ref: str
    title: str
    cve: str | None
    cwe: str | None
    description: str
    cvss31_vector: str | None
    known_affected: tuple[ProductRef, ...]
    fixed: tuple[ProductRef, ...]
    remediation: str


@dataclass(frozen=True, slots=True)
class SupplierAdvisory:
    publisher_name: str
    publisher_namespace: str
    tracking_id: str
    tracking_version: str
    title: str
    vulnerabilities: tuple[UpstreamVulnerability, ...]


class DocumentReaders(Protocol):
    """Parsers of supplier documents; errors are InvalidInput naming the path in the document."""

    def sbom(self, data: bytes) -> SbomDocument: ...
    def csaf(self, data: bytes) -> SupplierAdvisory: ...


@dataclass(frozen=True, slots=True)
class ProviderListing:
    """A supplier's CSAF provider: its metadata URL, namespace, documents and OpenPGP keys."""

    metadata_url: str
    namespace: str
    documents: tuple[str, ...]
    keys: tuple[tuple[str, str], ...]  # (fingerprint, key URL)


class ProviderSource(Protocol):
    """Reads a CSAF provider; `fetch` returns a document only when its hashes match and its
    signature verifies with the pinned key (GuardFailed otherwise)."""

    def listing(self, source: str) -> ProviderListing: ...
    def fetch(self, listing: ProviderListing, url: str, fingerprint: str) -> bytes: ...


@dataclass(frozen=True, slots=True)
class Supplier:
    """A supplier's CSAF provider kept with the OpenPGP fingerprint pinned for it."""

    name: str
    metadata_url: str
    fingerprint: str
    unit: str
    created_by: str
    created_at: dt.datetime
    last_fetch_at: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class SupplierDocument:
    """One document a supplier's provider listed, as it was when last fetched."""

    url: str
    status: str  # imported, already-imported or refused
    detail: str
    tracking_id: str | None
    tracking_version: str | None
    sha256: str | None
    fetched_at: dt.datetime  # when this content (or this refusal) was first met
    checked_at: dt.datetime  # when the document was last fetched


class SupplierRepository(Protocol):
    def add(self, supplier: Supplier) -> None:
        """Conflict when the name is taken."""
        ...

    def get(self, name: str) -> Supplier:
        """NotFound when there is none."""
        ...

    def all(self) -> list[Supplier]: ...
    def by_url(self, metadata_url: str) -> list[Supplier]: ...
    def set_fingerprint(self, name: str, fingerprint: str) -> None: ...
    def fetched(self, name: str, at: dt.datetime) -> None: ...
    def remove(self, name: str) -> None:
        """The supplier and its document records."""
        ...

    def documents(self, name: str) -> list[SupplierDocument]: ...
    def document(self, name: str, url: str) -> SupplierDocument | None: ...
    def put_document(self, name: str, document: SupplierDocument) -> None: ...
