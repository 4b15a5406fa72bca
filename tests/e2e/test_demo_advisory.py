"""The demo's advisory: approved by two approvers and published, signed by the demo's own key."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.e2e.cli import Cli

DEMO_CASE = "VD-2026-0004"


@pytest.mark.skipif(shutil.which("gpg") is None, reason="needs GnuPG (installed by .ci/run)")
def test_the_demo_publishes_a_signed_advisory_with_its_own_key(tmp_path: Path) -> None:
    cli = Cli(tmp_path)
    cli.run("init")
    out = cli.run("demo", "--if-empty").stdout
    assert "one advisory published" in out
    admin = cli.sign_in("demo-check", "admin")
    revisions = json.loads(admin.run("advisory", "list", DEMO_CASE, "--json").stdout)
    assert revisions[-1]["status"] == "published"
    assert revisions[-1]["approvers"] == "approver-cn, approver-hq"
    doc = next((tmp_path / "site" / "csaf" / "clear").glob("*/vd-2026-0004.json"))
    # The signature verifies with the published key alone, from a clean keyring.
    keyring = tmp_path / "verify-gnupg"
    keyring.mkdir(mode=0o700)
    [public] = (tmp_path / "site" / "csaf" / "openpgp").glob("*.asc")
    gpg = ["gpg", "--homedir", str(keyring), "--batch", "--quiet"]
    subprocess.run([*gpg, "--import", str(public)], check=True, capture_output=True)
    ok = subprocess.run([*gpg, "--verify", f"{doc}.asc", str(doc)], capture_output=True)
    assert ok.returncode == 0, ok.stderr
    assert (tmp_path / "demo-gnupg").stat().st_mode & 0o777 == 0o700
