"""Offline validation of exported documents against the official schemas shipped as package data.

Each validator is compiled once and cached. The CSAF schema refers to the FIRST CVSS schemas by
URL; they are registered locally, so validation never touches the network. `date-time` and
`uri` formats are checked with the standard library, because jsonschema skips them unless
optional packages are installed.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from functools import cache
from importlib.resources import files
from typing import Any
from urllib.parse import urlsplit

# jsonschema ships no type information; the lead may add `jsonschema.*` to the mypy overrides.
from jsonschema import FormatChecker
from jsonschema.exceptions import ValidationError
from jsonschema.protocols import Validator
from jsonschema.validators import validator_for
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

__all__ = [
    "osv_id_pattern",
    "validate_csaf",
    "validate_cve",
    "validate_cve_cna",
    "validate_osv",
    "validate_provider_metadata",
]

CSAF_SCHEMA = "csaf-2.0/json_schema/csaf_json_schema.json"
PROVIDER_SCHEMA = "csaf-2.0/json_schema/provider_json_schema.json"
CSAF_URI = "https://docs.oasis-open.org/csaf/csaf/v2.0/csaf_json_schema.json"
CVE_RECORD_SCHEMA = "cve-5.2.0/CVE_Record_Format_bundled.json"
CVE_CNA_SCHEMA = "cve-5.2.0/CVE_Record_Format_bundled_cnaPublishedContainer.json"
OSV_SCHEMA = "osv/schema.json"
_FIRST_CVSS = {
    f"https://www.first.org/cvss/cvss-v{v}.json": f"csaf-2.0/referenced_schema/first/cvss-v{v}.json"
    for v in ("2.0", "3.0", "3.1")
}
_MAX_MESSAGE = 300
_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")


def validate_csaf(doc: dict[str, Any]) -> list[str]:
    """Errors of a CSAF 2.0 document against the OASIS schema, as `path: message`; empty if valid."""
    return _errors(_validator(CSAF_SCHEMA), doc)


def validate_provider_metadata(doc: dict[str, Any]) -> list[str]:
    """Schema errors of a CSAF 2.0 provider-metadata.json (the CSAF schema registered locally)."""
    return _errors(_validator(PROVIDER_SCHEMA), doc)


def validate_cve(record: dict[str, Any]) -> list[str]:
    """Errors of a full CVE record against the CVE Record Format 5.2.0 schema."""
    return _errors(_validator(CVE_RECORD_SCHEMA), record)


def validate_cve_cna(container: dict[str, Any]) -> list[str]:
    """Errors of a CNA published container (what a CNA submits) against its 5.2.0 schema.

    That schema describes the CVE Services request body `{"cnaContainer": ...}`; paths are
    reported relative to the container.
    """
    prefix = "/cnaContainer"
    errors = _errors(_validator(CVE_CNA_SCHEMA), {"cnaContainer": container})
    return ["/" + e[len(prefix) :].lstrip("/") if e.startswith(prefix) else e for e in errors]


def validate_osv(doc: dict[str, Any]) -> list[str]:
    """Errors of an OSV record against the OSV schema."""
    return _errors(_validator(OSV_SCHEMA), doc)


@cache
def osv_id_pattern() -> re.Pattern[str]:
    """The id prefixes the OSV schema accepts (registered databases, or `x_` for others)."""
    return re.compile(_load(OSV_SCHEMA)["$defs"]["prefix"]["pattern"])


def _errors(validator: Validator, doc: dict[str, Any]) -> list[str]:
    found = set()
    for error in validator.iter_errors(doc):
        for leaf in _closest(error):
            path = "/" + "/".join(str(part) for part in leaf.absolute_path)
            message = str(leaf.message)
            if len(message) > _MAX_MESSAGE:
                message = message[: _MAX_MESSAGE - 3] + "..."
            found.add(f"{path}: {message}")
    return sorted(found)


def _closest(error: ValidationError) -> list[ValidationError]:
    """For `oneOf`/`anyOf`, the errors of the branch that came closest (fewest errors).

    Reporting "is not valid under any of the given schemas" for a whole record would hide what
    is wrong; the branch the document nearly matched names it.
    """
    if not error.context:
        return [error]
    branches: dict[object, list[ValidationError]] = {}
    for inner in error.context:
        branches.setdefault(inner.schema_path[0], []).append(inner)
    closest = min(branches.values(), key=len)
    return [leaf for inner in closest for leaf in _closest(inner)]


@cache
def _validator(name: str) -> Validator:
    schema = _load(name)
    cls = validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, registry=_registry(), format_checker=_format_checker())


@cache
def _registry() -> Registry[Any]:
    registry: Registry[Any] = Registry()
    for uri, path in _FIRST_CVSS.items():
        resource = Resource.from_contents(_load(path), default_specification=DRAFT7)
        registry = registry.with_resource(uri, resource)
    csaf: Resource[Any] = Resource.from_contents(_load(CSAF_SCHEMA))
    registry = registry.with_resource(CSAF_URI, csaf)
    return registry.crawl()


def _load(path: str) -> Any:
    return json.loads(files("vulndesk.exporters").joinpath("schemas", path).read_text("utf-8"))


def _format_checker() -> FormatChecker:
    checker = FormatChecker()
    checker.checks("date-time")(_is_date_time)
    checker.checks("uri")(_is_uri)
    return checker


def _is_date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if not _RFC3339.match(value):
        return False
    try:
        dt.datetime.fromisoformat(value.upper())
    except ValueError:
        return False
    return True


def _is_uri(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if any(c.isspace() for c in value):
        return False
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return bool(parts.scheme) and bool(parts.netloc or parts.path)
