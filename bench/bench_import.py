"""Benchmark: importing a CycloneDX SBOM of 10,000 components, atomically, on both engines.

Times services.imports.import_sbom (parse, validate every purl, replace the product
version's component list, audit) in one transaction. The baseline, measured in the same
run, is `json.loads` of the same document. A second import whose last component is broken
must leave the first import's components untouched: that row checks atomicity.
Writes bench/results/import.json. Run: .venv/bin/python -m bench.bench_import
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

from bench.engines import on_postgres, on_sqlite
from vulndesk.bootstrap import Container
from vulndesk.domain.errors import InvalidInput
from vulndesk.services.access import rights as access
from vulndesk.services.cases import reference
from vulndesk.services.publication import imports

RESULTS = Path(__file__).parent / "results" / "import.json"
ITEMS = 10_000
TARGET = 1_000.0  # items per second
ECOSYSTEMS = ("npm", "pypi", "generic", "maven")


def sbom(items: int, broken_last: bool = False) -> bytes:
    components: list[dict[str, Any]] = []
    for i in range(items):
        eco = ECOSYSTEMS[i % len(ECOSYSTEMS)]
        ns = "org.acme/" if eco == "maven" else ""
        purl = f"pkg:{eco}/{ns}lib-{i}@{i % 7}.{i % 13}.{i % 5}"
        components.append({"type": "library", "name": f"lib-{i}", "purl": purl})
    if broken_last:
        components[-1]["purl"] = "not a purl"
    doc = {
        "bomFormat": "CycloneDX",
        "specVersion": "1.5",
        "version": 1,
        "metadata": {"component": {"type": "firmware", "name": "router", "version": "1.0"}},
        "components": components,
    }
    return json.dumps(doc).encode()


def measure(c: Container, engine: str) -> list[dict[str, Any]]:
    c.migrate()
    deps, actor = c.deps(), access.person("bench", {"admin"}, source="bench")
    reference.add_unit(deps, actor, id="hq", name="Acme", country="CN", timezone="Asia/Shanghai")
    reference.add_product(
        deps,
        actor,
        reference.ProductInput(
            id="router", vendor="Acme", name="Router", model="R-1", versions=("1.0",)
        ),
    )
    good, bad = sbom(ITEMS), sbom(ITEMS, broken_last=True)
    readers = c.document_readers
    imports.import_sbom(deps, actor, readers, "router", sbom(100), "1.0")  # warm up
    t0 = time.perf_counter()
    json.loads(good)
    base = time.perf_counter() - t0
    t0 = time.perf_counter()
    stored = imports.import_sbom(deps, actor, readers, "router", good, "1.0")
    took = time.perf_counter() - t0
    try:
        imports.import_sbom(deps, actor, readers, "router", bad, "1.0")
        refused = False
    except InvalidInput:
        refused = True
    kept = len(imports.affected_package(deps, actor, "pkg:npm/lib-0"))
    rate = stored / took
    return [
        {
            "name": f"SBOM import ({ITEMS:,} components, one transaction)",
            "engine": engine,
            "value": round(rate, 1),
            "unit": "items/s",
            "baseline": round(ITEMS / base, 1),
            "target": TARGET,
            "passed": stored == ITEMS and rate >= TARGET,
        },
        {
            "name": "broken SBOM import leaves the stored components (atomic)",
            "engine": engine,
            "value": int(refused and kept == 1),
            "unit": "1 = yes",
            "baseline": 1,
            "target": 1,
            "passed": refused and kept == 1,
        },
    ]


def main() -> int:
    rows = on_sqlite(measure) + on_postgres(measure, "import_bench")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    for r in rows:
        print(json.dumps(r))
    return 0 if all(r["passed"] is not False for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
