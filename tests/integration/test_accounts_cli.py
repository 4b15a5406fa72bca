"""The `vulndesk user` and `vulndesk case member` commands against a real database."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pyotp

from tests.builders import open_case, seed_reference
from tests.e2e.cli import VULNDESK, Cli
from vulndesk.bootstrap import Container
from vulndesk.services.access.rights import Principal
from vulndesk.services.cases import lifecycle as cases


def test_user_lifecycle_from_the_command_line(
    container: Container, db_url: str, tmp_path: Path, actor: Principal
) -> None:
    deps = container.deps()
    seed_reference(deps, actor)
    case = open_case(deps, actor)
    cli = Cli(tmp_path, db_url)
    added = cli.run(
        "user", "add", "alice", "--role", "analyst", "--unit", "cn", "--email", "a@example.org"
    )
    assert re.search(r"one-time password for alice: \S{20,}", added.stdout)
    piped = subprocess.run(
        [
            str(VULNDESK),
            "user",
            "add",
            "bob",
            "--role",
            "auditor",
            "--email",
            "b@example.org",
            "--password-stdin",
        ],
        input="a long enough password\n",
        env=cli.env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert piped.returncode == 0 and "one-time password" not in piped.stdout
    listed = cli.json("user", "list")
    assert [(u["name"], u["roles"], u["totp"]) for u in listed] == [
        ("alice", ["analyst"], False),
        ("bob", ["auditor"], False),
    ]
    bad = cli.run("user", "add", "carol", "--role", "root", "--email", "c@example.org", ok=False)
    assert bad.returncode == 2 and "roles" in bad.stderr
    # A case-data account gets no token without a current one-time code.
    refused = cli.run("user", "token-create", "alice", "--scope", "read", ok=False)
    assert refused.returncode == 2 and "one-time code" in refused.stderr
    enrolled = cli.run("user", "totp-enroll", "alice").stdout
    found = re.search(r"secret: (\S+)", enrolled)
    assert found is not None
    secret = found.group(1)
    assert "otpauth://totp/" in enrolled
    code = pyotp.TOTP(secret).now()
    made = cli.run(
        "user", "token-create", "alice", "--scope", "read", "--days", "7", "--totp", code
    )
    assert re.search(r": vdt_\S+", made.stdout)
    # Membership is a human act: it needs a signed-in account that may manage members.
    signed_out = cli.run("case", "member", "add", case.key, "alice", ok=False)
    assert signed_out.returncode == 5 and "vulndesk login" in signed_out.stderr
    coordinator = cli.sign_in("cli-tester", "coordinator")
    assert coordinator.run("case", "member", "add", case.key, "alice").returncode == 0
    assert "alice" in cases.show_case(deps, actor, case.key).case.members
    missing = coordinator.run("case", "member", "add", case.key, "nobody", ok=False)
    assert missing.returncode == 2
    coordinator.run("case", "member", "remove", case.key, "alice")
    assert "alice" not in cases.show_case(deps, actor, case.key).case.members
