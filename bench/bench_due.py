"""Benchmark: the due-soon query over 1,000,000 stored obligations, on SQLite and PostgreSQL.

Generates the data with bench.datagen, then times services.access.due_soon (limit 100,
random windows and unit filters) against a baseline measured in the same run: a primary-key
lookup through the same unit of work. Writes bench/results/due.json; exits 1 on a missed target.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from bench.datagen import NOW, Counts, generate
from bench.engines import on_postgres, on_sqlite
from vulndesk.adapters.clock import SettableClock
from vulndesk.bootstrap import Container
from vulndesk.domain.ids import UnitId
from vulndesk.services.access import rights as access

RESULTS = Path(__file__).parent / "results" / "due.json"
RUNS = 500
TARGET_MS = 50.0
WINDOWS = [dt.timedelta(hours=h) for h in (1, 24, 72, 24 * 7, 24 * 30)]
UNITS: list[UnitId | None] = [None, UnitId("hq"), UnitId("cn"), UnitId("de")]


def _timed(fn: Callable[[], object], runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    return out


def _p(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def measure(c: Container, engine_name: str, counts: Counts) -> list[dict[str, object]]:
    c.migrate()
    t0 = time.perf_counter()
    added = generate(c.engine, counts)
    gen_s = time.perf_counter() - t0
    deps = c.deps()
    rng = random.Random(11)
    # A coordinator sees every case: the query reads no membership list.
    who = access.person("bench-coordinator", {"coordinator"}, source="bench")
    access.due_soon(deps, who, WINDOWS[0], None, 100)  # warm caches before timing

    def query() -> object:
        return access.due_soon(deps, who, rng.choice(WINDOWS), rng.choice(UNITS), 100)

    def baseline() -> object:
        with deps.uow() as uow:
            return uow.units.get(UnitId("hq"))

    base = _timed(baseline, RUNS)
    took = _timed(query, RUNS)
    rows: list[dict[str, object]] = [
        {
            "name": "due_soon generation seconds",
            "engine": engine_name,
            "value": round(gen_s, 1),
            "unit": f"s for {added:,} obligations",
            "baseline": None,
            "target": None,
            "passed": None,
        },
    ]
    for q in (50, 99):
        v, b = _p(took, q), _p(base, q)
        rows.append(
            {
                "name": f"due_soon p{q}",
                "engine": engine_name,
                "value": round(v, 2),
                "unit": "ms",
                "baseline": round(b, 2),
                "target": TARGET_MS,
                "passed": q != 99 or v <= TARGET_MS,
            }
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    args = argv if argv is not None else sys.argv[1:]
    counts = Counts(cases=int(args[0]) // 5) if args else Counts()

    def run(c: Container, engine: str) -> list[dict[str, object]]:
        return measure(c, engine, counts)

    rows = on_sqlite(run, clock=SettableClock(NOW)) + on_postgres(
        run, "due_bench", clock=SettableClock(NOW)
    )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(rows, indent=2) + "\n")
    for r in rows:
        print(json.dumps(r))
    return 0 if all(r["passed"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
