"""SQL repositories for units, products and parties (the reference data)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError

from vulndesk.adapters.storage.fast import FastStatement
from vulndesk.adapters.storage.tables.core import org_units, parties, products
from vulndesk.domain.errors import Conflict, NotFound
from vulndesk.domain.ids import PartyId, ProductId, UnitId
from vulndesk.domain.parties import Channel, ChannelKind, Party, PartyKind
from vulndesk.domain.products import Component, Product, ProductKind
from vulndesk.domain.regimes import CnOperatorClass, Nis2Entity
from vulndesk.domain.units import OrgUnit

# Reference reads run on every report and every case change: prebuilt (see fast.py).
_UNIT = FastStatement(select(org_units).where(org_units.c.id == bindparam("wanted")))
_UNITS = FastStatement(select(org_units).order_by(org_units.c.id))
_PRODUCT = FastStatement(select(products).where(products.c.id == bindparam("wanted")))
_PARTY = FastStatement(select(parties).where(parties.c.id == bindparam("wanted")))


def _insert(conn: Connection, stmt: Any, kind: str, key: str) -> None:
    try:
        with conn.begin_nested():
            conn.execute(stmt)
    except IntegrityError as exc:
        raise Conflict(
            f"{kind} {key!r} already exists or names something that does not exist"
        ) from exc


class SqlUnitRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(self, unit: OrgUnit) -> None:
        _insert(
            self.conn, insert(org_units).values(id=unit.id, **_unit_values(unit)), "unit", unit.id
        )

    def update(self, unit: OrgUnit) -> None:
        done = self.conn.execute(
            update(org_units).where(org_units.c.id == unit.id).values(**_unit_values(unit))
        )
        if done.rowcount != 1:
            raise NotFound("unit", unit.id)

    def get(self, unit_id: UnitId) -> OrgUnit:
        row = next(_UNIT.execute(self.conn, {"wanted": unit_id}).mappings(), None)
        if row is None:
            raise NotFound("unit", unit_id)
        return _unit(row)

    def list(self) -> list[OrgUnit]:
        return [_unit(r) for r in _UNITS.execute(self.conn).mappings()]


_CONTACT = (
    "legal_name",
    "contact_person",
    "contact_email",
    "contact_phone",
    "on_call_email",
    "on_call_webhook",
)


def _unit_values(unit: OrgUnit) -> dict[str, Any]:
    return {
        "name": unit.name,
        "country": unit.country,
        "timezone": unit.timezone,
        "parent_id": unit.parent,
        **{c: getattr(unit, c) for c in _CONTACT},
        "eu_main_establishment_timezone": unit.eu_main_establishment_timezone,
        "nis2_entity": unit.nis2_entity.value if unit.nis2_entity else None,
        # NULL is "not recorded"; False is stored only when it was recorded so.
        "financial_entity": unit.financial_entity or None,
        "cn_operator_class": unit.cn_operator_class.value if unit.cn_operator_class else None,
    }


def _unit(row: Any) -> OrgUnit:
    return OrgUnit(
        UnitId(row["id"]),
        row["name"],
        row["country"],
        row["timezone"],
        UnitId(row["parent_id"]) if row["parent_id"] else None,
        **{c: row[c] for c in _CONTACT},
        eu_main_establishment_timezone=row["eu_main_establishment_timezone"],
        nis2_entity=Nis2Entity(row["nis2_entity"]) if row["nis2_entity"] else None,
        financial_entity=bool(row["financial_entity"]),
        cn_operator_class=(
            CnOperatorClass(row["cn_operator_class"]) if row["cn_operator_class"] else None
        ),
    )


class SqlProductRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(self, product: Product) -> None:
        _insert(
            self.conn,
            insert(products).values(
                id=product.id,
                vendor=product.vendor,
                name=product.name,
                model=product.model,
                kind=product.kind.value,
                versions=list(product.versions),
                markets=list(product.markets),
                components=[{"purl": c.purl, "supplier": c.supplier} for c in product.components],
                suppliers=list(product.suppliers),
                users_must_act=product.users_must_act,
                purl=product.purl,
                installed_base=product.installed_base,
                owner_unit=product.owner_unit,
            ),
            "product",
            product.id,
        )

    def get(self, product_id: ProductId) -> Product:
        row = next(_PRODUCT.execute(self.conn, {"wanted": product_id}).mappings(), None)
        if row is None:
            raise NotFound("product", product_id)
        return _product(row)

    def list(self) -> list[Product]:
        return [
            _product(r._mapping)
            for r in self.conn.execute(select(products).order_by(products.c.id))
        ]


def _product(row: Any) -> Product:
    return Product(
        id=ProductId(row["id"]),
        vendor=row["vendor"],
        name=row["name"],
        model=row["model"],
        kind=ProductKind(row["kind"]),
        versions=tuple(row["versions"]),
        markets=tuple(row["markets"]),
        components=tuple(
            Component(c["purl"], PartyId(c["supplier"]) if c.get("supplier") else None)
            for c in row["components"]
        ),
        suppliers=tuple(PartyId(s) for s in row["suppliers"]),
        users_must_act=bool(row["users_must_act"]),
        purl=row["purl"],
        installed_base=row["installed_base"],
        owner_unit=row["owner_unit"],
    )


class SqlPartyRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(self, party: Party) -> None:
        _insert(
            self.conn,
            insert(parties).values(
                id=party.id,
                name=party.name,
                kind=party.kind.value,
                country=party.country,
                channels=[{"kind": c.kind.value, "address": c.address} for c in party.channels],
                language=party.language,
            ),
            "party",
            party.id,
        )

    def get(self, party_id: PartyId) -> Party:
        row = next(_PARTY.execute(self.conn, {"wanted": party_id}).mappings(), None)
        if row is None:
            raise NotFound("party", party_id)
        return _party(row)

    def list(self) -> list[Party]:
        return [
            _party(r._mapping) for r in self.conn.execute(select(parties).order_by(parties.c.id))
        ]


def _party(row: Any) -> Party:
    return Party(
        PartyId(row["id"]),
        row["name"],
        PartyKind(row["kind"]),
        row["country"],
        tuple(Channel(ChannelKind(c["kind"]), c["address"]) for c in row["channels"]),
        row["language"],
    )
