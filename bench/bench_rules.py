"""Benchmark: fact sets evaluated per second by the rules engine on one core.

Evaluates every built-in rule set over 20,000 varied situations (seeded, so runs compare)
and measures, in the same run, a baseline: building the same Situation objects only.
Writes bench/results/rules.json; exits 1 when the target is missed.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import sys
import time
from pathlib import Path

from vulndesk.domain.cases import Role
from vulndesk.domain.facts import FactKind
from vulndesk.domain.obligations import Situation
from vulndesk.domain.products import ProductKind
from vulndesk.domain.severity import SeverityLevel
from vulndesk.rules import builtin_rule_sets, evaluate

COUNT = 20_000
TARGET = 10_000
RESULTS = Path(__file__).parent / "results" / "rules.json"
ZONES = ["UTC", "Asia/Shanghai", "Europe/Brussels", "America/New_York", "Europe/Berlin"]
COUNTRIES = ["CN", "DE", "FR", "US", "NL", "JP"]
WINDOWS = ["48h", "2d", "2wd"]


def _inputs(rng: random.Random) -> list[tuple[dict[str, object], dict[str, str]]]:
    start = dt.datetime(2026, 9, 1, tzinfo=dt.UTC)
    rows = []
    for _ in range(COUNT):
        aware = start + dt.timedelta(minutes=rng.randrange(0, 60 * 24 * 500))
        events = {FactKind.AWARE: aware}
        for kind in (
            FactKind.VERIFIED,
            FactKind.EXPLOITATION_AWARE,
            FactKind.FIX_AVAILABLE,
            FactKind.MEASURES_TAKEN,
            FactKind.INCIDENT_AWARE,
        ):
            if rng.random() < 0.5:
                events[kind] = aware + dt.timedelta(hours=rng.randrange(0, 24 * 30))
        fields: dict[str, object] = {
            "org_country": rng.choice(COUNTRIES),
            "roles": frozenset(rng.sample(list(Role), rng.randint(1, 2))),
            "events": events,
            "org_timezone": rng.choice(ZONES),
            "product_kind": rng.choice(list(ProductKind)),
            "markets": frozenset(rng.sample(COUNTRIES, rng.randint(1, 3))),
            "users_must_act": rng.random() < 0.5,
            "upstream_component": rng.random() < 0.3,
            "severity": rng.choice([None, *SeverityLevel]),
        }
        options = {"cn-rmsv-2021.report_window": rng.choice(WINDOWS)}
        rows.append((fields, options))
    return rows


def main() -> int:
    rng = random.Random(20260911)
    rows = _inputs(rng)
    rule_sets = list(builtin_rule_sets().values())
    evaluate(Situation("CN", frozenset({Role.PRODUCT_PROVIDER}), {}), rule_sets)  # load once

    begin = time.perf_counter()
    situations = [(Situation(**fields), options) for fields, options in rows]  # type: ignore[arg-type]
    baseline_seconds = time.perf_counter() - begin

    begin = time.perf_counter()
    produced = 0
    for situation, options in situations:
        produced += len(evaluate(situation, rule_sets, options))
    seconds = time.perf_counter() - begin

    rate = COUNT / seconds
    result = {
        "name": "rules.evaluate fact sets per second (4 built-in rule sets, one core)",
        "value": round(rate, 1),
        "unit": "fact sets/s",
        "baseline": round(COUNT / baseline_seconds, 1),
        "baseline_name": "Situation objects built per second from the same inputs",
        "obligations_per_fact_set": round(produced / COUNT, 2),
        "target": TARGET,
        "passed": rate >= TARGET,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))
    return 0 if result["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
