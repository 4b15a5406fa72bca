"""CVE JSON 5.2 records: golden file, the official schemas, field rules and redaction."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from advisory_fixtures import (
    CANARIES,
    INTERNAL_CANARIES,
    ORG_ID,
    ROUTER,
    check_golden,
    router_advisory,
    router_case,
    sdk_advisory,
)

from vulndesk.domain.errors import InvalidInput
from vulndesk.domain.severity import Severity
from vulndesk.exporters.advisories.advisory import (
    ProductState,
    PublisherCategory,
    VersionRange,
    VersionScheme,
    VersionStatus,
)
from vulndesk.exporters.advisories.cve import CVE_DATA_VERSION, build_cve_cna, build_cve_record
from vulndesk.exporters.advisories.support import to_json
from vulndesk.exporters.validation import validate_cve, validate_cve_cna


def _cna(**changes: Any) -> dict[str, Any]:
    return build_cve_cna(router_advisory(**changes), ORG_ID)


def test_record_matches_golden_and_schema() -> None:
    record = build_cve_record(router_advisory(), ORG_ID, "acme")
    check_golden("cve-record.json", record)
    assert record["dataVersion"] == CVE_DATA_VERSION == "5.2"
    assert validate_cve(record) == []
    assert validate_cve_cna(record["containers"]["cna"]) == []


def test_versions_statuses_and_ranges() -> None:
    versions = _cna()["affected"][0]["versions"]
    assert versions == [
        {"lessThan": "1.2.0", "status": "affected", "version": "1.0.0", "versionType": "semver"},
        {"status": "affected", "version": "1.0.0"},
        {"status": "affected", "version": "1.1.0"},
        {"status": "unaffected", "version": "1.2.0"},
    ]
    open_range = VersionRange(ROUTER, introduced="2.0.0", scheme=VersionScheme.ECOSYSTEM)
    inclusive = VersionRange(ROUTER, introduced="1.0.0", last_affected="1.1.0")
    ranges = _cna(ranges=(open_range, inclusive))["affected"][0]["versions"][:2]
    assert ranges == [
        {"lessThan": "*", "status": "affected", "version": "2.0.0", "versionType": "custom"},
        {
            "lessThanOrEqual": "1.1.0",
            "status": "affected",
            "version": "1.0.0",
            "versionType": "semver",
        },
    ]


def test_package_products_carry_their_package_url() -> None:
    cna = build_cve_cna(sdk_advisory(), ORG_ID)
    assert [a["packageURL"] for a in cna["affected"]] == [
        "pkg:generic/acme-networks/ax3000-firmware",
        "pkg:pypi/acme-routerctl",
    ]
    assert cna["affected"][1]["versions"][0]["versionType"] == "semver"
    assert validate_cve_cna(cna) == []


def test_not_affected_and_investigated_versions() -> None:
    statuses = (
        VersionStatus(ROUTER, "1.0.0", ProductState.KNOWN_AFFECTED),
        VersionStatus(ROUTER, "0.9.0", ProductState.KNOWN_NOT_AFFECTED),
        VersionStatus(ROUTER, "1.3.0-beta", ProductState.UNDER_INVESTIGATION),
    )
    versions = _cna(statuses=statuses, ranges=())["affected"][0]["versions"]
    assert [v["status"] for v in versions] == ["affected", "unaffected", "unknown"]


def test_metrics_carry_cvss_v4_and_v3() -> None:
    metrics = _cna()["metrics"]
    assert metrics[0]["cvssV4_0"]["baseScore"] == 9.3
    assert metrics[0]["cvssV4_0"]["baseSeverity"] == "CRITICAL"
    assert metrics[1]["cvssV3_1"]["baseScore"] == 9.8
    v30 = router_case(
        severity=Severity(cvss31_vector="CVSS:3.0/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:N/A:N")
    )
    cna = _cna(case=v30)
    assert [set(m) - {"format", "scenarios"} for m in cna["metrics"]] == [{"cvssV3_0"}]
    assert cna["metrics"][0]["cvssV3_0"]["baseScore"] == 6.5
    assert validate_cve_cna(cna) == []


def test_problem_type_names_the_cwe() -> None:
    assert _cna()["problemTypes"] == [
        {
            "descriptions": [
                {
                    "cweId": "CWE-787",
                    "description": "CWE-787 Out-of-bounds Write",
                    "lang": "en",
                    "type": "CWE",
                }
            ]
        }
    ]
    assert "problemTypes" not in _cna(case=router_case(cwe=None))


def test_reference_tags_follow_the_publisher() -> None:
    tags = [r.get("tags") for r in _cna()["references"]]
    assert tags == [["vendor-advisory"], ["vendor-advisory"], ["patch"]]
    coordinator = dataclasses.replace(
        router_advisory().publisher, category=PublisherCategory.COORDINATOR
    )
    assert _cna(publisher=coordinator)["references"][0]["tags"] == ["third-party-advisory"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"cve": None}, "cve"),
        ({"references": ()}, "references"),
        ({"lang": "zh-CN"}, "lang"),
    ],
)
def test_missing_cve_essentials_are_refused(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        _cna(**changes)
    assert raised.value.field == field


@pytest.mark.parametrize("org_id", ["not-a-uuid", "b3476cb9-2e0e-1f2c-9a8c-0f6f3c4b9a11"])
def test_org_id_must_be_a_version_4_uuid(org_id: str) -> None:
    with pytest.raises(InvalidInput, match="org_id"):
        build_cve_cna(router_advisory(), org_id)


def test_overlong_description_is_refused() -> None:
    long = router_case(details={"summary": "x" * 5000})
    with pytest.raises(InvalidInput, match="4096"):
        _cna(case=long)


def test_schema_errors_name_the_path() -> None:
    record = build_cve_record(router_advisory(), ORG_ID)
    record["cveMetadata"]["cveId"] = "CVE-26-1"
    del record["containers"]["cna"]["descriptions"]
    errors = validate_cve(record)
    assert any(e.startswith("/cveMetadata/cveId: 'CVE-26-1' does not match") for e in errors)
    assert "/containers/cna: 'descriptions' is a required property" in errors
    assert "/: 'descriptions' is a required property" in validate_cve_cna(
        record["containers"]["cna"]
    )


def test_no_restricted_or_secret_detail_leaves() -> None:
    text = to_json(build_cve_record(sdk_advisory(), ORG_ID, "acme"))
    for canary in (*CANARIES.values(), *INTERNAL_CANARIES):
        assert canary not in text
    included = to_json(
        build_cve_record(router_advisory(include=frozenset({"scope_of_impact"})), ORG_ID)
    )
    assert CANARIES["scope_of_impact"] in included
    assert CANARIES["technical_characteristics"] not in included
