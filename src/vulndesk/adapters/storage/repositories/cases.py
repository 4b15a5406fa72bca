"""The SQL case repository: cases with encrypted details, facts, transitions and product links."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Connection,
    Select,
    bindparam,
    delete,
    func,
    insert,
    null,
    or_,
    select,
    type_coerce,
    update,
)
from sqlalchemy.exc import IntegrityError

from vulndesk.adapters.crypto import FieldCipher
from vulndesk.adapters.storage import evidence
from vulndesk.adapters.storage.fast import FastStatement
from vulndesk.adapters.storage.repositories import case_batches
from vulndesk.adapters.storage.tables.advisories import advisory_revisions
from vulndesk.adapters.storage.tables.core import (
    case_counters,
    case_facts,
    case_products,
    case_transitions,
    cases,
    obligations,
    products,
)
from vulndesk.domain.cases import AffectedProduct, Case, CaseState, Role, Transition
from vulndesk.domain.errors import Conflict, NotFound
from vulndesk.domain.facts import FactKind, FactRecord
from vulndesk.domain.ids import CaseKey, ProductId, UnitId, UserId, case_key
from vulndesk.domain.obligations import ObligationStatus
from vulndesk.domain.regimes import IncidentGrade
from vulndesk.domain.severity import CnGrade, Severity, SeverityLevel
from vulndesk.services.ports import CaseFilter, CaseInstants, CaseSummary

# Key in the connection's info: (transaction, {case key: row id}) of cases it created.
NEW_CASES = "vulndesk.new_cases"


def _typed_null(type_: Any) -> Any:
    return type_coerce(null(), type_)


# Facts and transitions of a case joined to the case row, so a case is read with one statement.
_WANTED: BindParameter[str] = bindparam("wanted")
_CHILDREN = case_batches.children(lambda: cases.c.key == _WANTED)
_CASE_WITH_CHILDREN = select(cases, *[c for c in _CHILDREN.c if c.name != "case_id"]).outerjoin(
    _CHILDREN, _CHILDREN.c.case_id == cases.c.id
)
# The statements of opening and of reading a case, prebuilt (see fast.py).
_GET_CASE = FastStatement(
    _CASE_WITH_CHILDREN.where(cases.c.key == _WANTED).order_by(_CHILDREN.c.src, _CHILDREN.c.c_id)
)
_INSERT_CASE = FastStatement(insert(cases).returning(cases.c.id))
_INSERT_FACTS = FastStatement(insert(case_facts))
_INSERT_TRANSITIONS = FastStatement(insert(case_transitions))
_INSERT_PRODUCTS = FastStatement(insert(case_products))
# The parameter is not named `year`: that name is the column's, reserved for SET.
_BUMP_COUNTER = FastStatement(
    update(case_counters)
    .where(case_counters.c.year == bindparam("counter_year"))
    .values(last=case_counters.c.last + 1)
    .returning(case_counters.c.last)
)
# The case list: its columns, its orders, and the orders an index serves ((column, id) order).
_LIST_COLUMNS = [
    cases.c.key,
    cases.c.title,
    cases.c.unit_id,
    cases.c.state,
    cases.c.cwe,
    cases.c.cvss31_score,
    cases.c.cn_grade,
    cases.c.products,
    cases.c.created_at,
    cases.c.updated_at,
]
_ORDERS = {
    "-updated": cases.c.updated_at.desc(),
    "updated": cases.c.updated_at.asc(),
    "-created": cases.c.created_at.desc(),
    "created": cases.c.created_at.asc(),
    "key": cases.c.key.asc(),
    "-key": cases.c.key.desc(),
    "-score": cases.c.cvss31_score.desc(),
    "score": cases.c.cvss31_score.asc(),
}
# Time left: the case's soonest open or overdue deadline; cases without one come last.
_SOONEST_DUE = (
    select(func.min(obligations.c.due_at))
    .where(
        obligations.c.case_id == cases.c.id,
        obligations.c.status.in_((ObligationStatus.OPEN.value, ObligationStatus.OVERDUE.value)),
    )
    .scalar_subquery()
)
_ORDERS["due"] = _SOONEST_DUE.asc()
# Score bounds of each CVSS rating (lower inclusive, upper exclusive).
_LEVELS = {
    SeverityLevel.CRITICAL: (9.0, 11.0),
    SeverityLevel.HIGH: (7.0, 9.0),
    SeverityLevel.MEDIUM: (4.0, 7.0),
    SeverityLevel.LOW: (0.1, 4.0),
    SeverityLevel.NONE: (0.0, 0.1),
}
_INDEXED_ORDERS = frozenset({"-updated", "-created"})


def _text_match(text: str) -> ColumnElement[bool]:
    """Plain columns only: the key, title, tracking id, product ids and names, CVE ids."""
    by_product = (
        select(case_products.c.case_id)
        .join(products, products.c.id == case_products.c.product_id)
        .where(
            or_(
                case_products.c.product_id.icontains(text, autoescape=True),
                products.c.name.icontains(text, autoescape=True),
            )
        )
    )
    by_cve = select(advisory_revisions.c.case_key).where(
        advisory_revisions.c.cve_id.icontains(text, autoescape=True)
    )
    return or_(
        cases.c.key.icontains(text, autoescape=True),
        cases.c.key.in_(by_cve),
        cases.c.title.icontains(text, autoescape=True),
        cases.c.intake_id.icontains(text, autoescape=True),
        cases.c.id.in_(by_product),
    )


_PROBE_CAP = 20_000


class SqlCaseRepository:
    def __init__(self, conn: Connection, cipher: FieldCipher) -> None:
        self.conn = conn
        self.cipher = cipher

    # -- keys
    def next_key(self, year: int) -> CaseKey:
        """Allocate the next number atomically: the UPDATE takes the row lock before reading."""
        bumped = _BUMP_COUNTER.execute(self.conn, {"counter_year": year}).scalar_one_or_none()
        if bumped is not None:
            return case_key(year, int(bumped))
        try:
            with self.conn.begin_nested():
                self.conn.execute(insert(case_counters).values(year=year, last=1))
        except IntegrityError:
            return self.next_key(year)  # a concurrent first case of the year won the insert
        return case_key(year, 1)

    # -- writes
    def add(self, case: Case, now: dt.datetime) -> None:
        values = self._row(case, now) | {
            "key": case.key,
            "created_at": case.created_at,
            "created_by": case.created_by,
            "version": 0,
        }
        case_id = _INSERT_CASE.execute(self.conn, values).scalar_one()
        # Cases created in this transaction: their obligations are written without a read.
        created = self.conn.info.get(NEW_CASES)
        tx = self.conn.get_transaction()
        if created is None or created[0] is not tx:
            created = (tx, {})
            self.conn.info[NEW_CASES] = created
        ids: dict[str, int] = created[1]
        ids[case.key] = int(case_id)
        self._write_children(
            int(case_id), case, stored_facts=set(), stored_transitions=0, stored_products=set()
        )

    def save(self, case: Case, now: dt.datetime) -> Case:
        case_id, version = self._id_version(case.key)
        if version != case.version:
            raise Conflict(
                f"case {case.key} changed since it was read (version {case.version}, now {version}); reload and retry"
            )
        result = self.conn.execute(
            update(cases)
            .where(cases.c.id == case_id, cases.c.version == version)
            .values(**self._row(case, now), version=version + 1)
        )
        if result.rowcount != 1:
            raise Conflict(f"case {case.key} changed concurrently; retry")
        stored = {
            (r.kind, r.revision)
            for r in self.conn.execute(
                select(case_facts.c.kind, case_facts.c.revision).where(
                    case_facts.c.case_id == case_id
                )
            )
        }
        n_trans = self.conn.execute(
            select(func.count())
            .select_from(case_transitions)
            .where(case_transitions.c.case_id == case_id)
        ).scalar_one()
        prods = {
            r.product_id
            for r in self.conn.execute(
                select(case_products.c.product_id).where(case_products.c.case_id == case_id)
            )
        }
        self._write_children(case_id, case, stored, int(n_trans), prods)
        from dataclasses import replace

        return replace(case, version=version + 1)

    def _row(self, case: Case, now: dt.datetime) -> dict[str, Any]:
        sev = case.severity
        details = json.dumps(case.details, ensure_ascii=False, sort_keys=True)
        return {
            "title": case.title,
            "unit_id": case.unit,
            "roles": sorted(r.value for r in case.roles),
            "state": case.state.value,
            "products": [
                {
                    "product": p.product,
                    "versions": list(p.versions),
                    "fixed": list(p.fixed_versions),
                }
                for p in case.products
            ],
            "cwe": case.cwe,
            "cvss31_vector": sev.cvss31_vector,
            "cvss31_score": sev.cvss31_score,
            "cvss40_vector": sev.cvss40_vector,
            "cvss40_score": sev.cvss40_score,
            "cn_grade": sev.cn_grade.value if sev.cn_grade else None,
            "upstream_component": case.upstream_component,
            "details_enc": self.cipher.encrypt_text(details, f"cases.details:{case.key}"),
            "members": list(case.members),
            "duplicate_of": case.duplicate_of,
            "intake_id": case.intake_id,
            "options": dict(case.options),
            "incident_grade": case.incident_grade.value if case.incident_grade else None,
            "owner": case.owner,
            "updated_at": now,
        }

    def _write_children(
        self,
        case_id: int,
        case: Case,
        stored_facts: set[tuple[str, int]],
        stored_transitions: int,
        stored_products: set[str],
    ) -> None:
        new_facts = [f for f in case.facts if (f.kind.value, f.revision) not in stored_facts]
        if new_facts:
            _INSERT_FACTS.executemany(
                self.conn,
                [
                    {
                        "case_id": case_id,
                        "kind": f.kind.value,
                        "at": f.at,
                        "recorded_by": f.recorded_by,
                        "recorded_at": f.recorded_at,
                        "revision": f.revision,
                        "evidence_enc": self.cipher.encrypt_text(
                            f.evidence, _evidence_ctx(case.key, f.kind, f.revision)
                        ),
                    }
                    for f in new_facts
                ],
            )
            evidence.note(
                self.conn,
                case_facts,
                *(
                    (case_facts.c.case_id == case_id)
                    & (case_facts.c.kind == f.kind.value)
                    & (case_facts.c.revision == f.revision)
                    for f in new_facts
                ),
            )
        new_steps = case.transitions[stored_transitions:]
        if new_steps:
            _INSERT_TRANSITIONS.executemany(
                self.conn,
                [
                    {
                        "case_id": case_id,
                        "from_state": t.from_state.value,
                        "to_state": t.to_state.value,
                        "by": t.by,
                        "at": t.at,
                        "reason": t.reason,
                    }
                    for t in new_steps
                ],
            )
            # The case's transitions after the ones stored before: appended, never rewritten.
            done = (
                select(case_transitions.c.id)
                .where(case_transitions.c.case_id == case_id)
                .order_by(case_transitions.c.id)
                .limit(stored_transitions)
            )
            evidence.note(
                self.conn,
                case_transitions,
                (case_transitions.c.case_id == case_id) & case_transitions.c.id.not_in(done)
                if stored_transitions
                else case_transitions.c.case_id == case_id,
            )
        wanted = {p.product for p in case.products}
        if wanted - stored_products:
            _INSERT_PRODUCTS.executemany(
                self.conn,
                [{"case_id": case_id, "product_id": p} for p in sorted(wanted - stored_products)],
            )
        if stored_products - wanted:
            self.conn.execute(
                delete(case_products).where(
                    case_products.c.case_id == case_id,
                    case_products.c.product_id.in_(stored_products - wanted),
                )
            )

    # -- reads
    def _id_version(self, key: CaseKey) -> tuple[int, int]:
        row = self.conn.execute(
            select(cases.c.id, cases.c.version).where(cases.c.key == key)
        ).first()
        if row is None:
            raise NotFound("case", key)
        return int(row.id), int(row.version)

    def get(self, key: CaseKey) -> Case:
        rows = list(_GET_CASE.execute(self.conn, {"wanted": key}).mappings())
        if not rows:
            raise NotFound("case", key)
        return self._case(CaseKey(key), rows)

    def get_many(self, keys: Collection[CaseKey]) -> dict[CaseKey, Case]:
        out = {}
        for rows in case_batches.case_rows(self.conn, keys):
            key = CaseKey(rows[0]["key"])
            out[key] = self._case(key, rows)
        return out

    def fact_instants(self, keys: Collection[CaseKey]) -> dict[CaseKey, CaseInstants]:
        return case_batches.fact_instants(self.conn, keys)

    def _case(self, key: CaseKey, rows: Sequence[Mapping[str, Any]]) -> Case:
        """A case from its joined rows (the case's columns, then one fact or transition each)."""
        m = rows[0]
        facts = tuple(
            FactRecord(
                FactKind(f["c_kind"]),
                f["c_at"],
                f["c_by"],
                f["c_recorded_at"],
                self.cipher.decrypt_text(
                    f["c_blob"], _evidence_ctx(key, FactKind(f["c_kind"]), f["c_revision"])
                )
                if f["c_blob"]
                else "",
                f["c_revision"],
            )
            for f in rows
            if f["src"] == 0
        )
        steps = tuple(
            Transition(
                CaseState(t["c_kind"]), CaseState(t["c_to"]), t["c_by"], t["c_at"], t["c_reason"]
            )
            for t in rows
            if t["src"] == 1
        )
        details = (
            json.loads(self.cipher.decrypt_text(m["details_enc"], f"cases.details:{key}"))
            if m["details_enc"]
            else {}
        )
        return Case(
            key=CaseKey(m["key"]),
            title=m["title"],
            unit=UnitId(m["unit_id"]),
            roles=frozenset(Role(r) for r in m["roles"]),
            created_at=m["created_at"],
            created_by=m["created_by"],
            state=CaseState(m["state"]),
            products=tuple(
                AffectedProduct(ProductId(p["product"]), tuple(p["versions"]), tuple(p["fixed"]))
                for p in m["products"]
            ),
            cwe=m["cwe"],
            severity=Severity(
                m["cvss31_vector"],
                m["cvss31_score"],
                m["cvss40_vector"],
                m["cvss40_score"],
                CnGrade(m["cn_grade"]) if m["cn_grade"] else None,
            ),
            upstream_component=bool(m["upstream_component"]),
            facts=facts,
            transitions=steps,
            details=details,
            members=tuple(UserId(u) for u in m["members"]),
            duplicate_of=CaseKey(m["duplicate_of"]) if m["duplicate_of"] else None,
            intake_id=m["intake_id"],
            options=dict(m["options"]),
            incident_grade=IncidentGrade(m["incident_grade"]) if m["incident_grade"] else None,
            owner=UserId(m["owner"]) if m["owner"] else None,
            version=int(m["version"]),
        )

    def _filtered(self, stmt: Select[Any], flt: CaseFilter) -> Select[Any]:
        if flt.states:
            stmt = stmt.where(cases.c.state.in_([s.value for s in flt.states]))
        if flt.unit:
            stmt = stmt.where(cases.c.unit_id == flt.unit)
        if flt.product:
            stmt = stmt.where(
                cases.c.id.in_(
                    select(case_products.c.case_id).where(case_products.c.product_id == flt.product)
                )
            )
        if flt.keys is not None:
            stmt = stmt.where(cases.c.key.in_(flt.keys))
        for word in flt.text.split()[:8]:
            stmt = stmt.where(_text_match(word))
        if flt.severity is not None:
            low, high = _LEVELS[flt.severity]
            score = func.coalesce(cases.c.cvss40_score, cases.c.cvss31_score)
            stmt = stmt.where(score >= low, score < high)
        return stmt

    def list(self, flt: CaseFilter) -> list[CaseSummary]:
        order = _ORDERS[flt.order]
        if self._walks_order(flt):
            # Walk the order's index and keep the product's cases: no sort, and the walk stops
            # at the page's end (see _walks_order). Same rows, same order as the join below.
            stmt = select(*_LIST_COLUMNS).where(
                select(case_products.c.case_id)
                .where(
                    case_products.c.case_id == cases.c.id,
                    case_products.c.product_id == flt.product,
                )
                .exists()
            )
        else:
            stmt = self._filtered(select(*_LIST_COLUMNS), flt)
        if flt.order == "due":
            stmt = stmt.order_by(_SOONEST_DUE.is_(None))
        stmt = stmt.order_by(order, cases.c.id.desc()).limit(flt.limit).offset(flt.offset)
        return [
            CaseSummary(
                CaseKey(r.key),
                r.title,
                UnitId(r.unit_id),
                CaseState(r.state),
                r.cwe,
                r.cvss31_score,
                r.cn_grade,
                tuple(p["product"] for p in r.products),
                r.created_at,
                r.updated_at,
            )
            for r in self.conn.execute(stmt)
        ]

    def _walks_order(self, flt: CaseFilter) -> bool:
        """Whether a page filtered by product alone is cheaper read by walking the order's index.

        Joining the product's k cases and sorting them costs about k rows; walking the order's
        index until the page is full costs about `offset + limit` rows divided by the product's
        share k / n of the n cases. The walk wins when (offset + limit) * n < k * k. One
        statement finds n (the largest case id, from the primary key) and k (counted in
        `case_products`' index, at most _PROBE_CAP entries: past that the walk wins anyway).
        """
        if not flt.product or flt.states or flt.unit or flt.keys is not None:
            return False
        if flt.text or flt.severity is not None:
            return False
        if flt.order not in _INDEXED_ORDERS:
            return False
        linked = (
            select(case_products.c.case_id)
            .where(case_products.c.product_id == flt.product)
            .limit(_PROBE_CAP)
            .subquery()
        )
        probe = select(
            select(func.coalesce(func.max(cases.c.id), 0)).scalar_subquery(),
            select(func.count()).select_from(linked).scalar_subquery(),
        )
        n, k = self.conn.execute(probe).one()
        return bool((flt.offset + flt.limit) * int(n) < int(k) * int(k))

    def count(self, flt: CaseFilter) -> int:
        only_product = not (flt.states or flt.unit or flt.keys is not None)
        if flt.product and only_product and not (flt.text or flt.severity):
            # Every case_products row names one existing case once (key and foreign key), so
            # the product's own index answers without reading a case row.
            only = select(func.count()).where(case_products.c.product_id == flt.product)
            return int(self.conn.execute(only).scalar_one())
        return int(
            self.conn.execute(
                self._filtered(select(func.count()).select_from(cases), flt)
            ).scalar_one()
        )


def _evidence_ctx(key: str, kind: FactKind, revision: int) -> str:
    return f"case_facts.evidence:{key}:{kind.value}:{revision}"
