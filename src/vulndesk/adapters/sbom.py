"""CycloneDX JSON SBOMs read with cyclonedx-python-lib; errors name the path in the document."""

from __future__ import annotations

import json
from typing import Any

from cyclonedx.exception import CycloneDxException
from cyclonedx.model.bom import Bom
from cyclonedx.model.component import Component
from packageurl import PackageURL

from vulndesk.domain.errors import InvalidInput
from vulndesk.services.publication.ports import SbomDocument

MAX_BYTES = 64 * 1024 * 1024
_SPECS = {"1.2", "1.3", "1.4", "1.5", "1.6"}


def load_json(field: str, data: bytes) -> dict[str, Any]:
    """Parse a JSON object; a document this large is refused before parsing."""
    if len(data) > MAX_BYTES:
        raise InvalidInput(field, f"is {len(data)} bytes", f"at most {MAX_BYTES} bytes")
    try:
        doc = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidInput(field, f"is not JSON ({exc})", "a JSON document") from exc
    if not isinstance(doc, dict):
        raise InvalidInput(field, "the document is not a JSON object", "a JSON object at the top")
    return doc


def _check_component(path: str, item: Any) -> str | None:
    """The component's purl, or None; a bad purl names its path."""
    if not isinstance(item, dict):
        raise InvalidInput(path, "is not an object", "a CycloneDX component object")
    if not isinstance(item.get("name"), str) or not item["name"].strip():
        raise InvalidInput(f"{path}.name", "is missing", "the component's name")
    purl = item.get("purl")
    if purl is None:
        return None
    try:
        return PackageURL.from_string(str(purl)).to_string()
    except ValueError as exc:
        raise InvalidInput(
            f"{path}.purl", f"{purl!r} is not a package URL ({exc})", "pkg:type/name@version"
        ) from exc


def _walk(path: str, items: Any, found: list[str | None]) -> None:
    if items is None:
        return
    if not isinstance(items, list):
        raise InvalidInput(path, "is not a list", "a list of components")
    for i, item in enumerate(items):
        here = f"{path}[{i}]"
        found.append(_check_component(here, item))
        _walk(f"{here}.components", item.get("components"), found)


def read_sbom(data: bytes) -> SbomDocument:
    """Check the components path by path, and the rest with cyclonedx-python-lib."""
    doc = load_json("sbom", data)
    if doc.get("bomFormat") != "CycloneDX":
        raise InvalidInput("$.bomFormat", f"is {doc.get('bomFormat')!r}", '"CycloneDX"')
    if doc.get("specVersion") not in _SPECS:
        raise InvalidInput(
            "$.specVersion", f"is {doc.get('specVersion')!r}", ", ".join(sorted(_SPECS))
        )
    found: list[str | None] = []
    _walk("$.components", doc.get("components"), found)
    # The components were checked above; the library reads the rest of the document. Its
    # sorted sets of components, and of the dependency graph between them (which vulndesk
    # does not use), cost most of an import of thousands of components.
    try:
        rest = {**doc, "components": [], "dependencies": []}
        bom = Bom.from_json(rest)  # type: ignore[attr-defined]
    except (CycloneDxException, ValueError, TypeError, KeyError) as exc:
        raise InvalidInput(
            "sbom", f"CycloneDX could not read it ({exc})", "a CycloneDX 1.2-1.6 JSON SBOM"
        ) from exc
    root: Component | None = bom.metadata.component
    purls = tuple(dict.fromkeys(p for p in found if p is not None))
    return SbomDocument(
        root.name if root else None,
        root.version if root else None,
        purls,
        sum(1 for p in found if p is None),
    )
