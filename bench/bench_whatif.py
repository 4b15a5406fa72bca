"""Benchmark: a what-if over 100,000 open cases, against today's rules evaluated in the same run.

Builds 100,000 varied open cases (seeded, so runs compare), then times `rules.whatif.assess`
with the example tightening (docs/examples/what-if-cn-24h.toml) and the per-unit tally. The
baseline, measured in the same run on the same cases, is the engine evaluating the rule set
that file replaces (today's `cn-rmsv-2021`). Loading the cases from the store is not timed
here (bench_cases covers reads). Writes bench/results/whatif.json; exits 1 on a missed target.
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
from vulndesk.domain.ids import CaseKey, UnitId
from vulndesk.domain.obligations import Situation
from vulndesk.domain.products import ProductKind
from vulndesk.domain.severity import SeverityLevel
from vulndesk.rules import builtin_rule_sets, evaluate
from vulndesk.rules.loader import parse_rule_text
from vulndesk.rules.whatif import CaseInput, assess, tally

COUNT = 100_000
TARGET_SECONDS = 10.0
ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "docs" / "examples" / "what-if-cn-24h.toml"
RESULTS = Path(__file__).parent / "results" / "whatif.json"
NOW = dt.datetime(2026, 12, 3, 12, tzinfo=dt.UTC)
UNITS = [
    ("cn", "CN", "Asia/Shanghai"),
    ("de", "DE", "Europe/Berlin"),
    ("hq", "CN", "Asia/Shanghai"),
]


def _cases(rng: random.Random) -> list[CaseInput]:
    out = []
    for i in range(COUNT):
        unit, country, zone = rng.choice(UNITS)
        aware = NOW - dt.timedelta(minutes=rng.randrange(0, 60 * 24 * 120))
        events = {FactKind.AWARE: aware}
        if rng.random() < 0.6:
            events[FactKind.VERIFIED] = aware + dt.timedelta(hours=rng.randrange(0, 72))
        met = frozenset({"disclosure:nvdb-report"}) if rng.random() < 0.3 else frozenset()
        situation = Situation(
            country,
            frozenset({Role.PRODUCT_PROVIDER}),
            events,
            zone,
            rng.choice(list(ProductKind)),
            frozenset(rng.sample(["CN", "DE", "FR", "US"], rng.randint(1, 3))),
            rng.random() < 0.5,
            rng.random() < 0.3,
            rng.choice([None, *SeverityLevel]),
        )
        out.append(CaseInput(CaseKey(f"VD-2026-{i:06d}"), UnitId(unit), situation, met))
    return out


def main() -> int:
    cases = _cases(random.Random(20261203))
    hypothetical = parse_rule_text(EXAMPLE.read_text(encoding="utf-8"), EXAMPLE.name)
    today = [builtin_rule_sets()["cn-rmsv-2021"]]
    evaluate(cases[0].situation, today)  # load calendars and compile once, as a server has

    begin = time.perf_counter()
    produced = sum(len(evaluate(c.situation, today)) for c in cases)
    baseline = time.perf_counter() - begin

    begin = time.perf_counter()
    findings = assess(hypothetical, cases, NOW)
    tallies = tally(findings)
    seconds = time.perf_counter() - begin

    result = {
        "name": f"what-if over {COUNT:,} open cases (example CN 24 h file)",
        "value": round(seconds, 2),
        "unit": "s",
        "baseline": round(baseline, 2),
        "baseline_name": "today's cn-rmsv-2021 evaluated over the same cases",
        "findings": len(findings),
        "tallies": len(tallies),
        "obligations_today": produced,
        "target": TARGET_SECONDS,
        "passed": seconds <= TARGET_SECONDS,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))
    return 0 if result["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
