"""Typed identifiers, so a product id is never passed where a case id belongs."""

from __future__ import annotations

import re
from typing import NewType

from vulndesk.domain.errors import InvalidInput

UnitId = NewType("UnitId", str)
ProductId = NewType("ProductId", str)
PartyId = NewType("PartyId", str)
CaseKey = NewType("CaseKey", str)
UserId = NewType("UserId", str)

_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
_CASE_KEY = re.compile(r"^VD-(\d{4})-(\d{4,})$")


def slug(field: str, value: str) -> str:
    """Validate a short identifier chosen by people (units, products, parties)."""
    value = value.strip()
    if not _SLUG.match(value):
        raise InvalidInput(
            field, f"{value!r} is not a valid id", "lowercase letters, digits and '-', 1-63 chars"
        )
    return value


def case_key(year: int, number: int) -> CaseKey:
    """The human id of a case, `VD-2026-0001`."""
    return CaseKey(f"VD-{year:04d}-{number:04d}")


def parse_case_key(value: str) -> CaseKey:
    """Validate a case key given by a person."""
    value = value.strip().upper()
    if not _CASE_KEY.match(value):
        raise InvalidInput("case", f"{value!r} is not a case id", "VD-YYYY-NNNN, e.g. VD-2026-0001")
    return CaseKey(value)
