"""Crash-safety harness: real `vulndesk serve` and `vulndesk worker` processes, killed at will.

A `Stack` is one vulndesk home on one database. `Service` runs one process of it on a free
port and kills it with SIGKILL; `IntakeLoad` drives public intake from client threads that
retry the same Idempotency-Key until a report is acknowledged, as a careful client would.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import signal
import socket
import subprocess
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import httpx

from tests.builders import open_case, seed_reference
from tests.conftest import TEST_KEYS
from tests.e2e.cli import VULNDESK
from vulndesk.bootstrap import Container, build
from vulndesk.config import Settings
from vulndesk.services.context import Actor

TRIALS = int(os.environ.get("VULNDESK_CRASH_TRIALS", "20"))
CLIENTS = int(os.environ.get("VULNDESK_CRASH_CLIENTS", "2"))
# Server processes (`vulndesk serve --workers N`); with more than one, single processes are
# killed too, and the supervisor replaces them while the others serve.
WORKERS = int(os.environ.get("VULNDESK_CRASH_WORKERS", "1"))
SEED = int(os.environ.get("VULNDESK_CRASH_SEED", str(random.randrange(1 << 30))))
SEEDER = Actor("crash-seeder", "test")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Stack:
    """One vulndesk home and database, migrated and seeded with an organisation."""

    home: Path
    database_url: str = ""
    env: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("VULNDESK_")}
        self.env |= {
            "VULNDESK_HOME": str(self.home),
            "VULNDESK_KEYS": TEST_KEYS,
            "VULNDESK_INTAKE_RATE": "100000000/60",
            "VULNDESK_INTAKE_UNIT": "hq",
            "VULNDESK_COOKIE_SECURE": "0",
            "NO_COLOR": "1",
        }
        if self.database_url:
            self.env["VULNDESK_DATABASE_URL"] = self.database_url

    def container(self) -> Container:
        return build(Settings.from_env(self.env))

    def prepare(self) -> None:
        c = self.container()
        try:
            c.migrate()
            seed_reference(c.deps(), SEEDER)
        finally:
            c.close()

    def seed_past_cases(self, count: int, rng: random.Random) -> None:
        """Cases whose clocks started days ago, so their thresholds are already crossed."""
        c = self.container()
        try:
            now = dt.datetime.now(dt.UTC)
            for _ in range(count):
                days = rng.choice((1.2, 1.6, 10.0))
                open_case(c.deps(), SEEDER, aware=now - dt.timedelta(days=days))
        finally:
            c.close()

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(VULNDESK), *args], env=self.env, capture_output=True, text=True, timeout=120
        )


class Service:
    """One `vulndesk serve` or `vulndesk worker` process that can be killed and restarted."""

    def __init__(self, stack: Stack, kind: str, name: str, workers: int = 1) -> None:
        self.stack, self.kind, self.name, self.workers = stack, kind, name, workers
        self.port = free_port() if kind == "serve" else 0
        self.proc: subprocess.Popen[bytes] | None = None
        self.log: IO[bytes] = (stack.home / f"{name}.log").open("ab")
        self.starts = 0

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        if self.kind == "serve":
            args = ["serve", "--host", "127.0.0.1", "--port", str(self.port)]
            args += ["--workers", str(self.workers)] if self.workers > 1 else []
        else:
            args = ["worker", "--interval", "1"]
        # A session of its own: a kill takes the supervisor and its server processes together.
        self.proc = subprocess.Popen(
            [str(VULNDESK), *args],
            env=self.stack.env,
            stdout=self.log,
            stderr=self.log,
            start_new_session=True,
        )
        self.starts += 1

    def wait_ready(self, timeout: float = 120) -> None:
        if self.kind != "serve":
            return
        deadline = time.monotonic() + timeout
        while True:
            try:
                if httpx.get(self.base + "/healthz", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            assert self.proc is not None
            if self.proc.poll() is not None or time.monotonic() > deadline:
                if self.proc.poll() is None:
                    # `vulndesk serve` dumps every thread's stack on SIGUSR1: show where it hangs.
                    before = Path(self.log.name).stat().st_size
                    self.proc.send_signal(signal.SIGUSR1)
                    self._await_stack_dump(before)
                raise RuntimeError(f"{self.name} did not come up; see {self.log.name}")
            time.sleep(0.05)

    def _await_stack_dump(self, offset: int, seconds: float = 10) -> None:
        """Poll the log past `offset` until the stack dump SIGUSR1 asks for is written (or
        `seconds` pass)."""
        path = Path(self.log.name)
        deadline = time.monotonic() + seconds
        while b"most recent call first" not in path.read_bytes()[offset:]:
            if time.monotonic() > deadline or self.proc is None or self.proc.poll() is not None:
                return
            time.sleep(0.05)

    def kill(self) -> None:
        """SIGKILL to every process of it: no shutdown handlers, no flush, open transactions
        cut off mid-way."""
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=30)
        self.proc = None

    def kill_one_process(self, rng: random.Random) -> bool:
        """SIGKILL one server process of several (the supervisor starts another); False if
        none was found."""
        if self.proc is None or self.proc.poll() is not None:
            return False
        found = subprocess.run(
            ["pgrep", "-P", str(self.proc.pid)], capture_output=True, text=True, check=False
        )
        pids = [int(p) for p in found.stdout.split()]
        if not pids:
            return False
        try:
            os.kill(rng.choice(pids), signal.SIGKILL)
        except ProcessLookupError:
            return False
        return True

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()
        self.proc = None
        self.log.close()


def report_body(key: str) -> dict[str, str]:
    # The key travels in the product field, which intake stores in clear, so the checks can
    # count stored reports per key without trusting the idempotency table they test.
    return {
        "product": f"crash-test {key}",
        "version": "1.0",
        "description": "Stack overflow in the login handler",
        "steps": "POST /login with a long user name",
        "impact": "remote code execution",
        "contact": "reporter@example.org",
    }


class IntakeLoad:
    """Client threads posting reports, each retried with the same key until acknowledged."""

    RETRYABLE = frozenset({409, 500, 502, 503, 504})

    def __init__(
        self,
        bases: list[str],
        clients: int = CLIENTS,
        patience_s: float = 180,
        acked: dict[str, str] | None = None,
    ) -> None:
        self.bases = bases
        self.clients = clients
        self.acked: dict[str, str] = {} if acked is None else acked
        self.retries = 0
        self.errors: list[str] = []
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._patience = patience_s
        self._threads = [
            threading.Thread(target=self._run, args=(n,), daemon=True) for n in range(clients)
        ]
        self._turn = 0

    def start(self) -> None:
        for t in self._threads:
            t.start()

    def stop(self) -> None:
        """Stop after each client's report in flight is acknowledged."""
        self._stop.set()
        for t in self._threads:
            if t.is_alive():
                t.join(timeout=self._patience + 30)
        assert not any(t.is_alive() for t in self._threads), "a client never got an answer"

    def _next_base(self) -> str:
        with self._lock:
            self._turn += 1
            return self.bases[self._turn % len(self.bases)]

    def _run(self, n: int) -> None:
        with httpx.Client(timeout=15) as client:
            while not self._stop.is_set():
                key = f"crash-{n}-{uuid.uuid4()}"
                tracking = self._post_until_acked(client, key)
                if tracking is None:
                    return
                with self._lock:
                    self.acked[key] = tracking

    def _post_until_acked(self, client: httpx.Client, key: str) -> str | None:
        body = report_body(key)
        give_up = time.monotonic() + self._patience
        while time.monotonic() < give_up:
            try:
                resp = client.post(
                    self._next_base() + "/api/v1/intake",
                    json=body,
                    headers={"Idempotency-Key": key},
                )
            except httpx.TransportError:
                resp = None
            if resp is not None and resp.status_code == 201:
                return str(resp.json()["tracking"])
            if resp is not None and resp.status_code not in self.RETRYABLE:
                with self._lock:
                    self.errors.append(f"{key}: {resp.status_code} {resp.text[:200]}")
                return None
            with self._lock:
                self.retries += 1
            time.sleep(0.05)
        with self._lock:
            self.errors.append(f"{key}: never acknowledged")
        return None
