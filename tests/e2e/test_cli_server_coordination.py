"""`vulndesk coord ...` through a server sign-in: a running `vulndesk serve` and a command line
on another home that never opens a database. Each command goes through
/api/v1/cases/{key}/coordination (POSTs with an Idempotency-Key) and prints what the same
command prints on the server's own database; refusals exit as they do locally."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.cli import Cli
from tests.e2e.test_cli_server_sign_in import Served, _login, served_desk
from vulndesk.domain import watermark as wm


def _libfoo(admin: Cli) -> None:
    admin.run("party", "add", "libfoo", "--name", "Libfoo", "--kind", "upstream_supplier",
              "--country", "CN")  # fmt: skip


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with served_desk(tmp_path_factory.mktemp("server"), _libfoo) as desk:
        yield desk


def test_coord_through_a_server_prints_what_the_local_command_prints(
    served: Served, tmp_path: Path
) -> None:
    admin, key = served.admin, served.case
    laptop = served.laptop(tmp_path / "laptop")
    assert _login(laptop, served.base).returncode == 0

    def same(*args: str, stdin: str | None = None) -> str:
        """The command through the server and on the server's database print the same."""
        there = laptop.run(*args, input_text=stdin)
        here = admin.run(*args, input_text=stdin)
        assert there.stdout == here.stdout, (args, there.stdout, here.stdout)
        return there.stdout

    added = json.loads(
        laptop.run(
            "coord", "participants", "add", key, "--party", "libfoo", "--role",
            "upstream_supplier", "--person", "Li Lei <psirt@libfoo.example>", "--json",
        ).stdout
    )  # fmt: skip
    pid = str(added["id"])
    assert added["people"] == [{"name": "Li Lei", "address": "psirt@libfoo.example"}]
    assert "Li Lei <psirt@libfoo.example>" in same("coord", "participants", "list", key)
    same("coord", "participants", "list", key, "--json")

    said = admin.json(
        "coord", "status", "set", key, "--participant", pid, "--product", "router",
        "--status", "fixed", "--fixed", "1.1", "--statement", "fixed in 1.1",
    )  # fmt: skip
    approved = laptop.run("coord", "status", "approve", key, str(said["id"]))
    assert approved.stdout.strip() == f"{key}: statement {said['id']} approved (fixed)"
    mine = laptop.run(
        "coord", "status", "set", key, "--participant", pid, "--product", "router",
        "--status", "affected", "--statement", "on second thought",
    )  # fmt: skip
    assert "approve it: vulndesk coord status approve" in mine.stdout
    own = laptop.run("coord", "status", "approve", key, mine.stdout.split()[2], ok=False)
    assert own.returncode == 2 and "second person" in own.stderr
    assert "fixed in 1.1" in same("coord", "status", "list", key)
    same("coord", "status", "list", key, "--json")

    proposed = laptop.run(
        "coord", "embargo", "propose", key, "--end", "2030-03-10T09:00", "--embargo-zone",
        "Asia/Shanghai", "--reason", "supplier needs a release", "--zone", "Europe/Berlin",
    )  # fmt: skip
    assert proposed.stdout.startswith(f"{key}: embargo proposed\nembargo: proposed")
    assert "2030-03-10 09:00 CST (Asia/Shanghai, UTC+08:00)" in proposed.stdout
    laptop.run("coord", "embargo", "accept", key, "--participant", pid, "--reason", "by mail")
    laptop.run("coord", "embargo", "accept", key, "--reason", "agreed")
    laptop.run("coord", "embargo", "extend", key, "--end", "2030-04-01T09:00", "--embargo-zone",
               "Asia/Shanghai", "--reason", "more time")  # fmt: skip
    laptop.run("coord", "embargo", "decline", key, "--reason", "no")
    shown = same("coord", "embargo", "show", key, "--zone", "Europe/Berlin")
    assert "embargo: active (in force)" in shown and "declined by li-na" in shown
    same("coord", "embargo", "show", key, "--zone", "Europe/Berlin", "--json")
    same("coord", "suggest", key)

    sent = laptop.run("coord", "share", key, "--participant", pid).stdout
    assert wm.clean(sent).startswith("Shared with Li Lei <psirt@libfoo.example> (libfoo) on ")
    assert sent.rstrip().splitlines()[-1].startswith("recorded in the ledger as ledger:")
    download = laptop.run("coord", "share", key, "--participant", pid, "--preview",
                          "--format", "json").stdout  # fmt: skip
    assert json.loads(download)["watermark"]["ref"].startswith("WM-")
    posted = laptop.run("coord", "thread", "post", key, "--thread", pid, "--message-stdin",
                        input_text="Please confirm the fix.")  # fmt: skip
    assert posted.stdout.startswith(f"{key}: message ") and "ledger ledger:" in posted.stdout
    same("coord", "thread", "read", key, "--thread", pid, "--json")
    broken = laptop.run("coord", "embargo", "break", key, "--where", "https://blog.example/p",
                        "--seen-at", "2026-01-02T03:00:00Z", "--reason", "seen")  # fmt: skip
    assert "embargo: exited" in broken.stdout

    traced = laptop.run("coord", "trace", "-", "--json", input_text="\n".join(sent.split("\n")[2:]))
    [found] = json.loads(traced.stdout)["found"]
    assert (found["case"], found["kind"], found["recipient"]) == (
        key, "share", "Li Lei <psirt@libfoo.example>",
    )  # fmt: skip
    assert (
        traced.stdout
        == admin.run(
            "coord", "trace", "-", "--json", input_text="\n".join(sent.split("\n")[2:])
        ).stdout
    )

    # refusals exit as locally: a wrong step, the roles, a hidden case like a missing one
    ended = laptop.run("coord", "embargo", "end", key, "--reason", "x", ok=False)
    local = admin.run("coord", "embargo", "end", key, "--reason", "x", ok=False)
    assert (ended.returncode, ended.stderr) == (local.returncode, local.stderr)
    purls = laptop.run("coord", "party-purls", "libfoo", "--purl", "pkg:generic/x", ok=False)
    assert purls.returncode == 2 and "roles" in purls.stderr
    for other in (served.hidden, "VD-2099-9999"):
        gone = laptop.run("coord", "participants", "list", other, ok=False)
        assert (gone.returncode, gone.stderr.strip()) == (2, "error: case not found")
    assert not (tmp_path / "laptop" / "vulndesk.db").exists()
    laptop.run("logout")
