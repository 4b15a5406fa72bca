"""Benchmark: public intake reports/s and p99 latency, and audited reads/s, on the real server.

Starts uvicorn in a subprocess on 127.0.0.1 with a temporary SQLite home, then on a throwaway
PostgreSQL (fsync on) when its binaries are installed (`BENCH_ENGINES` picks engines), drives
keep-alive clients (spread equally over the server processes, see `bench.loadgen`) for a
bounded time, and compares with a bare FastAPI route (`{}`) served by
the same process in the same run. Every intake report is durable (SQLite WAL,
synchronous=FULL; PostgreSQL fsync and synchronous_commit on), encrypted and audited. Two
kinds of reads follow, on the cases the reports opened: reporters reading their report's
status with its follow-up token, and a coordinator reading case pages
(GET /api/v1/cases/{key}, bearer token, need-to-know check); each decrypts and appends an
audit event.
With `BENCH_BASELINE_SRC` set to the `src/` folder of another checkout (e.g. the commit
before a change, from `git archive`), each engine is also served from that code in the same
run, one after the other on the same data setup, and rows named "baseline code: ..." plus
the ratio of intake rates are written beside the current code's.
Writes bench/results/intake.json. Run: .venv/bin/python -m bench.bench_intake
"""

from __future__ import annotations

import asyncio
import functools
import json
import os
import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.engines import make_durable
from bench.harness import P99_TARGET_MS, SECONDS, Level, coordinator_token, served, spread
from bench.harness import sweep as sweep_levels
from bench.loadgen import build_request, drive

RESULTS = Path(__file__).resolve().parent / "results" / "intake.json"
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "8"))  # for the bare baseline
ENGINES = "sqlite,postgresql"
REPORT = {
    "product": "router",
    "version": "1.0",
    "description": "Stack overflow in the login handler of the web console",
    "steps": "POST /login with a 5000-byte user name",
    "impact": "remote code execution",
    "contact": "reporter@example.org",
}


def _seed(env: dict[str, str]) -> str:
    from vulndesk.bootstrap import build
    from vulndesk.config import Settings
    from vulndesk.services.access import rights as access
    from vulndesk.services.cases import reference

    c = build(Settings.from_env(env))
    c.migrate()
    deps, actor = c.deps(), access.person("bench", {"admin"}, source="bench")
    reference.add_unit(deps, actor, id="hq", name="Acme", country="CN", timezone="Asia/Shanghai")
    reference.add_product(
        deps,
        actor,
        reference.ProductInput(
            id="router",
            vendor="Acme",
            name="Router",
            model="R-1",
            versions=("1.0",),
            markets=("CN",),
        ),
    )
    token = coordinator_token(c, unit="hq")
    c.close()
    return token


async def _measure(port: int, token: str, case_keys: Callable[[], list[str]]) -> dict[str, Any]:
    host = f"127.0.0.1:{port}"
    bare_req = build_request("GET", "/bench/bare", host)

    def bare(n: int, i: int) -> bytes:
        return bare_req

    def post(n: int, i: int) -> bytes:
        key = {"Idempotency-Key": str(uuid.uuid4())}
        return build_request("POST", "/api/v1/intake", host, REPORT, key)

    run = functools.partial(drive, "127.0.0.1", port, spread=spread(host))
    await run(bare, clients=CLIENTS, seconds=1.0, expect=200)  # warm-up: imports, caches
    bare_out = await run(bare, clients=CLIENTS, seconds=min(SECONDS, 5.0), expect=200)
    posted = await sweep_levels(run, post, expect=201, keep=True)
    receipts = [json.loads(b) for b in posted.bodies]
    reads = [
        build_request(
            "GET",
            f"/api/v1/intake/{r['tracking']}/messages",
            host,
            headers={"Authorization": f"Bearer {r['token']}"},
        )
        for r in receipts
    ]

    def read(n: int, i: int) -> bytes:
        return reads[(n * 7919 + i) % len(reads)]

    read_out = await sweep_levels(run, read, expect=200, latency_bound=False)
    auth = {"Authorization": f"Bearer {token}"}
    pages = [build_request("GET", f"/api/v1/cases/{k}", host, headers=auth) for k in case_keys()]

    def page(n: int, i: int) -> bytes:
        return pages[(n * 7919 + i) % len(pages)]

    page_out = await sweep_levels(run, page, expect=200, latency_bound=False)
    return {
        "bare_rps": bare_out.rate,
        "bare_p99": bare_out.percentile(99),
        "post": posted,
        "posted": len(receipts),
        "read": read_out,
        "page": page_out,
    }


