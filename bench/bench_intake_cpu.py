"""Benchmark: CPU time per public report stored in-process (plan, store, audit, commit).

Process CPU time barely depends on what else the machine runs, so this compares two codes
more steadily than the served throughput of `bench_intake` on a shared machine. Each code
runs in its own subprocess on a fresh SQLite home: the current code, and with
`BENCH_BASELINE_SRC` (the `src/` folder of another checkout) that code too, in the same run.
Writes bench/results/intake_cpu.json. Run: .venv/bin/python -m bench.bench_intake_cpu
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results" / "intake_cpu.json"
REPORTS = int(os.environ.get("BENCH_CPU_REPORTS", "400"))
ROUNDS = 3  # the best of three: the least disturbed round

_CHILD = """
import sys, tempfile, time
from vulndesk.bootstrap import build
from vulndesk.config import Settings
from vulndesk.services.access import rights as access
from vulndesk.services.intake import public as intake
from vulndesk.services.cases import reference
from vulndesk.services.context import Actor

with tempfile.TemporaryDirectory() as home:
    c = build(Settings.from_env({"VULNDESK_HOME": home}))
    c.migrate()
    deps, actor = c.deps(), access.person("bench", {"admin"}, source="bench")
    reference.add_unit(deps, actor, id="hq", name="Acme", country="CN", timezone="Asia/Shanghai")
    reference.add_product(deps, actor, reference.ProductInput(
        id="router", vendor="Acme", name="Router", model="R-1", versions=("1.0",), markets=("CN",)))
    req = intake.IntakeRequest(product="router", version="1.0",
        description="Stack overflow in the login handler", steps="POST /login", impact="RCE")
    for _ in range(20):
        intake.submit_report(deps, req)
    best = None
    for _ in range(ROUNDS):
        started = time.process_time()
        for _ in range(REPORTS):
            intake.submit_report(deps, req)
        spent = (time.process_time() - started) * 1000 / REPORTS
        best = spent if best is None else min(best, spent)
    c.close()
    print(best)
"""


def _cpu_ms(src: str) -> float:
    """CPU milliseconds per report for the code under `src`."""
    root = str(Path(__file__).resolve().parents[1])
    env = os.environ | {"PYTHONPATH": os.pathsep.join([src, root])}
    env.pop("VULNDESK_DATABASE_URL", None)
    script = f"REPORTS = {REPORTS}\nROUNDS = {ROUNDS}\n" + _CHILD
    out = subprocess.run(
        [sys.executable, "-c", script], env=env, check=True, capture_output=True, text=True
    )
    return float(out.stdout.strip().splitlines()[-1])


def main() -> list[dict[str, Any]]:
    current = _cpu_ms(str(Path(__file__).resolve().parents[1] / "src"))
    rows: list[dict[str, Any]] = []
    baseline_src = os.environ.get("BENCH_BASELINE_SRC", "")
    before = _cpu_ms(baseline_src) if baseline_src else None
    row = {"name": "intake CPU per report (in-process, SQLite)", "value": round(current, 3)}
    row |= {"unit": "ms", "engine": "sqlite"}
    if before is None:
        rows.append(row | {"baseline": None, "target": None, "passed": None})
    else:
        # A loss of up to 30 % in rate is up to 1/0.7 times the CPU per report.
        limit = round(before / 0.7, 3)
        rows.append(
            row | {"baseline": round(before, 3), "target": limit, "passed": current <= limit}
        )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    return rows


if __name__ == "__main__":
    for r in main():
        print(json.dumps(r))
