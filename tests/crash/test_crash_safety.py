"""Crash safety: server and worker killed with SIGKILL under intake load, on both engines.

Each trial lets load run for a random moment, then kills the app server, the worker or both,
and restarts them while clients keep retrying. Afterwards nothing acknowledged may be lost,
nothing may be stored twice, the database and the audit chain must be intact, and the
outbox must finish its work with no escalation delivered twice.
VULNDESK_CRASH_TRIALS sets the number of trials (20 by default), VULNDESK_CRASH_ROUND how
many run between full checks (20), VULNDESK_CRASH_CLIENTS the client threads (2), and
VULNDESK_CRASH_SEED replays a run, and VULNDESK_CRASH_WORKERS (1) runs the server as several
processes, of which single ones are killed too. Each round's verified totals go to
<home>/rounds.log.
"""

from __future__ import annotations

import os
import random
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.crash import checks
from tests.crash.harness import SEED, TRIALS, WORKERS, IntakeLoad, Service, Stack
from tests.pg import PgServer
from tests.waiting import until

pytestmark = [pytest.mark.xdist_group("crash"), pytest.mark.slow]
ROUND = int(os.environ.get("VULNDESK_CRASH_ROUND", "20"))


@dataclass
class Outcome:
    """What a run did, added up over its rounds; every round ends verified."""

    trials: int = 0
    rounds: int = 0
    kills: Counter[str] = field(default_factory=Counter)
    retries: int = 0
    escalations: int = 0
    orphaned_claims: int = 0
    audit: str = ""
    acked: dict[str, str] = field(default_factory=dict)

    def line(self, seed: int, engine: str, seconds: float) -> str:
        return (
            f"crash run seed={seed} engine={engine} processes={WORKERS}: {self.trials} trials in {self.rounds} "
            f"rounds, kills {dict(self.kills)}, {len(self.acked)} reports acknowledged, "
            f"{self.retries} retries, {self.escalations} escalations delivered once each "
            f"({self.orphaned_claims} claims left by killed workers), audit {self.audit}, "
            f"{seconds:.0f} s"
        )


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def stack(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Stack]:
    home = tmp_path / "home"
    home.mkdir()
    if request.param == "sqlite":
        s = Stack(home)
        s.prepare()
        yield s
        return
    server: PgServer = request.getfixturevalue("pg_server")
    name = f"crash{os.getpid()}"
    admin = create_engine(server.url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    s = Stack(home, server.url(name))
    s.prepare()
    yield s
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _progress(load: IntakeLoad, reports: int) -> None:
    """Wait until the clients have `reports` more reports acknowledged."""
    start = len(load.acked)
    until(lambda: len(load.acked) >= start + reports, f"{reports} more acknowledged reports")


def _retried(load: IntakeLoad) -> None:
    """Wait until a client has met the dead server and retried."""
    start = load.retries
    until(lambda: load.retries > start, "a client retrying against the dead server")


def run_round(stack: Stack, trials: int, rng: random.Random, out: Outcome) -> None:
    """`trials` kills under load, then every check; `out` accumulates across rounds."""
    server = Service(stack, "serve", "server", WORKERS)
    work = Service(stack, "worker", "worker")
    load = IntakeLoad([server.base], acked=out.acked)
    try:
        server.start()
        work.start()
        server.wait_ready()
        stack.seed_past_cases(2, rng)
        load.start()
        for trial in range(trials):
            _progress(load, rng.randint(1, 20))  # a kill lands amid the clients' work
            victims = rng.choice((("server",), ("server",), ("worker",), ("server", "worker")))
            if WORKERS > 1 and rng.random() < 0.5 and server.kill_one_process(rng):
                out.kills["server process"] += 1  # one of several: the others keep serving
                server.wait_ready()
                continue
            for victim in victims:
                (server if victim == "server" else work).kill()
                out.kills[victim] += 1
            if "server" in victims:  # clients meet a dead port meanwhile
                _retried(load)
            for victim in victims:
                (server if victim == "server" else work).start()
            if trial % 2 == 0:
                stack.seed_past_cases(10, rng)  # work for the worker to be killed in
            server.wait_ready()
        _progress(load, 5)  # the restarted stack acknowledges again
        load.stop()
        work.kill()  # the last crash: whatever it held must still be delivered once
        checks.check_replay([server.base], load.acked)
    finally:
        load.stop()
        work.stop()
        server.stop()
    assert not load.errors, load.errors[:5]
    checks.check_intake(stack, load.acked)
    checks.check_integrity(stack)
    out.audit = checks.audit_verify(stack)
    out.orphaned_claims += checks.drain_outbox(stack)
    out.escalations = checks.check_outbox(stack)
    checks.check_integrity(stack)
    out.trials += trials
    out.rounds += 1
    out.retries += load.retries


def test_nothing_lost_or_doubled_across_crashes(stack: Stack) -> None:
    rng = random.Random(SEED)
    started = time.monotonic()
    engine = stack.database_url.split(":")[0] or "sqlite"
    out = Outcome()
    with (stack.home / "rounds.log").open("w", encoding="utf-8") as log:
        while out.trials < TRIALS:
            run_round(stack, min(ROUND, TRIALS - out.trials), rng, out)
            log.write(out.line(SEED, engine, time.monotonic() - started) + "\n")
            log.flush()
    print("\n" + out.line(SEED, engine, time.monotonic() - started))
    assert len(out.acked) > out.trials
    assert sum(out.kills.values()) >= out.trials
    assert out.escalations >= 3, "the seeded past-due cases must have escalated"
