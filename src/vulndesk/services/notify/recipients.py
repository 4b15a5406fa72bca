"""Who must be told of a case: product subscriptions of customers and downstream makers,
upstream suppliers and the CSIRTs of the affected products' markets."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from vulndesk.domain.audit_tags import AuditTag
from vulndesk.domain.cases import Case
from vulndesk.domain.errors import InvalidInput
from vulndesk.domain.ids import PartyId, ProductId
from vulndesk.domain.parties import Party, PartyKind
from vulndesk.exporters.reports.notices import NoticeKind
from vulndesk.services.access.rights import REFERENCE_READERS, REFERENCE_WRITERS, Principal
from vulndesk.services.context import Deps
from vulndesk.services.notify.ports import ProductRecipient
from vulndesk.services.ports import UnitOfWork

ROLES = {"customer": NoticeKind.USERS, "downstream_maker": NoticeKind.DOWNSTREAM}
_ORDER = tuple(NoticeKind)


@dataclass(frozen=True, slots=True)
class Target:
    """One party who must be told, with the notice kind and why."""

    kind: NoticeKind
    party: Party
    why: str


def parse_kind(value: str) -> NoticeKind:
    try:
        return NoticeKind(value.strip().lower())
    except ValueError as exc:
        accepted = ", ".join(k.value for k in NoticeKind)
        raise InvalidInput("kind", f"{value!r} is not a notice kind", accepted) from exc


def subscribe(
    deps: Deps,
    principal: Principal,
    product: str,
    party: str,
    versions: Sequence[str] = (),
    role: str | None = None,
) -> ProductRecipient:
    """Tell `party` (a customer or downstream maker) about vulnerabilities in `product`."""
    principal.require(REFERENCE_WRITERS, "write")
    actor = principal.acting()
    now = deps.clock.now()
    with deps.uow() as uow:
        prod = uow.products.get(ProductId(product))
        who = uow.parties.get(PartyId(party))
        chosen = role or who.kind.value
        if chosen not in ROLES:
            raise InvalidInput("role", f"{chosen!r} cannot subscribe", ", ".join(ROLES))
        wanted = tuple(sorted({v.strip() for v in versions if v.strip()}))
        unknown = [v for v in wanted if prod.versions and v not in prod.versions]
        if unknown:
            raise InvalidInput(
                "versions",
                f"{unknown[0]!r} is not a version of {prod.id}",
                ", ".join(prod.versions),
            )
        rec = ProductRecipient(prod.id, who.id, chosen, wanted, now, actor.name)
        uow.notifications.subscribe(rec)
        uow.audit.append(
            actor.event(
                now, AuditTag.REF_NOTIFY_SUBSCRIBED, "product", prod.id, party=who.id, role=chosen
            )
        )
        uow.commit()
    return rec


def recipients(
    deps: Deps, principal: Principal, product: str | None = None
) -> list[ProductRecipient]:
    """Subscriptions of customers and downstream makers to products."""
    principal.require(REFERENCE_READERS)
    with deps.uow() as uow:
        return uow.notifications.recipients(ProductId(product) if product else None)


def _overlaps(subscribed: tuple[str, ...], affected: tuple[str, ...]) -> bool:
    return not subscribed or not affected or bool(set(subscribed) & set(affected))


def targets(uow: UnitOfWork, case: Case) -> list[Target]:
    """Users and downstream makers of affected versions, upstream suppliers, market CSIRTs."""
    parties = {p.id: p for p in uow.parties.list()}
    found: dict[tuple[NoticeKind, PartyId], Target] = {}

    def add(kind: NoticeKind, pid: PartyId, why: str) -> None:
        if pid in parties:
            found.setdefault((kind, pid), Target(kind, parties[pid], why))

    for a in case.products:
        product = uow.products.get(a.product)
        for r in uow.notifications.recipients(a.product):
            if _overlaps(r.versions, a.versions):
                add(ROLES[r.role], r.party, f"{r.role} of {a.product}")
        if case.upstream_component:
            for pid in (*product.suppliers, *(c.supplier for c in product.components)):
                if pid is not None:
                    add(NoticeKind.UPSTREAM, pid, f"supplier of {a.product}")
        for p in parties.values():
            if p.kind is PartyKind.CSIRT and p.country in product.markets:
                add(NoticeKind.CSIRT, p.id, f"CSIRT of {p.country}, a market of {a.product}")
    return sorted(found.values(), key=lambda t: (_ORDER.index(t.kind), t.party.id))
