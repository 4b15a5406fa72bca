"""Benchmark: the case list's first page and case page reads through the API, at scale.

Generates cases (1,000,000 with VULNDESK_BENCH_FULL=1, else 200,000) with five stored
obligations each, then sends requests through the real application in-process (ASGI, with
token authentication, access checks and, for reads, the audit event): filtered first pages
of GET /api/v1/cases, and GET /api/v1/cases/{key}. The baseline is a bare route served by
the same application in the same run. SQLite, and PostgreSQL when its binaries are found.
Writes bench/results/cases.json, replacing only the rows this run measured (rows of other
sizes and engines stay). Run: .venv/bin/python -m bench.bench_cases

BENCH_CASES=n sets the size. BENCH_ENGINES=sqlite (or postgresql) runs one engine.
BENCH_DB=path keeps the SQLite database in that file: a file already holding the cases is
measured as it is (no generation row is written), so a change can be measured before and
after on the same data without generating it again.
"""

from __future__ import annotations

import asyncio
import functools
import json
import os
import random
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

from bench.datagen import PRODUCTS, bench_key, generate_cases, scale
from bench.engines import make_durable, on_postgres, on_sqlite
from bench.harness import coordinator_token, served, spread, sweep
from vulndesk.adapters.storage.tables.core import cases
from vulndesk.bootstrap import Container
from vulndesk.entrypoints.api.app import create_app

RESULTS = Path(__file__).parent / "results" / "cases.json"
# BENCH_CASES overrides the size, for a quick look.
CASES = int(os.environ.get("BENCH_CASES", "0")) or scale(1_000_000, 200_000)
PER_CASE = 5
ENGINES = os.environ.get("BENCH_ENGINES", "sqlite,postgresql").split(",")
KEEP_DB = os.environ.get("BENCH_DB", "")
LIST_RUNS = 300
READ_SECONDS = 10.0
# Concurrent readers, as on a served console: their audit events share commits.
READ_CLIENTS = int(os.environ.get("BENCH_READ_CLIENTS", "8"))
LIST_TARGET_MS = 200.0
READ_TARGET = 300.0
SERVED_PROCESSES = 2
FILTERS = [
    "state=triage&unit=cn",
    "state=received&state=triage&state=verified",
    "unit=de&sort=-created",
    "product={product}",
    "state=remediating&product={product}",
]


async def _timed(call: Callable[[], Awaitable[httpx.Response]], runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        r = await call()
        out.append((time.perf_counter() - t0) * 1000)
        if r.status_code != 200:
            raise RuntimeError(f"{r.request.url}: {r.status_code} {r.text[:200]}")
    return out


async def _rate(
    call: Callable[[], Awaitable[httpx.Response]], seconds: float, clients: int = 1
) -> float:
    """Requests per second from `clients` concurrent callers, each waiting for its answer."""
    done, deadline = 0, time.perf_counter() + seconds

    async def caller() -> None:
        nonlocal done
        while time.perf_counter() < deadline:
            r = await call()
            if r.status_code != 200:
                raise RuntimeError(f"{r.request.url}: {r.status_code} {r.text[:200]}")
            done += 1

    await asyncio.gather(*(caller() for _ in range(clients)))
    return done / seconds


def _p(values: list[float], q: int) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, len(ordered) * q // 100)]


async def _measure(c: Container, token: str) -> dict[str, float]:
    app = create_app(c)

    @app.get("/bench/bare")
    def bare() -> dict[str, Any]:
        return {}

    rng = random.Random(5)
    headers = {"Authorization": f"Bearer {token}"}
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://bench", headers=headers
    ) as client:

        def listing() -> Awaitable[httpx.Response]:
            query = rng.choice(FILTERS).format(product=rng.choice(PRODUCTS))
            return client.get(f"/api/v1/cases?{query}&limit=50")

        def read() -> Awaitable[httpx.Response]:
            return client.get(f"/api/v1/cases/{bench_key(rng.randrange(1, CASES + 1))}")

        def baseline() -> Awaitable[httpx.Response]:
            return client.get("/bench/bare")

        await _timed(listing, 20)  # warm caches and the statement cache
        await _timed(read, 20)
        base = await _timed(baseline, LIST_RUNS)
        lists = await _timed(listing, LIST_RUNS)
        base_rate = await _rate(baseline, READ_SECONDS / 2, READ_CLIENTS)
        read_rate = await _rate(read, READ_SECONDS, READ_CLIENTS)
    return {
        "list_p50": _p(lists, 50),
        "list_p99": _p(lists, 99),
        "base_p50": _p(base, 50),
        "base_p99": _p(base, 99),
        "read_rate": read_rate,
        "base_rate": base_rate,
    }


