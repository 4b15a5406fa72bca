"""Obligations: what a regulation requires for a case, by whom, and by when."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from vulndesk.domain.cases import Role
from vulndesk.domain.facts import FactKind
from vulndesk.domain.products import ProductKind
from vulndesk.domain.regimes import CnOperatorClass, IncidentGrade, Nis2Entity
from vulndesk.domain.severity import SeverityLevel


class Timing(StrEnum):
    """`deadline` has a due instant; the timing words have none in the law."""

    DEADLINE = "deadline"
    IMMEDIATELY = "immediately"
    PROMPTLY = "promptly"


class ObligationStatus(StrEnum):
    """Status of a stored obligation on a case.

    `met_late`: met by a fact or disclosure whose instant lies after the due instant; how late
    is the met instant minus the due instant (`CaseObligation.late_by`).
    """

    OPEN = "open"
    MET = "met"
    MET_LATE = "met_late"
    OVERDUE = "overdue"
    NOT_APPLICABLE = "not_applicable"
    WAIVED = "waived"


@dataclass(frozen=True, slots=True)
class Situation:
    """Everything the rules engine reads about a case: the scenario file's content."""

    org_country: str
    roles: frozenset[Role]
    events: Mapping[FactKind, dt.datetime]
    org_timezone: str = "UTC"
    product_kind: ProductKind = ProductKind.PRODUCT
    markets: frozenset[str] = frozenset()
    users_must_act: bool = False
    upstream_component: bool = False
    severity: SeverityLevel | None = None
    # Unit and case attributes of the newer regimes; None means not recorded.
    eu_main_establishment_timezone: str | None = None
    nis2_entity: Nis2Entity | None = None
    financial_entity: bool = False
    cn_operator_class: CnOperatorClass | None = None
    incident_grade: IncidentGrade | None = None


@dataclass(frozen=True, slots=True)
class Satisfier:
    """What meets an obligation: a fact being recorded, or a ledger disclosure of a kind."""

    fact: FactKind | None = None
    disclosure: str | None = None


@dataclass(frozen=True, slots=True)
class Obligation:
    """One computed obligation. `id` is `<rule-set>/<obligation>`."""

    id: str
    regulation: str
    article: str
    action: str
    recipient: str
    trigger: FactKind
    trigger_at: dt.datetime
    timing: Timing
    due: dt.datetime | None
    period: str | None
    timezone: str
    satisfied_by: Satisfier
    interpretation: Mapping[str, str] = field(default_factory=dict)
    flags: tuple[str, ...] = ()
    action_zh: str = ""
