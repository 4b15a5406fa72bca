"""Opening a case: the request, the plan worked out from reference data, and storing it.

`plan_open` checks a request and evaluates the rules for it while only reading; `store_open`
draws the key and stores the planned case with its opening event and clocks. The use case
`lifecycle.open_case` does both in one transaction; public intake plans before its writing
transaction (`services.intake.public`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from typing import TypeVar

from vulndesk.domain import values
from vulndesk.domain.audit import AuditEvent
from vulndesk.domain.audit_tags import AuditTag
from vulndesk.domain.cases import AffectedProduct, Case, Role, check_cwe, check_details
from vulndesk.domain.clocks import CaseObligation
from vulndesk.domain.errors import InvalidInput, NotFound
from vulndesk.domain.facts import MAX_FUTURE_SKEW, FactKind, FactRecord
from vulndesk.domain.ids import CaseKey, ProductId, UnitId, UserId, slug
from vulndesk.domain.products import Product
from vulndesk.rules.scoring import assess
from vulndesk.services.clocks import live as clocks
from vulndesk.services.context import Acts, Deps
from vulndesk.services.ports import UnitOfWork

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class OpenCase:
    """What a person supplies to open a case."""

    title: str
    unit: str
    roles: Sequence[str] = ("product_provider",)
    products: Mapping[str, Sequence[str]] = field(default_factory=dict)
    aware: str | dt.datetime | None = None
    cwe: str | None = None
    cvss31: str | None = None
    cvss40: str | None = None
    cn_grade: str | None = None
    upstream_component: bool = False
    details: Mapping[str, str] = field(default_factory=dict)
    members: Sequence[str] = ()
    intake_id: str | None = None
    options: Mapping[str, str] = field(default_factory=dict)
    evidence: str = "case opened"


def _roles(values_: Sequence[str]) -> frozenset[Role]:
    if not values_:
        raise InvalidInput("roles", "at least one role is needed", ", ".join(r.value for r in Role))
    return frozenset(Role.parse("roles", r) for r in values_)


def instant_at(field_: str, value: str | dt.datetime | None, now: dt.datetime) -> dt.datetime:
    """`value` (now when None) as an instant, refused when it lies in the future."""
    at = now if value is None else values.instant(field_, value)
    if at > now + MAX_FUTURE_SKEW:
        raise InvalidInput(
            field_, f"{at.isoformat()} is in the future", "an instant at or before now"
        )
    return at


# The key of a planned case until `store_open` draws the real one under the writer lock.
_UNDRAWN = CaseKey("VD-0000-0000")


@dataclass(frozen=True, slots=True)
class CasePlan:
    """A case and its obligations worked out from reference data, not stored yet.

    `version` is the reference version the plan was read at: `store_open` takes the plan only
    if it has not moved since (`SharedTransactions.unchanged`). None: planned in the very
    transaction that stores it, so nothing can have moved.
    """

    request: OpenCase
    actor: Acts
    now: dt.datetime
    version: int | None
    case: Case
    obligations: tuple[CaseObligation, ...]


def _affected(products: Mapping[str, Sequence[str]]) -> tuple[AffectedProduct, ...]:
    """The affected products by id, each with its distinct, non-blank versions."""
    return tuple(
        AffectedProduct(
            ProductId(slug("products", p)), tuple(dict.fromkeys(v for v in vs if v.strip()))
        )
        for p, vs in sorted(products.items())
    )


def _known_products(uow: UnitOfWork, affected: Sequence[AffectedProduct]) -> list[Product]:
    """The stored products, each affected version one the product lists (when it lists any)."""
    products = []
    for ap in affected:
        product = _require("products", partial(uow.products.get, ap.product))
        unknown = [v for v in ap.versions if product.versions and v not in product.versions]
        if unknown:
            raise InvalidInput(
                "products",
                f"{ap.product} has no version {unknown[0]!r}",
                ", ".join(product.versions),
            )
        products.append(product)
    return products


def _opening_facts(
    aware: dt.datetime, actor: Acts, now: dt.datetime, evidence: str, *, reported: bool
) -> tuple[FactRecord, ...]:
    """`aware`, and `reported` for a case from outside (an intake report)."""
    facts: tuple[FactRecord, ...] = (FactRecord(FactKind.AWARE, aware, actor.name, now, evidence),)
    if reported:
        # A report from outside starts the acknowledgement clock (house-sla/acknowledge).
        facts += (FactRecord(FactKind.REPORTED, aware, actor.name, now, evidence),)
    return facts


def plan_open(
    deps: Deps,
    uow: UnitOfWork,
    actor: Acts,
    req: OpenCase,
    now: dt.datetime,
    version: int | None = None,
) -> CasePlan:
    """Check `req` and evaluate the rules for it, reading only: no key is drawn, nothing stored.

    `version` is the stamp of the planning transaction `uow` (`SharedTransactions.planning`),
    whose reference data is at least as new as it; None when the plan is stored in this same
    transaction.
    """
    title = values.text("title", req.title, max_len=300)
    roles = _roles(req.roles)
    severity = assess(req.cvss31, req.cvss40, req.cn_grade)
    details = check_details(dict(req.details))
    aware = instant_at("aware", req.aware, now)
    evidence = values.long_text("evidence", req.evidence, max_len=10_000)
    affected = _affected(req.products)
    unit_id = UnitId(slug("unit", req.unit))  # checked before it reaches a query
    unit = _require("unit", lambda: uow.units.get(unit_id))
    products = _known_products(uow, affected)
    case = Case(
        key=_UNDRAWN,
        title=title,
        unit=unit_id,
        roles=roles,
        created_at=now,
        created_by=actor.name,
        products=affected,
        cwe=check_cwe(req.cwe),
        severity=severity,
        upstream_component=req.upstream_component,
        details=details,
        members=tuple(UserId(m) for m in dict.fromkeys(req.members)),
        intake_id=req.intake_id,
        options=dict(req.options),
        facts=_opening_facts(aware, actor, now, evidence, reported=bool(req.intake_id)),
    )
    obligations = clocks.evaluate_new(deps, uow, case, unit, products, now)
    return CasePlan(req, actor, now, version, case, tuple(obligations))


def store_open(
    deps: Deps,
    uow: UnitOfWork,
    plan: CasePlan,
    also: Callable[[CaseKey], list[AuditEvent]] | None = None,
) -> Case:
    """Store a planned case under a newly drawn key, with its opening audit event and clocks.

    A plan read at another reference version is made again here, in this transaction.
    `also` gives events (for the drawn key) to append together with the opening one.
    """
    if plan.version is not None and not deps.transactions().unchanged(uow, plan.version):
        plan = plan_open(deps, uow, plan.actor, plan.request, plan.now)
    now = plan.now
    key = uow.cases.next_key(now.year)
    case = replace(plan.case, key=key)
    uow.cases.add(case, now)
    opened = plan.actor.event(now, AuditTag.CASE_OPENED, "case", key, tuple(sorted(case.details)))
    uow.audit.append_many([opened, *(also(key) if also else ())])
    settled = [replace(o, case=key) for o in plan.obligations]
    uow.obligations.replace_for_case(key, case.unit, settled, now)
    return case


def _require(field_: str, get: Callable[[], T]) -> T:
    try:
        return get()
    except NotFound as exc:
        raise InvalidInput(
            field_, f"{exc.kind} {exc.key!r} does not exist", f"an existing {exc.kind} id"
        ) from exc