def measure(c: Container, engine: str) -> list[dict[str, Any]]:
    c.migrate()
    with c.engine.connect() as conn:
        stored = int(conn.execute(select(func.count()).select_from(cases)).scalar_one())
    gen_s = None
    if stored < CASES:
        t0 = time.perf_counter()
        generate_cases(c.engine, CASES - stored, PER_CASE)
        gen_s = time.perf_counter() - t0
    token = coordinator_token(c)
    m = asyncio.run(_measure(c, token))
    served = _served_reads(c, token)

    def row(
        name: str,
        value: float,
        unit: str,
        base: float | None,
        target: float | None,
        passed: bool | None,
    ) -> dict[str, Any]:
        return {
            "name": name,
            "engine": engine,
            "value": round(value, 2),
            "unit": unit,
            "baseline": None if base is None else round(base, 2),
            "target": target,
            "passed": passed,
        }

    size = f"{CASES:,} cases"
    made = f"case data generation ({size}, {CASES * PER_CASE:,} obligations)"
    generation = [] if gen_s is None else [row(made, gen_s, "s", None, None, None)]
    return [
        *generation,
        row(f"case list first page p50 ({size})", m["list_p50"], "ms", m["base_p50"], None, None),
        row(
            f"case list first page p99 ({size})",
            m["list_p99"],
            "ms",
            m["base_p99"],
            LIST_TARGET_MS,
            m["list_p99"] <= LIST_TARGET_MS,
        ),
        # In-process: the client runs in the server's process and shares its GIL, so this
        # is a floor; the served row below is the measurement the target applies to.
        row(
            f"case page reads/s with audit event, in-process client ({size})",
            m["read_rate"],
            "reads/s",
            m["base_rate"],
            None,
            None,
        ),
        row(
            f"case page reads/s with audit event, served by {SERVED_PROCESSES} processes ({size})",
            served["rate"],
            "reads/s",
            served["bare_rate"],
            READ_TARGET,
            served["rate"] >= READ_TARGET and served["errors"] == 0,
        )
        | {"clients": int(served["clients"])},
        row(
            f"case page read p99, served ({size})",
            served["p99"],
            "ms",
            served["bare_p99"],
            None,
            None,
        )
        | {"clients": int(served["clients"])},
    ]


def _served_reads(c: Container, token: str) -> dict[str, float]:
    """GET /api/v1/cases/{key} for random generated cases from server processes as
    `vulndesk serve --workers 2` runs them, at each of `harness.CLIENT_LEVELS` keep-alive
    clients (the best rate is the headline), beside a bare route."""
    from bench.loadgen import build_request, drive

    url = c.settings.effective_database_url
    if url.startswith("postgresql"):
        # The test server runs without fsync; the read's audit event is made durable here.
        with c.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            make_durable(conn)
    env = {k: v for k, v in os.environ.items() if not k.startswith("VULNDESK_")} | {
        "VULNDESK_HOME": str(c.settings.home),
        "VULNDESK_DATABASE_URL": url,
        "VULNDESK_KEYS": c.settings.keys_json or "",
        "VULNDESK_COOKIE_SECURE": "0",
    }
    with served(env, SERVED_PROCESSES) as port:
        host = f"127.0.0.1:{port}"
        auth = {"Authorization": f"Bearer {token}"}
        rng = random.Random(11)
        pages = [
            build_request(
                "GET", f"/api/v1/cases/{bench_key(rng.randrange(1, CASES + 1))}", host, headers=auth
            )
            for _ in range(5000)
        ]
        bare = build_request("GET", "/bench/bare", host)

        async def run() -> tuple[Any, Any]:
            go = functools.partial(
                drive, "127.0.0.1", port, expect=200, spread=spread(host, SERVED_PROCESSES)
            )
            await go(lambda n, i: pages[i % 50], clients=READ_CLIENTS, seconds=1.0)  # warm-up
            base = await go(lambda n, i: bare, clients=READ_CLIENTS, seconds=READ_SECONDS / 2)
            reads = await sweep(
                go, lambda n, i: pages[(n * 7919 + i) % len(pages)], expect=200, latency_bound=False
            )
            return base, reads

        base, reads = asyncio.run(run())
    best = reads.best
    return {
        "rate": best.outcome.rate,
        "p99": best.outcome.percentile(99),
        "clients": best.clients,
        "errors": float(reads.errors),
        "bare_rate": base.rate,
        "bare_p99": base.percentile(99),
    }


def _merge(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The stored rows with this run's rows put in place of the ones of the same name."""
    old = json.loads(RESULTS.read_text(encoding="utf-8")) if RESULTS.exists() else []
    fresh = {(r["name"], r["engine"]): r for r in rows}
    kept = [r for r in old if (r["name"], r["engine"]) not in fresh]
    return kept + rows


def main() -> int:
    kept = Path(KEEP_DB) if KEEP_DB else None
    rows = (on_sqlite(measure, db_file=kept) if "sqlite" in ENGINES else []) + (
        on_postgres(measure, "cases_bench") if "postgresql" in ENGINES else []
    )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(_merge(rows), indent=2) + "\n", encoding="utf-8")
    for r in rows:
        print(json.dumps(r))
    return 0 if all(r["passed"] is not False for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
