"""The demo's advisory: approved by two approvers, and published only when a key signs it."""

from __future__ import annotations

import json
from pathlib import Path

from tests.e2e.cli import Cli

DEMO_CASE = "VD-2026-0004"


def test_without_a_signing_key_the_demo_advisory_waits_approved(tmp_path: Path) -> None:
    cli = Cli(tmp_path)
    cli.run("init")
    out = cli.run("demo", "--if-empty").stdout
    assert "one advisory approved" in out
    admin = cli.sign_in("demo-check", "admin")
    [rev] = json.loads(admin.run("advisory", "list", DEMO_CASE, "--json").stdout)
    assert rev["status"] == "approved" and rev["approvers"] == "approver-cn, approver-hq"
    assert not (tmp_path / "site").exists()
