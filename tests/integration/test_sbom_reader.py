"""The SBOM reader: components checked path by path, the rest read by cyclonedx-python-lib."""

from __future__ import annotations

import json
from typing import Any

import pytest

from vulndesk.adapters.sbom import read_sbom
from vulndesk.domain.errors import InvalidInput


def _doc(**extra: Any) -> dict[str, Any]:
    return {
        "bomFormat": "CycloneDX",
        "specVersion": "1.5",
        "version": 1,
        "metadata": {
            "component": {"type": "firmware", "name": "router", "version": "2.1", "bom-ref": "r"}
        },
        "components": [
            {
                "type": "library",
                "name": "openssl",
                "bom-ref": "o",
                "purl": "pkg:generic/openssl@3.0.1",
                "components": [{"type": "library", "name": "zlib", "purl": "pkg:npm/zlib@1.3"}],
            },
            {"type": "library", "name": "no-purl", "bom-ref": "n"},
            {"type": "library", "name": "openssl again", "purl": "pkg:generic/openssl@3.0.1"},
        ],
        **extra,
    }


def test_metadata_nested_components_and_dependencies() -> None:
    deps = [{"ref": "r", "dependsOn": ["o", "n"]}, {"ref": "o"}, {"ref": "n"}]
    sbom = read_sbom(json.dumps(_doc(dependencies=deps)).encode())
    assert (sbom.product_name, sbom.product_version) == ("router", "2.1")
    assert sbom.purls == ("pkg:generic/openssl@3.0.1", "pkg:npm/zlib@1.3")
    assert sbom.without_purl == 1


def test_metadata_the_library_cannot_read_is_refused() -> None:
    doc = _doc()
    doc["metadata"]["component"]["type"] = "spaceship"
    with pytest.raises(InvalidInput) as err:
        read_sbom(json.dumps(doc).encode())
    assert "CycloneDX could not read it" in str(err.value)


def test_a_bad_nested_purl_names_its_path() -> None:
    doc = _doc()
    doc["components"][0]["components"][0]["purl"] = "not a purl"
    with pytest.raises(InvalidInput) as err:
        read_sbom(json.dumps(doc).encode())
    assert "$.components[0].components[0].purl" in str(err.value)
