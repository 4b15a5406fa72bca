"""Benchmark: public intake reports/s and p99 latency, and audited reads/s, on the real server.

Starts uvicorn in a subprocess on 127.0.0.1 with a temporary SQLite home, then on a throwaway
PostgreSQL (fsync on) when its binaries are installed (`BENCH_ENGINES` picks engines), drives
keep-alive clients (spread equally over the server processes, see `bench.loadgen`) for a bounded time, and compares with a bare FastAPI route (`{}`) served by
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
import contextlib
import functools
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI

from bench.bench_cases import _token
from bench.engines import make_durable
from bench.loadgen import Outcome, Spread, build_request, drive

RESULTS = Path(__file__).resolve().parent / "results" / "intake.json"
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "8"))  # for the bare baseline
# Each phase runs at each of these numbers of keep-alive clients: the headline is the highest
# rate served within the latency target (the rate a deployment can sustain at that latency).
CLIENT_LEVELS = tuple(int(n) for n in os.environ.get("BENCH_CLIENT_LEVELS", "8,16,24").split(","))
P99_TARGET_MS = 100.0
# Server processes, as `vulndesk serve --workers 2` runs them on a 2-core machine.
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "10"))  # per phase and level
ENGINES = "sqlite,postgresql"
REPORT = {
    "product": "router",
    "version": "1.0",
    "description": "Stack overflow in the login handler of the web console",
    "steps": "POST /login with a 5000-byte user name",
    "impact": "remote code execution",
    "contact": "reporter@example.org",
}


def app_factory() -> FastAPI:
    """The real application, plus the bare baseline route, built from VULNDESK_* variables."""
    from vulndesk.bootstrap import build
    from vulndesk.entrypoints.api.app import create_app

    app = create_app(build())

    @app.get("/bench/bare")
    def bare() -> dict[str, Any]:
        return {}

    @app.get("/bench/process")
    def process() -> dict[str, Any]:
        """Which server process answers: the load generator spreads its connections by it."""
        return {"pid": os.getpid()}

    return app


def spread(host: str, workers: int = WORKERS) -> Spread:
    """Connections kept equally on the `served` app's processes (see `bench.loadgen`)."""
    return Spread(build_request("GET", "/bench/process", host), workers)


def _seed(env: dict[str, str]) -> str:
    from vulndesk.bootstrap import build
    from vulndesk.config import Settings
    from vulndesk.services import reference
    from vulndesk.services.context import Actor

    c = build(Settings.from_env(env))
    c.migrate()
    deps, actor = c.deps(), Actor("bench", "bench")
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
    token = _token(c, unit="hq")
    c.close()
    return token


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True)
class Level:
    """One phase at one number of clients."""

    clients: int
    outcome: Outcome

    @property
    def qualifies(self) -> bool:
        """Served within the latency target, with no unexpected answer."""
        return self.outcome.percentile(99) <= P99_TARGET_MS and not self.outcome.errors


@dataclass(frozen=True)
class Sweep:
    """A phase run at each number of clients in `CLIENT_LEVELS`. `best` is the headline: the
    highest rate among the levels within the latency target (else the highest rate) when the
    phase has a latency target (intake), the highest rate when it has none (reads)."""

    levels: tuple[Level, ...]
    latency_bound: bool = True

    @property
    def best(self) -> Level:
        within = [lv for lv in self.levels if lv.qualifies or not self.latency_bound]
        return max(within or self.levels, key=lambda lv: lv.outcome.rate)

    @property
    def bodies(self) -> list[bytes]:
        return [b for lv in self.levels for b in lv.outcome.bodies]

    @property
    def errors(self) -> int:
        return sum(sum(lv.outcome.errors.values()) for lv in self.levels)


async def sweep(
    run: Callable[..., Any],
    make: Callable[[int, int], bytes],
    *,
    expect: int,
    keep: bool = False,
    latency_bound: bool = True,
) -> Sweep:
    """`make` driven by `run` (a `drive` with its host, port and spread bound) at each of
    `CLIENT_LEVELS` clients; also used by `bench_cases` for its served reads."""
    levels = []
    for clients in CLIENT_LEVELS:
        out = await run(make, clients=clients, seconds=SECONDS, expect=expect, keep_bodies=keep)
        levels.append(Level(clients, out))
    return Sweep(tuple(levels), latency_bound)


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
    posted = await sweep(run, post, expect=201, keep=True)
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

    read_out = await sweep(run, read, expect=200, latency_bound=False)
    auth = {"Authorization": f"Bearer {token}"}
    pages = [build_request("GET", f"/api/v1/cases/{k}", host, headers=auth) for k in case_keys()]

    def page(n: int, i: int) -> bytes:
        return pages[(n * 7919 + i) % len(pages)]

    page_out = await sweep(run, page, expect=200, latency_bound=False)
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
    from vulndesk.services import audit_tools
    from vulndesk.services.ports import CaseFilter

    c = build(Settings.from_env(env))
    with c.uow() as uow:
        stored = uow.cases.count(CaseFilter())
    ok = audit_tools.verify(c.deps()).ok
    c.close()
    return stored, ok


def wait_ready(url: str, server: subprocess.Popen[bytes], seconds: float = 180.0) -> None:
    """Until the server answers; a loaded machine can take many seconds to import it."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the server exited with status {server.returncode}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise RuntimeError(f"the server did not answer {url} within {seconds:.0f} s")


def _case_keys(env: dict[str, str]) -> list[str]:
    """The keys of the cases stored so far (the ones the reports opened)."""
    from sqlalchemy import select

    from vulndesk.adapters.storage.tables import cases
    from vulndesk.bootstrap import build
    from vulndesk.config import Settings

    c = build(Settings.from_env(env))
    with c.engine.connect() as conn:
        keys = [str(k) for k in conn.execute(select(cases.c.key).limit(5000)).scalars()]
    c.close()
    return keys


@contextlib.contextmanager
def served(env: dict[str, str], workers: int = WORKERS) -> Iterator[int]:
    """The benchmark app (`app_factory`) served on a free port, as `vulndesk serve --workers N`
    runs it, until the block ends; yields the port."""
    port = free_port()
    if workers == 1:
        cmd = [sys.executable, "-m", "uvicorn", "bench.bench_intake:app_factory", "--factory"]
        cmd += ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
    else:
        script = (
            "from vulndesk.entrypoints.api.serving import run_processes; "
            f"run_processes('bench.bench_intake:app_factory', {workers}, host='127.0.0.1', "
            f"port={port}, log_level='warning')"
        )
        cmd = [sys.executable, "-c", script]
    server = subprocess.Popen(cmd, env=env, cwd=Path(__file__).resolve().parents[1])
    try:
        wait_ready(f"http://127.0.0.1:{port}/healthz", server)
        yield port
    finally:
        server.terminate()
        server.wait(timeout=30)


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
