"""Supplier CSAF 2.0 advisories read into plain records; the OASIS schema is checked first."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from vulndesk.adapters.sbom import load_json
from vulndesk.domain.errors import InvalidInput
from vulndesk.exporters.validation import validate_csaf
from vulndesk.services.publication.ports import (
    ProductRef,
    SbomDocument,
    SupplierAdvisory,
    UpstreamVulnerability,
)


def _products(tree: dict[str, Any]) -> Iterator[ProductRef]:
    """Every full product name in branches and `full_product_names` (relationships too)."""

    def named(item: dict[str, Any]) -> ProductRef:
        helper = item.get("product_identification_helper", {})
        return ProductRef(item["product_id"], item["name"], helper.get("purl"), helper.get("cpe"))

    stack = list(tree.get("branches", []))
    while stack:
        branch = stack.pop()
        if "product" in branch:
            yield named(branch["product"])
        stack.extend(branch.get("branches", []))
    for item in tree.get("full_product_names", []):
        yield named(item)
    for rel in tree.get("relationships", []):
        yield named(rel["full_product_name"])


def _note(vuln: dict[str, Any], categories: tuple[str, ...]) -> str:
    for category in categories:
        for note in vuln.get("notes", []):
            if note.get("category") == category:
                return str(note["text"])
    return ""


def _vulnerability(
    i: int, vuln: dict[str, Any], products: dict[str, ProductRef]
) -> UpstreamVulnerability:
    status = vuln.get("product_status", {})

    def refs(*keys: str) -> tuple[ProductRef, ...]:
        ids = dict.fromkeys(pid for k in keys for pid in status.get(k, []))
        for pid in ids:
            if pid not in products:
                raise InvalidInput(
                    f"/vulnerabilities/{i}/product_status",
                    f"names unknown product {pid!r}",
                    "a product_id of the product_tree",
                )
        return tuple(products[pid] for pid in ids)

    ids = [x.get("text", "") for x in vuln.get("ids", [])]
    ref = vuln.get("cve") or (ids[0] if ids else f"vulnerability-{i + 1}")
    scores = [s.get("cvss_v3", {}) for s in vuln.get("scores", [])]
    vector = next((s["vectorString"] for s in scores if s.get("version") == "3.1"), None)
    cwe = vuln.get("cwe", {}).get("id")
    return UpstreamVulnerability(
        ref=str(ref),
        title=str(vuln.get("title", "")),
        cve=vuln.get("cve"),
        cwe=cwe,
        description=_note(vuln, ("description", "summary", "details")),
        cvss31_vector=vector,
        known_affected=refs("known_affected", "first_affected", "last_affected"),
        fixed=refs("fixed", "first_fixed"),
        remediation="\n".join(str(r.get("details", "")) for r in vuln.get("remediations", [])),
    )


def read_csaf(data: bytes) -> SupplierAdvisory:
    doc = load_json("csaf", data)
    errors = validate_csaf(doc)
    if errors:
        raise InvalidInput(
            f"csaf {errors[0].split(':', 1)[0]}",
            errors[0].split(":", 1)[1].strip(),
            "a valid CSAF 2.0 document",
        )
    products = {p.product_id: p for p in _products(doc.get("product_tree", {}))}
    document = doc["document"]
    tracking = document["tracking"]
    return SupplierAdvisory(
        publisher_name=document["publisher"]["name"],
        publisher_namespace=document["publisher"]["namespace"],
        tracking_id=tracking["id"],
        tracking_version=tracking["version"],
        title=document["title"],
        vulnerabilities=tuple(
            _vulnerability(i, v, products) for i, v in enumerate(doc.get("vulnerabilities", []))
        ),
    )


class FileDocumentReaders:
    """The DocumentReaders port: CycloneDX through cyclonedx-python-lib, CSAF through its schema."""

    def sbom(self, data: bytes) -> SbomDocument:
        from vulndesk.adapters.sbom import read_sbom

        return read_sbom(data)

    def csaf(self, data: bytes) -> SupplierAdvisory:
        return read_csaf(data)
