"""Link a reported case to catalogue products: suggestions from the reporter's text, and the link
that moves the case to the product's unit and starts its regulator clocks."""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from vulndesk.domain.audit_tags import AuditTag
from vulndesk.domain.cases import Case, CaseState
from vulndesk.domain.errors import InvalidInput, NotFound
from vulndesk.domain.ids import UnitId
from vulndesk.domain.products import Product
from vulndesk.services.access import rights as access
from vulndesk.services.access.rights import Principal
from vulndesk.services.cases.editing import checked_products, show_products
from vulndesk.services.clocks import live as clocks
from vulndesk.services.context import Deps
from vulndesk.services.ports import CaseFilter, CaseSummary

# A match this good, and this far ahead of the next, is taken at intake without a person.
CONFIDENT = 0.8
MARGIN = 0.1
_WORD = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A catalogue product and how well it matches the reporter's text (0 to 1)."""

    product: Product
    score: float


def _words(text: str) -> set[str]:
    return set(_WORD.findall(text.lower()))


def _score(text: str, product: Product) -> float:
    said = " ".join(sorted(_words(text)))
    best = 0.0
    for name in (product.id, product.name, f"{product.vendor} {product.name}", product.model):
        mine = " ".join(sorted(_words(str(name))))
        if not mine or not said:
            continue
        ratio = difflib.SequenceMatcher(None, said, mine).ratio()
        words = _words(str(name))
        overlap = len(words & _words(text)) / len(words)
        best = max(best, ratio, overlap)
    return round(best, 3)


def rank(text: str, products: Sequence[Product], limit: int = 5) -> list[Suggestion]:
    """Products best matching `text` first; nothing below a third."""
    scored = [Suggestion(p, _score(text, p)) for p in products]
    scored = [s for s in scored if s.score >= 0.34]
    return sorted(scored, key=lambda s: (-s.score, s.product.id))[:limit]


def confident(text: str, products: Sequence[Product]) -> Product | None:
    """The one product `text` names beyond doubt, or None (the report waits for triage)."""
    ranked = rank(text, products, 2)
    if not ranked or ranked[0].score < CONFIDENT:
        return None
    if len(ranked) > 1 and ranked[0].score - ranked[1].score < MARGIN:
        return None
    return ranked[0].product


def reporter_text(deps: Deps, case: Case) -> str:
    """What the reporter named as the product (the intake's product line), else the title."""
    if case.intake_id:
        with deps.uow() as uow:
            try:
                return uow.intake.get(case.intake_id).product
            except NotFound:
                pass
    return case.title


def suggestions(deps: Deps, principal: Principal, key: str) -> list[Suggestion]:
    """Catalogue products ranked against what the reporter wrote, for the link form."""
    case_key = access.check_case(deps, principal, key)
    principal.require(access.CASE_READERS)
    with deps.uow() as uow:
        case = uow.cases.get(case_key)
        products = uow.products.list()
    return rank(reporter_text(deps, case), products)


def link_product(
    deps: Deps, principal: Principal, key: str, product: str, versions: str = ""
) -> Case:
    """Link the case to a catalogue product (added to any it has); the case moves to the
    product's unit if it has one, and its clocks are worked out again at once."""
    case_key = access.check_case(deps, principal, key)
    principal.require(access.CASE_WRITERS, "write")
    if not product.strip() or set(product) & set(";:,"):
        raise InvalidInput("product", "no single product is chosen", "one catalogue product id")
    actor = principal.acting()
    now = deps.clock.now()
    with deps.uow() as uow:
        case = uow.cases.get(case_key)
        text = f"{product}: {versions}" if versions.strip() else product
        added = checked_products(uow, text)
        kept = tuple(p for p in case.products if p.product != added[0].product)
        owner = uow.products.get(added[0].product).owner_unit
        unit = UnitId(owner) if owner else case.unit
        linked = replace(case, products=(*kept, *added), unit=unit)
        saved = uow.cases.save(linked, now)
        uow.audit.append(
            actor.event(
                now,
                AuditTag.CASE_PRODUCT_LINKED,
                "case",
                case_key,
                ("products",),
                before=show_products(case.products),
                after=show_products(saved.products),
                unit=str(unit),
            )
        )
        clocks.recompute(deps, uow, saved, now)
        uow.commit()
    return saved


def unlinked(deps: Deps, principal: Principal) -> list[CaseSummary]:
    """Received and triaged cases still without a product: the triage queue that coordinators
    of every unit see (they see every case)."""
    principal.require(access.ALL_CASES)
    flt = CaseFilter(states=(CaseState.RECEIVED, CaseState.TRIAGE), limit=500, order="-created")
    with deps.uow() as uow:
        rows = uow.cases.list(flt)
    return [r for r in rows if not r.products]
