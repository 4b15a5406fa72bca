"""`vulndesk coord` in a subprocess on both engines: participants, a status approved by a
second person, no answer since, the embargo in two zones, a break, suggestions, threads."""

from __future__ import annotations

import json
from pathlib import Path

from tests.e2e.cli import Cli
from tests.e2e.test_cli import _seed, cli
from vulndesk.domain import watermark as wm

__all__ = ["cli"]


def test_coordinating_a_case_from_the_command_line(cli: Cli, tmp_path: Path) -> None:
    _seed(cli)
    cli.run("party", "add", "libfoo", "--name", "Libfoo", "--kind", "upstream_supplier",
            "--country", "CN")  # fmt: skip
    cli.run("party", "add", "maker", "--name", "Maker", "--kind", "downstream_maker",
            "--country", "CN")  # fmt: skip
    cli.run("product", "add", "cam", "--vendor", "Acme", "--name", "Camera", "--model", "C1",
            "--version", "1.0", "--market", "CN", "--supplier", "libfoo")  # fmt: skip
    key = cli.json(
        "case", "open", "--title", "Overflow", "--unit", "cn", "--product", "cam@1.0",
        "--detail", "summary=Heap overflow", "--detail", "proof_of_concept=CANARY-CLI-POC",
    )["key"]  # fmt: skip
    supplier = cli.json(
        "coord", "participants", "add", key, "--party", "libfoo", "--role", "upstream_supplier",
        "--person", "Li Lei <psirt@libfoo.example>",
    )  # fmt: skip
    maker = cli.json("coord", "participants", "add", key, "--party", "maker", "--role",
                     "downstream-maker", "--person", "sec@maker.example")  # fmt: skip
    listed = cli.run("coord", "participants", "list", key).stdout
    assert "Li Lei <psirt@libfoo.example>" in listed and "downstream_maker" in listed
    bad = cli.run("coord", "participants", "add", key, "--party", "maker", "--role", "vendor",
                  "--person", "a@b.example", ok=False)  # fmt: skip
    assert bad.returncode == 2 and bad.stderr.startswith("error: role")

    said = cli.json(
        "coord", "status", "set", key, "--participant", str(supplier["id"]), "--product",
        "cam", "--status", "not_affected", "--justification", "component_not_present",
        "--statement", "libfoo is not in the camera build",
    )  # fmt: skip
    own = cli.run("coord", "status", "approve", key, str(said["id"]), ok=False)
    assert own.returncode == 2 and "second person" in own.stderr
    deputy = cli.sign_in("cli-deputy", "coordinator")
    deputy.run("coord", "status", "approve", key, str(said["id"]))
    board = cli.json("coord", "status", "list", key)["cells"]
    by = {c["participant"]: c for c in board}
    assert by[supplier["id"]]["status"] == "not_affected"
    assert by[maker["id"]]["status"] == "no_answer"
    human = cli.run("coord", "status", "list", key).stdout
    assert "no answer since" in human and "component_not_present" in human

    proposed = cli.run("coord", "embargo", "propose", key, "--end", "2030-03-10T09:00",
                       "--embargo-zone", "Asia/Shanghai", "--reason", "libfoo fix release",
                       "--zone", "Europe/Berlin").stdout  # fmt: skip
    assert "2030-03-10 09:00 CST (Asia/Shanghai, UTC+08:00)" in proposed
    assert "2030-03-10 02:00 CET (Europe/Berlin, UTC+01:00) (your zone)" in proposed
    cli.run("coord", "embargo", "accept", key, "--reason", "libfoo agrees", "--participant",
            str(supplier["id"]))  # fmt: skip
    cli.run("coord", "embargo", "accept", key, "--reason", "agreed on the call")
    zoneless = cli.run("coord", "embargo", "extend", key, "--end", "2030-04-01T09:00",
                       "--embargo-zone", "CST", "--reason", "x", ok=False)  # fmt: skip
    assert zoneless.returncode == 2 and zoneless.stderr.startswith("error: zone")
    shown = cli.json("coord", "embargo", "show", key)
    assert shown["state"] == "active" and shown["in_force"] is True
    assert shown["accepted_by"] == [supplier["id"]]
    gate = cli.run("publication", "check", key, ok=False)
    assert "coordinated-embargo-respected" in gate.stdout + gate.stderr

    cli.run("coord", "thread", "post", key, "--thread", str(supplier["id"]), "--message-stdin",
            input_text="Please confirm the fix date")  # fmt: skip
    read = cli.json("coord", "thread", "read", key, "--thread", str(supplier["id"]))
    assert [m["body"] for m in read] == ["Please confirm the fix date"]

    broken = cli.run("coord", "embargo", "break", key, "--where", "https://blog.example/p",
                     "--seen-at", "2026-01-02T03:00:00Z", "--reason", "seen by our analyst")  # fmt: skip
    assert "exited" in broken.stdout
    assert "re-planned after the break: publication free since" in broken.stdout
    replanned = cli.json("coord", "embargo", "show", key)
    assert replanned["publication_free_since"] and replanned["held_until_in_zone"]
    shared = cli.json("coord", "thread", "read", key)
    assert "https://blog.example/p" in shared[-1]["body"]

    view = cli.run("coord", "share", key, "--participant", str(supplier["id"])).stdout
    assert "Heap overflow" in view and "CANARY-CLI-POC" not in view
    assert "withheld by your disclosure policy: proof_of_concept" in wm.clean(view)
    assert "recorded in the ledger as ledger:" in view
    kinds = [e["disclosure_kind"] for e in cli.json("ledger", "list", "--case", key)]
    assert "upstream-notice" in kinds
    # the copy sent carries the recipient's watermark: a piece of it traces back
    assert view.startswith("Shared") and "Li Lei <psirt@libfoo.example> (libfoo) on" in wm.clean(
        view
    )
    piece = "\n".join(view.splitlines()[2:4])
    traced = json.loads(cli.run("coord", "trace", "-", "--json", input_text=piece).stdout)["found"]
    assert [(t["recipient"], t["kind"], t["found_by"]) for t in traced] == [
        ("Li Lei <psirt@libfoo.example>", "share", "invisible")
    ]
    download = tmp_path / "leak.json"
    download.write_text(
        cli.run("coord", "share", key, "--participant", str(maker["id"]), "--preview",
                "--format", "json").stdout
    )  # fmt: skip
    table = cli.run("coord", "trace", str(download)).stdout
    assert "sec@maker.example" in table and "preview-json" in table
    assert cli.run("coord", "trace", "-", input_text="plain").stdout == "no watermark found\n"
    missing = cli.run("coord", "trace", str(tmp_path / "nope.txt"), ok=False)
    assert missing.returncode == 2 and "FILE" in missing.stderr

    cli.run("coord", "party-purls", "maker", "--purl", "pkg:generic/maker-box@2")
    suggestions = cli.run("coord", "suggest", key).stdout
    assert "as upstream_supplier" in suggestions and "named supplier of cam" in suggestions


