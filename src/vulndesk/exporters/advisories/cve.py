"""CVE JSON 5 records: the CNA published container a CNA submits, and the full CVE record.

Records follow CVE Record Format 5.2.0 (`dataVersion` "5.2"), which `validation.validate_cve`
checks. CVE descriptions are English, so the advisory language must be English.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from typing import Any

from vulndesk.domain.errors import InvalidInput
from vulndesk.domain.ids import ProductId
from vulndesk.exporters.advisories.advisory import (
    AdvisoryInput,
    ProductState,
    PublisherCategory,
    ReferenceKind,
    RemediationKind,
    VersionRange,
    VersionScheme,
    VersionStatus,
)
from vulndesk.exporters.advisories.support import (
    ENGINE,
    base_purl,
    cvss3_metrics,
    cvss4_metrics,
    display_name,
    history,
    utc_stamp,
)

__all__ = ["CVE_DATA_VERSION", "build_cve_cna", "build_cve_record"]

CVE_DATA_VERSION = "5.2"
_MAX_TEXT = 4096
_CVE_STATUS = {
    ProductState.KNOWN_AFFECTED: "affected",
    ProductState.FIXED: "unaffected",
    ProductState.KNOWN_NOT_AFFECTED: "unaffected",
    ProductState.UNDER_INVESTIGATION: "unknown",
}
# CVE `versionType` for ecosystem ranges, by package URL type.
_VERSION_TYPES = {
    "pypi": "python",
    "maven": "maven",
    "rpm": "rpm",
    "npm": "semver",
    "cargo": "semver",
}
_TAGS = {ReferenceKind.FIX: ["patch"], ReferenceKind.REPORT: ["issue-tracking"]}


def build_cve_record(
    advisory: AdvisoryInput, org_id: str, short_name: str | None = None
) -> dict[str, Any]:
    """A PUBLISHED CVE record whose CNA container is `build_cve_cna(...)`."""
    cna = build_cve_cna(advisory, org_id, short_name)
    metadata: dict[str, Any] = {
        "assignerOrgId": cna["providerMetadata"]["orgId"],
        "cveId": advisory.cve,
        "datePublished": utc_stamp(advisory.tracking.initial_release_date),
        "dateUpdated": utc_stamp(advisory.tracking.current_release_date),
        "state": "PUBLISHED",
    }
    if short_name:
        metadata["assignerShortName"] = short_name
    return {
        "containers": {"cna": cna},
        "cveMetadata": metadata,
        "dataType": "CVE_RECORD",
        "dataVersion": CVE_DATA_VERSION,
    }


def build_cve_cna(
    advisory: AdvisoryInput, org_id: str, short_name: str | None = None
) -> dict[str, Any]:
    """The CNA published container; `org_id` is the CNA's CVE Services organisation UUID."""
    a = advisory
    if a.cve is None:
        raise InvalidInput("cve", "a CVE record needs a CVE id", "CVE-YYYY-NNNN")
    if not a.lang.lower().startswith("en"):
        raise InvalidInput("lang", f"CVE descriptions are English, not {a.lang!r}", "en")
    provider: dict[str, Any] = {"dateUpdated": utc_stamp(a.now), "orgId": _org_id(org_id)}
    if short_name:
        provider["shortName"] = short_name
    cna: dict[str, Any] = {
        "affected": _affected(a),
        "datePublic": utc_stamp(a.tracking.initial_release_date),
        "descriptions": [{"lang": "en", "value": _bounded("details", _description(a))}],
        "providerMetadata": provider,
        "references": _references(a),
        "title": _bounded("title", a.title, 256),
        "x_generator": {"engine": ENGINE},
    }
    optional = {
        "problemTypes": _problem_types(a),
        "metrics": _metrics(a),
        "solutions": _texts(a, exclude=RemediationKind.WORKAROUND),
        "workarounds": _texts(a, only=RemediationKind.WORKAROUND),
        "timeline": _timeline(a),
        "credits": _credits(a),
    }
    cna.update({key: value for key, value in optional.items() if value})
    return cna


def _org_id(value: str) -> str:
    try:
        parsed = uuid.UUID(value)
    except ValueError as exc:
        raise InvalidInput(
            "org_id", f"{value!r} is not a UUID", "the CNA's organisation UUID from CVE Services"
        ) from exc
    if parsed.version != 4 or parsed.variant != uuid.RFC_4122:
        raise InvalidInput(
            "org_id",
            f"{value!r} is not a version 4 UUID",
            "the CNA's organisation UUID from CVE Services",
        )
    return str(parsed)


