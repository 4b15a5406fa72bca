"""What the served benchmarks share: the app they serve, the server processes, the client
levels swept and a coordinator's API token (used by `bench_intake`, `bench_cases`, `bench_pages`)."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pyotp
from fastapi import FastAPI

from bench.loadgen import Outcome, Spread, build_request
from vulndesk.adapters.passwords import Argon2Hasher
from vulndesk.bootstrap import Container
from vulndesk.services.accounts import signin as accounts_auth
from vulndesk.services.accounts import users as accounts
from vulndesk.services.context import Actor

# Each phase runs at each of these numbers of keep-alive clients: the headline is the highest
# rate served within the latency target (the rate a deployment can sustain at that latency).
CLIENT_LEVELS = tuple(int(n) for n in os.environ.get("BENCH_CLIENT_LEVELS", "8,16,24").split(","))
P99_TARGET_MS = 100.0
# Server processes, as `vulndesk serve --workers 2` runs them on a 2-core machine.
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "10"))  # per phase and level


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


def coordinator_token(c: Container, unit: str = "cn") -> str:
    """A coordinator's API token (all-case access), made the way an administrator makes one."""
    c.__dict__["passwords"] = Argon2Hasher(time_cost=1, memory_cost=1024)  # bench, not prod
    deps, admin = c.deps(), Actor("bench", "bench")
    name = f"benchcoord{int(time.time())}"  # a kept database already has earlier ones
    accounts.add_user(
        deps,
        admin,
        c.passwords,
        name=name,
        email=f"{name}@example.org",
        roles=["coordinator"],
        unit=unit,
        password="correct horse battery staple",  # noqa: S106 - a throwaway bench account
    )
    secret, _ = accounts.enroll_totp(deps, admin, name)
    code = pyotp.TOTP(secret).at(c.clock.now())
    issued = accounts_auth.create_token(deps, admin, name, frozenset({"read", "write"}), 30, code)
    return issued.secret


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
    `CLIENT_LEVELS` clients; used by `bench_intake` and `bench_cases`."""
    levels = []
    for clients in CLIENT_LEVELS:
        out = await run(make, clients=clients, seconds=SECONDS, expect=expect, keep_bodies=keep)
        levels.append(Level(clients, out))
    return Sweep(tuple(levels), latency_bound)


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


@contextlib.contextmanager
def served(env: dict[str, str], workers: int = WORKERS) -> Iterator[int]:
    """The benchmark app (`app_factory`) served on a free port, as `vulndesk serve --workers N`
    runs it, until the block ends; yields the port."""
    port = free_port()
    if workers == 1:
        cmd = [sys.executable, "-m", "uvicorn", "bench.harness:app_factory", "--factory"]
        cmd += ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
    else:
        script = (
            "from vulndesk.entrypoints.api.serving import run_processes; "
            f"run_processes('bench.harness:app_factory', {workers}, host='127.0.0.1', "
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
