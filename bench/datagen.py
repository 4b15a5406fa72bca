"""Bulk test data for benchmarks: cases, stored obligations and a valid audit chain, fast.

Rows go in through the driver, not row by row through SQLAlchemy: executemany of prepared
tuples on SQLite, COPY on PostgreSQL, one transaction per batch. Values are written in the
forms the storage layer itself writes (UTC instants, JSON text), so the application reads
the generated rows like its own. Sizes: the issue's figures (1,000,000 cases, 5,000,000
obligations, 10,000,000 audit events) take minutes; `scale()` picks the benchmarks' sizes.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, func, insert, select, update

from vulndesk.adapters.storage import evidence
from vulndesk.adapters.storage.repositories.audit import SqlAuditLog
from vulndesk.adapters.storage.tables.core import (
    audit_head,
    cases,
    obligations,
    org_units,
    products,
)
from vulndesk.domain.audit import GENESIS, AuditEvent, chain_hash

UNITS = [
    ("hq", "US", "America/Los_Angeles"),
    ("cn", "CN", "Asia/Shanghai"),
    ("de", "DE", "Europe/Berlin"),
]
PRODUCTS = [f"bench-p{i:02d}" for i in range(20)]
NOW = dt.datetime(2026, 11, 2, 1, 0, tzinfo=dt.UTC)
FULL = os.environ.get("VULNDESK_BENCH_FULL") == "1"
# Most cases are closed; the live states a list filter asks for are a minority.
CASE_STATES = [
    ("closed", 0.55),
    ("disclosed", 0.12),
    ("fixed", 0.08),
    ("rejected", 0.05),
    ("received", 0.05),
    ("triage", 0.05),
    ("verified", 0.04),
    ("remediating", 0.04),
    ("duplicate", 0.02),
]
# Most stored obligations belong to closed cases: met or not applicable; a minority is live.
STATUSES = [
    ("met", 0.70),
    ("open", 0.15),
    ("overdue", 0.03),
    ("not_applicable", 0.10),
    ("waived", 0.02),
]
OBLIGATIONS = [
    "cn-rmsv-2021/report-to-nvdb",
    "cn-rmsv-2021/notify-users",
    "eu-cra/early-warning",
    "eu-cra/notification",
    "eu-cra/final-report",
]
TAGS = ["case:details:read", "case:case:opened", "case:fact:recorded", "intake:report:received"]


def bench_key(n: int) -> str:
    """The key of generated case number n: a year no real case counter reaches."""
    return f"VD-1999-{n:07d}"


def scale(full: int, default: int) -> int:
    """The issue's size with VULNDESK_BENCH_FULL=1, else the smaller default size."""
    return full if FULL else default


@dataclass(frozen=True)
class Counts:
    cases: int = 200_000
    per_case: int = 5
    batch: int = 20_000


# -- writing rows in the storage layer's own formats


def _instant(conn: Connection, at: dt.datetime) -> Any:
    utc = at.astimezone(dt.UTC)
    if conn.dialect.name == "sqlite":  # as SQLAlchemy's SQLite DateTime stores it
        return utc.strftime("%Y-%m-%d %H:%M:%S.%f")
    return utc


def _json(value: object) -> str:
    return json.dumps(value)


def _flag(conn: Connection, value: bool) -> Any:
    return int(value) if conn.dialect.name == "sqlite" else value


def bulk_insert(
    conn: Connection, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> None:
    """Insert rows (tuples in `columns` order) through the driver: COPY or executemany."""
    raw = conn.connection.driver_connection
    assert raw is not None
    names = ", ".join(f'"{c}"' for c in columns)
    if conn.dialect.name == "postgresql":
        with raw.cursor() as cur, cur.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    marks = ", ".join("?" for _ in columns)
    cur = raw.cursor()
    try:
        cur.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)  # noqa: S608 - fixed table names
    finally:
        cur.close()


