"""Use cases for reference data: organisation units, products and parties."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from functools import partial

from vulndesk.domain import egress, values
from vulndesk.domain.audit_tags import AuditTag
from vulndesk.domain.errors import InvalidInput, NotFound
from vulndesk.domain.ids import PartyId, ProductId, UnitId, slug
from vulndesk.domain.parties import Channel, ChannelKind, Party, PartyKind
from vulndesk.domain.products import Component, Product, ProductKind
from vulndesk.domain.units import OrgUnit
from vulndesk.services.access.rights import REFERENCE_READERS, REFERENCE_WRITERS, Principal
from vulndesk.services.context import Deps


@dataclass(frozen=True, slots=True)
class UnitContact:
    """The reporting entity and on-call address of a unit; None keeps a value, "" clears it."""

    legal_name: str | None = None
    contact_person: str | None = None
    contact_email: str | None = None
    contact_phone: str | None = None
    on_call_email: str | None = None
    on_call_webhook: str | None = None


def _checked(deps: Deps, change: UnitContact) -> dict[str, str | None]:
    """Each given field validated (field named in any error); "" becomes None (not set)."""
    checks: dict[str, Callable[[str, str], str]] = {
        "legal_name": values.text,
        "contact_person": values.text,
        "contact_email": values.email,
        "contact_phone": values.phone,
        "on_call_email": values.email,
        "on_call_webhook": lambda f, v: egress.check_url(f, v, deps.webhooks),
    }
    out: dict[str, str | None] = {}
    for f in fields(change):
        given = getattr(change, f.name)
        if given is not None:
            out[f.name] = checks[f.name](f.name, given) if given.strip() else None
    return out


def _apply(unit: OrgUnit, changed: dict[str, str | None]) -> OrgUnit:
    now = {f.name: getattr(unit, f.name) for f in fields(UnitContact)} | changed
    return OrgUnit(
        unit.id, unit.name, unit.country, unit.timezone, unit.parent,
        now["legal_name"], now["contact_person"], now["contact_email"], now["contact_phone"],
        now["on_call_email"], now["on_call_webhook"],
    )  # fmt: skip


def add_unit(
    deps: Deps,
    principal: Principal,
    *,
    id: str,
    name: str,
    country: str,
    timezone: str,
    parent: str | None = None,
    contact: UnitContact | None = None,
) -> OrgUnit:
    """Add an organisation unit (an administrator's or coordinator's act)."""
    principal.require(REFERENCE_WRITERS, "write")
    unit = OrgUnit(
        UnitId(slug("id", id)),
        values.text("name", name),
        values.country("country", country),
        values.timezone("timezone", timezone),
        UnitId(slug("parent", parent)) if parent else None,
    )
    unit = _apply(unit, _checked(deps, contact or UnitContact()))
    with deps.uow() as uow:
        if unit.parent:
            _exists(lambda: uow.units.get(UnitId(unit.parent or "")), "parent")
        uow.units.add(unit)
        uow.audit.append(
            principal.event(deps.clock.now(), AuditTag.REF_UNIT_ADDED, "unit", unit.id)
        )
        uow.commit()
    return unit


def set_unit_contact(
    deps: Deps, principal: Principal, unit_id: str, change: UnitContact
) -> OrgUnit:
    """Set or clear a unit's reporting entity and on-call address (the audit names the fields)."""
    principal.require(REFERENCE_WRITERS, "write")
    changed = _checked(deps, change)
    if not changed:
        raise InvalidInput(
            "contact", "nothing to change", "at least one of --name, --person, --email, --phone, "
            "--on-call-email, --on-call-webhook",
        )  # fmt: skip
    now = deps.clock.now()
    with deps.uow() as uow:
        unit = _apply(uow.units.get(UnitId(slug("id", unit_id))), changed)
        uow.units.update(unit)
        uow.audit.append(
            principal.event(
                now, AuditTag.REF_UNIT_CONTACT_SET, "unit", unit.id, tuple(sorted(changed))
            )
        )
        uow.commit()
    return unit


@dataclass(frozen=True, slots=True)
class ProductInput:
    id: str
    vendor: str
    name: str
    model: str
    kind: str = "product"
    versions: Sequence[str] = ()
    markets: Sequence[str] = ()
    components: Sequence[str] = ()
    suppliers: Sequence[str] = ()
    users_must_act: bool = True
    purl: str | None = None
    installed_base: int | None = None
    owner_unit: str | None = None


def _kind(value: str) -> ProductKind:
    try:
        return ProductKind(value.strip().lower())
    except ValueError as exc:
        raise InvalidInput(
            "kind", f"{value!r} is not a product kind", "product, service, system"
        ) from exc


def check_purl(field: str, value: str) -> str:
    """A package URL: `pkg:type/namespace/name@version`."""
    value = value.strip()
    if not value.startswith("pkg:") or "/" not in value[4:]:
        raise InvalidInput(
            field,
            f"{value!r} is not a package URL",
            "pkg:type/name@version, e.g. pkg:generic/openssl@3.0.13",
        )
    return value


