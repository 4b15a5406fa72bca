"""Turn a parsed rule file (a TOML document as a dict) into a checked RuleSet."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping

from vulndesk.domain.errors import InvalidInput
from vulndesk.domain.regimes import Nis2Entity
from vulndesk.domain.values import EU_MEMBER_STATES
from vulndesk.domain.values import timezone as check_timezone
from vulndesk.rules.calendars import supported_country
from vulndesk.rules.errors import RuleFileError
from vulndesk.rules.fields import Collector, enum_value, parse_roles, slug
from vulndesk.rules.model import (
    ANYWHERE,
    EU,
    ORGANISATION,
    ZONE_WORDS,
    Applicability,
    OptionSpec,
    Penalty,
    RuleSet,
    Status,
    option_ref,
)
from vulndesk.rules.parse_obligations import parse_obligations
from vulndesk.rules.parse_penalties import parse_penalties
from vulndesk.rules.reader import Node, type_name

_OPTION = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
_JURISDICTION = re.compile(r"^[A-Za-z][A-Za-z0-9-]{0,39}$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")
TOP_KEYS = (
    "id",
    "title",
    "title_zh",
    "jurisdiction",
    "status",
    "timezone",
    "calendar",
    "sources",
    "applicability",
    "options",
    "obligations",
    "penalties",
)
PLACES = 'ISO 3166-1 alpha-2 codes, "EU" (the member states) or "*" (everywhere)'


def parse_rule_set(
    data: Mapping[str, object], source: str, problems: list[str] | None = None
) -> RuleSet | None:
    """A RuleSet from a rule document; raises RuleFileError at the first problem.

    With a `problems` list, problems in separate sections are collected there instead and
    None is returned when there were any (for `lint`).
    """
    root = Node(
        data, "", lambda key, problem, accepted: RuleFileError(source, key, problem, accepted)
    )
    collect = Collector(problems)
    collect(lambda: root.only(TOP_KEYS), None)
    ident = collect(lambda: slug(root, "id"), "")
    jurisdiction = collect(lambda: _jurisdiction(root), "")
    options: dict[str, OptionSpec] = collect(lambda: _options(root), {})
    zone = collect(lambda: _zone(root, options), ORGANISATION)
    calendar = collect(lambda: _calendar(root, jurisdiction), ORGANISATION)
    title = collect(lambda: root.text("title", max_len=200), "")
    title_zh = collect(lambda: root.text("title_zh", "", max_len=200), "")
    status = collect(
        lambda: enum_value(root, "status", Status, Status.IN_FORCE.value), Status.IN_FORCE
    )
    sources: tuple[str, ...] = collect(lambda: _sources(root), ())
    applicability: Applicability | None = collect(lambda: _applicability(root), None)
    obligations = parse_obligations(root, options, applicability, problems)
    no_penalties: tuple[Penalty, ...] = ()
    penalties = collect(lambda: parse_penalties(root, (o.id for o in obligations)), no_penalties)
    if problems:
        return None
    assert applicability is not None  # noqa: S101 - a None here was raised or collected above
    return RuleSet(
        id=ident,
        title=title,
        title_zh=title_zh,
        jurisdiction=jurisdiction,
        timezone=zone,
        calendar=calendar,
        sources=sources,
        applicability=applicability,
        options=options,
        obligations=obligations,
        penalties=penalties,
        status=status,
        origin=source,
    )


def _jurisdiction(root: Node) -> str:
    value = root.text("jurisdiction", max_len=40)
    if not _JURISDICTION.match(value):
        root.fail(
            "jurisdiction",
            f"{value!r} is not a jurisdiction",
            'a country code such as CN, "EU", or a word such as organisation',
        )
    return value


def _zone(root: Node, options: Mapping[str, OptionSpec]) -> str:
    value = root.text("timezone")
    name = option_ref(value)
    if name is None:
        return _zone_value(root, value, "")
    spec = options.get(name)
    if spec is None:
        root.fail(
            "timezone",
            f"refers to option {name!r}, which the rule set does not declare",
            ", ".join(options) or "declare it under [options]",
        )
    for allowed in spec.allowed:
        _zone_value(root, allowed, f" (allowed value of option {name!r})")
    return value


def _zone_value(root: Node, value: str, where: str) -> str:
    if value in ZONE_WORDS:
        return value
    try:
        return check_timezone("timezone", value)
    except InvalidInput:
        root.fail(
            "timezone",
            f"{value!r}{where} is not a known time zone",
            "an IANA name such as Asia/Shanghai, " + ", ".join(ZONE_WORDS) + ", or {option}",
        )


def _calendar(root: Node, jurisdiction: str) -> str:
    default = jurisdiction.upper() if supported_country(jurisdiction) else ORGANISATION
    value = root.text("calendar", default)
    if value != ORGANISATION and not supported_country(value):
        root.fail(
            "calendar",
            f"no working-day calendar for {value!r}",
            f"a country code the holidays package supports, or {ORGANISATION!r}",
        )
    return value.upper() if value != ORGANISATION else value


def _sources(root: Node) -> tuple[str, ...]:
    sources = root.texts("sources")
    if not sources or not all(sources):
        root.fail("sources", "must list at least one citation", "a list of citations or URLs")
    return tuple(sources)


def _applicability(root: Node) -> Applicability:
    node = root.table("applicability", required=True)
    assert node is not None  # noqa: S101 - required=True raised otherwise
    node.only(("roles", "countries", "markets", "in_force_from", "nis2_entity", "financial_entity"))
    roles = parse_roles(node)
    countries, markets = _places(node, "countries"), _places(node, "markets")
    if not countries and not markets:
        node.fail(
            "countries", "countries and markets are both empty", f"at least one of them; {PLACES}"
        )
    anywhere = ANYWHERE in countries or ANYWHERE in markets
    in_force = node.data.get("in_force_from")
    if in_force is not None and not isinstance(in_force, dt.date):
        node.fail(
            "in_force_from",
            f"is a {type_name(in_force)}",
            "a TOML date (2026-09-11), local date-time or offset date-time",
        )
    nis2: frozenset[Nis2Entity] | None = None
    if node.has("nis2_entity"):
        allowed = {e.value for e in Nis2Entity}
        names = frozenset(node.texts("nis2_entity"))
        for value in names - allowed:
            node.fail("nis2_entity", f"{value!r} is not allowed", ", ".join(sorted(allowed)))
        nis2 = frozenset(Nis2Entity(v) for v in names)
    return Applicability(
        roles=roles,
        countries=countries - {ANYWHERE},
        markets=markets - {ANYWHERE},
        anywhere=anywhere,
        in_force_from=in_force,
        nis2_entities=nis2,
        financial_entity=node.flag("financial_entity") if node.has("financial_entity") else None,
    )


def _places(node: Node, key: str) -> frozenset[str]:
    places: set[str] = set()
    for value in node.texts(key, []):
        if value == EU:
            places |= EU_MEMBER_STATES
        elif value == ANYWHERE or _COUNTRY.match(value):
            places.add(value)
        else:
            node.fail(key, f"{value!r} is not a place", PLACES)
    return frozenset(places)


def _options(root: Node) -> dict[str, OptionSpec]:
    node = root.table("options")
    if node is None:
        return {}
    options = {}
    for name, value in node.data.items():
        if not _OPTION.match(name):
            node.fail(
                name,
                "is not a valid option name",
                "lowercase letters, digits and '_', starting with a letter",
            )
        spec = node.child(name, value)
        spec.only(("default", "allowed", "description", "description_zh"))
        default, allowed = spec.text("default", max_len=63), spec.texts("allowed")
        if not allowed or len(set(allowed)) != len(allowed):
            spec.fail(
                "allowed", "must list distinct values", "a non-empty list of distinct strings"
            )
        if default not in allowed:
            spec.fail("default", f"{default!r} is not among the allowed values", ", ".join(allowed))
        options[name] = OptionSpec(
            name,
            default,
            tuple(allowed),
            spec.text("description", "", max_len=1000),
            spec.text("description_zh", "", max_len=1000),
        )
    return options
