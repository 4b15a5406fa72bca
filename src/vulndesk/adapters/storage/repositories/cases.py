"""The SQL case repository: cases with encrypted details, facts, transitions and product links."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Collection
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    delete,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from vulndesk.adapters.crypto import FieldCipher
from vulndesk.adapters.storage import evidence
from vulndesk.adapters.storage.repositories import case_batches, case_queries
from vulndesk.adapters.storage.repositories.case_rows import case_from_rows, evidence_ctx
from vulndesk.adapters.storage.repositories.case_statements import (
    BUMP_COUNTER,
    GET_CASE,
    INSERT_CASE,
    INSERT_FACTS,
    INSERT_PRODUCTS,
    INSERT_TRANSITIONS,
)
from vulndesk.adapters.storage.tables.core import (
    case_counters,
    case_facts,
    case_products,
    case_transitions,
    cases,
)
from vulndesk.domain.cases import Case
from vulndesk.domain.errors import Conflict, NotFound
from vulndesk.domain.ids import CaseKey, case_key
from vulndesk.services.ports import CaseFilter, CaseInstants, CaseSummary

# Key in the connection's info: (transaction, {case key: row id}) of cases it created.
NEW_CASES = "vulndesk.new_cases"


class SqlCaseRepository:
    def __init__(self, conn: Connection, cipher: FieldCipher) -> None:
        self.conn = conn
        self.cipher = cipher
        # A search's condition (its matching case ids, or its word tests past
        # case_queries.MATCH_CAP), made once for the page and its count of one unit of work.
        self._matched: dict[str, ColumnElement[bool]] = {}

    # -- keys
    def next_key(self, year: int) -> CaseKey:
        """Allocate the next number atomically: the UPDATE takes the row lock before reading."""
        bumped = BUMP_COUNTER.execute(self.conn, {"counter_year": year}).scalar_one_or_none()
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
        case_id = INSERT_CASE.execute(self.conn, values).scalar_one()
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
        """Append the facts and transitions not stored yet; make the products match."""
        self._add_facts(case_id, case, stored_facts)
        self._add_transitions(case_id, case, stored_transitions)
        self._match_products(case_id, case, stored_products)

    def _add_facts(self, case_id: int, case: Case, stored_facts: set[tuple[str, int]]) -> None:
        """The fact revisions not stored yet, sealed and noted as evidence."""
        new_facts = [f for f in case.facts if (f.kind.value, f.revision) not in stored_facts]
        if new_facts:
            INSERT_FACTS.executemany(
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
                            f.evidence, evidence_ctx(case.key, f.kind, f.revision)
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

    def _add_transitions(self, case_id: int, case: Case, stored_transitions: int) -> None:
        """The transitions after the `stored_transitions` stored before, noted as evidence."""
        new_steps = case.transitions[stored_transitions:]
        if new_steps:
            INSERT_TRANSITIONS.executemany(
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

    def _match_products(self, case_id: int, case: Case, stored_products: set[str]) -> None:
        """Add the affected products not stored yet and drop those no longer listed."""
        wanted = {p.product for p in case.products}
        if wanted - stored_products:
            INSERT_PRODUCTS.executemany(
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
        rows = list(GET_CASE.execute(self.conn, {"wanted": key}).mappings())
        if not rows:
            raise NotFound("case", key)
        return case_from_rows(key, rows, self.cipher)

    def get_many(self, keys: Collection[CaseKey]) -> dict[CaseKey, Case]:
        out = {}
        for rows in case_batches.case_rows(self.conn, keys):
            key = CaseKey(rows[0]["key"])
            out[key] = case_from_rows(key, rows, self.cipher)
        return out

    def fact_instants(self, keys: Collection[CaseKey]) -> dict[CaseKey, CaseInstants]:
        return case_batches.fact_instants(self.conn, keys)

    def list(self, flt: CaseFilter) -> list[CaseSummary]:
        return case_queries.list_cases(self.conn, flt, self._search(flt))

    def count(self, flt: CaseFilter) -> int:
        return case_queries.count_cases(self.conn, flt, self._search(flt))

    def _search(self, flt: CaseFilter) -> ColumnElement[bool] | None:
        """The condition for the filter's words (None: no words)."""
        text = " ".join(case_queries.words(flt.text))
        if not text:
            return None
        if text not in self._matched:
            self._matched[text] = case_queries.search(self.conn, text)
        return self._matched[text]
