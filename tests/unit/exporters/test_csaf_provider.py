"""The CSAF provider tree's files, and the §7.1 requirements of a trusted provider, one by one."""

from __future__ import annotations

import ast
import dataclasses
import datetime as dt
import json
from pathlib import Path
from typing import Any

from tests.unit.exporters.advisory_fixtures import router_advisory

from vulndesk.exporters.advisories import provider as cp
from vulndesk.exporters.advisories import support as advisory_support
from vulndesk.exporters.advisories.advisory import Publisher
from vulndesk.exporters.advisories.csaf import build_csaf, csaf_filename
from vulndesk.exporters.validation import validate_csaf, validate_provider_metadata

NOW = dt.datetime(2026, 3, 20, 8, 0, tzinfo=dt.UTC)
INFO = cp.ProviderInfo(
    "https://psirt.example.com",
    cp.csaf_publisher(Publisher("Acme", "https://psirt.example.com")),
    "9A80187AA4102987BC8941EB48700F88A085B5C8",
)


def test_advisory_support_does_not_import_the_advisory_model() -> None:
    tree = ast.parse(Path(advisory_support.__file__).read_text())
    imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    assert "vulndesk.exporters.advisories.advisory" not in imported


def _entry() -> tuple[dict[str, Any], cp.TreeEntry]:
    doc = build_csaf(router_advisory())
    return doc, cp.entry_of(doc)


def test_section_7_1_requirements_of_a_trusted_provider() -> None:
    doc, entry = _entry()
    tracking = doc["document"]["tracking"]
    # 1 valid CSAF document
    assert validate_csaf(doc) == []
    # 2 file name from the tracking id
    assert entry.path.endswith("/" + csaf_filename(tracking["id"]))
    # 3 TLS, 9 well-known URL: every URL of the metadata is https under /.well-known/csaf/
    metadata = cp.provider_metadata(INFO, NOW)
    urls = [metadata["canonical_url"], metadata["public_openpgp_keys"][0]["url"]]
    assert all(u.startswith("https://psirt.example.com/.well-known/csaf/") for u in urls)
    # 4 TLP:WHITE in the public folder (5: nothing else is written there)
    assert doc["document"]["distribution"]["tlp"]["label"] == "WHITE"
    assert entry.path.startswith(cp.TLP_DIR + "/")
    # 7 provider-metadata.json, valid, role trusted provider
    assert validate_provider_metadata(metadata) == []
    assert metadata["role"] == "csaf_trusted_provider"
    # 8 security.txt line
    assert cp.security_txt_line(INFO.base) == (
        "CSAF: https://psirt.example.com/.well-known/csaf/provider-metadata.json"
    )
    # 11 one folder per year of the initial release
    year = tracking["initial_release_date"][:4]
    assert entry.path.split("/")[1] == year
    # 12 index.txt and 13 changes.csv
    assert cp.index_txt([entry]) == entry.path.removeprefix("clear/") + "\n"
    assert cp.changes_csv([entry]).startswith(f'"{entry.path.removeprefix("clear/")}","')
    # 15-17 ROLIE feed, service and category documents
    feed = json.loads(cp.rolie_feed(INFO, [entry], NOW))["feed"]
    links = {link["rel"] for link in feed["entry"][0]["link"]}
    assert {"self", "hash", "signature"} <= links
    assert json.loads(cp.rolie_service(INFO))["service"]["workspace"]
    assert json.loads(cp.rolie_category())["categories"]["category"][0]["term"] == "csaf"
    # 18 hashes in sha256sum format
    hashes = cp.hash_files(entry.path, b"{}")
    assert set(hashes) == {entry.path + ".sha256", entry.path + ".sha512"}
    # 20 public key URL and fingerprint in the metadata (19: the signature link of the feed)
    assert metadata["public_openpgp_keys"][0]["fingerprint"] == INFO.fingerprint
    # 21-23 concern aggregators; 6 (no redirects), 10 (DNS), 14 (directory listings) are
    # served by the deployment (see docs/advisories.md)


def test_changes_list_newest_first() -> None:
    _, entry = _entry()
    old = cp.TreeEntry("clear/2025/a.json", "A", "a", NOW, NOW - dt.timedelta(days=9))
    assert (
        cp.changes_csv([old, entry])
        .splitlines()[0]
        .startswith(f'"{entry.path.removeprefix("clear/")}"')
    )


def test_feed_has_one_entry_a_line_and_survives_any_title() -> None:
    _, entry = _entry()
    odd = dataclasses.replace(
        entry, tracking_id="X-2", title='"entry":null ] {', path="clear/2026/x-2.json"
    )
    text = cp.rolie_feed(INFO, [entry, odd], NOW)
    assert text.endswith("}\n") and len(text.splitlines()) == 4  # head, two entries, tail
    feed = json.loads(text)["feed"]
    assert {e["id"]: e["title"] for e in feed["entry"]} == {
        entry.tracking_id: entry.title,
        "X-2": odd.title,
    }
    assert feed["id"] == "csaf-feed-tlp-white" and feed["updated"] == "2026-03-20T08:00:00Z"
    assert json.loads(cp.rolie_feed(INFO, [], NOW))["feed"]["entry"] == []