def _bounded(name: str, text: str, limit: int = _MAX_TEXT) -> str:
    if len(text) > limit:
        raise InvalidInput(
            name, f"is {len(text)} characters long", f"at most {limit} characters in a CVE record"
        )
    return text


def _description(a: AdvisoryInput) -> str:
    return "\n\n".join(text.strip() for _, text in a.sections())


def _affected(a: AdvisoryInput) -> list[dict[str, Any]]:
    statuses: dict[ProductId, list[VersionStatus]] = defaultdict(list)
    for s in a.version_statuses():
        statuses[s.product].append(s)
    ranges: dict[ProductId, list[VersionRange]] = defaultdict(list)
    for r in a.ranges:
        ranges[r.product].append(r)
    affected = []
    for product in a.products:
        purl = base_purl(product)
        versions = [_range(r, purl.type if purl else "") for r in ranges.get(product.id, [])]
        versions += [
            {"status": _CVE_STATUS[s.state], "version": s.version}
            for s in statuses.get(product.id, [])
        ]
        if not versions:
            continue
        entry: dict[str, Any] = {
            "defaultStatus": "unknown",
            "product": display_name(product),
            "vendor": product.vendor,
            "versions": versions,
        }
        if purl is not None:
            entry["packageURL"] = purl.to_string()
        affected.append(entry)
    if not affected:
        raise InvalidInput(
            "statuses", "no product version has a status", "at least one affected product"
        )
    return affected


def _range(r: VersionRange, purl_type: str) -> dict[str, Any]:
    scheme = (
        "semver" if r.scheme is VersionScheme.SEMVER else _VERSION_TYPES.get(purl_type, "custom")
    )
    item: dict[str, Any] = {"status": "affected", "version": r.introduced, "versionType": scheme}
    if r.fixed is not None:
        item["lessThan"] = r.fixed
    elif r.last_affected is not None:
        item["lessThanOrEqual"] = r.last_affected
    else:
        item["lessThan"] = "*"
    return item


def _problem_types(a: AdvisoryInput) -> list[dict[str, Any]]:
    if not a.case.cwe:
        return []
    text = f"{a.case.cwe} {a.cwe_name}" if a.cwe_name else a.case.cwe
    return [
        {"descriptions": [{"cweId": a.case.cwe, "description": text, "lang": "en", "type": "CWE"}]}
    ]


def _metrics(a: AdvisoryInput) -> list[dict[str, Any]]:
    scenario = [{"lang": "en", "value": "GENERAL"}]
    metrics = []
    severity = a.case.severity
    if severity.cvss40_vector:
        metrics.append(
            {
                "cvssV4_0": cvss4_metrics(severity.cvss40_vector),
                "format": "CVSS",
                "scenarios": scenario,
            }
        )
    if severity.cvss31_vector:
        v3 = cvss3_metrics(severity.cvss31_vector)
        key = "cvssV3_1" if v3["version"] == "3.1" else "cvssV3_0"
        metrics.append({key: v3, "format": "CVSS", "scenarios": scenario})
    return metrics


def _references(a: AdvisoryInput) -> list[dict[str, Any]]:
    if not a.references:
        raise InvalidInput(
            "references",
            "a CVE record needs at least one reference",
            "the URL of the published advisory",
        )
    refs = []
    for r in a.references:
        tags = _TAGS.get(r.kind, [])
        if r.kind is ReferenceKind.ADVISORY:
            vendor = a.publisher.category is PublisherCategory.VENDOR
            tags = ["vendor-advisory" if vendor else "third-party-advisory"]
        ref: dict[str, Any] = {"name": _bounded("references.summary", r.summary, 512), "url": r.url}
        if tags:
            ref["tags"] = tags
        refs.append(ref)
    return refs


def _texts(
    a: AdvisoryInput, only: RemediationKind | None = None, exclude: RemediationKind | None = None
) -> list[dict[str, str]]:
    texts = {
        _bounded("remediations", r.text)
        for r in a.all_remediations()
        if (only is None or r.kind is only) and r.kind is not exclude
    }
    return [{"lang": "en", "value": text} for text in sorted(texts)]


def _timeline(a: AdvisoryInput) -> list[dict[str, str]]:
    revisions = history(a.tracking)
    return [
        {"lang": "en", "time": utc_stamp(r.date), "value": r.summary}
        for r in revisions
        if r.summary
    ]


def _credits(a: AdvisoryInput) -> list[dict[str, str]]:
    seen: dict[str, None] = {}
    for ack in a.acknowledgments:
        for name in ack.names or ((ack.organization,) if ack.organization else ()):
            label = (
                f"{name} ({ack.organization})"
                if ack.organization and name != ack.organization
                else name
            )
            seen[label] = None
    return [{"lang": "en", "type": "finder", "value": label} for label in seen]
