"""Facts: dated events that start and stop regulatory clocks, corrected but never overwritten."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from vulndesk.domain.errors import InvalidInput


class FactKind(StrEnum):
    """The events the regulations attach duties to."""

    AWARE = "aware"
    VERIFIED = "verified"
    EXPLOITATION_AWARE = "exploitation_aware"
    FIX_AVAILABLE = "fix_available"
    MEASURES_TAKEN = "measures_taken"
    INCIDENT_AWARE = "incident_aware"
    INCIDENT_NOTIFICATION_SUBMITTED = "incident_notification_submitted"
    PUBLISHED = "published"
    # Determinations and incident milestones the newer regimes count from (docs/rules.md).
    BREACH_AWARE = "breach_aware"
    MAJOR_INCIDENT_CLASSIFIED = "major_incident_classified"
    MATERIALITY_DETERMINED = "materiality_determined"
    ENDANGERS_NATIONAL_SECURITY = "endangers_national_security"
    INCIDENT_HANDLED = "incident_handled"
    CRIME_SUSPECTED = "crime_suspected"
    # A report came in from an outside reporter (intake): starts the acknowledgement clock.
    REPORTED = "reported"
    # The team first replied to that reporter (ISO/IEC 29147 acknowledgement).
    REPORTER_ACKNOWLEDGED = "reporter_acknowledged"

    @classmethod
    def parse(cls, field: str, value: str) -> FactKind:
        try:
            return cls(value.strip().lower())
        except ValueError as exc:
            raise InvalidInput(
                field, f"{value!r} is not a fact", ", ".join(k.value for k in cls)
            ) from exc


# A fact may be recorded at most this far in the future, to absorb clock skew between machines.
MAX_FUTURE_SKEW = dt.timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class FactRecord:
    """One revision of a fact. Revision 1 records it; later revisions correct it.

    `at is None` on a revision > 1 means the fact was retracted.
    """

    kind: FactKind
    at: dt.datetime | None
    recorded_by: str
    recorded_at: dt.datetime
    evidence: str
    revision: int = 1


def current_facts(history: Iterable[FactRecord]) -> dict[FactKind, FactRecord]:
    """The latest revision of each fact that is not retracted."""
    latest: dict[FactKind, FactRecord] = {}
    for record in history:
        seen = latest.get(record.kind)
        if seen is None or record.revision > seen.revision:
            latest[record.kind] = record
    return {kind: rec for kind, rec in latest.items() if rec.at is not None}


def fact_instants(history: Iterable[FactRecord]) -> dict[FactKind, dt.datetime]:
    """Current fact instants, keyed by kind."""
    return {kind: rec.at for kind, rec in current_facts(history).items() if rec.at is not None}


def next_revision(history: Iterable[FactRecord], kind: FactKind) -> int:
    """The revision number the next record of `kind` gets."""
    return 1 + max((r.revision for r in history if r.kind is kind), default=0)


# Orders that logic requires: (later, earlier). Nothing else is ordered, because facts may
# legitimately predate awareness: an upstream fix already out (`fix_available`), an incident
# seen before the flaw behind it (`incident_aware`), a publication elsewhere (`published`),
# measures taken for another reason (`measures_taken`).
REQUIRED_ORDER: tuple[tuple[FactKind, FactKind], ...] = (
    # One cannot verify, or know of the exploitation of, a flaw one does not know.
    (FactKind.VERIFIED, FactKind.AWARE),
    (FactKind.EXPLOITATION_AWARE, FactKind.AWARE),
    # An incident notification presupposes the incident.
    (FactKind.INCIDENT_NOTIFICATION_SUBMITTED, FactKind.INCIDENT_AWARE),
    # An incident is classified, or its handling ends, only once it is known.
    (FactKind.MAJOR_INCIDENT_CLASSIFIED, FactKind.INCIDENT_AWARE),
    (FactKind.INCIDENT_HANDLED, FactKind.INCIDENT_AWARE),
    # A reply acknowledges a report that came in.
    (FactKind.REPORTER_ACKNOWLEDGED, FactKind.REPORTED),
)


def check_fact_order(instants: Mapping[FactKind, dt.datetime]) -> None:
    """Refuse only the orders logic forbids (`REQUIRED_ORDER`); name the fact to correct."""
    for later, earlier in REQUIRED_ORDER:
        at, before = instants.get(later), instants.get(earlier)
        if at is None or before is None or at >= before:
            continue
        raise InvalidInput(
            later.value,
            f"{at.isoformat()} is earlier than {earlier.value} ({before.isoformat()})",
            f"an instant at or after '{earlier.value}'; correct '{earlier.value}' first",
        )
