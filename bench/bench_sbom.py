"""Benchmark: an SBOM of 10,000 components matched against 1,000 affected version ranges.

Writes bench/results/sbom.json, a list of {name, value, unit, baseline, target, passed}. The
baseline, measured in the same run, is indexing the same component purls by package name
without any version parsing: the least work any matcher has to do.
Run: .venv/bin/python bench/bench_sbom.py
"""

from __future__ import annotations

import json
import random
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from vulndesk.rules.matching import AffectedPackage, ComponentRow, find_affected

RESULTS = Path(__file__).resolve().parent / "results" / "sbom.json"
COMPONENTS = 10_000
RANGES = 1_000
TARGET_SECONDS = 2.0
ECOSYSTEMS = ("npm", "pypi", "generic")


def components(rng: random.Random) -> list[ComponentRow]:
    """10,000 components over 5 product versions; package names repeat across versions."""
    rows = []
    for i in range(COMPONENTS):
        eco = ECOSYSTEMS[i % len(ECOSYSTEMS)]
        version = f"{rng.randint(0, 5)}.{rng.randint(0, 20)}.{rng.randint(0, 30)}"
        rows.append(ComponentRow(f"product-{i % 5}", "1.0", f"pkg:{eco}/lib-{i % 4000}@{version}"))
    return rows


def ranges(rng: random.Random) -> list[AffectedPackage]:
    """1,000 ranges; about two in three name a package the SBOM contains."""
    out = []
    for _ in range(RANGES):
        eco = rng.choice(ECOSYSTEMS)
        low, high = rng.randint(0, 3), rng.randint(4, 6)
        vers = f"vers:{eco}/>={low}.0.0|<{high}.{rng.randint(0, 20)}.0"
        out.append(AffectedPackage(f"pkg:{eco}/lib-{rng.randint(0, 6000)}", vers))
    return out


def best_of(repeats: int, work: Callable[[], Any]) -> float:
    """The fastest of `repeats` runs, in seconds: the least disturbed by the rest of the machine."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


def baseline(rows: list[ComponentRow], wanted: list[AffectedPackage]) -> int:
    index: dict[str, list[ComponentRow]] = defaultdict(list)
    for row in rows:
        index[row.purl.split("@", 1)[0]].append(row)
    return sum(len(index.get(a.purl, [])) for a in wanted)


def main() -> list[dict[str, Any]]:
    rng = random.Random(20261102)
    rows, wanted = components(rng), ranges(rng)
    matches = find_affected(rows, wanted)
    assert matches, "the generated data should contain affected components"
    value = best_of(3, lambda: find_affected(rows, wanted))
    base = best_of(3, lambda: baseline(rows, wanted))
    results = [
        {
            "name": f"sbom_match_{COMPONENTS}x{RANGES}",
            "value": round(value * 1000, 2),
            "unit": "ms",
            "baseline": round(base * 1000, 2),
            "target": TARGET_SECONDS * 1000,
            "passed": value <= TARGET_SECONDS,
        }
    ]
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    for r in results:
        verdict = "ok" if r["passed"] else "MISSED"
        print(
            f"{r['name']:<30} {r['value']:>9.2f} ms  (baseline {r['baseline']:.2f} ms, {len(matches)} matches) {verdict}"
        )
    return results


if __name__ == "__main__":
    main()