def add_product(deps: Deps, principal: Principal, req: ProductInput) -> Product:
    """Add a product to the catalogue (an administrator's or coordinator's act)."""
    principal.require(REFERENCE_WRITERS, "write")
    if req.installed_base is not None and req.installed_base < 0:
        raise InvalidInput("installed_base", "must not be negative", "a whole number >= 0")
    product = Product(
        id=ProductId(slug("id", req.id)),
        vendor=values.text("vendor", req.vendor),
        name=values.text("name", req.name),
        model=values.text("model", req.model),
        kind=_kind(req.kind),
        versions=tuple(dict.fromkeys(values.text("versions", v, max_len=64) for v in req.versions)),
        markets=values.countries("markets", list(req.markets)),
        components=tuple(Component(check_purl("components", c)) for c in req.components),
        suppliers=tuple(PartyId(slug("suppliers", s)) for s in req.suppliers),
        users_must_act=req.users_must_act,
        purl=check_purl("purl", req.purl) if req.purl else None,
        installed_base=req.installed_base,
        owner_unit=slug("owner_unit", req.owner_unit) if req.owner_unit else None,
    )
    with deps.uow() as uow:
        for supplier in product.suppliers:
            _exists(partial(uow.parties.get, supplier), "suppliers")
        if product.owner_unit:
            _exists(lambda: uow.units.get(UnitId(product.owner_unit or "")), "owner_unit")
        uow.products.add(product)
        uow.audit.append(
            principal.event(deps.clock.now(), AuditTag.REF_PRODUCT_ADDED, "product", product.id)
        )
        uow.commit()
    return product


def _channel(text: str, webhooks: egress.WebhookRules) -> Channel:
    kind, sep, address = text.partition(":")
    if not sep:
        raise InvalidInput(
            "channels", f"{text!r} has no kind", "kind:address, e.g. email:psirt@example.com"
        )
    try:
        ck = ChannelKind(kind.strip().lower())
    except ValueError as exc:
        raise InvalidInput(
            "channels", f"{kind!r} is not a channel kind", ", ".join(c.value for c in ChannelKind)
        ) from exc
    address = values.text("channels", address, max_len=500)
    if ck is ChannelKind.EMAIL and ("@" not in address or any(c in address for c in "\r\n<>,; ")):
        raise InvalidInput("channels", f"{address!r} is not a mail address", "name@example.com")
    if ck is ChannelKind.WEBHOOK:
        address = egress.check_url("channels", address, webhooks)
    return Channel(ck, address)


def add_party(
    deps: Deps,
    principal: Principal,
    *,
    id: str,
    name: str,
    kind: str,
    country: str,
    channels: Sequence[str] = (),
    language: str = "en",
) -> Party:
    """Add a party (recipient, supplier, regulator) (an administrator's or coordinator's act)."""
    principal.require(REFERENCE_WRITERS, "write")
    try:
        pk = PartyKind(kind.strip().lower())
    except ValueError as exc:
        raise InvalidInput(
            "kind", f"{kind!r} is not a party kind", ", ".join(k.value for k in PartyKind)
        ) from exc
    party = Party(
        PartyId(slug("id", id)),
        values.text("name", name),
        pk,
        values.country("country", country),
        tuple(_channel(c, deps.webhooks) for c in channels),
        values.language("language", language),
    )
    with deps.uow() as uow:
        uow.parties.add(party)
        uow.audit.append(
            principal.event(deps.clock.now(), AuditTag.REF_PARTY_ADDED, "party", party.id)
        )
        uow.commit()
    return party


def list_units(deps: Deps) -> list[OrgUnit]:
    with deps.uow() as uow:
        return uow.units.list()


def list_products(deps: Deps) -> list[Product]:
    with deps.uow() as uow:
        return uow.products.list()


def list_parties(deps: Deps) -> list[Party]:
    with deps.uow() as uow:
        return uow.parties.list()


def _exists(get: Callable[[], object], field: str) -> None:
    try:
        get()
    except NotFound as exc:
        raise InvalidInput(
            field, f"{exc.kind} {exc.key!r} does not exist", f"an existing {exc.kind} id"
        ) from exc


def get_unit(deps: Deps, unit_id: str) -> OrgUnit:
    with deps.uow() as uow:
        return uow.units.get(UnitId(slug("id", unit_id)))


def get_product(deps: Deps, product_id: str) -> Product:
    with deps.uow() as uow:
        return uow.products.get(ProductId(slug("id", product_id)))


def get_party(deps: Deps, party_id: str) -> Party:
    with deps.uow() as uow:
        return uow.parties.get(PartyId(slug("id", party_id)))


# The reads a person asks for through the API or the CLI; the unchecked reads above serve the
# use cases and pages that have already checked their caller.
def units(deps: Deps, principal: Principal) -> list[OrgUnit]:
    principal.require(REFERENCE_READERS)
    return list_units(deps)


def unit(deps: Deps, principal: Principal, unit_id: str) -> OrgUnit:
    principal.require(REFERENCE_READERS)
    return get_unit(deps, unit_id)


def products(deps: Deps, principal: Principal) -> list[Product]:
    principal.require(REFERENCE_READERS)
    return list_products(deps)


def product(deps: Deps, principal: Principal, product_id: str) -> Product:
    principal.require(REFERENCE_READERS)
    return get_product(deps, product_id)


def parties(deps: Deps, principal: Principal) -> list[Party]:
    principal.require(REFERENCE_READERS)
    return list_parties(deps)


def party(deps: Deps, principal: Principal, party_id: str) -> Party:
    principal.require(REFERENCE_READERS)
    return get_party(deps, party_id)
