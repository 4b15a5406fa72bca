"""`vulndesk cve ...` as a subprocess, signed in, against a local CVE Services.

Reserve, list, attach, publish, update and reject from the command line; a refusal exits
non-zero with one line naming the fix, and the API key never appears in what it prints.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.builders import accounts_for, as_person, open_case, seed_reference
from tests.cve_services import LocalCveServices
from tests.e2e.cli import Cli
from vulndesk.services.access import rights as access
from vulndesk.services.access.rights import Principal
from vulndesk.services.advisories import revisions as advisories
from vulndesk.services.cases import lifecycle as cases
from vulndesk.services.cases import reference
from vulndesk.services.context import Deps

REFS = (("https://psirt.example.com/advisories/1", "Vendor advisory"),)
PA = Principal("approver-a", frozenset({"approver"}), "de", frozenset({"read", "write"}), "test")
PB = Principal("approver-b", frozenset({"approver"}), "de", frozenset({"read", "write"}), "test")


@pytest.fixture
def server() -> Iterator[LocalCveServices]:
    with LocalCveServices() as running:
        yield running


@pytest.fixture
def key(deps: Deps, actor: Principal) -> str:
    seed_reference(deps, actor)
    accounts_for(deps, as_person("approver-a", "test"), as_person("approver-b", "test"))
    reference.add_party(
        deps, actor, id="everyone", name="The public", kind="public", country="DE",
        channels=["email:psirt@example.com"],
    )  # fmt: skip
    case = open_case(
        deps, actor, unit="de", products={"router": ["1.0"]},
        details={"summary": "Heap overflow.", "remediation": "Update to 2.0."},
    )  # fmt: skip
    for name in ("approver-a", "approver-b"):
        access.set_member(deps, actor, case.key, name, True)
    return str(case.key)


def test_the_cve_commands(
    tmp_path: Path, db_url: str, deps: Deps, actor: Principal, key: str, server: LocalCveServices
) -> None:
    base = Cli(tmp_path, db_url)
    base.env |= server.env()
    coord = base.sign_in("coord", "coordinator")
    out = coord.run("cve", "reserve", key, "--amount", "2", "--year", "2026").stdout
    first, second = "CVE-2026-1000", "CVE-2026-1001"
    assert out.splitlines() == [f"reserved {first} for {key}", f"reserved {second} for {key}"]
    listed = coord.json("cve", "list", key)
    assert [(r["cve_id"], r["state"], r["reserved_by"]) for r in listed] == [
        (first, "reserved", "coord"),
        (second, "reserved", "coord"),
    ]
    # Publishing needs the id in the approved advisory: the refusal names the command.
    advisories.draft(deps, actor, key, {"references": REFS})
    refused = coord.run("cve", "publish", key, first, ok=False)
    assert refused.returncode != 0 and f"vulndesk cve attach {key} {first}" in refused.stderr
    assert "attached" in coord.run("cve", "attach", key, first).stdout
    advisories.approve(deps, PA, key)
    advisories.approve(deps, PB, key)
    cases.record_fact(deps, PA, key, "fix_available", None, "Firmware 2.0 released.")
    out = coord.run("cve", "publish", key, first).stdout
    assert out.startswith(f"published {first} at CVE Services; ledger entry ")
    assert server.state.ids[first].state == "PUBLISHED"
    assert coord.run("cve", "update", key, first).stdout.startswith(f"updated {first}")
    # Reject: the reason is required; then the id is rejected at CVE Services and here.
    missing = coord.run("cve", "reject", key, second, ok=False)
    assert missing.returncode == 2 and "--reason" in missing.stderr
    blank = coord.run("cve", "reject", key, second, "--reason", " ", ok=False)
    assert blank.returncode != 0 and "reason" in blank.stderr
    assert coord.run("cve", "reject", key, second, "--reason", "Unused.").stdout == (
        f"rejected {second}\n"
    )
    states = {r["cve_id"]: r["state"] for r in coord.json("cve", "list", key)}
    assert states == {first: "published", second: "rejected"}
    table = coord.run("cve", "list", key).stdout
    assert "rejected" in table and "Unused." in table
    # CVE Services down, a quota reached, a wrong key: one line each naming the fix.
    server.state.fail_next = 503
    down = coord.run("cve", "reserve", key, ok=False)
    assert down.returncode != 0 and "try again later" in down.stderr
    server.state.quota = 0
    over = coord.run("cve", "reserve", key, ok=False)
    assert "EXCEEDED_ID_QUOTA" in over.stderr and "vulndesk cve reject" in over.stderr
    wrong = coord.as_user("coord")
    wrong.env = coord.env | {"VULNDESK_CVE_API_KEY": "not-the-key-42"}
    refused = wrong.run("cve", "reserve", key, ok=False)
    assert refused.returncode == 2 and "VULNDESK_CVE_API_KEY" in refused.stderr
    assert "not-the-key-42" not in refused.stderr + refused.stdout
    assert json.loads(coord.run("cve", "list", key, "--json").stdout)[0]["cve_id"] == first
