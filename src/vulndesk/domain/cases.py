"""Cases: one vulnerability as the organisation handles it, with facts, details and state."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from enum import StrEnum

from vulndesk.domain.disclosure import DETAIL_FIELDS
from vulndesk.domain.errors import InvalidInput
from vulndesk.domain.facts import FactKind, FactRecord, current_facts, fact_instants
from vulndesk.domain.ids import CaseKey, ProductId, UnitId, UserId
from vulndesk.domain.regimes import IncidentGrade
from vulndesk.domain.severity import Severity


class Role(StrEnum):
    """The organisation's role in a case, as the regulations define the regulated."""

    PRODUCT_PROVIDER = "product_provider"
    NETWORK_OPERATOR = "network_operator"
    THIRD_PARTY = "third_party"

    @classmethod
    def parse(cls, field: str, value: str) -> Role:
        try:
            return cls(value.strip().lower())
        except ValueError as exc:
            raise InvalidInput(
                field, f"{value!r} is not a role", ", ".join(r.value for r in cls)
            ) from exc


class CaseState(StrEnum):
    """Lifecycle states; `lifecycle.TRANSITIONS` says which follow which."""

    RECEIVED = "received"
    TRIAGE = "triage"
    VERIFIED = "verified"
    REJECTED = "rejected"
    DUPLICATE = "duplicate"
    REMEDIATING = "remediating"
    FIXED = "fixed"
    MITIGATED = "mitigated"
    DISCLOSED = "disclosed"
    CLOSED = "closed"

    @classmethod
    def parse(cls, field: str, value: str) -> CaseState:
        try:
            return cls(value.strip().lower())
        except ValueError as exc:
            raise InvalidInput(
                field, f"{value!r} is not a state", ", ".join(s.value for s in cls)
            ) from exc


@dataclass(frozen=True, slots=True)
class AffectedProduct:
    """A product and the versions of it the case affects and fixes."""

    product: ProductId
    versions: tuple[str, ...] = ()
    fixed_versions: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Transition:
    """A recorded change of state."""

    from_state: CaseState
    to_state: CaseState
    by: str
    at: dt.datetime
    reason: str


@dataclass(frozen=True, slots=True)
class Case:
    """A vulnerability case. `details` holds the free-text fields named in DETAIL_FIELDS."""

    key: CaseKey
    title: str
    unit: UnitId
    roles: frozenset[Role]
    created_at: dt.datetime
    created_by: str
    state: CaseState = CaseState.RECEIVED
    products: tuple[AffectedProduct, ...] = ()
    cwe: str | None = None
    severity: Severity = field(default_factory=Severity)
    upstream_component: bool = False
    facts: tuple[FactRecord, ...] = ()
    transitions: tuple[Transition, ...] = ()
    details: dict[str, str] = field(default_factory=dict)
    members: tuple[UserId, ...] = ()
    duplicate_of: CaseKey | None = None
    intake_id: str | None = None
    options: dict[str, str] = field(default_factory=dict)
    # The incident's grade under the CAC grading guide; None is not graded.
    incident_grade: IncidentGrade | None = None
    # The person who answers for the case (migration 0062); None: nobody assigned yet.
    owner: UserId | None = None
    version: int = 0

    @property
    def instants(self) -> dict[FactKind, dt.datetime]:
        return fact_instants(self.facts)

    @property
    def current(self) -> dict[FactKind, FactRecord]:
        return current_facts(self.facts)

    @property
    def exploited(self) -> bool:
        return FactKind.EXPLOITATION_AWARE in self.instants

    @property
    def published(self) -> bool:
        return FactKind.PUBLISHED in self.instants

    def with_fact(self, record: FactRecord) -> Case:
        return replace(self, facts=(*self.facts, record))

    def detail(self, name: str) -> str:
        return self.details.get(name, "")


def check_details(details: dict[str, str]) -> dict[str, str]:
    """Only known detail fields, each bounded text."""
    from vulndesk.domain.values import long_text

    unknown = sorted(set(details) - set(DETAIL_FIELDS))
    if unknown:
        raise InvalidInput(
            f"details.{unknown[0]}", "is not a case detail field", ", ".join(DETAIL_FIELDS)
        )
    return {k: long_text(f"details.{k}", v) for k, v in details.items() if v}


def check_cwe(value: str | None) -> str | None:
    """`CWE-79` style identifiers."""
    if value is None or not value.strip():
        return None
    text = value.strip().upper()
    if not text.startswith("CWE-"):
        text = "CWE-" + text
    if not text[4:].isdigit():
        raise InvalidInput("cwe", f"{value!r} is not a CWE id", "CWE-<number>, e.g. CWE-787")
    return text
