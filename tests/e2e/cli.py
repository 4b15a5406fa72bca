"""Run the real `vulndesk` command in a subprocess with its own home directory."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from tests.conftest import TEST_KEYS

VULNDESK = Path(sys.executable).parent / "vulndesk"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_healthy(base: str, proc: subprocess.Popen[str], seconds: float) -> httpx.Response:
    """The first answer of `base`/healthz; raises if the server exits or `seconds` pass."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            return httpx.get(base + "/healthz", timeout=2)
        except httpx.TransportError:
            if time.monotonic() > deadline or proc.poll() is not None:
                raise
            time.sleep(0.2)


class Cli:
    def __init__(self, home: Path, database_url: str | None = None) -> None:
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("VULNDESK_")}
        self.env |= {
            "VULNDESK_HOME": str(home),
            "VULNDESK_KEYS": TEST_KEYS,
            "VULNDESK_ACTOR": "cli-tester",
            "COLUMNS": "200",
            "NO_COLOR": "1",
        }
        if database_url:
            self.env["VULNDESK_DATABASE_URL"] = database_url

    def run(
        self, *args: str, ok: bool = True, input_text: str | None = None
    ) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run(
            [str(VULNDESK), *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
            input=input_text,
        )
        if ok and proc.returncode != 0:
            raise AssertionError(
                f"vulndesk {' '.join(args)} failed ({proc.returncode}): {proc.stderr}"
            )
        return proc

    def json(self, *args: str) -> Any:
        return json.loads(self.run(*args, "--json").stdout)

    def serve(self, *args: str) -> subprocess.Popen[str]:
        """`vulndesk serve ARGS` in the background, its output (with stderr) on a pipe."""
        return subprocess.Popen(
            [str(VULNDESK), "serve", *args],
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
