"""CycloneDX SBOMs stored per product version, and the affected-products query."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.builders import as_person, seed_reference
from tests.e2e.cli import Cli
from vulndesk.bootstrap import Container
from vulndesk.domain.errors import InvalidInput
from vulndesk.services.access.rights import Principal
from vulndesk.services.context import Deps
from vulndesk.services.publication import imports


def _sbom(*purls: str, version: str | None = "2.0") -> bytes:
    doc: dict[str, object] = {
        "bomFormat": "CycloneDX",
        "specVersion": "1.5",
        "version": 1,
        "components": [
            {"type": "library", "name": p.split("/")[-1].split("@")[0], "purl": p} for p in purls
        ],
    }
    if version:
        doc["metadata"] = {"component": {"type": "firmware", "name": "router", "version": version}}
    return json.dumps(doc).encode()


def _hits(deps: Deps, purl: str, vers: str | None = None) -> set[tuple[str, str]]:
    found = imports.affected_package(deps, as_person("reader"), purl, vers)
    return {(m.product, m.product_version) for m in found}


def test_sbom_versions_and_range_query(deps: Deps, actor: Principal, container: Container) -> None:
    seed_reference(deps, actor)
    readers = container.document_readers
    assert (
        imports.import_sbom(
            deps,
            actor,
            readers,
            "router",
            _sbom("pkg:generic/openssl@3.0.13", "pkg:npm/left-pad@1.3.0"),
            "1.0",
        )
        == 2
    )
    assert (
        imports.import_sbom(deps, actor, readers, "router", _sbom("pkg:generic/openssl@3.0.14"))
        == 1
    )
    vulnerable = "vers:generic/>=3.0.0|<3.0.14"
    assert _hits(deps, "pkg:generic/openssl", vulnerable) == {("router", "1.0")}
    assert _hits(deps, "pkg:generic/openssl") == {("router", "1.0"), ("router", "2.0")}
    assert _hits(deps, "pkg:npm/left-pad@1.3.0") == {("router", "1.0")}
    # A new SBOM for a version replaces its list.
    imports.import_sbom(deps, actor, readers, "router", _sbom("pkg:generic/openssl@3.0.15"), "1.0")
    assert _hits(deps, "pkg:generic/openssl", vulnerable) == set()


def test_broken_component_stores_nothing_and_names_its_path(
    deps: Deps, actor: Principal, container: Container
) -> None:
    seed_reference(deps, actor)
    readers = container.document_readers
    imports.import_sbom(deps, actor, readers, "router", _sbom("pkg:generic/zlib@1.3"), "1.0")
    broken = json.loads(_sbom("pkg:generic/openssl@3.0.13", "pkg:generic/a@1", "pkg:generic/b@1"))
    broken["components"][1]["purl"] = "not a purl"
    with pytest.raises(InvalidInput) as err:
        imports.import_sbom(deps, actor, readers, "router", json.dumps(broken).encode(), "1.0")
    assert err.value.field == "$.components[1].purl"
    assert _hits(deps, "pkg:generic/zlib") == {("router", "1.0")}
    assert _hits(deps, "pkg:generic/openssl") == set()


@pytest.mark.parametrize(
    ("product", "version", "field"),
    [("nope", "1.0", "product"), ("router", "9.9", "version"), ("router", None, "version")],
)
def test_product_and_version_must_exist(
    deps: Deps,
    actor: Principal,
    container: Container,
    product: str,
    version: str | None,
    field: str,
) -> None:
    seed_reference(deps, actor)
    with pytest.raises(InvalidInput) as err:
        imports.import_sbom(
            deps,
            actor,
            container.document_readers,
            product,
            _sbom("pkg:generic/a@1", version=None),
            version,
        )
    assert err.value.field == field


def test_cli_import_and_affected(deps: Deps, actor: Principal, db_url: str, tmp_path: Path) -> None:
    seed_reference(deps, actor)
    sbom = tmp_path / "router-1.0.cdx.json"
    sbom.write_bytes(_sbom("pkg:generic/openssl@3.0.13", version="1.0"))
    cli = Cli(tmp_path / "home", db_url).sign_in("cli-tester", "admin")
    assert "1 components stored" in cli.run("import", "sbom", "router", str(sbom)).stdout
    rows = cli.json("affected", "pkg:generic/openssl", "--range", "vers:generic/>=3.0.0|<3.0.14")
    assert rows == [
        {"component": "pkg:generic/openssl@3.0.13", "product": "router", "version": "1.0"}
    ]
    bad = cli.run("affected", "pkg:generic/openssl", "--range", "vers:generic/<<3", ok=False)
    assert bad.returncode == 2 and bad.stderr.startswith("error: range:")
