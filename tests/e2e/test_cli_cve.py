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
from tests.e2e.test_cli_authz import (
    IDENTITIES,
    MISSING,
    SIGNED_OUT,
    CliWorld,
    Row,
    _shown,
    cli_containers,
    cli_world,
    expected,
    holders,
    outcome,
    signing_key,
    visible,
)
from vulndesk.services.access import rights as access
from vulndesk.services.access.rights import (
    ADVISORY_PUBLISHERS,
    ADVISORY_WRITERS,
    CASE_WRITERS,
    Principal,
)
from vulndesk.services.advisories import revisions as advisories
from vulndesk.services.cases import lifecycle as cases
from vulndesk.services.cases import reference
from vulndesk.services.context import Deps

__all__ = ["cli_containers", "cli_world", "signing_key"]
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


# Each command as every identity of the CLI authorization world, with a CVE Services running:
# the allowed roles act (or meet a refusal the state explains), the others are refused as the
# API refuses them, and a case one may not see answers byte for byte like a missing one.
CVE_ROWS = [
    Row("cve reserve", ("{case}",), CASE_WRITERS, "POST /api/v1/cases/{key}/cves"),
    Row(
        "cve attach",
        ("{case}", "{cve}"),
        ADVISORY_WRITERS,
        "POST /api/v1/cases/{key}/cves/{cve_id}/attach",
        refusals=(r"CVE id not found",),
    ),
    Row(
        "cve publish",
        ("{case}", "{cve}"),
        ADVISORY_PUBLISHERS,
        "POST /api/v1/cases/{key}/cves/{cve_id}/publish",
        refusals=(r"CVE id not found", r"refused by guard"),
    ),
    Row(
        "cve update",
        ("{case}", "{cve}"),
        ADVISORY_PUBLISHERS,
        "POST /api/v1/cases/{key}/cves/{cve_id}/update",
        refusals=(r"CVE id not found", r"refused by guard 'cve-state'"),
    ),
    Row(
        "cve reject",
        ("{case}", "{cve}", "--reason", "Unused."),
        CASE_WRITERS,
        "POST /api/v1/cases/{key}/cves/{cve_id}/reject",
        refusals=(r"CVE id not found", r"already rejected"),
    ),
]


def test_each_cve_command_as_every_role(
    cli_world: CliWorld, server: LocalCveServices, monkeypatch: pytest.MonkeyPatch
) -> None:
    w = cli_world
    server.state.quota = 10_000
    plain = w.env
    monkeypatch.setattr(w, "env", lambda ident: plain(ident) | server.env())
    first = w.run("admin", ["cve", "reserve", w.own])
    assert first.exit_code == 0, first.stderr
    cve_id = first.stdout.split()[1]
    for row in CVE_ROWS:

        def args(target: str, row: Row = row) -> list[str]:
            return row.command.split() + [a.format(case=target, cve=cve_id) for a in row.args]

        allowed = holders(row.roles)
        succeeded = set()
        for ident in IDENTITIES:
            missing = w.run(ident, args(MISSING))
            assert outcome(row, missing) == "not found", (row.command, ident)
            for target in (w.own, w.foreign):
                r = w.run(ident, args(target))
                if not visible(row, ident, target, w):
                    assert _shown(r) == _shown(missing), (row.command, ident, target)
                    continue
                got = outcome(row, r)
                assert got in expected(row, ident), (row.command, ident, target, got, r.stderr)
                if got == "ok":
                    succeeded.add(ident)
        assert succeeded <= allowed
        if row.command in ("cve reserve", "cve attach", "cve reject"):
            assert succeeded, row.command
        out = w.run(SIGNED_OUT, args(w.foreign))
        assert outcome(row, out) == "signed out", row.command
    # Rejecting went through at CVE Services as well.
    assert server.state.ids[cve_id].state == "REJECTED"
