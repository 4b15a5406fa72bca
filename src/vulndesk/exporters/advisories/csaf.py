"""CSAF 2.0 security advisories and VEX documents, built as plain dicts from an AdvisoryInput.

Product ids are `CSAFPID-<n>`, numbered in the order of `AdvisoryInput.products` and, within a
product, of its version statuses, so the same input gives the same ids. Versions are listed one
by one (the CSAF TC discourages `product_version_range`); version ranges go to CVE and OSV.
CSAF 2.0 scores only CVSS v2 and v3; a CVSS v4.0 vector goes into a vulnerability note.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from vulndesk.domain.errors import InvalidInput
from vulndesk.domain.ids import ProductId
from vulndesk.domain.products import Product
from vulndesk.exporters.advisories.advisory import (
    AdvisoryInput,
    ProductState,
    RemediationKind,
    VersionStatus,
)
from vulndesk.exporters.advisories.support import (
    ENGINE,
    base_purl,
    cvss3_metrics,
    cvss4_metrics,
    display_name,
    history,
    sorted_keys,
    to_json,
    utc_stamp,
)

__all__ = ["CsafCategory", "build_csaf", "build_csaf_vex", "csaf_filename", "to_json"]

CSAF_VERSION = "2.0"
TLP_URL = "https://www.first.org/tlp/"

# Vulnerability note (category, title) per detail field.
_NOTES = {
    "summary": ("description", "Description"),
    "harm": ("general", "Impact"),
    "technical_characteristics": ("details", "Technical details"),
    "scope_of_impact": ("general", "Scope of impact"),
    "affected_versions_detail": ("details", "Affected versions"),
}


_AFFECTED = frozenset({ProductState.KNOWN_AFFECTED})
_OPEN = frozenset({ProductState.KNOWN_AFFECTED, ProductState.UNDER_INVESTIGATION})
# The versions each kind of remediation applies to, in order of preference: a vendor fix applies
# to the affected versions, or, when only fixed versions are listed, names those.
_TARGETS = {
    RemediationKind.VENDOR_FIX: (_AFFECTED, frozenset({ProductState.FIXED})),
    RemediationKind.NO_FIX_PLANNED: (_AFFECTED,),
    RemediationKind.MITIGATION: (_OPEN,),
    RemediationKind.WORKAROUND: (_OPEN,),
    RemediationKind.NONE_AVAILABLE: (_OPEN,),
}


class CsafCategory(StrEnum):
    SECURITY_ADVISORY = "csaf_security_advisory"
    VEX = "csaf_vex"


@dataclass(slots=True)
class _Tree:
    """The product tree and the product ids it assigned, indexed for the vulnerability section.

    `ids_of` lists each product's ids in order, for the remediations to pick from by status.
    """

    branches: list[dict[str, Any]] = field(default_factory=list)
    by_state: dict[ProductState, list[str]] = field(default_factory=lambda: defaultdict(list))
    ids_of: dict[ProductId, list[str]] = field(default_factory=lambda: defaultdict(list))
    status_of: dict[str, VersionStatus] = field(default_factory=dict)
    count: int = 0

    def new_id(self) -> str:
        self.count += 1
        return f"CSAFPID-{self.count:04d}"


def build_csaf(
    advisory: AdvisoryInput, category: CsafCategory = CsafCategory.SECURITY_ADVISORY
) -> dict[str, Any]:
    """A CSAF 2.0 document of `category`; raises InvalidInput where CSAF would be violated."""
    tree = _product_tree(advisory)
    if tree.count == 0:
        raise InvalidInput(
            "statuses", "no product version has a status", "at least one product version status"
        )
    if category is CsafCategory.SECURITY_ADVISORY and set(tree.by_state) <= _OPEN - _AFFECTED:
        raise InvalidInput(
            "statuses",
            "every version is under investigation",
            "at least one known_affected, fixed or known_not_affected version, or a VEX document",
        )
    vulnerability = _vulnerability(advisory, tree, category)
    if category is CsafCategory.VEX:
        _check_vex(tree, vulnerability)
    doc = {
        "document": _document(advisory, category),
        "product_tree": {"branches": tree.branches},
        "vulnerabilities": [vulnerability],
    }
    return sorted_keys(doc)


def build_csaf_vex(advisory: AdvisoryInput) -> dict[str, Any]:
    return build_csaf(advisory, CsafCategory.VEX)


def _document(a: AdvisoryInput, category: CsafCategory) -> dict[str, Any]:
    publisher: dict[str, Any] = {
        "category": a.publisher.category.value,
        "name": a.publisher.name,
        "namespace": a.publisher.namespace,
    }
    if a.publisher.contact:
        publisher["contact_details"] = a.publisher.contact
    doc: dict[str, Any] = {
        "category": category.value,
        "csaf_version": CSAF_VERSION,
        "distribution": {"tlp": {"label": a.tlp.value, "url": TLP_URL}},
        "lang": a.lang,
        "notes": [{"category": "summary", "text": a.summary, "title": "Summary"}],
        "publisher": publisher,
        "title": a.title,
        "tracking": _tracking(a),
    }
    severity = a.case.severity
    if severity.cvss40_vector or severity.cvss31_vector:
        # The newest CVSS version present, recomputed from its vector like the scores themselves.
        metrics = (
            cvss4_metrics(severity.cvss40_vector)
            if severity.cvss40_vector
            else cvss3_metrics(str(severity.cvss31_vector))
        )
        doc["aggregate_severity"] = {"text": str(metrics["baseSeverity"]).capitalize()}
    if a.references:
        doc["references"] = [
            {"category": "self" if r.own else "external", "summary": r.summary, "url": r.url}
            for r in a.references
        ]
    return doc


def _tracking(a: AdvisoryInput) -> dict[str, Any]:
    t = a.tracking
    revisions = history(t)
    return {
        "current_release_date": utc_stamp(t.current_release_date),
        "generator": {"date": utc_stamp(a.now), "engine": {"name": ENGINE}},
        "id": t.id,
        "initial_release_date": utc_stamp(t.initial_release_date),
        "revision_history": [
            {"date": utc_stamp(r.date), "number": r.number, "summary": r.summary} for r in revisions
        ],
        "status": t.status.value,
        "version": t.version,
    }


def _product_tree(a: AdvisoryInput) -> _Tree:
    tree = _Tree()
    statuses: dict[ProductId, list[VersionStatus]] = defaultdict(list)
    for s in a.version_statuses():
        statuses[s.product].append(s)
    vendors: dict[str, list[dict[str, Any]]] = {}
    for product in a.products:
        if product.id in statuses:
            vendors.setdefault(product.vendor, []).append(
                {
                    "branches": _leaves(tree, product, statuses[product.id]),
                    "category": "product_name",
                    "name": display_name(product),
                }
            )
    tree.branches = [
        {"branches": names, "category": "vendor", "name": vendor}
        for vendor, names in vendors.items()
    ]
    return tree


def _leaves(tree: _Tree, product: Product, statuses: list[VersionStatus]) -> list[dict[str, Any]]:
    base = base_purl(product)
    prefix = f"{product.vendor} {display_name(product)}"
    leaves = []
    for s in statuses:
        pid = tree.new_id()
        tree.status_of[pid] = s
        tree.by_state[s.state].append(pid)
        tree.ids_of[product.id].append(pid)
        item: dict[str, Any] = {"name": f"{prefix} {s.version}", "product_id": pid}
        if base is not None:
            purl = base._replace(version=s.version).to_string()
            item["product_identification_helper"] = {"purl": purl}
        leaves.append({"category": "product_version", "name": s.version, "product": item})
    return leaves


def csaf_filename(tracking_id: str) -> str:
    """The file name CSAF 2.0 §5.1 derives from a tracking id, e.g. `acme-sa-2026-0001.json`."""
    return re.sub(r"[^+\-a-z0-9]+", "_", tracking_id.lower()) + ".json"


def _vulnerability(a: AdvisoryInput, tree: _Tree, category: CsafCategory) -> dict[str, Any]:
    affected = tree.by_state.get(ProductState.KNOWN_AFFECTED, [])
    v: dict[str, Any] = {
        "notes": _notes(a),
        "product_status": {state.value: ids for state, ids in tree.by_state.items() if ids},
        "title": a.title,
    }
    if a.cve:
        v["cve"] = a.cve
    elif category is CsafCategory.VEX:
        v["ids"] = [{"system_name": a.publisher.name, "text": a.tracking.id}]
    if a.case.cwe:
        if not a.cwe_name:
            raise InvalidInput(
                "cwe_name",
                f"CSAF needs the name of {a.case.cwe}",
                "the CWE catalogue name, e.g. Out-of-bounds Write",
            )
        v["cwe"] = {"id": a.case.cwe, "name": a.cwe_name}
    vector = a.case.severity.cvss31_vector
    if vector and affected:
        v["scores"] = [{"cvss_v3": cvss3_metrics(vector), "products": affected}]
    optional = {
        "remediations": _remediations(a, tree),
        "threats": _threats(a, tree),
        "flags": _flags(tree),
        "acknowledgments": _acknowledgments(a),
    }
    v.update({key: value for key, value in optional.items() if value})
    return v


def _notes(a: AdvisoryInput) -> list[dict[str, str]]:
    notes = [
        {"category": _NOTES[name][0], "text": text, "title": _NOTES[name][1]}
        for name, text in a.sections()
    ]
    vector = a.case.severity.cvss40_vector
    if vector:
        m = cvss4_metrics(vector)
        text = f"{m['vectorString']} (base score {m['baseScore']}, {m['baseSeverity'].lower()})"
        notes.append({"category": "other", "text": text, "title": "CVSS v4.0"})
    return notes


def _remediations(a: AdvisoryInput, tree: _Tree) -> list[dict[str, Any]]:
    out = []
    for r in a.all_remediations():
        products = [r.product] if r.product is not None else [p.id for p in a.products]
        ids = _targets(tree, products, r.kind)
        if not ids:
            raise InvalidInput(
                "remediations",
                f"the {r.kind.value} for {r.product or 'all products'} applies to no listed version",
                "fixes for affected or fixed versions, other measures for affected or investigated ones",
            )
        item: dict[str, Any] = {"category": r.kind.value, "details": r.text, "product_ids": ids}
        if r.url:
            item["url"] = r.url
        if r.date:
            item["date"] = utc_stamp(r.date)
        out.append(item)
    return out


def _targets(tree: _Tree, products: list[ProductId], kind: RemediationKind) -> list[str]:
    for states in _TARGETS[kind]:
        ids = [
            pid
            for product in products
            for pid in tree.ids_of.get(product, [])
            if tree.status_of[pid].state in states
        ]
        if ids:
            return ids
    return []


def _threats(a: AdvisoryInput, tree: _Tree) -> list[dict[str, Any]]:
    threats: list[dict[str, Any]] = []
    affected = tree.by_state.get(ProductState.KNOWN_AFFECTED, [])
    if a.case.exploited and affected:
        threats.append(
            {
                "category": "exploit_status",
                "details": "Exploitation of this vulnerability has been reported.",
                "product_ids": affected,
            }
        )
    impacts: dict[str, list[str]] = defaultdict(list)
    for pid, s in tree.status_of.items():
        if s.state is ProductState.KNOWN_NOT_AFFECTED and s.impact:
            impacts[s.impact].append(pid)
    threats += [
        {"category": "impact", "details": text, "product_ids": ids} for text, ids in impacts.items()
    ]
    return threats


def _flags(tree: _Tree) -> list[dict[str, Any]]:
    flags: dict[str, list[str]] = defaultdict(list)
    for pid, s in tree.status_of.items():
        if s.state is ProductState.KNOWN_NOT_AFFECTED and s.justification is not None:
            flags[s.justification.value].append(pid)
    return [{"label": label, "product_ids": ids} for label, ids in flags.items()]


def _acknowledgments(a: AdvisoryInput) -> list[dict[str, Any]]:
    out = []
    for ack in a.acknowledgments:
        item: dict[str, Any] = {
            "names": list(ack.names),
            "organization": ack.organization,
            "summary": ack.summary,
            "urls": list(ack.urls),
        }
        item = {key: value for key, value in item.items() if value}
        if item:
            out.append(item)
    return out


def _check_vex(tree: _Tree, vulnerability: dict[str, Any]) -> None:
    """CSAF 2.0 §6.1.27.9 and §6.1.27.10: every verdict in a VEX document is explained."""
    acted_on = {pid for r in vulnerability.get("remediations", []) for pid in r["product_ids"]}
    for pid in tree.by_state.get(ProductState.KNOWN_AFFECTED, []):
        if pid not in acted_on:
            raise InvalidInput(
                "remediations",
                f"{pid} is known_affected but has no action statement",
                "a remediation for every affected product",
            )
    for s in tree.status_of.values():
        if s.state is ProductState.KNOWN_NOT_AFFECTED and s.justification is None and not s.impact:
            raise InvalidInput(
                "statuses",
                f"{s.product} {s.version} is known_not_affected without a reason",
                "a justification or an impact statement",
            )