def _bump_sequence(conn: Connection, table: str) -> None:
    """PostgreSQL identity columns do not see explicit ids: move them past the largest."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608 - fixed names
            f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
        )


# -- reference data


def ensure_units(engine: Engine) -> None:
    """The three bench units and twenty bench products, if missing."""
    with engine.begin() as conn:
        have = {r.id for r in conn.execute(select(org_units.c.id))}
        rows = [
            {"id": u, "name": u, "country": c, "timezone": z, "parent_id": None}
            for u, c, z in UNITS
            if u not in have
        ]
        if rows:
            conn.execute(insert(org_units), rows)
        have = {r.id for r in conn.execute(select(products.c.id))}
        prows = [
            {
                "id": p,
                "vendor": "Acme",
                "name": p,
                "model": p.upper(),
                "kind": "product",
                "versions": ["1.0", "2.0"],
                "markets": ["CN", "DE"],
                "components": [],
                "suppliers": [],
                "users_must_act": False,
            }
            for p in PRODUCTS
            if p not in have
        ]
        if prows:
            conn.execute(insert(products), prows)


# -- cases and obligations


def _pick(rng: random.Random, shares: list[tuple[str, float]]) -> str:
    x, acc = rng.random(), 0.0
    for value, share in shares:
        acc += share
        if x < acc:
            return value
    return shares[-1][0]


_CASE_COLUMNS = [
    "id",
    "key",
    "title",
    "unit_id",
    "roles",
    "state",
    "products",
    "upstream_component",
    "members",
    "options",
    "created_at",
    "created_by",
    "updated_at",
    "version",
]


def _next_id(conn: Connection, table: Any) -> int:
    return int(conn.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar_one()) + 1


def _case_batch(
    conn: Connection, first: int, count: int, rng: random.Random
) -> tuple[list[tuple[Any, ...]], list[tuple[int, str, dt.datetime]]]:
    rows, made = [], []
    for n in range(first, first + count):
        created = NOW - dt.timedelta(minutes=rng.randrange(0, 60 * 24 * 720))
        updated = created + dt.timedelta(minutes=rng.randrange(0, 60 * 24 * 30))
        unit = UNITS[n % 3][0]
        product = PRODUCTS[n % len(PRODUCTS)]
        rows.append(
            (
                n,
                bench_key(n),
                "bench case",
                unit,
                _json(["product_provider"]),
                _pick(rng, CASE_STATES),
                _json([{"product": product, "versions": ["1.0"], "fixed": []}]),
                _flag(conn, False),
                _json([]),
                _json({}),
                _instant(conn, created),
                "bench",
                _instant(conn, min(updated, NOW)),
                1,
            )
        )
        made.append((n, unit, created))
    return rows, made


def _obligation_rows(
    conn: Connection, made: list[tuple[int, str, dt.datetime]], per_case: int, rng: random.Random
) -> Iterator[tuple[Any, ...]]:
    for case_id, unit, trigger in made:
        for i in range(per_case):
            status = _pick(rng, STATUSES)
            due = trigger + dt.timedelta(hours=rng.choice([24, 48, 72, 24 * 14, 24 * 90]))
            if status == "open":  # open work is mostly still ahead
                due = NOW + dt.timedelta(minutes=rng.randrange(-600, 60 * 24 * 120))
            yield (
                case_id,
                unit,
                f"{OBLIGATIONS[i % 5]}#{i // 5}",
                "bench",
                "Art. 1",
                "report",
                "",
                "regulator",
                "aware",
                _instant(conn, trigger),
                "deadline",
                _instant(conn, due),
                "48h",
                "UTC",
                status,
                _instant(conn, due) if status == "met" else None,
                _json([]),
                _json({}),
                _json([]),
                _instant(conn, trigger),
            )


_OBLIGATION_COLUMNS = [
    "case_id",
    "unit_id",
    "obligation_id",
    "regulation",
    "article",
    "action",
    "action_zh",
    "recipient",
    "trigger",
    "trigger_at",
    "timing",
    "due_at",
    "period",
    "timezone",
    "status",
    "met_at",
    "waived_by",
    "interpretation",
    "flags",
    "updated_at",
]


def generate_cases(
    engine: Engine, count: int, per_case: int = 0, *, seed: int = 7, batch: int = 20_000
) -> int:
    """Add `count` cases (one product link each) and `per_case` obligations per case.

    Returns the number of obligations added. Case keys are `bench_key(id)`, numbered on from
    the largest case id already stored, so calls can be repeated to grow the data.
    """
    ensure_units(engine)
    rng = random.Random(seed)
    with engine.connect() as conn:
        first = _next_id(conn, cases)
    step = max(batch // max(per_case, 1), 1)
    added = 0
    for start in range(first, first + count, step):
        n = min(step, first + count - start)
        with engine.begin() as conn:
            rows, made = _case_batch(conn, start, n, rng)
            bulk_insert(conn, "cases", _CASE_COLUMNS, rows)
            links = ((cid, PRODUCTS[cid % len(PRODUCTS)]) for cid, _, _ in made)
            bulk_insert(conn, "case_products", ["case_id", "product_id"], links)
            if per_case:
                obs = list(_obligation_rows(conn, made, per_case, rng))
                bulk_insert(conn, "obligations", _OBLIGATION_COLUMNS, obs)
                added += len(obs)
                # Bound to the audit chain like the application's own: one event per batch.
                ids = [cid for cid, _, _ in made]
                evidence.note(conn, obligations, obligations.c.case_id.between(min(ids), max(ids)))
                SqlAuditLog(conn).flush()
    with engine.begin() as conn:
        _bump_sequence(conn, "cases")
        _bump_sequence(conn, "obligations")
    return added


def generate(engine: Engine, counts: Counts = Counts(), seed: int = 7) -> int:
    """Insert counts.cases cases with counts.per_case obligations each; returns obligations added."""
    return generate_cases(engine, counts.cases, counts.per_case, seed=seed, batch=counts.batch)


# -- the audit chain


_AUDIT_COLUMNS = [
    "seq",
    "at",
    "actor",
    "tag",
    "object_type",
    "object_id",
    "fields",
    "source",
    "detail",
    "prev_hash",
    "hash",
]


def generate_audit(engine: Engine, count: int, *, seed: int = 7, batch: int = 50_000) -> str:
    """Append `count` events to the audit chain, hashed exactly as the application hashes them.

    Continues from the stored head and moves the head in the same transaction as each batch,
    so the chain verifies after every batch. Returns the new head hash.
    """
    rng = random.Random(seed)
    with engine.connect() as conn:
        row = conn.execute(select(audit_head.c.seq, audit_head.c.hash)).first()
    seq, prev = (int(row.seq), str(row.hash)) if row else (0, GENESIS)
    end = seq + count
    while seq < end:
        with engine.begin() as conn:
            rows = []
            for _ in range(min(batch, end - seq)):
                seq += 1
                event = AuditEvent(
                    at=NOW - dt.timedelta(seconds=end - seq),
                    actor=f"user{rng.randrange(50)}",
                    tag=TAGS[seq % len(TAGS)],
                    object_type="case",
                    object_id=bench_key(rng.randrange(1, 1_000_000)),
                    fields=("proof_of_concept",) if seq % 4 == 0 else (),
                    source="api",
                    detail={"n": str(seq % 97)} if seq % 3 == 0 else {},
                )
                digest = chain_hash(seq, event, prev)
                rows.append(
                    (
                        seq,
                        _instant(conn, event.at),
                        event.actor,
                        event.tag,
                        event.object_type,
                        event.object_id,
                        _json(list(event.fields)),
                        event.source,
                        _json(dict(event.detail)),
                        prev,
                        digest,
                    )
                )
                prev = digest
            bulk_insert(conn, "audit_events", _AUDIT_COLUMNS, rows)
            conn.execute(update(audit_head).where(audit_head.c.id == 1).values(seq=seq, hash=prev))
    return prev
