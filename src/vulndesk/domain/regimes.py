"""Attributes the newer regimes bind on: incident grades, operator classes, entity kinds, EU zones."""

from __future__ import annotations

import zoneinfo
from enum import StrEnum
from typing import TypeVar

from vulndesk.domain.errors import InvalidInput


class IncidentGrade(StrEnum):
    """A case's incident grade under the CAC incident-grading guide (2025)."""

    ESPECIALLY_MAJOR = "especially_major"
    MAJOR = "major"
    RELATIVELY_MAJOR = "relatively_major"
    GENERAL = "general"


class CnOperatorClass(StrEnum):
    """Which report clock of the CAC Measures Art. 4 binds a unit."""

    CII = "cii"
    STATE_ORGAN = "state_organ"
    OTHER = "other"


class Nis2Entity(StrEnum):
    """A unit's NIS2 status (Directive (EU) 2022/2555, Art. 3)."""

    ESSENTIAL = "essential"
    IMPORTANT = "important"


# Time zones of the territory of the EU member states, outermost regions included (TFEU
# Art. 349): the candidates for a main establishment and for the strictest reading.
EU_ZONES: tuple[str, ...] = (
    "Europe/Vienna",
    "Europe/Brussels",
    "Europe/Sofia",
    "Europe/Zagreb",
    "Asia/Nicosia",
    "Asia/Famagusta",
    "Europe/Prague",
    "Europe/Copenhagen",
    "Europe/Tallinn",
    "Europe/Helsinki",
    "Europe/Mariehamn",
    "Europe/Paris",
    "America/Guadeloupe",
    "America/Martinique",
    "America/Cayenne",
    "America/Marigot",
    "Indian/Reunion",
    "Indian/Mayotte",
    "Europe/Berlin",
    "Europe/Busingen",
    "Europe/Athens",
    "Europe/Budapest",
    "Europe/Dublin",
    "Europe/Rome",
    "Europe/Riga",
    "Europe/Vilnius",
    "Europe/Luxembourg",
    "Europe/Malta",
    "Europe/Amsterdam",
    "Europe/Warsaw",
    "Europe/Lisbon",
    "Atlantic/Madeira",
    "Atlantic/Azores",
    "Europe/Bucharest",
    "Europe/Bratislava",
    "Europe/Ljubljana",
    "Europe/Madrid",
    "Africa/Ceuta",
    "Atlantic/Canary",
    "Europe/Stockholm",
)


E = TypeVar("E", bound=StrEnum)


def _choice(kind: type[E], field: str, value: str) -> E:
    try:
        return kind(value.strip().lower())
    except ValueError as exc:
        raise InvalidInput(
            field, f"{value!r} is not allowed", ", ".join(m.value for m in kind)
        ) from exc


def incident_grade(field: str, value: str) -> IncidentGrade:
    return _choice(IncidentGrade, field, value)


def cn_operator_class(field: str, value: str) -> CnOperatorClass:
    return _choice(CnOperatorClass, field, value)


def nis2_entity(field: str, value: str) -> Nis2Entity:
    return _choice(Nis2Entity, field, value)


def eu_zone(field: str, value: str) -> str:
    """The IANA zone of an EU main establishment: one of EU_ZONES."""
    name = value.strip()
    if name not in EU_ZONES:
        try:
            zoneinfo.ZoneInfo(name)
            problem = f"{name!r} is not a time zone of an EU member state"
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            problem = f"{name!r} is not a known time zone"
        raise InvalidInput(field, problem, "an EU zone such as Europe/Helsinki or Europe/Paris")
    return name
