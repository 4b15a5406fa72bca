"""Benchmark: build and schema-validate CSAF 2.0 advisories with 1,000 and 10,000 product versions.

Writes bench/results/csaf.json, a list of {name, value, unit, baseline, target, passed}. The
baseline is `json.dumps` of the same document: the cost of merely serialising that much data.
Run: .venv/bin/python bench/bench_csaf.py
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from vulndesk.domain.cases import AffectedProduct, Case, Role
from vulndesk.domain.ids import CaseKey, ProductId, UnitId
from vulndesk.domain.products import Product, ProductKind
from vulndesk.domain.severity import Severity
from vulndesk.exporters.advisories.advisory import (
    AdvisoryInput,
    Publisher,
    Revision,
    Tracking,
    TrackingStatus,
)
from vulndesk.exporters.advisories.csaf import build_csaf
from vulndesk.exporters.validation import validate_csaf

RESULTS = Path(__file__).resolve().parent / "results" / "csaf.json"
T0 = dt.datetime(2026, 3, 10, 2, 0, tzinfo=dt.UTC)
VERSIONS_PER_PRODUCT = 100
# Seconds allowed for build + validation, per number of product versions.
TARGETS = {1_000: 0.5, 10_000: 5.0}


def advisory(versions: int) -> AdvisoryInput:
    """`versions` product versions over products of 100 versions each; every fourth is fixed."""
    products, affected = [], []
    for p in range(versions // VERSIONS_PER_PRODUCT):
        pid = ProductId(f"model-{p:04d}")
        numbers = [f"{major}.{minor}.0" for major in range(1, 11) for minor in range(10)]
        products.append(
            Product(
                pid,
                "Acme Networks",
                f"Router {p:04d}",
                f"R{p:04d}",
                ProductKind.PRODUCT,
                tuple(numbers),
                purl=f"pkg:generic/acme/router-{p:04d}",
            )
        )
        affected.append(
            AffectedProduct(
                pid,
                tuple(numbers[i] for i in range(100) if i % 4),
                tuple(numbers[i] for i in range(100) if not i % 4),
            )
        )
    case = Case(
        key=CaseKey("VD-2026-0001"),
        title="bench",
        unit=UnitId("hq"),
        roles=frozenset({Role.PRODUCT_PROVIDER}),
        created_at=T0,
        created_by="bench",
        products=tuple(affected),
        cwe="CWE-787",
        severity=Severity(cvss31_vector="CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"),
        details={
            "summary": "A buffer overflow in the web interface.",
            "remediation": "Update the firmware.",
        },
    )
    tracking = Tracking(
        "ACME-SA-2026-0001", TrackingStatus.FINAL, "1", T0, T0, (Revision("1", T0, "Initial."),)
    )
    return AdvisoryInput(
        case=case,
        products=tuple(products),
        tracking=tracking,
        now=T0,
        publisher=Publisher("Acme Networks PSIRT", "https://psirt.acme.example"),
        title="Buffer overflow in Acme routers",
        cwe_name="Out-of-bounds Write",
    )


def best_of(repeats: int, work: Callable[[], Any]) -> float:
    """The fastest of `repeats` runs, in seconds: the least disturbed by the rest of the machine."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


def measure(versions: int, repeats: int) -> list[dict[str, Any]]:
    source = advisory(versions)
    doc = build_csaf(source)
    errors = validate_csaf(doc)
    assert not errors, errors[:5]
    build = best_of(repeats, lambda: build_csaf(source))
    validate = best_of(repeats, lambda: validate_csaf(doc))
    baseline = best_of(repeats, lambda: json.dumps(doc))
    total = build + validate
    target = TARGETS[versions]
    row = {"unit": "ms", "baseline": round(baseline * 1000, 2)}
    return [
        row
        | {
            "name": f"csaf_build_{versions}",
            "value": round(build * 1000, 2),
            "target": None,
            "passed": None,
        },
        row
        | {
            "name": f"csaf_validate_{versions}",
            "value": round(validate * 1000, 2),
            "target": None,
            "passed": None,
        },
        row
        | {
            "name": f"csaf_build_and_validate_{versions}",
            "value": round(total * 1000, 2),
            "target": target * 1000,
            "passed": total <= target,
        },
    ]


def main() -> list[dict[str, Any]]:
    validate_csaf(build_csaf(advisory(100)))  # compile and cache the validator outside the timings
    results = measure(1_000, repeats=5) + measure(10_000, repeats=3)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    for r in results:
        verdict = "" if r["passed"] is None else ("  ok" if r["passed"] else "  TOO SLOW")
        print(
            f"{r['name']:<34} {r['value']:>10.2f} ms  (json.dumps {r['baseline']:.2f} ms){verdict}"
        )
    return results


if __name__ == "__main__":
    main()