def _durable(env: dict[str, str], posted: int) -> tuple[int, bool]:
    """Cases stored and whether the audit chain verifies, read back from disk."""
    from vulndesk.bootstrap import build
    from vulndesk.config import Settings
    from vulndesk.services.audit import checkpoints as audit_tools
    from vulndesk.services.ports import CaseFilter

    c = build(Settings.from_env(env))
    with c.uow() as uow:
        stored = uow.cases.count(CaseFilter())
    ok = audit_tools.verify(c.deps()).ok
    c.close()
    return stored, ok


def _case_keys(env: dict[str, str]) -> list[str]:
    """The keys of the cases stored so far (the ones the reports opened)."""
    from sqlalchemy import select

    from vulndesk.adapters.storage.tables.core import cases
    from vulndesk.bootstrap import build
    from vulndesk.config import Settings

    c = build(Settings.from_env(env))
    with c.engine.connect() as conn:
        keys = [str(k) for k in conn.execute(select(cases.c.key).limit(5000)).scalars()]
    c.close()
    return keys


BASELINE_SRC = os.environ.get("BENCH_BASELINE_SRC", "")


def _variants(env: dict[str, str]) -> list[tuple[str, dict[str, str]]]:
    """The code to serve: the current code, and first the baseline code when one is given."""
    if not BASELINE_SRC:
        return [("", env)]
    root = str(Path(__file__).resolve().parents[1])
    paths = [BASELINE_SRC, root, env.get("PYTHONPATH", "")]
    baseline = env | {"PYTHONPATH": os.pathsep.join(p for p in paths if p)}
    return [("baseline code: ", baseline), ("", env)]


def _compare(rows: list[dict[str, Any]], engine: str) -> list[dict[str, Any]]:
    """The current code's intake rate as a percentage of the baseline code's (target 70)."""
    rate = {
        r["name"]: r["value"] for r in rows if r["name"].endswith("(durable, encrypted, audited)")
    }
    now = rate.get("intake reports/s (durable, encrypted, audited)")
    before = rate.get("baseline code: intake reports/s (durable, encrypted, audited)")
    if not now or not before:
        return []
    share = 100.0 * now / before
    row = _row("intake rate vs baseline code", share, "%", 100.0, 70.0, share >= 70.0)
    return [row | {"engine": engine}]


def _serve_and_measure(env: dict[str, str], engine: str) -> list[dict[str, Any]]:
    """Each variant of the code (see `_variants`) on fresh data: one engine's rows."""
    rows: list[dict[str, Any]] = []
    for label, served_env in _variants(env):
        with tempfile.TemporaryDirectory(prefix="intake-home-") as fresh:
            variant = served_env | {"VULNDESK_HOME": fresh}
            if "VULNDESK_DATABASE_URL" in env:
                url = _fresh_database(env["VULNDESK_DATABASE_URL"], label)
                variant["VULNDESK_DATABASE_URL"] = url
            found = _serve_once(variant, engine)
        rows += [r | {"name": label + r["name"]} for r in found]
    return rows + _compare(rows, engine)


def _fresh_database(url: str, label: str) -> str:
    """Another database on the same server for the baseline variant, the given one else."""
    if not label:
        return url
    from sqlalchemy import create_engine, make_url, text

    given = make_url(url)
    admin = create_engine(given.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text("CREATE DATABASE intake_bench_baseline"))
    admin.dispose()
    return given.set(database="intake_bench_baseline").render_as_string(hide_password=False)


def _serve_once(env: dict[str, str], engine: str) -> list[dict[str, Any]]:
    """Seed, serve with uvicorn, drive the load, read back what was stored: one engine's rows."""
    token = _seed(env)
    with served(env) as port:
        m = asyncio.run(_measure(port, token, functools.partial(_case_keys, env)))
    stored, chain_ok = _durable(env, m["posted"])
    return [r | {"engine": engine} for r in _rows(m, stored, chain_ok)]


