"""Benchmark: verifying the audit hash chain, 1,000,000 events (200,000 by default).

Generates a valid chain with bench.datagen, then times services.audit_tools.verify over all
of it, on SQLite and PostgreSQL. The baseline, measured in the same run, is reading the same
rows through the same reader without checking them: the cost of the I/O alone. The
target scales with the size: 1,000,000 events in at most 10 s.
Writes bench/results/audit.json. Run: .venv/bin/python -m bench.bench_audit
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from bench.datagen import generate_audit, scale
from bench.engines import on_postgres, on_sqlite
from vulndesk.bootstrap import Container
from vulndesk.services.audit import checkpoints as audit_tools
from vulndesk.services.audit import verify as audit_verify

RESULTS = Path(__file__).parent / "results" / "audit.json"
# BENCH_EVENTS overrides the size, for a quick look.
EVENTS = int(os.environ.get("BENCH_EVENTS", "0")) or scale(1_000_000, 200_000)
TARGET_PER_MILLION_S = 10.0


def _read_only(c: Container) -> int:
    """The rows the verifier reads, in the same ranges, without hashing them."""
    seen, start, batch = 0, 1, audit_verify.BATCH
    while True:
        with c.uow() as uow:
            log = uow.audit
            assert isinstance(log, audit_verify.AuditChainReader)
            got = sum(1 for _ in log.chain_rows(start, start + batch - 1))
        seen += got
        start += got
        if got < batch:
            return seen


def measure(c: Container, engine: str) -> list[dict[str, Any]]:
    c.migrate()
    t0 = time.perf_counter()
    generate_audit(c.engine, EVENTS)
    gen_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    seen = _read_only(c)
    base_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    result = audit_tools.verify(c.deps())
    took = time.perf_counter() - t0
    target = TARGET_PER_MILLION_S * EVENTS / 1_000_000
    ok = result.ok and result.checked == EVENTS == seen
    return [
        {
            "name": f"audit events generated ({EVENTS:,})",
            "engine": engine,
            "value": round(gen_s, 1),
            "unit": "s",
            "baseline": None,
            "target": None,
            "passed": None,
        },
        {
            "name": f"audit chain verification ({EVENTS:,} events)",
            "engine": engine,
            "value": round(took, 2),
            "unit": "s",
            "baseline": round(base_s, 2),
            "target": round(target, 2),
            "passed": ok and took <= target,
        },
    ]


def main() -> int:
    rows = on_sqlite(measure) + on_postgres(measure, "audit_bench")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    for r in rows:
        print(json.dumps(r))
    return 0 if all(r["passed"] is not False for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
