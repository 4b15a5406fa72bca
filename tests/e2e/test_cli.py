"""End-to-end tests of the `vulndesk` command, run as a subprocess on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.e2e.cli import Cli


@pytest.fixture
def cli(tmp_path: Path, db_url: str) -> Cli:
    c = Cli(tmp_path, db_url)
    c.run("init")
    return c.sign_in("cli-tester", "admin")


def _seed(cli: Cli) -> None:
    cli.run(
        "org",
        "add",
        "hq",
        "--name",
        "Acme Inc.",
        "--country",
        "US",
        "--timezone",
        "America/New_York",
    )
    cli.run(
        "org",
        "add",
        "cn",
        "--name",
        "Acme SZ",
        "--country",
        "CN",
        "--timezone",
        "Asia/Shanghai",
        "--parent",
        "hq",
    )
    cli.run(
        "party",
        "add",
        "nvdb",
        "--name",
        "NVDB",
        "--kind",
        "regulator",
        "--country",
        "CN",
        "--channel",
        "portal:nvdb",
    )
    cli.run(
        "product",
        "add",
        "router",
        "--vendor",
        "Acme",
        "--name",
        "Router",
        "--model",
        "R1",
        "--version",
        "1.0",
        "--version",
        "1.1",
        "--market",
        "CN",
        "--market",
        "FR",
    )


def test_reference_data_roundtrip(cli: Cli) -> None:
    _seed(cli)
    units = cli.json("org", "list")
    assert [u["id"] for u in units] == ["cn", "hq"] and units[0]["parent"] == "hq"
    assert cli.json("product", "show", "router")["markets"] == ["CN", "FR"]
    assert cli.json("party", "list")[0]["kind"] == "regulator"
    human = cli.run("org", "list").stdout
    assert "Acme SZ" in human and "Asia/Shanghai" in human


BAD_INPUTS = [
    (("org", "add", "x", "--name", "X", "--country", "Germany", "--timezone", "UTC"), "country"),
    (("org", "add", "x", "--name", "X", "--country", "DE", "--timezone", "Berlin"), "timezone"),
    (("org", "add", "Bad Id", "--name", "X", "--country", "DE", "--timezone", "UTC"), "id"),
    (
        ("product", "add", "p", "--vendor", "A", "--name", "N", "--model", "M", "--kind", "gadget"),
        "kind",
    ),
    (("party", "add", "p", "--name", "P", "--kind", "friend", "--country", "DE"), "kind"),
    (("case", "open", "--title", "T", "--unit", "ghost"), "unit"),
    (("case", "open", "--title", "T", "--unit", "cn", "--cvss31", "CVSS:3.1/AV:Z"), "cvss31"),
    (("case", "open", "--title", "T", "--unit", "cn", "--aware", "last tuesday"), "aware"),
    (("case", "show", "VD-26-1"), "case"),
    (("case", "record-fact", "VD-2026-0001", "bribed", "--evidence", "e"), "fact"),
    (("due", "--within", "soon"), "within"),
]


def test_bad_input_exits_2_with_one_line_naming_the_field(cli: Cli) -> None:
    _seed(cli)
    # An existing case: for a missing one the answer is "case not found", as from the API.
    key = cli.json("case", "open", "--title", "Overflow", "--unit", "cn")["key"]
    before = (
        cli.json("case", "list")["total"],
        len(cli.json("org", "list")),
        len(cli.json("product", "list")),
    )
    for bad, field in BAD_INPUTS:
        args = tuple(key if a == "VD-2026-0001" else a for a in bad)
        proc = cli.run(*args, ok=False)
        assert proc.returncode == 2, (args, proc.stderr)
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith(f"error: {field}"), (args, proc.stderr)
    after = (
        cli.json("case", "list")["total"],
        len(cli.json("org", "list")),
        len(cli.json("product", "list")),
    )
    assert after == before


def test_case_lifecycle_from_the_command_line(cli: Cli) -> None:
    _seed(cli)
    opened = cli.json(
        "case",
        "open",
        "--title",
        "Overflow in httpd",
        "--unit",
        "cn",
        "--product",
        "router@1.0",
        "--aware",
        "2026-03-10T15:00:00+08:00",
        "--cwe",
        "787",
        "--cvss31",
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
        "--detail",
        "technical_characteristics=overflow in header parser",
    )
    key = opened["key"]
    assert key.startswith("VD-")
    cli.run("case", "transition", key, "triage", "--reason", "new report")
    refused = cli.run("case", "transition", key, "verified", "--reason", "looks real", ok=False)
    assert (
        refused.returncode == 2
        and "facts-for-verified" in refused.stderr
        and "verified" in refused.stderr
    )
    cli.run(
        "case",
        "record-fact",
        key,
        "verified",
        "--at",
        "2026-03-11T09:00:00+08:00",
        "--evidence",
        "reproduced",
    )
    cli.run("case", "transition", key, "verified", "--reason", "reproduced on 1.0")
    shown = cli.json("case", "show", key)
    assert shown["case"]["state"] == "verified"
    assert shown["case"]["cwe"] == "CWE-787"
    assert shown["case"]["details"]["technical_characteristics"] == "overflow in header parser"
    assert {f["kind"] for f in shown["case"]["facts"]} == {"aware", "verified"}
    listed = cli.json("case", "list", "--state", "verified")
    assert [c["key"] for c in listed["cases"]] == [key]
    assert "details" not in listed["cases"][0]
    human = cli.run("case", "show", key).stdout
    assert "Facts" in human and "reproduced" in human


def test_demo_loads_a_realistic_organisation(tmp_path: Path) -> None:
    operator = Cli(tmp_path)
    out = operator.run("demo").stdout
    assert "demo loaded: 27 cases, 2 regulator filings" in out
    assert "3 CVE ids (1 published, 1 rejected, 1 reserved)" in out
    assert "a coordinated disclosure on VD-" in out
    cli = operator.sign_in("cli-tester", "admin")
    units = {u["id"]: u for u in cli.json("org", "list")}
    assert {u["country"] for u in units.values()} == {"US", "CN", "DE"}
    assert units["acme-cn"]["parent"] == "acme-hq"
    assert units["acme-cn"]["contact_email"] == "psirt-cn@acme.example"  # a reporting entity
    products = cli.json("product", "list")
    assert len(products) >= 12 and {p["kind"] for p in products} == {"product", "service", "system"}
    listing = cli.json("case", "list", "--limit", "100")
    assert listing["total"] >= 25
    assert len({c["state"] for c in listing["cases"]}) >= 7
    ledger = [json.loads(line) for line in cli.run("ledger", "export").stdout.splitlines()]
    filed = [e for e in ledger if e["recipient"] == "miit-nvdb"]
    assert len(filed) == 2
    # Notices to a customer and two CSIRTs give the exposure view something to show.
    assert {"telco-cn", "cncert", "cert-bund"} <= {e["recipient"] for e in ledger}
    late = [
        o
        for e in filed
        for o in cli.json("case", "show", e["case"])["obligations"]
        if o["obligation"]["id"] == "cn-rmsv-2021/report-to-nvdb" and o["status"] == "met_late"
    ]
    assert len(late) == 1 and late[0]["late_by_seconds"] > 14 * 86400
    again = cli.run("demo", "--if-empty").stdout
    assert "not loaded" in again
