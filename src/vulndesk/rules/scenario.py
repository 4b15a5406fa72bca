"""Facts files (the scenario JSON format): parse one into a Situation, render obligations back."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar
from zoneinfo import ZoneInfo

from vulndesk.domain.cases import Role
from vulndesk.domain.errors import InvalidInput
from vulndesk.domain.facts import FactKind
from vulndesk.domain.obligations import Obligation, Situation, Timing
from vulndesk.domain.products import ProductKind
from vulndesk.domain.regimes import cn_operator_class, eu_zone, incident_grade, nis2_entity
from vulndesk.domain.severity import SeverityLevel
from vulndesk.domain.values import country, instant, timezone
from vulndesk.rules.calendars import CalendarSource
from vulndesk.rules.engine import check_options, evaluate
from vulndesk.rules.errors import ScenarioError
from vulndesk.rules.model import RuleSet
from vulndesk.rules.reader import Node, type_name

TOP_KEYS = (
    "id",
    "description",
    "organisation",
    "product",
    "vulnerability",
    "incident",
    "events",
    "regulations",
    "options",
    "expected",
    "expected_absent",
)
_FACTS = ", ".join(k.value for k in FactKind)


@dataclass(frozen=True, slots=True)
class Expectation:
    """An obligation a scenario expects: compared on id, timing and due (as an instant)."""

    id: str
    timing: Timing
    due: dt.datetime | None


@dataclass(frozen=True, slots=True)
class Scenario:
    """A parsed facts file. `regulations` None means every rule set in the catalogue."""

    id: str
    description: str
    situation: Situation
    regulations: tuple[str, ...] | None
    options: Mapping[str, str] = field(default_factory=dict)
    expected: tuple[Expectation, ...] = ()
    expected_absent: tuple[str, ...] = ()


def load_scenario(path: Path, catalogue: Mapping[str, RuleSet]) -> Scenario:
    """Read and parse a facts file; every problem is a ScenarioError naming the key."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = (
            exc.strerror if isinstance(exc, OSError) and exc.strerror else exc.__class__.__name__
        )
        raise ScenarioError(
            str(path), "", f"cannot be read: {reason}", "a readable UTF-8 JSON file"
        ) from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ScenarioError(
            path.name,
            "",
            f"is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}",
            "a JSON object",
        ) from exc
    return parse_scenario(data, path.name, catalogue)


def parse_scenario(data: object, source: str, catalogue: Mapping[str, RuleSet]) -> Scenario:
    """A Scenario from decoded JSON; `catalogue` is what `regulations` and `options` may name."""

    def error(key: str, problem: str, accepted: str | None) -> InvalidInput:
        return ScenarioError(source, key, problem, accepted)

    if not isinstance(data, Mapping):
        raise error(
            "", f"the document is a {type_name(data)}", "a JSON object in the facts file format"
        )
    root = Node(data, "", error)
    root.only(TOP_KEYS)
    return Scenario(
        id=root.text("id", "", max_len=200),
        description=root.text("description", "", max_len=5000),
        situation=_situation(root),
        regulations=_regulations(root, catalogue),
        options=_options(root, catalogue),
        expected=_expected(root),
        expected_absent=tuple(root.texts("expected_absent", [])),
    )


def run_scenario(
    scenario: Scenario, catalogue: Mapping[str, RuleSet], calendars: CalendarSource | None = None
) -> list[Obligation]:
    """Evaluate the scenario's rule sets (all of the catalogue when it names none)."""
    ids = scenario.regulations if scenario.regulations is not None else tuple(sorted(catalogue))
    return evaluate(scenario.situation, [catalogue[i] for i in ids], scenario.options, calendars)


def _situation(root: Node) -> Situation:
    org = root.table("organisation", required=True)
    assert org is not None  # noqa: S101 - required=True raised otherwise
    org.only(
        (
            "country",
            "roles",
            "timezone",
            "eu_main_establishment_timezone",
            "nis2_entity",
            "financial_entity",
            "cn_operator_class",
        )
    )
    incident = root.section("incident")
    incident.only(("grade",))
    product = root.section("product")
    product.only(("kind", "markets", "users_must_act"))
    vuln = root.section("vulnerability")
    vuln.only(("upstream_component", "severity"))
    severity = (
        vuln.parsed("severity", lambda v: SeverityLevel.parse("", v), "")
        if vuln.data.get("severity") is not None
        else None
    )
    return Situation(
        org_country=org.parsed("country", lambda v: country("", v)),
        roles=frozenset(org.parsed_list("roles", lambda v: Role.parse("", v))),
        events=_events(root),
        org_timezone=org.parsed("timezone", lambda v: timezone("", v), "UTC"),
        product_kind=product.parsed("kind", _product_kind, "product"),
        markets=frozenset(product.parsed_list("markets", lambda v: country("", v), [])),
        users_must_act=bool(product.flag("users_must_act", False)),
        upstream_component=bool(vuln.flag("upstream_component", False)),
        severity=severity,
        eu_main_establishment_timezone=_optional(org, "eu_main_establishment_timezone", eu_zone),
        nis2_entity=_optional(org, "nis2_entity", nis2_entity),
        financial_entity=bool(org.flag("financial_entity", False)),
        cn_operator_class=_optional(org, "cn_operator_class", cn_operator_class),
        incident_grade=_optional(incident, "grade", incident_grade),
    )


