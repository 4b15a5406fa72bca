"""OSV records: the affected packages of an advisory, for open-source vulnerability databases.

OSV names a package by ecosystem and name, and both are required, so only products whose
package URL type maps to an OSV ecosystem are listed under `affected`. Other affected
products (firmware, appliances, services) are named in `database_specific.unlisted_products`
with the reason, rather than in an `affected` entry that no OSV consumer could match.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from packageurl import PackageURL

from vulndesk.domain.errors import InvalidInput
from vulndesk.domain.ids import ProductId
from vulndesk.domain.products import Product
from vulndesk.exporters.advisories.advisory import (
    AdvisoryInput,
    ProductState,
    ReferenceKind,
    VersionRange,
    VersionScheme,
)
from vulndesk.exporters.advisories.support import base_purl, display_name, utc_stamp
from vulndesk.exporters.validation import osv_id_pattern

__all__ = ["OSV_SCHEMA_VERSION", "build_osv", "osv_package"]

OSV_SCHEMA_VERSION = "1.7.5"

# Package URL type -> OSV ecosystem, for ecosystems whose package names a purl determines alone.
# Linux distributions are left out: their OSV ecosystems need a release suffix a purl may lack.
_ECOSYSTEMS = {
    "cargo": "crates.io",
    "composer": "Packagist",
    "conan": "ConanCenter",
    "cran": "CRAN",
    "gem": "RubyGems",
    "golang": "Go",
    "hackage": "Hackage",
    "hex": "Hex",
    "maven": "Maven",
    "npm": "npm",
    "nuget": "NuGet",
    "pub": "Pub",
    "pypi": "PyPI",
}
# How the namespace joins the name in each ecosystem's package names.
_JOIN = {"maven": ":", "npm": "/", "golang": "/", "composer": "/"}
_REFERENCE_TYPES = {
    ReferenceKind.ADVISORY: "ADVISORY",
    ReferenceKind.ARTICLE: "ARTICLE",
    ReferenceKind.REPORT: "REPORT",
    ReferenceKind.FIX: "FIX",
    ReferenceKind.PACKAGE: "PACKAGE",
    ReferenceKind.WEB: "WEB",
}


def build_osv(advisory: AdvisoryInput, osv_id: str) -> dict[str, Any]:
    """An OSV record with id `osv_id`: a registered prefix such as `GHSA-`, or `x_` for others."""
    a = advisory
    if not osv_id_pattern().match(osv_id):
        raise InvalidInput(
            "osv_id",
            f"{osv_id!r} has no OSV database prefix",
            "a registered prefix (e.g. GHSA-, CVE-) or x_, e.g. x_VD-2026-0001",
        )
    affected, unlisted = _affected(a)
    record: dict[str, Any] = {
        "affected": affected,
        "details": _details(a),
        "id": osv_id,
        "modified": utc_stamp(a.tracking.current_release_date),
        "published": utc_stamp(a.tracking.initial_release_date),
        "references": [{"type": _REFERENCE_TYPES[r.kind], "url": r.url} for r in a.references],
        "schema_version": OSV_SCHEMA_VERSION,
        "summary": a.title,
    }
    if a.cve and a.cve != osv_id:
        record["aliases"] = [a.cve]
    severity = [
        {"score": vector, "type": kind}
        for kind, vector in (
            ("CVSS_V3", a.case.severity.cvss31_vector),
            ("CVSS_V4", a.case.severity.cvss40_vector),
        )
        if vector
    ]
    if severity:
        record["severity"] = severity
    people = [
        {"name": name}
        for ack in a.acknowledgments
        for name in (ack.names or (ack.organization,))
        if name
    ]
    if people:
        record["credits"] = people
    specific: dict[str, Any] = {}
    if a.case.cwe:
        specific["cwe_ids"] = [a.case.cwe]
    if unlisted:
        specific["unlisted_products"] = unlisted
    if specific:
        record["database_specific"] = specific
    return {key: value for key, value in record.items() if value != []}


def _details(a: AdvisoryInput) -> str:
    """The public texts as CommonMark paragraphs, the summary first."""
    return "\n\n".join(text.strip() for _, text in a.sections())


def osv_package(product: Product) -> dict[str, str] | None:
    """The OSV package of a product, or None when its package URL has no OSV ecosystem."""
    purl = base_purl(product)
    if purl is None or purl.type not in _ECOSYSTEMS:
        return None
    name = purl.name
    if purl.namespace:
        name = f"{purl.namespace}{_JOIN.get(purl.type, '/')}{purl.name}"
    bare = PackageURL(type=purl.type, namespace=purl.namespace, name=purl.name)
    return {"ecosystem": _ECOSYSTEMS[purl.type], "name": name, "purl": bare.to_string()}


def _affected(a: AdvisoryInput) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    versions: dict[ProductId, list[str]] = defaultdict(list)
    for s in a.version_statuses():
        if s.state is ProductState.KNOWN_AFFECTED:
            versions[s.product].append(s.version)
    ranges: dict[ProductId, list[VersionRange]] = defaultdict(list)
    for r in a.ranges:
        ranges[r.product].append(r)
    affected, unlisted = [], []
    for product in a.products:
        if product.id not in versions and product.id not in ranges:
            continue
        package = osv_package(product)
        if package is None:
            unlisted.append(_unlisted(product, versions[product.id]))
            continue
        entry: dict[str, Any] = {"package": package}
        if versions[product.id]:
            entry["versions"] = versions[product.id]
        if ranges[product.id]:
            entry["ranges"] = [_range(r) for r in ranges[product.id]]
        affected.append(entry)
    return affected, unlisted


def _unlisted(product: Product, versions: list[str]) -> dict[str, Any]:
    reason = "no package URL" if not product.purl else "package URL type has no OSV ecosystem"
    item: dict[str, Any] = {
        "product": display_name(product),
        "reason": reason,
        "vendor": product.vendor,
    }
    if versions:
        item["versions"] = versions
    return item


def _range(r: VersionRange) -> dict[str, Any]:
    events: list[dict[str, str]] = [{"introduced": r.introduced}]
    if r.fixed is not None:
        events.append({"fixed": r.fixed})
    elif r.last_affected is not None:
        events.append({"last_affected": r.last_affected})
    return {"events": events, "type": "SEMVER" if r.scheme is VersionScheme.SEMVER else "ECOSYSTEM"}