def _env(home: str, **extra: str) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if k != "VULNDESK_DATABASE_URL"}
    return base | {
        "VULNDESK_HOME": home,
        "VULNDESK_INTAKE_RATE": "100000000/60",
        "VULNDESK_COOKIE_SECURE": "0",
        **extra,
    }


def _sqlite() -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory() as home:
        return _serve_and_measure(_env(home), "sqlite")


def _postgres() -> list[dict[str, Any]]:
    """The same run on a throwaway PostgreSQL, made durable (the test server runs without fsync)."""
    from sqlalchemy import create_engine, text
    from tests.pg import find_pg_bin, start_server

    if (
        find_pg_bin() is None
        or os.environ.get("BENCH_ENGINES", "sqlite,postgresql").find("postgresql") < 0
    ):
        return []
    server = start_server()
    try:
        admin = create_engine(server.url(), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            make_durable(conn)
            conn.execute(text("CREATE DATABASE intake_bench"))
        admin.dispose()
        with tempfile.TemporaryDirectory() as home:
            env = _env(home, VULNDESK_DATABASE_URL=server.url("intake_bench"))
            return _serve_and_measure(env, "postgresql")
    finally:
        server.stop()


def main() -> list[dict[str, Any]]:
    engines = os.environ.get("BENCH_ENGINES", ENGINES)
    rows = (_sqlite() if "sqlite" in engines else []) + _postgres()
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    return rows


def _rows(m: dict[str, Any], stored: int, chain_ok: bool) -> list[dict[str, Any]]:
    durable = stored == m["posted"] and chain_ok
    post, read, page = m["post"].best, m["read"].best, m["page"].best
    bare_rps, bare_p99 = m["bare_rps"], m["bare_p99"]
    rows = [
        _row(
            "intake reports/s (durable, encrypted, audited)",
            post.outcome.rate,
            "reports/s",
            bare_rps,
            300,
            post.outcome.rate >= 300 and post.qualifies and durable,
            post.clients,
        ),
        _row(
            "intake p99 latency",
            post.outcome.percentile(99),
            "ms",
            bare_p99,
            P99_TARGET_MS,
            post.qualifies,
            post.clients,
        ),
        *_read_rows("case read", page, bare_rps, bare_p99),
        *_read_rows("reporter status read", read, bare_rps, bare_p99),
        _row("intake errors (non-201)", m["post"].errors, "requests", 0, 0, m["post"].errors == 0),
        _row("reports stored vs acknowledged", stored, "cases", m["posted"], m["posted"], durable),
    ]
    for label, sweep in (("intake", m["post"]), ("case reads", m["page"])):
        for lv in sweep.levels:
            rate, p99 = lv.outcome.rate, lv.outcome.percentile(99)
            per_s = "reports/s" if label == "intake" else "reads/s"
            rows.append(_row(f"{label} at {lv.clients} clients", rate, per_s, bare_rps, None, None))
            rows.append(
                _row(f"{label} p99 at {lv.clients} clients", p99, "ms", bare_p99, None, None)
            )
    return rows


def _read_rows(what: str, level: Level, bare_rps: float, bare_p99: float) -> list[dict[str, Any]]:
    """A read phase's best rate (target 300/s, no latency target) and that level's p99."""
    rate, errors = level.outcome.rate, level.outcome.errors
    return [
        _row(
            f"{what}s/s with audit event",
            rate,
            "reads/s",
            bare_rps,
            300,
            rate >= 300 and not errors,
            level.clients,
        ),
        _row(
            f"{what} p99 latency",
            level.outcome.percentile(99),
            "ms",
            bare_p99,
            None,
            None,
            level.clients,
        ),
    ]


def _row(
    name: str,
    value: float,
    unit: str,
    baseline: float,
    target: float | None,
    passed: bool | None,
    clients: int | None = None,
) -> dict[str, Any]:
    row = {
        "name": name,
        "value": round(value, 2),
        "unit": unit,
        "baseline": round(baseline, 2),
        "target": target,
        "passed": passed,
    }
    return row if clients is None else row | {"clients": clients}


if __name__ == "__main__":
    for row in main():
        print(json.dumps(row))
