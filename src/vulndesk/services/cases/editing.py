"""Edit a case's descriptive fields one by one, each change audited with its before and after."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, replace

from vulndesk.domain import values
from vulndesk.domain.audit_tags import AuditTag
from vulndesk.domain.cases import AffectedProduct, Case, check_cwe
from vulndesk.domain.errors import InvalidInput, NotFound
from vulndesk.domain.ids import ProductId, UnitId, UserId
from vulndesk.rules.scoring import assess
from vulndesk.services.access import rights as access
from vulndesk.services.access.rights import Principal
from vulndesk.services.clocks import live as clocks
from vulndesk.services.context import Deps
from vulndesk.services.ports import UnitOfWork

# The fields a person edits; `unit` and `owner` move responsibility, so they need a manager.
EDITABLE = (
    "title",
    "products",
    "cvss31",
    "cvss40",
    "cwe",
    "unit",
    "owner",
    "remediation",
    "workaround",
)
MANAGED = frozenset({"unit", "owner"})
# Case content (what the vulnerability is and how to fix it): the audit trail, which auditors
# read without seeing cases, says that it changed and by whom, never to what. Unit, owner and
# product ids are organisation and catalogue data: their before and after are recorded.
CONTENT_EDITS = frozenset({"title", "cvss31", "cvss40", "cwe", "remediation", "workaround"})


@dataclass(frozen=True, slots=True)
class FieldChange:
    """One edited field as the case's history shows it."""

    at: dt.datetime
    by: str
    field: str
    before: str
    after: str


def parse_products(text: str) -> tuple[AffectedProduct, ...]:
    """`product-a: 1.0, 1.1; product-b` as affected products (versions optional)."""
    out: dict[str, tuple[str, ...]] = {}
    for part in text.replace("\n", ";").split(";"):
        if not part.strip():
            continue
        name, _, versions = part.partition(":")
        pid = values.text("products", name, max_len=100)
        out[pid] = tuple(dict.fromkeys(v.strip() for v in versions.split(",") if v.strip()))
    return tuple(AffectedProduct(ProductId(p), vs) for p, vs in sorted(out.items()))


def show_products(products: tuple[AffectedProduct, ...]) -> str:
    """The inverse of `parse_products`, for forms and the history."""
    return "; ".join(
        f"{p.product}: {', '.join(p.versions)}" if p.versions else str(p.product) for p in products
    )


def checked_products(uow: UnitOfWork, text: str) -> tuple[AffectedProduct, ...]:
    """Products from the catalogue, with versions it knows; the field and fix named if not."""
    affected = parse_products(text)
    for ap in affected:
        try:
            product = uow.products.get(ap.product)
        except NotFound as exc:
            raise InvalidInput(
                "products", f"{str(ap.product)[:64]!r} is not a product", "a catalogue product id"
            ) from exc
        unknown = [v for v in ap.versions if product.versions and v not in product.versions]
        if unknown:
            raise InvalidInput(
                "products",
                f"{ap.product} has no version {unknown[0][:32]!r}",
                ", ".join(product.versions),
            )
    return affected


def _shown(case: Case, name: str) -> str:
    sev = case.severity
    return {
        "title": case.title,
        "products": show_products(case.products),
        "cvss31": sev.cvss31_vector or "",
        "cvss40": sev.cvss40_vector or "",
        "cwe": case.cwe or "",
        "unit": str(case.unit),
        "owner": case.owner or "",
        "remediation": case.details.get("remediation", ""),
        "workaround": case.details.get("workaround", ""),
    }[name]


def _apply(uow: UnitOfWork, case: Case, name: str, value: str) -> Case:
    """`case` with one field set from form text, checked."""
    sev = case.severity
    if name == "title":
        return replace(case, title=values.text("title", value, max_len=300))
    if name == "products":
        return replace(case, products=checked_products(uow, value))
    if name in ("cvss31", "cvss40"):
        v31 = value.strip() or None if name == "cvss31" else sev.cvss31_vector
        v40 = value.strip() or None if name == "cvss40" else sev.cvss40_vector
        grade = sev.cn_grade.value if sev.cn_grade else None
        return replace(case, severity=assess(v31, v40, grade))
    if name == "cwe":
        return replace(case, cwe=check_cwe(value or None))
    if name == "unit":
        unit = values.text("unit", value, max_len=63)
        try:
            uow.units.get(UnitId(unit))
        except NotFound as exc:
            raise InvalidInput("unit", f"{unit!r} is not a unit", "an existing unit id") from exc
        return replace(case, unit=UnitId(unit))
    if name == "owner":
        return _with_owner(uow, case, value.strip())
    text = values.long_text(name, value, max_len=20_000).strip()
    details = {k: v for k, v in {**case.details, name: text}.items() if v}
    return replace(case, details=details)


def _with_owner(uow: UnitOfWork, case: Case, owner: str) -> Case:
    """The owner is made a member too, so an analyst owner sees the case."""
    if not owner:
        return replace(case, owner=None)
    if uow.accounts.find_user(owner) is None:
        raise InvalidInput("owner", f"{owner[:63]!r} is not a user", "an existing user name")
    members = case.members if owner in case.members else (*case.members, UserId(owner))
    return replace(case, owner=UserId(owner), members=members)


def edit_case(deps: Deps, principal: Principal, key: str, changes: Mapping[str, str]) -> Case:
    """Set the given fields; each that really changes is one audit event with its before and
    after (free text: its length only), and the clocks are worked out again."""
    case_key = access.check_case(deps, principal, key)
    principal.require(access.CASE_WRITERS, "write")
    unknown = sorted(set(changes) - set(EDITABLE))
    if unknown:
        raise InvalidInput(unknown[0], "is not an editable field", ", ".join(EDITABLE))
    if MANAGED & set(changes):
        principal.require(access.MEMBER_MANAGERS, "write")
    actor = principal.acting()
    now = deps.clock.now()
    with deps.uow() as uow:
        case = before = uow.cases.get(case_key)
        events = []
        for name in EDITABLE:
            if name not in changes:
                continue
            old = _shown(case, name)
            case = _apply(uow, case, name, changes[name])
            new = _shown(case, name)
            if new == old:
                continue
            shown = {} if name in CONTENT_EDITS else {"before": old[:300], "after": new[:300]}
            events.append(
                actor.event(now, AuditTag.CASE_FIELD_CHANGED, "case", case_key, (name,), **shown)
            )
        if not events:
            return before
        saved = uow.cases.save(case, now)
        uow.audit.append_many(events)
        clocks.recompute(deps, uow, saved, now)
        uow.commit()
    return saved


def history(deps: Deps, principal: Principal, key: str) -> list[FieldChange]:
    """The case's field changes, newest first."""
    case_key = access.check_case(deps, principal, key)
    principal.require(access.CASE_READERS)
    with deps.uow() as uow:
        trail = uow.audit.for_object("case", case_key)
    out = []
    for ev in trail:
        e = ev.event
        if e.tag not in (AuditTag.CASE_FIELD_CHANGED, AuditTag.CASE_PRODUCT_LINKED):
            continue
        out.append(
            FieldChange(
                e.at,
                e.actor,
                e.fields[0] if e.fields else "products",
                e.detail.get("before", ""),
                e.detail.get("after", ""),
            )
        )
    return list(reversed(out))
