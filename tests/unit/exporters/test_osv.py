"""OSV records: golden file, the OSV schema, package mapping, ids and redaction."""

from __future__ import annotations

import dataclasses

import pytest
from advisory_fixtures import (
    CANARIES,
    INTERNAL_CANARIES,
    PRODUCTS,
    ROUTER,
    SDK,
    check_golden,
    router_advisory,
    sdk_advisory,
)

from vulndesk.domain.errors import InvalidInput
from vulndesk.domain.ids import ProductId
from vulndesk.domain.products import Product, ProductKind
from vulndesk.exporters.advisories.advisory import VersionRange, VersionScheme
from vulndesk.exporters.advisories.osv import OSV_SCHEMA_VERSION, build_osv, osv_package
from vulndesk.exporters.advisories.support import to_json
from vulndesk.exporters.validation import validate_osv

OSV_ID = "x_ACME-SA-2026-0001"


def test_record_matches_golden_and_schema() -> None:
    record = build_osv(sdk_advisory(), OSV_ID)
    check_golden("osv.json", record)
    assert validate_osv(record) == []
    assert record["schema_version"] == OSV_SCHEMA_VERSION
    assert record["aliases"] == ["CVE-2026-10001"]
    assert record["modified"] == "2026-03-18T01:00:00Z"


def test_package_versions_and_ranges() -> None:
    (entry,) = build_osv(sdk_advisory(), OSV_ID)["affected"]
    assert entry == {
        "package": {
            "ecosystem": "PyPI",
            "name": "acme-routerctl",
            "purl": "pkg:pypi/acme-routerctl",
        },
        "ranges": [{"events": [{"introduced": "2.3.0"}, {"fixed": "2.4.0"}], "type": "SEMVER"}],
        "versions": ["2.3.0", "2.3.1"],
    }
    last = VersionRange(SDK, introduced="0", last_affected="2.3.1", scheme=VersionScheme.ECOSYSTEM)
    record = build_osv(dataclasses.replace(sdk_advisory(), ranges=(last,)), OSV_ID)
    assert record["affected"][0]["ranges"] == [
        {"events": [{"introduced": "0"}, {"last_affected": "2.3.1"}], "type": "ECOSYSTEM"}
    ]
    assert validate_osv(record) == []


def test_firmware_without_an_ecosystem_is_named_not_listed() -> None:
    record = build_osv(router_advisory(), OSV_ID)
    assert "affected" not in record
    assert record["database_specific"]["unlisted_products"] == [
        {
            "product": "AX3000 Router Firmware",
            "reason": "package URL type has no OSV ecosystem",
            "vendor": "Acme Networks",
            "versions": ["1.0.0", "1.1.0"],
        }
    ]
    assert validate_osv(record) == []


@pytest.mark.parametrize(
    ("purl", "ecosystem", "name"),
    [
        ("pkg:maven/org.acme/routerctl-core@2.3.0", "Maven", "org.acme:routerctl-core"),
        ("pkg:npm/%40acme/routerctl", "npm", "@acme/routerctl"),
        ("pkg:golang/github.com/acme/routerctl", "Go", "github.com/acme/routerctl"),
        ("pkg:cargo/routerctl", "crates.io", "routerctl"),
        ("pkg:composer/acme/routerctl", "Packagist", "acme/routerctl"),
    ],
)
def test_package_urls_map_to_ecosystems(purl: str, ecosystem: str, name: str) -> None:
    product = Product(ProductId("p"), "Acme", "routerctl", "", ProductKind.PRODUCT, purl=purl)
    package = osv_package(product)
    assert package is not None
    assert (package["ecosystem"], package["name"]) == (ecosystem, name)
    assert "@2.3.0" not in package["purl"]


@pytest.mark.parametrize("purl", [None, "pkg:generic/acme/fw", "pkg:deb/debian/routerctl"])
def test_package_urls_without_ecosystem(purl: str | None) -> None:
    assert (
        osv_package(Product(ProductId("p"), "Acme", "fw", "", ProductKind.PRODUCT, purl=purl))
        is None
    )


def test_ids_need_an_osv_prefix() -> None:
    with pytest.raises(InvalidInput, match="osv_id"):
        build_osv(router_advisory(), "VD-2026-0001")
    record = build_osv(router_advisory(), "CVE-2026-10001")
    assert "aliases" not in record
    assert validate_osv(record) == []


def test_severity_lists_both_cvss_vectors() -> None:
    assert [s["type"] for s in build_osv(router_advisory(), OSV_ID)["severity"]] == [
        "CVSS_V3",
        "CVSS_V4",
    ]


def test_schema_errors_name_the_path() -> None:
    record = build_osv(sdk_advisory(), OSV_ID)
    record["id"] = "VD-2026-0001"
    record["modified"] = "2026-03-18T09:00:00+08:00"
    errors = validate_osv(record)
    assert any(e.startswith("/id: 'VD-2026-0001' does not match") for e in errors)
    assert any(e.startswith("/modified:") for e in errors)


def test_no_restricted_or_secret_detail_leaves() -> None:
    text = to_json(build_osv(sdk_advisory(), OSV_ID))
    for canary in (*CANARIES.values(), *INTERNAL_CANARIES):
        assert canary not in text
    assert PRODUCTS[ROUTER].extra["internal"] not in text