T = TypeVar("T")


def _optional(node: Node, key: str, parse: Callable[[str, str], T]) -> T | None:
    if node.data.get(key) is None:
        return None
    return node.parsed(key, lambda v: parse("", v))


def _product_kind(value: str) -> ProductKind:
    try:
        return ProductKind(value.strip().lower())
    except ValueError as exc:
        raise InvalidInput(
            "", f"{value!r} is not a product kind", ", ".join(k.value for k in ProductKind)
        ) from exc


def _events(root: Node) -> dict[FactKind, dt.datetime]:
    events = root.section("events")
    found: dict[FactKind, dt.datetime] = {}
    for key, value in events.data.items():
        try:
            kind = FactKind.parse("", key)
        except InvalidInput:
            events.fail(key, "is not an event", _FACTS)
        if value is None:
            continue  # an explicit null reads as "has not happened"
        found[kind] = events.parsed(key, lambda v: instant("", v))
    return found


def _regulations(root: Node, catalogue: Mapping[str, RuleSet]) -> tuple[str, ...] | None:
    if root.data.get("regulations") is None:
        return None
    ids = root.texts("regulations")
    for index, ident in enumerate(ids):
        if ident not in catalogue:
            root.fail(
                f"regulations[{index}]",
                f"{ident!r} is not a loaded rule set",
                ", ".join(sorted(catalogue)),
            )
    return tuple(dict.fromkeys(ids))


def _options(root: Node, catalogue: Mapping[str, RuleSet]) -> dict[str, str]:
    node = root.section("options")
    options: dict[str, str] = {}
    for key in node.data:
        options[key] = node.text(key, max_len=63)
    try:
        check_options(options, catalogue)
    except InvalidInput as exc:
        root.fail(f'options["{exc.field}"]', exc.problem, exc.accepted)
    return options


def _expected(root: Node) -> tuple[Expectation, ...]:
    items = root.data.get("expected", [])
    if not isinstance(items, list):
        root.fail("expected", f"is a {type_name(items)}", "a list of {id, timing, due} objects")
    listing = root.child("expected", {})
    found = []
    for index, item in enumerate(items):
        node = listing.child(index, item)
        node.only(("id", "timing", "due"))
        timing = node.parsed("timing", _timing)
        due = None if node.data.get("due") is None else node.parsed("due", lambda v: instant("", v))
        found.append(Expectation(node.text("id", max_len=200), timing, due))
    return tuple(found)


def _timing(value: str) -> Timing:
    try:
        return Timing(value)
    except ValueError as exc:
        raise InvalidInput(
            "", f"{value!r} is not a timing", ", ".join(t.value for t in Timing)
        ) from exc


def obligation_json(obligation: Obligation) -> dict[str, object]:
    """One obligation as the `evaluate --json` output shows it; instants in the rule set's zone."""
    zone = ZoneInfo(obligation.timezone)
    due = obligation.due
    satisfier = obligation.satisfied_by
    return {
        "id": obligation.id,
        "regulation": obligation.regulation,
        "article": obligation.article,
        "action": obligation.action,
        "action_zh": obligation.action_zh,
        "recipient": obligation.recipient,
        "trigger": obligation.trigger.value,
        "trigger_at": obligation.trigger_at.astimezone(zone).isoformat(),
        "timing": obligation.timing.value,
        "period": obligation.period,
        "due": None if due is None else due.astimezone(zone).isoformat(),
        "timezone": obligation.timezone,
        "satisfied_by": satisfier.fact.value
        if satisfier.fact is not None
        else satisfier.disclosure,
        "interpretation": dict(obligation.interpretation),
        "flags": list(obligation.flags),
    }


def render_obligations(obligations: list[Obligation]) -> dict[str, object]:
    """The JSON object `vulndesk obligations evaluate --json` prints."""
    return {"obligations": [obligation_json(o) for o in obligations]}
