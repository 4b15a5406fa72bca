"""Organisation units: the legal entities that handle cases (headquarters and subsidiaries)."""

from __future__ import annotations

from dataclasses import dataclass

from vulndesk.domain.ids import UnitId


@dataclass(frozen=True, slots=True)
class OrgUnit:
    """A legal entity; `parent` is None for the headquarters."""

    id: UnitId
    name: str
    country: str
    timezone: str
    parent: UnitId | None = None