def test_inviting_a_participants_person_prints_the_link_once(cli: Cli) -> None:
    _seed(cli)
    cli.run("party", "add", "openssl", "--name", "OpenSSL", "--kind", "upstream_supplier",
            "--country", "US")  # fmt: skip
    key = cli.json("case", "open", "--title", "Overflow", "--unit", "cn", "--product",
                   "router@1.0")["key"]  # fmt: skip
    supplier = cli.json(
        "coord", "participants", "add", key, "--party", "openssl", "--role",
        "upstream_supplier", "--person", "Li Lei <psirt@openssl.example>",
    )  # fmt: skip
    made = cli.run("coord", "invite", key, "--participant", str(supplier["id"]),
                   "--email", "psirt@openssl.example").stdout  # fmt: skip
    assert "(new account) speaks for participant" in made and "/join/" in made
    again = cli.json("coord", "invite", key, "--participant", str(supplier["id"]),
                     "--email", "psirt@openssl.example", "--name", "psirt-openssl")  # fmt: skip
    assert again["account_created"] is False and "/join/" in again["link"]
    bad = cli.run("coord", "invite", key, "--participant", str(supplier["id"]),
                  "--email", "other@openssl.example", ok=False)  # fmt: skip
    assert bad.returncode == 2 and bad.stderr.startswith("error: email")
