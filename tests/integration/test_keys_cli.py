"""The `vulndesk keys`, `intake` and `audit` commands run end to end on a real home directory."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.builders import open_case, seed_reference
from tests.e2e.cli import Cli
from vulndesk.bootstrap import build
from vulndesk.config import Settings
from vulndesk.services.context import Actor
from vulndesk.services.intake import public as intake

CLI = str(Path(sys.executable).parent / "vulndesk")


@pytest.fixture
def home(tmp_path: Path, actor: Actor) -> Path:
    """A SQLite home with a key file, reference data, a case and two public reports."""
    c = build(Settings(home=tmp_path))
    c.migrate()
    deps = c.deps()
    seed_reference(deps, actor)
    open_case(
        deps,
        actor,
        title="Heap overflow in httpd",
        details={"technical_characteristics": "Heap overflow in the httpd request parser"},
    )
    for _ in range(2):
        intake.submit_report(
            deps,
            intake.IntakeRequest(
                product="router", description="Heap overflow in the httpd request parser"
            ),
        )
    c.close()
    return tmp_path


def _run(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VULNDESK_")}
    env["VULNDESK_HOME"] = str(home)
    return subprocess.run(
        [CLI, *args], env=env, capture_output=True, text=True, check=False, timeout=120
    )


def test_intake_list_json_shows_duplicates(home: Path) -> None:
    # Triage is a human act: a coordinator signs in (this home keeps its key in a file).
    desk = Cli(home)
    del desk.env["VULNDESK_KEYS"]
    out = desk.sign_in("cli-tester", "coordinator").run("intake", "list", "--json")
    assert out.returncode == 0, out.stderr
    items = json.loads(out.stdout)
    assert len(items) == 2
    # The first case (…-0001) is the similar one; the two identical reports match each other too.
    for item in items:
        found = {d["case"][-4:] for d in item["duplicates"]}
        assert found == {"0001", "0002", "0003"} - {item["case"][-4:]}


def test_purge_receipts_refuses_young_entries(home: Path) -> None:
    out = _run(home, "intake", "purge-receipts", "--before", "2999-01-01")
    assert out.returncode == 2
    assert "6 months" in out.stderr
    old = _run(home, "intake", "purge-receipts", "--before", "2000-01-01")
    assert old.returncode == 0, old.stderr
    assert "removed 0" in old.stdout


def test_keys_rotate_and_drop_old(home: Path) -> None:
    out = _run(home, "keys", "rotate", "--drop-old")
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result["new_key"] == "k2"
    assert result["dropped"] == ["k1"]
    assert json.loads((home / "vulndesk.key").read_text())["current"] == "k2"
    desk = Cli(home)
    del desk.env["VULNDESK_KEYS"]
    admin = desk.sign_in("cli-tester", "admin")
    listed = admin.run("intake", "list", "--json")  # decrypts every case under the new key
    assert listed.returncode == 0, listed.stderr
    verify = _run(home, "audit", "verify")
    assert verify.returncode == 0, verify.stderr
    # The checkpoint key is configured, never made beside the data (issue 14, observation 4).
    assert _run(home, "audit", "public-key").returncode == 2
    events = admin.json("audit", "list", "--limit", "500")
    tags = [e["event"]["tag"] for e in events]
    rotation = [t for t in tags if t.startswith("keys:")]
    assert rotation == ["keys:keyring:rotated", "keys:keyring:pruned", "keys:data:reencrypted"]
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
