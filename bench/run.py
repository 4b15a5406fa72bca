"""Run every benchmark module (bench/bench_*.py) and write docs/performance.md from the results.

Each module has a `main()` that writes `bench/results/<name>.json`: an object or a list of
objects {name, value, unit, baseline, target, passed}. A module that fails is reported and
the others still run; the exit status is non-zero if any target was missed or a module failed.
"""

from __future__ import annotations

import importlib
import json
import sys
import time
import traceback
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
RESULTS = BENCH / "results"
DOC = BENCH.parent / "docs" / "performance.md"


def _rows(data: Any) -> list[dict[str, Any]]:
    return data if isinstance(data, list) else [data]


def _fmt(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:,.2f}"
    return str(value)


def write_doc(results: dict[str, list[dict[str, Any]]], failures: list[str]) -> None:
    lines = [
        "# Performance",
        "",
        "Written by `make bench` (`python -m bench.run`). Each figure stands beside a baseline",
        "measured in the same run on the same machine, because the machines are shared and noisy.",
        "",
        "| benchmark | engine | value | unit | baseline | target | met |",
        "|---|---|---|---|---|---|---|",
    ]
    for module, rows in sorted(results.items()):
        for r in rows:
            met = {True: "yes", False: "**no**", None: ""}[r.get("passed")]
            name = r.get("name", "")
            if r.get("clients"):
                name += f" ({r['clients']} clients)"
            lines.append(
                f"| {module}: {name} | {r.get('engine', '')} | {_fmt(r.get('value'))} | "
                f"{r.get('unit', '')} | {_fmt(r.get('baseline'))} | {_fmt(r.get('target'))} | {met} |"
            )
    if failures:
        lines += ["", "Modules that failed in the last run: " + ", ".join(failures)]
    extra = BENCH / "NOTES.md"
    if extra.exists():
        lines += ["", extra.read_text(encoding="utf-8").strip()]
    DOC.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main(argv: list[str]) -> int:
    """Run the named benchmarks (default: all); `--report-only` rewrites the doc from results."""
    report_only = "--report-only" in argv
    argv = [a for a in argv if a != "--report-only"]
    names = [] if report_only else (argv or sorted(p.stem for p in BENCH.glob("bench_*.py")))
    results: dict[str, list[dict[str, Any]]] = {}
    failures: list[str] = []
    for name in names:
        started = time.monotonic()
        print(f"== {name}", flush=True)
        try:
            sys.argv = [name]  # modules read their own optional arguments from argv
            importlib.import_module(f"bench.{name}").main()
        except Exception:  # noqa: BLE001 - one failing benchmark must not hide the others
            traceback.print_exc()
            failures.append(name)
        print(f"   {time.monotonic() - started:.1f} s", flush=True)
    for path in sorted(RESULTS.glob("*.json")):
        results[path.stem] = _rows(json.loads(path.read_text(encoding="utf-8")))
    write_doc(results, failures)
    missed = [r["name"] for rows in results.values() for r in rows if r.get("passed") is False]
    if missed:
        print("targets missed: " + ", ".join(missed))
    return 1 if failures or missed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
