"""Benchmark: the exposure figures over 100,000 ledger entries (issue target: at most 5 s).

Builds 100,000 seeded disclosures over 20,000 cases to regulators, CSIRTs and customers, then
computes what the report computes from them: exposure windows, totals per government,
country, unit and customer, and the inequalities. The baseline, measured in the same run, is
one plain pass over the same disclosures summing their windows. Reading the rows from the
database is not included in that first row.

The second row builds the whole report through the service (`exposure.build`: the ledger
read, the cases' ends, the inequalities with their decisions, late duties, the what-if of
the rule sets in force, the audit event) over 100,000 ledger entries stored in SQLite. The
rows go into a temporary database created by the container's migrations through the driver,
as `bench/datagen.py` writes cases; the same-run baseline is `SELECT count(*)` over the same
rows. Writes bench/results/exposure.json (a list of rows); exits 1 when a target is missed.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import sys
import time
from pathlib import Path

from sqlalchemy import Connection, event, insert, select, text

from bench.datagen import NOW, UNITS, bench_key, bulk_insert, generate_cases
from bench.engines import on_sqlite
from vulndesk.adapters.storage.tables.core import parties
from vulndesk.bootstrap import Container
from vulndesk.domain.exposure import CaseEnds, Disclosure, exposures, inequalities, totals
from vulndesk.services.access.rights import Principal
from vulndesk.services.disclosure import exposure

COUNT = 100_000
CASES = 20_000
STORED_CASES = 5_000  # cases the stored ledger entries are about
TARGET_S = 5.0
RESULTS = Path(__file__).parent / "results" / "exposure.json"
RECIPIENTS = [
    ("miit-nvdb", "CN", "regulator"),
    ("cncert", "CN", "csirt"),
    ("cert-bund", "DE", "csirt"),
    ("enisa", "GR", "regulator"),
    ("cisa", "US", "csirt"),
    ("telco-cn", "CN", "customer"),
    ("carrier-de", "DE", "customer"),
]
FIELDS = ["summary", "harm", "scope_of_impact", "technical_characteristics", "trigger_location"]


def data(rng: random.Random) -> tuple[list[Disclosure], dict[str, CaseEnds], dt.datetime]:
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    told = []
    for n in range(COUNT):
        case = f"VD-2026-{rng.randrange(CASES):05d}"
        who, country, kind = rng.choice(RECIPIENTS)
        at = start + dt.timedelta(minutes=rng.randrange(0, 60 * 24 * 300))
        fields = tuple(sorted(rng.sample(FIELDS, rng.randrange(1, 4))))
        unit = rng.choice(["acme-cn", "acme-de", "acme-hq"])
        told.append(Disclosure(n + 1, case, unit, who, who, country, kind, at, fields, ()))
    ends = {}
    for c in range(CASES):
        fix = start + dt.timedelta(days=rng.randrange(0, 400))
        ends[f"VD-2026-{c:05d}"] = CaseEnds(fix if rng.random() < 0.7 else None)
    return told, ends, start + dt.timedelta(days=330)


def baseline(told: list[Disclosure], now: dt.datetime) -> float:
    return sum((now - d.at).total_seconds() for d in told)


def report(told: list[Disclosure], ends: dict[str, CaseEnds], now: dt.datetime) -> int:
    windows = exposures(told, ends, now)
    gov = [e for e in windows if e.disclosure.government]
    customers = [e for e in windows if e.disclosure.customer]
    groups = [
        totals(gov, lambda e: e.disclosure.recipient),
        totals(gov, lambda e: e.disclosure.country),
        totals(gov, lambda e: e.disclosure.unit),
        totals(customers, lambda e: e.disclosure.recipient),
    ]
    return len(windows) + sum(map(len, groups)) + len(inequalities(told))


_LEDGER_COLUMNS = [
    "case_key", "unit_id", "disclosure_kind", "recipient_id", "recipient_kind", "channel",
    "at", "sha256", "fields", "classes", "approvers", "recorded_at", "recorded_by",
]  # fmt: skip


def _stamp(at: dt.datetime) -> str:
    return at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")  # as SQLite DateTime stores it


def store_ledger(conn: Connection, count: int, rng: random.Random) -> None:
    """`count` ledger entries about the generated cases, in the storage layer's own formats."""
    have = {r.id for r in conn.execute(select(parties.c.id))}
    conn.execute(
        insert(parties),
        [
            {"id": who, "name": who, "kind": kind, "country": country, "channels": [],
             "language": "en"}
            for who, country, kind in RECIPIENTS
            if who not in have
        ],
    )  # fmt: skip
    start = NOW - dt.timedelta(days=300)
    rows = []
    for n in range(count):
        case = 1 + rng.randrange(STORED_CASES)
        who, _country, kind = rng.choice(RECIPIENTS)
        at = start + dt.timedelta(minutes=rng.randrange(0, 60 * 24 * 300))
        fields = sorted(rng.sample(FIELDS, rng.randrange(1, 4)))
        rows.append(
            (
                bench_key(case), UNITS[case % 3][0], "report", who, kind, "portal", _stamp(at),
                f"{n:064x}", json.dumps(fields), json.dumps(["public"]), json.dumps(["bench"]),
                _stamp(at), "bench",
            )
        )  # fmt: skip
    bulk_insert(conn, "ledger_entries", _LEDGER_COLUMNS, rows)


def measure_stored(c: Container, engine: str) -> list[dict[str, object]]:
    c.migrate()
    t0 = time.perf_counter()
    generate_cases(c.engine, STORED_CASES)
    with c.engine.begin() as conn:
        store_ledger(conn, COUNT, random.Random(21))
    stored_s = time.perf_counter() - t0
    who = Principal("bench-auditor", frozenset({"auditor"}), None, frozenset({"read"}), "bench")
    t0 = time.perf_counter()
    with c.engine.connect() as conn:
        counted = conn.execute(text("SELECT count(*) FROM ledger_entries")).scalar_one()
    base = time.perf_counter() - t0
    sent: list[str] = []

    def count(_c: object, _cur: object, statement: str, *_a: object) -> None:
        sent.append(statement)

    event.listen(c.engine, "before_cursor_execute", count)
    t0, c0 = time.perf_counter(), time.process_time()
    report = exposure.build(c.deps(), who, exposure.Period(), c.rule_sets)
    took, cpu = time.perf_counter() - t0, time.process_time() - c0
    event.remove(c.engine, "before_cursor_execute", count)
    return [
        {
            "name": f"exposure.build over {counted:,} stored ledger entries",
            "engine": engine,
            "value": round(took, 3),
            "unit": "s",
            "baseline": round(base, 3),
            "target": TARGET_S,
            "passed": took <= TARGET_S,
            "rows": len(report.exposures),
            "cpu_s": round(cpu, 3),
            "statements": len(sent),
            "stored_in_s": round(stored_s, 1),
        }
    ]


def main() -> int:
    told, ends, now = data(random.Random(21))
    t0 = time.perf_counter()
    baseline(told, now)
    base = time.perf_counter() - t0
    t0, c0 = time.perf_counter(), time.process_time()
    size = report(told, ends, now)
    took, cpu = time.perf_counter() - t0, time.process_time() - c0
    row = {
        "name": f"exposure figures over {COUNT:,} ledger entries",
        "value": round(took, 3),
        "unit": "s",
        "baseline": round(base, 3),
        "target": TARGET_S,
        "passed": took <= TARGET_S,
        "rows": size,
        "cpu_s": round(cpu, 3),
    }
    rows = [row, *on_sqlite(measure_stored)]
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    for r in rows:
        print(json.dumps(r))
    return 0 if all(r["passed"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
