"""Supplier CSAF advisories imported into upstream-component cases, all or nothing."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from tests.builders import as_person, seed_reference
from vulndesk.bootstrap import Container
from vulndesk.domain.errors import InvalidInput
from vulndesk.services.access.rights import Principal
from vulndesk.services.cases import lifecycle as cases
from vulndesk.services.context import Deps
from vulndesk.services.ports import CaseFilter
from vulndesk.services.publication import imports


def _samples(shared: Path) -> list[Path]:
    return sorted((shared / "samples" / "csaf-2.0").glob("*.json"))


def _doc(shared: Path) -> dict[str, Any]:
    return json.loads((shared / "samples" / "csaf-2.0" / "2022-evd-uc-01-a-001.json").read_text())


def _with_purl_vulns(base: dict[str, Any], n: int) -> dict[str, Any]:
    """The sample VEX advisory, its product named by purl, with `n` vulnerabilities."""
    doc = copy.deepcopy(base)
    product = doc["product_tree"]["branches"][0]["branches"][0]["branches"][0]["product"]
    product["product_identification_helper"] = {"purl": "pkg:generic/openssl@3.0.13"}
    first = doc["vulnerabilities"][0]
    doc["vulnerabilities"] = [
        dict(copy.deepcopy(first), cve=f"CVE-2026-{1000 + i}") for i in range(n)
    ]
    return doc


def _count(deps: Deps) -> int:
    return cases.list_cases(deps, as_person("reader"), CaseFilter())[1]


def test_every_sample_imports_and_opens_no_case_for_products_nobody_ships(
    deps: Deps, actor: Principal, container: Container, shared_dir: Path
) -> None:
    """No product of ours contains the samples' products: each vulnerability is "no impact",
    no case opens and no clock starts (before, 19 of the known_not_affected VEX opened cases)."""
    seed_reference(deps, actor)
    total = 0
    for path in _samples(shared_dir):
        done = imports.import_csaf(deps, actor, container.document_readers, path.read_bytes(), "cn")
        assert done and all(d.action == "no-impact" and d.case is None for d in done), path
        total += len(done)
    assert total >= 19
    assert _count(deps) == 0


def test_a_matching_component_opens_an_upstream_case(
    deps: Deps, actor: Principal, container: Container, shared_dir: Path
) -> None:
    seed_reference(deps, actor)
    sbom = {
        "bomFormat": "CycloneDX",
        "specVersion": "1.5",
        "version": 1,
        "components": [
            {"type": "library", "name": "openssl", "purl": "pkg:generic/openssl@3.0.13"}
        ],
    }
    readers = container.document_readers
    imports.import_sbom(deps, actor, readers, "router", json.dumps(sbom).encode(), "1.1")
    doc = _with_purl_vulns(_doc(shared_dir), 1)
    [done] = imports.import_csaf(deps, actor, readers, json.dumps(doc).encode(), "cn")
    assert done.action == "opened" and done.case is not None
    case = cases.show_case(deps, actor, done.case).case
    assert case.upstream_component
    assert case.detail("summary")
    # Another version of the package is not ours: no impact.
    other = _with_purl_vulns(_doc(shared_dir), 1)
    other["document"]["tracking"]["id"] = "OTHER-1"
    product = other["product_tree"]["branches"][0]["branches"][0]["branches"][0]["product"]
    product["product_identification_helper"] = {"purl": "pkg:generic/openssl@3.0.1"}
    [none] = imports.import_csaf(deps, actor, readers, json.dumps(other).encode(), "cn")
    assert (none.action, none.case) == ("no-impact", None)
    assert _count(deps) == 1


def test_reimport_updates_and_links_products_by_purl(
    deps: Deps, actor: Principal, container: Container, shared_dir: Path
) -> None:
    seed_reference(deps, actor)
    sbom = {
        "bomFormat": "CycloneDX",
        "specVersion": "1.5",
        "version": 1,
        "components": [
            {"type": "library", "name": "openssl", "purl": "pkg:generic/openssl@3.0.13"}
        ],
    }
    readers = container.document_readers
    imports.import_sbom(deps, actor, readers, "router", json.dumps(sbom).encode(), "1.1")
    doc = _with_purl_vulns(_doc(shared_dir), 1)
    first = imports.import_csaf(deps, actor, readers, json.dumps(doc).encode(), "cn")
    assert first[0].products == ("router",)
    key = first[0].case
    assert key is not None
    case = cases.show_case(deps, actor, key).case
    assert [(p.product, p.versions) for p in case.products] == [("router", ("1.1",))]

    doc["vulnerabilities"][0]["notes"][0]["text"] = "Revised description."
    doc["document"]["tracking"]["version"] = "2"
    again = imports.import_csaf(deps, actor, readers, json.dumps(doc).encode(), "cn")
    assert (again[0].case, again[0].action) == (first[0].case, "updated")
    assert cases.show_case(deps, actor, key).case.detail("summary") == ("Revised description.")
    assert _count(deps) == 1
    found = imports.affected_case(deps, actor, key)
    assert {(m.product, m.product_version) for m in found} == {("router", "1.1")}


def test_broken_vulnerability_in_the_middle_stores_nothing(
    deps: Deps, actor: Principal, container: Container, shared_dir: Path
) -> None:
    seed_reference(deps, actor)
    doc = _with_purl_vulns(_doc(shared_dir), 3)
    doc["vulnerabilities"][1]["notes"][0]["text"] = "x" * 100_001  # too long for a case detail
    with pytest.raises(InvalidInput) as err:
        imports.import_csaf(deps, actor, container.document_readers, json.dumps(doc).encode(), "cn")
    assert err.value.field.startswith("/vulnerabilities/1/")
    assert _count(deps) == 0
    assert imports.affected_package(deps, actor, "pkg:generic/openssl") == []


def test_schema_errors_name_the_path(
    deps: Deps, actor: Principal, container: Container, shared_dir: Path
) -> None:
    seed_reference(deps, actor)
    doc = _doc(shared_dir)
    doc["vulnerabilities"][0]["product_status"]["known_affected"] = "CSAFPID-0001"
    with pytest.raises(InvalidInput, match="/vulnerabilities/0/product_status/known_affected"):
        imports.import_csaf(deps, actor, container.document_readers, json.dumps(doc).encode(), "cn")
    with pytest.raises(InvalidInput, match="not JSON"):
        imports.import_csaf(deps, actor, container.document_readers, b"{nope", "cn")
    with pytest.raises(InvalidInput, match="unit"):
        imports.import_csaf(
            deps, actor, container.document_readers, json.dumps(_doc(shared_dir)).encode(), "xx"
        )
    assert _count(deps) == 0
