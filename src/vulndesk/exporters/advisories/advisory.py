"""What every advisory format is built from: one case, its products, and what may be published.

Advisories are public documents. The builders read a case's free-text details only through
`AdvisoryInput.details`, which keeps the fields whose sensitivity is public plus the restricted
fields the caller names in `include`; secret fields can never be included.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from enum import StrEnum

from vulndesk.domain.cases import Case
from vulndesk.domain.disclosure import DETAIL_FIELDS, Sensitivity
from vulndesk.domain.errors import InvalidInput
from vulndesk.domain.ids import ProductId
from vulndesk.domain.products import Product
from vulndesk.exporters.advisories.support import (
    Revision,
    Tracking,
    TrackingStatus,
    aware,
    check_tracking,
)

__all__ = ["Revision", "Tracking", "TrackingStatus"]  # re-exported: builders import them here

_CVE = re.compile(r"^CVE-[0-9]{4}-[0-9]{4,19}$")


class PublisherCategory(StrEnum):
    VENDOR = "vendor"
    COORDINATOR = "coordinator"
    DISCOVERER = "discoverer"


class ProductState(StrEnum):
    """The status of one product version, as CSAF and VEX name them."""

    KNOWN_AFFECTED = "known_affected"
    FIXED = "fixed"
    KNOWN_NOT_AFFECTED = "known_not_affected"
    UNDER_INVESTIGATION = "under_investigation"


class Justification(StrEnum):
    """Why a version is not affected (the CSAF 2.0 VEX flag labels)."""

    COMPONENT_NOT_PRESENT = "component_not_present"
    VULNERABLE_CODE_NOT_PRESENT = "vulnerable_code_not_present"
    VULNERABLE_CODE_NOT_IN_EXECUTE_PATH = "vulnerable_code_not_in_execute_path"
    VULNERABLE_CODE_CANNOT_BE_CONTROLLED_BY_ADVERSARY = (
        "vulnerable_code_cannot_be_controlled_by_adversary"
    )
    INLINE_MITIGATIONS_ALREADY_EXIST = "inline_mitigations_already_exist"


class RemediationKind(StrEnum):
    VENDOR_FIX = "vendor_fix"
    MITIGATION = "mitigation"
    WORKAROUND = "workaround"
    NO_FIX_PLANNED = "no_fix_planned"
    NONE_AVAILABLE = "none_available"


class ReferenceKind(StrEnum):
    ADVISORY = "advisory"
    ARTICLE = "article"
    REPORT = "report"
    FIX = "fix"
    PACKAGE = "package"
    WEB = "web"


class VersionScheme(StrEnum):
    """How the versions of a range compare: semantic versioning, or the package ecosystem's own order."""

    SEMVER = "semver"
    ECOSYSTEM = "ecosystem"


class Tlp(StrEnum):
    """CSAF 2.0 traffic light labels; a published advisory is WHITE."""

    WHITE = "WHITE"
    GREEN = "GREEN"
    AMBER = "AMBER"
    RED = "RED"


# Detail fields that become descriptive text, in reading order. `remediation` and `workaround`
# become remediations instead; the other restricted and secret fields are never read.
NOTE_FIELDS = (
    "summary",
    "harm",
    "technical_characteristics",
    "scope_of_impact",
    "affected_versions_detail",
)


@dataclass(frozen=True, slots=True)
class Publisher:
    name: str
    namespace: str
    category: PublisherCategory = PublisherCategory.VENDOR
    contact: str = ""


@dataclass(frozen=True, slots=True)
class VersionStatus:
    """One product version's status; `justification` or `impact` explain a not-affected version."""

    product: ProductId
    version: str
    state: ProductState
    justification: Justification | None = None
    impact: str = ""


@dataclass(frozen=True, slots=True)
class VersionRange:
    """Affected versions from `introduced` up to `fixed` (exclusive) or `last_affected` (inclusive)."""

    product: ProductId
    fixed: str | None = None
    introduced: str = "0"
    last_affected: str | None = None
    scheme: VersionScheme = VersionScheme.SEMVER


@dataclass(frozen=True, slots=True)
class Remediation:
    """A fix or measure; `product=None` means every affected product."""

    kind: RemediationKind
    details: str = ""
    product: ProductId | None = None
    fixed_versions: tuple[str, ...] = ()
    url: str | None = None
    date: dt.datetime | None = None

    @property
    def text(self) -> str:
        if self.details:
            return self.details
        if self.fixed_versions:
            return f"Update to version {', '.join(self.fixed_versions)} or later."
        return {
            RemediationKind.NO_FIX_PLANNED: "No fix is planned.",
            RemediationKind.NONE_AVAILABLE: "No remediation is available yet.",
        }.get(self.kind, "")


@dataclass(frozen=True, slots=True)
class Reference:
    """A link; `own` marks the publisher's own copy of this advisory (CSAF category `self`)."""

    url: str
    summary: str
    kind: ReferenceKind = ReferenceKind.WEB
    own: bool = False


