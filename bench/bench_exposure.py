"""Benchmark: the exposure figures over 100,000 ledger entries (issue target: at most 5 s).

Builds 100,000 seeded disclosures over 20,000 cases to regulators, CSIRTs and customers, then
computes what the report computes from them: exposure windows, totals per government,
country, unit and customer, and the inequalities. The baseline, measured in the same run, is
one plain pass over the same disclosures summing their windows. Reading the rows from the
database is not included (the ledger list is measured by the storage benchmarks).
Writes bench/results/exposure.json; exits 1 when the target is missed.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import sys
import time
from pathlib import Path

from vulndesk.domain.exposure import CaseEnds, Disclosure, exposures, inequalities, totals

COUNT = 100_000
CASES = 20_000
TARGET_S = 5.0
RESULTS = Path(__file__).parent / "results" / "exposure.json"
RECIPIENTS = [
    ("miit-nvdb", "CN", "regulator"),
    ("cncert", "CN", "csirt"),
    ("cert-bund", "DE", "csirt"),
    ("enisa", "GR", "regulator"),
    ("cisa", "US", "csirt"),
    ("telco-cn", "CN", "customer"),
    ("carrier-de", "DE", "customer"),
]
FIELDS = ["summary", "harm", "scope_of_impact", "technical_characteristics", "trigger_location"]


def data(rng: random.Random) -> tuple[list[Disclosure], dict[str, CaseEnds], dt.datetime]:
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    told = []
    for n in range(COUNT):
        case = f"VD-2026-{rng.randrange(CASES):05d}"
        who, country, kind = rng.choice(RECIPIENTS)
        at = start + dt.timedelta(minutes=rng.randrange(0, 60 * 24 * 300))
        fields = tuple(sorted(rng.sample(FIELDS, rng.randrange(1, 4))))
        unit = rng.choice(["acme-cn", "acme-de", "acme-hq"])
        told.append(Disclosure(n + 1, case, unit, who, who, country, kind, at, fields, ()))
    ends = {}
    for c in range(CASES):
        fix = start + dt.timedelta(days=rng.randrange(0, 400))
        ends[f"VD-2026-{c:05d}"] = CaseEnds(fix if rng.random() < 0.7 else None)
    return told, ends, start + dt.timedelta(days=330)


def baseline(told: list[Disclosure], now: dt.datetime) -> float:
    return sum((now - d.at).total_seconds() for d in told)


def report(told: list[Disclosure], ends: dict[str, CaseEnds], now: dt.datetime) -> int:
    windows = exposures(told, ends, now)
    gov = [e for e in windows if e.disclosure.government]
    customers = [e for e in windows if e.disclosure.customer]
    groups = [
        totals(gov, lambda e: e.disclosure.recipient),
        totals(gov, lambda e: e.disclosure.country),
        totals(gov, lambda e: e.disclosure.unit),
        totals(customers, lambda e: e.disclosure.recipient),
    ]
    return len(windows) + sum(map(len, groups)) + len(inequalities(told))


def main() -> int:
    told, ends, now = data(random.Random(21))
    t0 = time.perf_counter()
    baseline(told, now)
    base = time.perf_counter() - t0
    t0 = time.perf_counter()
    size = report(told, ends, now)
    took = time.perf_counter() - t0
    row = {
        "name": f"exposure figures over {COUNT:,} ledger entries",
        "value": round(took, 3),
        "unit": "s",
        "baseline": round(base, 3),
        "target": TARGET_S,
        "passed": took <= TARGET_S,
        "rows": size,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(row, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(row))
    return 0 if row["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
