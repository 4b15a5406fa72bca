"""Files on coordination messages from the command line: `coord thread post --attach`,
the files listed by `coord thread read`, and `coord thread attachment` saving one."""

from __future__ import annotations

import hashlib
from pathlib import Path

from tests.e2e.cli import Cli
from tests.e2e.test_cli import _seed, cli

__all__ = ["cli"]


def test_attaching_and_saving_files_from_the_command_line(cli: Cli, tmp_path: Path) -> None:
    _seed(cli)
    cli.run("party", "add", "libfoo", "--name", "Libfoo", "--kind", "upstream_supplier",
            "--country", "CN")  # fmt: skip
    key = cli.json("case", "open", "--title", "Overflow", "--unit", "cn",
                   "--detail", "summary=Heap overflow")["key"]  # fmt: skip
    supplier = cli.json(
        "coord", "participants", "add", key, "--party", "libfoo", "--role", "upstream_supplier",
        "--person", "Li Lei <psirt@libfoo.example>",
    )  # fmt: skip
    log = tmp_path / "crash.log"
    log.write_bytes(b"segfault at 0x41414141 CANARY-CLI-FILE")
    digest = hashlib.sha256(log.read_bytes()).hexdigest()
    posted = cli.run("coord", "thread", "post", key, "--thread", str(supplier["id"]),
                     "--message-stdin", "--attach", str(log),
                     input_text="The crash log")  # fmt: skip
    assert f"attached crash.log ({log.stat().st_size} bytes) sha256 {digest}" in posted.stdout
    [message] = cli.json("coord", "thread", "read", key, "--thread", str(supplier["id"]))
    assert [(f["name"], f["sha256"]) for f in message["files"]] == [("crash.log", digest)]

    out = tmp_path / "saved.log"
    saved = cli.run("coord", "thread", "attachment", key, str(message["id"]), digest,
                    "--thread", str(supplier["id"]), "--out", str(out))  # fmt: skip
    assert "saved to" in saved.stdout and out.read_bytes() == log.read_bytes()
    # not in the shared thread: the missing file's answer
    wrong = cli.run("coord", "thread", "attachment", key, str(message["id"]), digest,
                    "--out", str(tmp_path / "x"), ok=False)  # fmt: skip
    assert wrong.returncode != 0 and "attachment" in wrong.stderr
    assert not (tmp_path / "x").exists()

    binary = tmp_path / "blob.bin"
    binary.write_bytes(b"\x00\x01\x02")
    refused = cli.run("coord", "thread", "post", key, "--message-stdin", "--attach", str(binary),
                      input_text="x", ok=False)  # fmt: skip
    assert refused.returncode == 2 and refused.stderr.startswith("error: attachments[0]")
    gone = cli.run("coord", "thread", "post", key, "--message-stdin",
                   "--attach", str(tmp_path / "nope"), input_text="x", ok=False)  # fmt: skip
    assert gone.returncode == 2 and "--attach" in gone.stderr
