"""Shared rules and helpers of the advisory builders: revision history, CVSS objects, output.

Tracking and its revisions live here, below `exporters.advisory`, so that this module never
imports the advisory model and the two never import each other.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, cast

from cvss import CVSS3, CVSS4, CVSSError
from packageurl import PackageURL

from vulndesk.domain.errors import InvalidInput
from vulndesk.domain.products import Product

ENGINE = "vulndesk"


class TrackingStatus(StrEnum):
    DRAFT = "draft"
    INTERIM = "interim"
    FINAL = "final"


@dataclass(frozen=True, slots=True)
class Revision:
    number: str
    date: dt.datetime
    summary: str


@dataclass(frozen=True, slots=True)
class Tracking:
    """Document tracking; `version` must be the number of the newest revision."""

    id: str
    status: TrackingStatus
    version: str
    initial_release_date: dt.datetime
    current_release_date: dt.datetime
    revisions: tuple[Revision, ...]


def aware(name: str, instant: dt.datetime) -> None:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise InvalidInput(name, "the instant has no UTC offset", "a timezone-aware datetime")


_NUMBER = re.compile(
    r"^(0|[1-9][0-9]*)(?:\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?)?$"
)


def _number_key(number: str) -> tuple[int, int, int, int]:
    match = _NUMBER.match(number)
    if match is None:
        raise InvalidInput(
            "tracking.revisions.number",
            f"{number!r} is not a version",
            "an integer (1, 2) or semantic version (1.0.0)",
        )
    major, minor, patch, pre, _ = match.groups()
    return int(major), int(minor or 0), int(patch or 0), 0 if pre else 1


def _is_pre_release(number: str) -> bool:
    """Versions 0, 0.y.z and x.y.z-pre belong to drafts."""
    major, _, _, release = _number_key(number)
    return major == 0 or release == 0


def history(t: Tracking) -> list[Revision]:
    """The revisions oldest first; same-instant revisions by number."""
    return sorted(t.revisions, key=lambda r: (r.date, _number_key(r.number)))


def check_tracking(t: Tracking) -> None:
    """The revision-history rules of CSAF 2.0 §6.1.14-6.1.22, which every format relies on."""
    for name, instant in (
        ("tracking.initial_release_date", t.initial_release_date),
        ("tracking.current_release_date", t.current_release_date),
    ):
        aware(name, instant)
    if not t.revisions:
        raise InvalidInput("tracking.revisions", "is empty", "at least one revision")
    for r in t.revisions:
        aware("tracking.revisions.date", r.date)
    numbers = [r.number for r in t.revisions]
    if len(set(numbers)) != len(numbers):
        raise InvalidInput(
            "tracking.revisions", "a revision number is used twice", "unique numbers"
        )
    by_date = history(t)
    if [_number_key(r.number) for r in by_date] != sorted(_number_key(n) for n in numbers):
        raise InvalidInput(
            "tracking.revisions",
            "numbers do not rise with dates",
            "later revisions with higher numbers",
        )
    if by_date[-1].number != t.version:
        raise InvalidInput(
            "tracking.version",
            f"{t.version!r} is not the newest revision {by_date[-1].number!r}",
            "the newest revision number",
        )
    if t.status != "draft" and any(_is_pre_release(n) for n in numbers):
        raise InvalidInput(
            "tracking.status",
            f"{t.status.value} documents cannot carry pre-release revisions",
            "draft, or release numbers from 1",
        )
    majors = sorted({_number_key(n)[0] for n in numbers})
    if majors != list(range(majors[0], majors[0] + len(majors))) or majors[0] > 1:
        raise InvalidInput(
            "tracking.revisions",
            "a revision number is missing",
            "consecutive numbers starting at 0 or 1",
        )
    if t.current_release_date < t.initial_release_date:
        raise InvalidInput(
            "tracking.current_release_date",
            "is before the initial release",
            "a date at or after initial_release_date",
        )


def utc_stamp(instant: dt.datetime) -> str:
    """RFC 3339 in UTC with a `Z`, as OSV requires and CSAF and CVE accept."""
    return instant.astimezone(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def sorted_keys(doc: dict[str, Any]) -> dict[str, Any]:
    """The same document with every object's keys in alphabetical order (CSAF §6.2.13)."""
    return cast("dict[str, Any]", _sorted(doc))


def _sorted(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _sorted(value[key]) for key in sorted(value)}
    if isinstance(value, list):
        return [_sorted(item) for item in value]
    return value


def to_json(doc: dict[str, Any]) -> str:
    """Stable serialisation: sorted keys, two-space indent, UTF-8 text, final newline."""
    return json.dumps(doc, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def cvss3_metrics(vector: str) -> dict[str, Any]:
    """The FIRST CVSS v3.x JSON object (base metrics, score and severity) for a vector."""
    try:
        metrics: dict[str, Any] = CVSS3(vector).as_json(minimal=True)
    except CVSSError as exc:
        raise InvalidInput(
            "severity.cvss31_vector",
            f"{vector!r} is not a CVSS v3 vector: {exc}",
            "e.g. CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
        ) from exc
    return metrics


def cvss4_metrics(vector: str) -> dict[str, Any]:
    """Version, vector, base score and severity of a CVSS v4.0 vector."""
    try:
        score = CVSS4(vector)
    except CVSSError as exc:
        raise InvalidInput(
            "severity.cvss40_vector",
            f"{vector!r} is not a CVSS v4.0 vector: {exc}",
            "e.g. CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
        ) from exc
    return {
        "version": "4.0",
        "vectorString": score.clean_vector(),
        "baseScore": float(score.base_score),
        "baseSeverity": str(score.severity).upper(),
    }


def display_name(product: Product) -> str:
    """The product's name, with its model when the name does not already say it."""
    if product.model and product.model not in product.name:
        return f"{product.name} {product.model}"
    return product.name


def base_purl(product: Product) -> PackageURL | None:
    """The product's package URL without a version, or None when it has none."""
    if not product.purl:
        return None
    try:
        return PackageURL.from_string(product.purl)._replace(version=None)
    except ValueError as exc:
        raise InvalidInput(
            f"products.{product.id}.purl", str(exc), "a package URL, e.g. pkg:pypi/django"
        ) from exc
