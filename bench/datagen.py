"""Bulk test data for benchmarks: many cases and stored obligations, inserted in batches."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import Engine, insert, select

from vulndesk.adapters.storage.tables import cases, obligations, org_units

UNITS = [
    ("hq", "US", "America/Los_Angeles"),
    ("cn", "CN", "Asia/Shanghai"),
    ("de", "DE", "Europe/Berlin"),
]
NOW = dt.datetime(2026, 11, 2, 1, 0, tzinfo=dt.UTC)
# Most stored obligations belong to closed cases: met or not applicable; a minority is live.
STATUSES = [
    ("met", 0.70),
    ("open", 0.15),
    ("overdue", 0.03),
    ("not_applicable", 0.10),
    ("waived", 0.02),
]
OBLIGATIONS = [
    "cn-rmsv-2021/report-to-nvdb",
    "cn-rmsv-2021/notify-users",
    "eu-cra/early-warning",
    "eu-cra/notification",
    "eu-cra/final-report",
]


@dataclass(frozen=True)
class Counts:
    cases: int = 200_000
    per_case: int = 5
    batch: int = 20_000


def ensure_units(engine: Engine) -> None:
    with engine.begin() as conn:
        have = {r.id for r in conn.execute(select(org_units.c.id))}
        rows = [
            {"id": u, "name": u, "country": c, "timezone": z, "parent_id": None}
            for u, c, z in UNITS
            if u not in have
        ]
        if rows:
            conn.execute(insert(org_units), rows)


def _case_rows(start: int, stop: int, rng: random.Random) -> Iterator[dict[str, object]]:
    for n in range(start, stop):
        at = NOW - dt.timedelta(minutes=rng.randrange(0, 60 * 24 * 720))
        yield {
            "id": n + 1,
            "key": f"VD-B-{n + 1:07d}",
            "title": "bench case",
            "unit_id": UNITS[n % 3][0],
            "roles": ["product_provider"],
            "state": "open",
            "products": [],
            "upstream_component": False,
            "members": [],
            "options": {},
            "created_at": at,
            "created_by": "bench",
            "updated_at": at,
            "version": 1,
        }


def _status(rng: random.Random) -> str:
    x, acc = rng.random(), 0.0
    for status, share in STATUSES:
        acc += share
        if x < acc:
            return status
    return STATUSES[-1][0]


def _obligation_rows(
    case_rows: list[dict[str, object]], per_case: int, rng: random.Random
) -> list[dict[str, object]]:
    rows = []
    for c in case_rows:
        trigger = c["created_at"]
        assert isinstance(trigger, dt.datetime)
        for i in range(per_case):
            status = _status(rng)
            due = trigger + dt.timedelta(hours=rng.choice([24, 48, 72, 24 * 14, 24 * 90]))
            if status == "open":  # open work is mostly still ahead
                due = NOW + dt.timedelta(minutes=rng.randrange(-600, 60 * 24 * 120))
            rows.append(
                {
                    "case_id": c["id"],
                    "unit_id": c["unit_id"],
                    "obligation_id": f"{OBLIGATIONS[i % 5]}#{i // 5}",
                    "regulation": "bench",
                    "article": "Art. 1",
                    "action": "report",
                    "action_zh": "",
                    "recipient": "regulator",
                    "trigger": "aware",
                    "trigger_at": trigger,
                    "timing": "deadline",
                    "due_at": due,
                    "period": "48h",
                    "timezone": "UTC",
                    "satisfied_fact": None,
                    "satisfied_disclosure": None,
                    "status": status,
                    "met_at": due if status == "met" else None,
                    "met_ref": None,
                    "waived_reason": None,
                    "waived_by": [],
                    "interpretation": {},
                    "flags": [],
                    "updated_at": trigger,
                }
            )
    return rows


def generate(engine: Engine, counts: Counts = Counts(), seed: int = 7) -> int:
    """Insert counts.cases cases with counts.per_case obligations each; returns obligations added."""
    ensure_units(engine)
    rng = random.Random(seed)
    per_batch = max(counts.batch // counts.per_case, 1)
    added = 0
    for start in range(0, counts.cases, per_batch):
        stop = min(start + per_batch, counts.cases)
        case_rows = list(_case_rows(start, stop, rng))
        ob_rows = _obligation_rows(case_rows, counts.per_case, rng)
        with engine.begin() as conn:
            conn.execute(insert(cases), case_rows)
            conn.execute(insert(obligations), ob_rows)
        added += len(ob_rows)
    return added