@dataclass(frozen=True, slots=True)
class Acknowledgment:
    names: tuple[str, ...] = ()
    organization: str = ""
    summary: str = ""
    urls: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class AdvisoryInput:
    """Everything one advisory says. Empty `statuses`/`remediations` are derived from the case."""

    case: Case
    products: tuple[Product, ...]
    publisher: Publisher
    tracking: Tracking
    title: str
    now: dt.datetime
    cve: str | None = None
    cwe_name: str | None = None
    lang: str = "en"
    tlp: Tlp = Tlp.WHITE
    statuses: tuple[VersionStatus, ...] = ()
    ranges: tuple[VersionRange, ...] = ()
    remediations: tuple[Remediation, ...] = ()
    references: tuple[Reference, ...] = ()
    acknowledgments: tuple[Acknowledgment, ...] = ()
    include: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        aware("now", self.now)
        if not self.title.strip() or "\n" in self.title:
            raise InvalidInput("title", "must be one non-empty line", "a short headline")
        if not self.publisher.name.strip() or not self.publisher.namespace.startswith(
            ("https://", "http://")
        ):
            raise InvalidInput(
                "publisher", "needs a name and a namespace URL", "e.g. https://psirt.example.com"
            )
        check_tracking(self.tracking)
        _check_include(self.include)
        if self.cve is not None and not _CVE.match(self.cve):
            raise InvalidInput(
                "cve", f"{self.cve!r} is not a CVE id", "CVE-YYYY-NNNN, e.g. CVE-2026-12345"
            )
        known = {p.id for p in self.products}
        for name, pid in _referenced_products(self):
            if pid not in known:
                raise InvalidInput(
                    name,
                    f"product {pid!r} is not among the advisory's products",
                    ", ".join(sorted(known)),
                )
        for r in self.remediations:
            if not r.text:
                raise InvalidInput(
                    "remediations",
                    f"a {r.kind.value} needs details or fixed versions",
                    "a text or fixed_versions",
                )
            if r.date is not None:
                aware("remediations.date", r.date)

    @property
    def details(self) -> dict[str, str]:
        """The case details this advisory may publish."""
        return {
            name: text
            for name, text in self.case.details.items()
            if text.strip()
            and (DETAIL_FIELDS.get(name) is Sensitivity.PUBLIC or name in self.include)
        }

    def sections(self) -> tuple[tuple[str, str], ...]:
        """Publishable detail texts in reading order, as (field, text) pairs, the summary first."""
        details = self.details
        if "summary" not in details:
            raise InvalidInput(
                "details.summary",
                "an advisory needs a public summary",
                "a short description of the vulnerability",
            )
        return tuple((name, details[name].strip()) for name in NOTE_FIELDS if name in details)

    @property
    def summary(self) -> str:
        return self.sections()[0][1]

    def version_statuses(self) -> tuple[VersionStatus, ...]:
        """Explicit statuses, or the case's affected and fixed versions; contradictions are refused."""
        statuses = self.statuses or tuple(
            VersionStatus(ap.product, v, state)
            for ap in self.case.products
            for state, versions in (
                (ProductState.KNOWN_AFFECTED, ap.versions),
                (ProductState.FIXED, ap.fixed_versions),
            )
            for v in versions
        )
        seen: dict[tuple[ProductId, str], VersionStatus] = {}
        for s in statuses:
            earlier = seen.setdefault((s.product, s.version), s)
            if earlier.state is not s.state:
                raise InvalidInput(
                    "statuses",
                    f"{s.product} {s.version} is both {earlier.state.value} and {s.state.value}",
                    "one status per product version",
                )
        return tuple(seen.values())

    def all_remediations(self) -> tuple[Remediation, ...]:
        """Explicit remediations, or derived from the statuses and the public texts.

        Derived: a vendor fix for each product with fixed versions (the case's `remediation`
        text, or "update to <fixed>"), and the `workaround` text when any version is affected.
        Without fixed versions there is no vendor fix to announce yet.
        """
        if self.remediations:
            return self.remediations
        statuses = self.version_statuses()
        fixed: dict[ProductId, list[str]] = {}
        for s in statuses:
            if s.state is ProductState.FIXED:
                fixed.setdefault(s.product, []).append(s.version)
        text = self.details.get("remediation", "")
        derived = [
            Remediation(RemediationKind.VENDOR_FIX, text, pid, tuple(versions))
            for pid, versions in fixed.items()
        ]
        workaround = self.details.get("workaround", "")
        if workaround and any(s.state is ProductState.KNOWN_AFFECTED for s in statuses):
            derived.append(Remediation(RemediationKind.WORKAROUND, workaround))
        return tuple(derived)


def _referenced_products(a: AdvisoryInput) -> list[tuple[str, ProductId]]:
    refs: list[tuple[str, ProductId]] = [("case.products", ap.product) for ap in a.case.products]
    refs += [("statuses", s.product) for s in a.statuses]
    refs += [("ranges", r.product) for r in a.ranges]
    refs += [("remediations", r.product) for r in a.remediations if r.product is not None]
    return refs


def _check_include(include: frozenset[str]) -> None:
    for name in sorted(include):
        level = DETAIL_FIELDS.get(name)
        if level is None:
            raise InvalidInput(
                "include", f"{name!r} is not a case detail field", ", ".join(DETAIL_FIELDS)
            )
        if level is Sensitivity.SECRET:
            raise InvalidInput(
                "include",
                f"{name!r} is secret and never published",
                "public or restricted detail fields",
            )
