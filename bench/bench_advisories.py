"""Benchmark: the CSAF provider tree with 10,000 published advisories.

Two figures, on a temporary directory through the site's own code (`FileCsafSite`):

- regenerating index.txt, changes.csv, the ROLIE feed, the provider metadata and every
  document's .sha256/.sha512 from the 10,000 documents on disk (`regenerate`), target 10 s;
  it does not sign: a document's signature does not change when the lists around it do;
- publishing one advisory into that tree (`publish`): the document, its hashes, its detached
  OpenPGP signature made by GnuPG with a throwaway Ed25519 key, and the lists, target 1 s.
  The signature alone is measured as its own row.

Baselines, measured in the same run: reading and parsing the 10,000 documents (for
`regenerate`) and parsing and re-serialising the feed by `json` (for `publish`): the least
either must do. Writes bench/results/advisories.json. `BENCH_ADVISORIES` overrides the
number of documents.
Run: .venv/bin/python -m bench.bench_advisories
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from vulndesk.adapters.csaf_site import FileCsafSite
from vulndesk.adapters.openpgp import GpgSigner, demo_signing_key
from vulndesk.domain.cases import AffectedProduct, Case, Role
from vulndesk.domain.ids import CaseKey, ProductId, UnitId
from vulndesk.domain.products import Product, ProductKind
from vulndesk.exporters.advisories import provider as cp
from vulndesk.exporters.advisories.advisory import (
    AdvisoryInput,
    Publisher,
    Revision,
    Tracking,
    TrackingStatus,
)
from vulndesk.exporters.advisories.csaf import build_csaf
from vulndesk.exporters.advisories.support import to_json

RESULTS = Path(__file__).resolve().parent / "results" / "advisories.json"
T0 = dt.datetime(2016, 1, 4, 9, 0, tzinfo=dt.UTC)
NOW = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
PUBLISHER = Publisher("Acme Networks PSIRT", "https://psirt.acme.example")
DOCUMENTS = int(os.environ.get("BENCH_ADVISORIES", "10000"))
REGENERATE_TARGET = 10.0 * DOCUMENTS / 10_000  # seconds, scaled with the number of documents
PUBLISH_TARGET = 1.0


def template() -> dict[str, Any]:
    """A real, small CSAF document (one product, four versions) that the tree repeats."""
    pid = ProductId("router")
    versions = ("1.0", "1.1", "1.2", "2.0")
    case = Case(
        key=CaseKey("VD-2026-0001"),
        title="bench",
        unit=UnitId("hq"),
        roles=frozenset({Role.PRODUCT_PROVIDER}),
        created_at=T0,
        created_by="bench",
        products=(AffectedProduct(pid, versions[:3], versions[3:]),),
        cwe="CWE-787",
        details={"summary": "A buffer overflow.", "remediation": "Update to 2.0."},
    )
    tracking = Tracking("ACME-SA-0", TrackingStatus.FINAL, "1", T0, T0, (Revision("1", T0, "-"),))
    product = Product(pid, "Acme Networks", "Router", "R1", ProductKind.PRODUCT, versions)
    source = AdvisoryInput(
        case=case,
        products=(product,),
        tracking=tracking,
        now=T0,
        publisher=PUBLISHER,
        title="Buffer overflow in Acme routers",
        cwe_name="Out-of-bounds Write",
    )
    return build_csaf(source)


def document(base: dict[str, Any], number: int) -> str:
    """The template as advisory `number`, released on a day of the ten years since T0."""
    released = T0 + dt.timedelta(days=number % 3650, minutes=number)
    stamp = released.isoformat()
    doc = json.loads(json.dumps(base))
    tracking = doc["document"]["tracking"]
    tracking["id"] = f"ACME-SA-{released.year}-{number:05d}"
    tracking["initial_release_date"] = tracking["current_release_date"] = stamp
    tracking["revision_history"][0]["date"] = stamp
    doc["document"]["title"] = f"Buffer overflow in Acme routers ({number})"
    return to_json(doc)


def fill(site: FileCsafSite, base: dict[str, Any], count: int) -> None:
    """`count` documents on disk, as earlier publications left them (signatures aside)."""
    for number in range(count):
        text = document(base, number)
        path = site.tree / cp.entry_of(json.loads(text)).path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def best_of(repeats: int, work: Callable[[], Any]) -> float:
    """The fastest of `repeats` runs, in seconds: the least disturbed by the rest of the machine."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


def read_all(site: FileCsafSite) -> int:
    docs = sorted((site.tree / cp.TLP_DIR).glob("[0-9][0-9][0-9][0-9]/*.json"))
    return len([json.loads(p.read_bytes()) for p in docs])


def row(name: str, value: float, baseline: float, target: float | None) -> dict[str, Any]:
    return {
        "name": name,
        "value": round(value * 1000, 2),
        "unit": "ms",
        "baseline": round(baseline * 1000, 2),
        "target": None if target is None else target * 1000,
        "passed": None if target is None else value <= target,
    }


def measure(root: Path) -> list[dict[str, Any]]:
    fingerprint = demo_signing_key(root / "gnupg")
    assert fingerprint, "gpg is needed to sign the published advisory"
    signer = GpgSigner(root / "gnupg", fingerprint)
    info = cp.ProviderInfo("https://psirt.acme.example", cp.csaf_publisher(PUBLISHER), fingerprint)
    site = FileCsafSite(root / "site", info, signer)
    base = template()
    fill(site, base, DOCUMENTS)
    assert read_all(site) == DOCUMENTS
    regenerate = best_of(3, lambda: site.regenerate(NOW))
    lists_only = best_of(3, lambda: site.regenerate(NOW, rehash=False))
    parse = best_of(3, lambda: read_all(site))
    assert (site.tree / cp.TLP_DIR / "index.txt").read_text().count("\n") == DOCUMENTS

    fresh = iter(range(DOCUMENTS, DOCUMENTS + 100))
    sample = document(base, DOCUMENTS + 100).encode()
    publish = best_of(3, lambda: site.publish(document(base, next(fresh)), {}, NOW))
    sign = best_of(3, lambda: signer.sign(sample))
    feed = site.tree / cp.FEED
    feed_round_trip = best_of(3, lambda: json.dumps(json.loads(feed.read_bytes())))
    entries = json.loads(feed.read_bytes())["feed"]["entry"]
    assert len(entries) == DOCUMENTS + 3, len(entries)
    return [
        row(f"regenerate_{DOCUMENTS}", regenerate, parse, REGENERATE_TARGET),
        row(f"regenerate_{DOCUMENTS}_without_hashes", lists_only, parse, None),
        row(f"publish_one_into_{DOCUMENTS}", publish, feed_round_trip, PUBLISH_TARGET),
        row("sign_one_document_gpg", sign, feed_round_trip, None),
    ]


def main() -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory(prefix="vulndesk-bench-advisories-") as tmp:
        try:
            results = measure(Path(tmp))
        finally:  # the agent gpg started for the throwaway key
            home = str(Path(tmp) / "gnupg")
            subprocess.run(["gpgconf", "--homedir", home, "--kill", "gpg-agent"], check=False)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    for r in results:
        verdict = "" if r["passed"] is None else ("  ok" if r["passed"] else "  TOO SLOW")
        print(f"{r['name']:<40} {r['value']:>10.2f} ms  (baseline {r['baseline']:.2f} ms){verdict}")
    return results


if __name__ == "__main__":
    main()
