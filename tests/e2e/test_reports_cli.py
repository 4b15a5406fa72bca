"""The report flow from the command line: draft, two approvals, submission, obligation met."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from tests.e2e.cli import Cli
from tests.e2e.test_cli import _seed


@pytest.fixture
def cli(tmp_path: Path, db_url: str) -> Cli:
    c = Cli(tmp_path, db_url)
    c.run("init")
    return c.sign_in("cli-tester", "admin")


def _as(cli: Cli, who: str, *args: str, ok: bool = True) -> str:
    """Run as `who`, an account that signed in with `vulndesk login`."""
    proc = cli.as_user(who).run(*args, ok=ok)
    return proc.stdout if ok else proc.stderr


def _nvdb_due(cli: Cli) -> bool:
    due = cli.json("due", "--within", "30d")
    return "report-to-nvdb" in json.dumps(due)


def test_draft_approve_twice_submit_meets_the_nvdb_obligation(cli: Cli, tmp_path: Path) -> None:
    _seed(cli)
    case = cli.json(
        "case",
        "open",
        "--title",
        "Overflow in httpd",
        "--unit",
        "cn",
        "--product",
        "router@1.0",
        "--detail",
        "summary=Overflow in the web server",
        "--detail",
        "technical_characteristics=Unchecked header length",
    )["key"]
    assert _nvdb_due(cli)
    for approver in ("li-na", "wang-fang"):
        cli.sign_in(approver, "approver", unit="cn")
        cli.run("case", "member", "add", case, approver)

    draft = cli.json("report", "draft", case, "--kind", "nvdb", "--recipient", "nvdb")
    ref = draft["ref"]
    assert ref == f"{case}/nvdb/nvdb/v1"
    markdown = cli.run("report", "preview", ref, "--format", "md").stdout
    assert "网络产品安全漏洞信息报送" in markdown and "Unchecked header length" in markdown

    _as(cli, "li-na", "report", "approve", ref)
    refused = _as(cli, "li-na", "report", "approve", ref, ok=False)
    assert refused.startswith("error:") and "second person" in refused
    early = _as(
        cli,
        "li-na",
        "report",
        "record-submission",
        ref,
        "--at",
        dt.datetime.now(dt.UTC).isoformat(),
        "--receipt",
        "R-1",
        ok=False,
    )
    assert "only approved" in early
    assert "approved" in _as(cli, "wang-fang", "report", "approve", ref)

    shot = tmp_path / "receipt.png"
    shot.write_bytes(b"\x89PNG receipt")
    entry = json.loads(
        _as(
            cli,
            "li-na",
            "report",
            "record-submission",
            ref,
            "--at",
            dt.datetime.now(dt.UTC).isoformat(),
            "--receipt",
            "NVDB-2026-0042",
            "--screenshot",
            str(shot),
            "--json",
        )
    )
    assert entry["disclosure_kind"] == "nvdb-report"
    assert entry["approvers"] == ["li-na", "wang-fang"]
    assert not _nvdb_due(cli)

    lines = cli.run("ledger", "export").stdout.splitlines()
    assert [json.loads(line)["sha256"] for line in lines] == [draft["sha256"]]
    oversight = cli.json("oversight")
    assert [(o["case"], o["recipient"]) for o in oversight] == [(case, "nvdb")]
    notices = cli.json("oversight", "notices")
    assert [n["event"] for n in notices] == ["draft-created", "submitted"]
    assert cli.run("report", "preview", "VD-2026-0001/nope/nvdb", ok=False).returncode == 2


def test_a_backdated_disclosure_waits_for_a_second_person_on_the_command_line(cli: Cli) -> None:
    _seed(cli)
    now = dt.datetime.now(dt.UTC)
    case = cli.json(
        "case",
        "open",
        "--title",
        "Call last week",
        "--unit",
        "cn",
        "--product",
        "router@1.0",
        "--aware",
        (now - dt.timedelta(days=5)).isoformat(),
    )["key"]
    for person in ("li-na", "wang-fang"):
        cli.sign_in(person, "approver", unit="cn")
        cli.run("case", "member", "add", case, person)
    # Nothing reaches a regulator without two people's approval: a release decision first.
    decide = ["report", "decide", case, "--kind", "release", "--recipient", "nvdb"]
    decided = json.loads(_as(cli, "li-na", *decide, "--reason", "duty call", "--json"))
    _as(cli, "wang-fang", "report", "decision-approve", str(decided["id"]))
    claim = ["ledger", "record", case, "--recipient", "nvdb", "--kind", "other", "--said", "call"]
    old = (now - dt.timedelta(days=2)).isoformat()
    refused = _as(cli, "li-na", *claim, "--at", old, ok=False)
    assert refused.startswith("error: justification:") and "24 h" in refused
    early = _as(cli, "li-na", *claim, "--at", (now - dt.timedelta(days=6)).isoformat(), ok=False)
    assert early.startswith("error: at:") and "aware" in early
    said = _as(cli, "li-na", *claim, "--at", old, "--justification", "notes of the call")
    assert "backdated, pending" in said
    [row] = [json.loads(line) for line in cli.run("ledger", "export").stdout.splitlines()]
    assert (row["backdated"], row["backdate_status"]) == (True, "pending")
    own = _as(cli, "li-na", "ledger", "approve-backdate", str(row["id"]), ok=False)
    assert "second person" in own
    assert "li-na, wang-fang" in _as(cli, "wang-fang", "ledger", "approve-backdate", str(row["id"]))
    assert "backdated (approved)" in cli.run("ledger", "list").stdout


def test_a_kind_the_recipient_does_not_fit_is_refused(cli: Cli) -> None:
    _seed(cli)
    case = cli.json(
        "case", "open", "--title", "Overflow", "--unit", "cn", "--product", "router@1.0"
    )["key"]
    refused = cli.run(
        "report", "draft", case, "--kind", "notice.upstream", "--recipient", "nvdb", ok=False
    ).stderr
    assert refused.startswith("error: recipient:")
    assert "upstream_supplier party as recipient" in refused and "the kind nvdb" in refused
    made = cli.json("report", "draft", case, "--kind", "nvdb", "--recipient", "nvdb")
    assert made["ref"] == f"{case}/nvdb/nvdb/v1"
