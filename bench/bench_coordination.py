"""Benchmark: the console coordinator page of a case with 500 participants and 5,000 messages.

In-process (FastAPI TestClient) on a temporary SQLite database: 500 parties each invited with
one person, every participant with one approved status, 5,000 thread messages spread over the
shared thread and the private ones, an active embargo. The page is requested as a signed-in
coordinator; the figure is the median of `BENCH_COORD_REQUESTS` full responses (target: under
1 s). Baseline, measured in the same run: the same page for a case with no participants.
Writes bench/results/coordination.json. Run: .venv/bin/python -m bench.bench_coordination
"""

from __future__ import annotations

import datetime as dt
import json
import os
import statistics
import time
from pathlib import Path
from typing import Any

import pyotp
from fastapi.testclient import TestClient

from bench.engines import on_sqlite
from vulndesk.adapters.passwords import Argon2Hasher
from vulndesk.bootstrap import Container
from vulndesk.domain.coordination import Contact, ParticipantRole, ProductStatus
from vulndesk.domain.embargo import Embargo, EmbargoEventKind, new_event
from vulndesk.domain.ids import PartyId
from vulndesk.entrypoints.api.app import create_app
from vulndesk.services.access import rights as access
from vulndesk.services.accounts import users as accounts
from vulndesk.services.cases import lifecycle as cases
from vulndesk.services.cases import opening, reference

RESULTS = Path(__file__).resolve().parent / "results" / "coordination.json"
PARTICIPANTS = int(os.environ.get("BENCH_COORD_PARTICIPANTS", "500"))
MESSAGES = int(os.environ.get("BENCH_COORD_MESSAGES", "5000"))
REQUESTS = int(os.environ.get("BENCH_COORD_REQUESTS", "9"))
TARGET_S = 1.0
PASSWORD = "bench password long enough 1"  # noqa: S105 - a throwaway bench account


def _seed(c: Container) -> tuple[str, str, str]:
    """Reference data, a signed-in coordinator, a busy case and an empty one."""
    c.__dict__["passwords"] = Argon2Hasher(time_cost=1, memory_cost=1024)
    deps = c.deps()
    admin = access.person("bench", frozenset({"admin"}), None, "bench")
    reference.add_unit(deps, admin, id="cn", name="Acme SZ", country="CN", timezone="Asia/Shanghai")
    reference.add_product(
        deps, admin,
        reference.ProductInput(id="router", vendor="Acme", name="Router", model="R1",
                               versions=("1.0",), markets=("CN",)),
    )  # fmt: skip
    accounts.add_user(
        deps, admin, c.passwords, name="coord", email="coord@example.org",
        roles=["coordinator"], unit="cn", password=PASSWORD,
    )  # fmt: skip
    secret, _ = accounts.enroll_totp(deps, admin, "coord")
    busy = cases.open_case(
        deps, admin, opening.OpenCase(title="Busy", unit="cn", products={"router": ["1.0"]})
    )
    empty = cases.open_case(
        deps, admin, opening.OpenCase(title="Empty", unit="cn", products={"router": ["1.0"]})
    )
    for n in range(PARTICIPANTS):
        reference.add_party(deps, admin, id=f"p{n:04d}", name=f"Party {n}",
                            kind="downstream_maker", country="CN")  # fmt: skip
    now = c.clock.now()
    key = str(busy.key)
    ids: list[int] = []
    for start in range(0, PARTICIPANTS, 100):
        with c.uow() as uow:
            for n in range(start, min(start + 100, PARTICIPANTS)):
                p = uow.coordination.add_participant(
                    key, PartyId(f"p{n:04d}"), ParticipantRole.DOWNSTREAM_MAKER,
                    (Contact(f"Person {n}", f"psirt{n}@example.org"),), now, "coord",
                )  # fmt: skip
                ids.append(p.id)
                if n % 2 == 0:
                    s = uow.coordination.add_statement(
                        key, p.id, "router", ProductStatus.UNDER_INVESTIGATION, None, (),
                        "looking", now, "coord",
                    )  # fmt: skip
                    uow.coordination.approve_statement(key, s.id, now, "deputy")
            uow.commit()
    # Evidence rows are bound at commit, one clause per row: commit the messages in batches.
    for start in range(0, MESSAGES, 250):
        with c.uow() as uow:
            for m in range(start, min(start + 250, MESSAGES)):
                thread = None if m % 5 == 0 else ids[m % len(ids)]
                body = f"message {m} " + "x" * 200
                uow.coordination.add_message(key, thread, "coord", now, body)
            uow.commit()
    with c.uow() as uow:
        end = now + dt.timedelta(days=30)
        event, e = new_event(
            Embargo(), EmbargoEventKind.PROPOSED, now, "coord", "bench", end=end, zone="UTC"
        )
        uow.coordination.add_embargo_event(key, event)
        event, e = new_event(e, EmbargoEventKind.ACCEPTED, now, "coord", "bench")
        uow.coordination.add_embargo_event(key, event)
        uow.commit()
    return key, str(empty.key), secret


def _median(client: TestClient, path: str, cookie: dict[str, str]) -> float:
    times = []
    for _ in range(REQUESTS):
        start = time.perf_counter()
        r = client.get(path, headers=cookie)
        times.append(time.perf_counter() - start)
        if r.status_code != 200:
            raise RuntimeError(f"{path}: {r.status_code} {r.text[:300]}")
    return statistics.median(times)


def measure(c: Container, engine: str) -> list[dict[str, Any]]:
    c.migrate()
    busy, empty, secret = _seed(c)
    with TestClient(create_app(c), base_url="https://testserver") as client:
        body = {"name": "coord", "password": PASSWORD, "totp": pyotp.TOTP(secret).now()}
        r = client.post("/api/v1/session", json=body)
        if r.status_code != 200:
            raise RuntimeError(f"sign-in: {r.status_code} {r.text}")
        cookie = {"Cookie": f"vd_session={r.cookies['vd_session']}"}
        client.cookies.clear()
        baseline = _median(client, f"/cases/{empty}/coordination", cookie)
        value = _median(client, f"/cases/{busy}/coordination", cookie)
    return [
        {
            "name": f"coordinator page, {PARTICIPANTS} participants, {MESSAGES} messages",
            "engine": engine,
            "value": round(value, 3),
            "unit": "s (median)",
            "baseline": round(baseline, 3),
            "target": TARGET_S,
            "passed": value < TARGET_S,
        }
    ]


def main() -> list[dict[str, Any]]:
    rows = on_sqlite(measure)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    for row in rows:
        print(row)
    return rows


if __name__ == "__main__":
    main()
