"""Benchmark: public intake reports/s and p99 latency, and case reads/s, on the real server.

Starts uvicorn in a subprocess on 127.0.0.1 with a temporary SQLite home, drives concurrent
httpx clients for a bounded time, and compares with a bare FastAPI route (`{}`) served by the
same process in the same run. Every intake report is durable (SQLite WAL, synchronous=FULL),
encrypted and audited; every read decrypts the case and appends an audit event.
Writes bench/results/intake.json. Run: .venv/bin/python bench/bench_intake.py
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI

RESULTS = Path(__file__).resolve().parent / "results" / "intake.json"
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "8"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "15"))
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

    return app


def _seed(env: dict[str, str]) -> None:
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
    c.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _drive(
    client: httpx.AsyncClient, request: Any, seconds: float, expect: int
) -> tuple[list[float], int, list[Any]]:
    """Run CLIENTS concurrent loops of `request` for `seconds`; latencies of successes."""
    latencies: list[float] = []
    errors = 0
    bodies: list[Any] = []
    deadline = time.perf_counter() + seconds

    async def loop(n: int) -> None:
        nonlocal errors
        i = 0
        while time.perf_counter() < deadline:
            i += 1
            t0 = time.perf_counter()
            r = await request(client, n, i)
            if r.status_code == expect:
                latencies.append(time.perf_counter() - t0)
                if expect == 201:
                    bodies.append(r.json())
            else:
                errors += 1

    await asyncio.gather(*(loop(n) for n in range(CLIENTS)))
    return latencies, errors, bodies


def _p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000 if ordered else 0.0


async def _measure(base: str) -> dict[str, Any]:
    limits = httpx.Limits(max_connections=CLIENTS, max_keepalive_connections=CLIENTS)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:

        async def bare(c: httpx.AsyncClient, n: int, i: int) -> httpx.Response:
            return await c.get("/bench/bare")

        async def post(c: httpx.AsyncClient, n: int, i: int) -> httpx.Response:
            return await c.post(
                "/api/v1/intake", json=REPORT, headers={"Idempotency-Key": str(uuid.uuid4())}
            )

        await _drive(client, bare, 1.0, 200)  # warm-up
        bare_lat, _, _ = await _drive(client, bare, min(SECONDS, 5.0), 200)
        bare_secs = min(SECONDS, 5.0)
        post_lat, post_err, receipts = await _drive(client, post, SECONDS, 201)
        tokens = [(r["tracking"], r["token"]) for r in receipts]

        async def read(c: httpx.AsyncClient, n: int, i: int) -> httpx.Response:
            tracking, token = tokens[(n * 7919 + i) % len(tokens)]
            return await c.get(
                f"/api/v1/intake/{tracking}/messages", headers={"Authorization": f"Bearer {token}"}
            )

        read_lat, read_err, _ = await _drive(client, read, SECONDS, 200) if tokens else ([], 0, [])
    return {
        "bare_rps": len(bare_lat) / bare_secs,
        "bare_p99": _p99(bare_lat),
        "post_rps": len(post_lat) / SECONDS,
        "post_p99": _p99(post_lat),
        "post_errors": post_err,
        "posted": len(receipts),
        "read_rps": len(read_lat) / SECONDS,
        "read_p99": _p99(read_lat),
        "read_errors": read_err,
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


def main() -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory() as home:
        env = dict(os.environ) | {
            "VULNDESK_HOME": home,
            "VULNDESK_INTAKE_RATE": "100000000/60",
            "VULNDESK_COOKIE_SECURE": "0",
        }
        _seed(env)
        port = _free_port()
        cmd = [sys.executable, "-m", "uvicorn", "bench.bench_intake:app_factory", "--factory"]
        cmd += ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
        cwd = Path(__file__).resolve().parents[1]
        server = subprocess.Popen(cmd, env=env, cwd=cwd)
        try:
            base = f"http://127.0.0.1:{port}"
            for _ in range(100):
                try:
                    if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.1)
            m = asyncio.run(_measure(base))
        finally:
            server.terminate()
            server.wait(timeout=30)
        stored, chain_ok = _durable(env, m["posted"])
    durable = stored == m["posted"] and chain_ok
    rows = [
        _row(
            "intake reports/s (durable, encrypted, audited)",
            m["post_rps"],
            "reports/s",
            m["bare_rps"],
            300,
            m["post_rps"] >= 300 and durable,
        ),
        _row("intake p99 latency", m["post_p99"], "ms", m["bare_p99"], 100, m["post_p99"] <= 100),
        _row(
            "case reads/s with audit event",
            m["read_rps"],
            "reads/s",
            m["bare_rps"],
            300,
            m["read_rps"] >= 300,
        ),
        _row("case read p99 latency", m["read_p99"], "ms", m["bare_p99"], None, None),
        _row("intake errors (non-201)", m["post_errors"], "requests", 0, 0, m["post_errors"] == 0),
        _row("reports stored vs acknowledged", stored, "cases", m["posted"], m["posted"], durable),
    ]
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    return rows


def _row(
    name: str, value: float, unit: str, baseline: float, target: float | None, passed: bool | None
) -> dict[str, Any]:
    return {
        "name": name,
        "value": round(value, 2),
        "unit": unit,
        "baseline": round(baseline, 2),
        "target": target,
        "passed": passed,
    }


if __name__ == "__main__":
    for row in main():
        print(json.dumps(row))
