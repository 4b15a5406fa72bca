"""The rule-set model: what a rule file says, checked and typed, before any case is evaluated."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from vulndesk.domain.cases import Role
from vulndesk.domain.facts import FactKind
from vulndesk.domain.obligations import Satisfier, Situation
from vulndesk.domain.products import ProductKind
from vulndesk.domain.regimes import Nis2Entity
from vulndesk.domain.severity import SeverityLevel

ANYWHERE = "*"
EU = "EU"
ORGANISATION = "organisation"
# Zone words (docs/rules.md): the unit's recorded EU main establishment, else Brussels (the
# scenario contract's zone) or else the strictest EU zone (whose midnight comes first).
EU_MAIN_ESTABLISHMENT = "eu-main-establishment"
EU_MAIN_OR_STRICTEST = "eu-main-establishment-or-strictest"
ZONE_WORDS = (ORGANISATION, EU_MAIN_ESTABLISHMENT, EU_MAIN_OR_STRICTEST)
CONTRACT_EU_ZONE = "Europe/Brussels"
# What a `period_by.cn_operator_class` key or a `when.incident_grade` value names when the
# unit's class or the case's grade is not recorded.
UNRECORDED = "unrecorded"
UNGRADED = "ungraded"
OPTION_REF = re.compile(r"^\{([a-z][a-z0-9_]{0,62})\}$")


class Status(StrEnum):
    """How binding a rule set is; shown to people and flagged on draft obligations."""

    IN_FORCE = "in-force"
    DRAFT = "draft"
    POLICY = "policy"


class Recipient(StrEnum):
    """Who receives the action: a party kind (domain.parties.PartyKind) or nobody outside."""

    REGULATOR = "regulator"
    CSIRT = "csirt"
    CUSTOMER = "customer"
    DOWNSTREAM_MAKER = "downstream_maker"
    UPSTREAM_SUPPLIER = "upstream_supplier"
    REPORTER = "reporter"
    PUBLIC = "public"
    INTERNAL = "internal"


class ChoiceAttribute(StrEnum):
    """Situation attributes a period may be chosen by."""

    PRODUCT_KIND = "product_kind"
    SEVERITY = "severity"
    CN_OPERATOR_CLASS = "cn_operator_class"


def option_ref(text: str) -> str | None:
    """The option name in `{name}`, or None when `text` is a literal."""
    match = OPTION_REF.match(text)
    return match.group(1) if match else None


@dataclass(frozen=True, slots=True)
class Applicability:
    """Who and where a rule set binds: shared roles, and country OR any market in scope."""

    roles: frozenset[Role]
    countries: frozenset[str]
    markets: frozenset[str]
    anywhere: bool = False
    # A date or a naive datetime is read in the rule set's zone; an aware one is an instant.
    in_force_from: dt.datetime | dt.date | None = None
    # Unit attributes the rule set requires: a NIS2 status among these; a financial entity.
    nis2_entities: frozenset[Nis2Entity] | None = None
    financial_entity: bool | None = None

    def applies(self, situation: Situation) -> bool:
        if self.roles.isdisjoint(situation.roles):
            return False
        if self.nis2_entities is not None and situation.nis2_entity not in self.nis2_entities:
            return False
        if self.financial_entity is not None and situation.financial_entity is not (
            self.financial_entity
        ):
            return False
        if self.anywhere:
            return True
        return situation.org_country in self.countries or not self.markets.isdisjoint(
            situation.markets
        )


@dataclass(frozen=True, slots=True)
class OptionSpec:
    """An interpretation choice the organisation may make, with its default and allowed values."""

    name: str
    default: str
    allowed: tuple[str, ...]
    description: str = ""
    description_zh: str = ""


@dataclass(frozen=True, slots=True)
class Conditions:
    """Conditions on the situation; None means "either way"."""

    product_kinds: frozenset[ProductKind] | None = None
    users_must_act: bool | None = None
    upstream_component: bool | None = None
    severities: frozenset[SeverityLevel] | None = None
    requires: tuple[FactKind, ...] = ()
    # Incident grades (IncidentGrade values, or UNGRADED for a case not yet graded).
    incident_grades: frozenset[str] | None = None

    def hold(self, situation: Situation) -> bool:
        if self.product_kinds is not None and situation.product_kind not in self.product_kinds:
            return False
        if self.users_must_act is not None and situation.users_must_act is not self.users_must_act:
            return False
        if (
            self.upstream_component is not None
            and situation.upstream_component is not self.upstream_component
        ):
            return False
        if self.severities is not None and situation.severity not in self.severities:
            return False
        if self.incident_grades is not None:
            grade = situation.incident_grade
            if (UNGRADED if grade is None else grade.value) not in self.incident_grades:
                return False
        events = situation.events
        return all(kind in events for kind in self.requires)


@dataclass(frozen=True, slots=True)
class PeriodChoice:
    """A period chosen by a situation attribute; values absent from `choices` give no duty."""

    attribute: ChoiceAttribute
    choices: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class ObligationRule:
    """One obligation as written: `trigger` and `period` may name an option as `{name}`."""

    id: str
    article: str
    action: str
    recipient: Recipient
    roles: frozenset[Role]
    trigger: str
    period: str | None
    satisfied_by: Satisfier
    action_zh: str = ""
    period_by: PeriodChoice | None = None
    when: Conditions = Conditions()
    # Case detail fields the report must carry (`content`), e.g. a rule that demands the
    # trigger location; the what-if compares them with what recipients receive today.
    content: tuple[str, ...] = ()

    @property
    def option_names(self) -> tuple[str, ...]:
        """Options this obligation reads, in order of first use."""
        texts = [self.trigger, self.period or ""]
        if self.period_by is not None:
            texts.extend(self.period_by.choices.values())
        names = [name for name in map(option_ref, texts) if name is not None]
        return tuple(dict.fromkeys(names))


@dataclass(frozen=True, slots=True)
class Penalty:
    """A statutory range a missed or late obligation exposes the unit to; not legal advice."""

    id: str
    applies_to: tuple[str, ...]
    law: str
    article: str
    currency: str
    minimum: int
    maximum: int
    basis: str
    basis_zh: str = ""
    turnover_percent: float | None = None

    @property
    def label(self) -> str:
        cap = (
            f" or {self.turnover_percent:g}% of worldwide turnover" if self.turnover_percent else ""
        )
        return f"{self.currency} {self.minimum:,}-{self.maximum:,}{cap} ({self.law} {self.article})"


@dataclass(frozen=True, slots=True, eq=False)
class RuleSet:
    """A regulation (or house policy) as code. Compared by identity, so it can key caches."""

    id: str
    title: str
    jurisdiction: str
    timezone: str
    calendar: str
    sources: tuple[str, ...]
    applicability: Applicability
    options: Mapping[str, OptionSpec]
    obligations: tuple[ObligationRule, ...]
    title_zh: str = ""
    status: Status = Status.IN_FORCE
    origin: str = ""
    penalties: tuple[Penalty, ...] = ()

    def penalties_for(self, obligation_id: str) -> tuple[Penalty, ...]:
        return tuple(p for p in self.penalties if obligation_id in p.applies_to)

    def option_defaults(self) -> dict[str, str]:
        return {name: spec.default for name, spec in self.options.items()}
