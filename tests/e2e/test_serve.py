"""`vulndesk serve` starts a real server that answers /healthz, as `make run` does."""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path

import httpx

from tests.e2e.cli import VULNDESK, Cli


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_serve_answers_healthz_on_a_fresh_home(tmp_path: Path) -> None:
    cli = Cli(tmp_path)
    cli.run("init")
    cli.run("demo", "--if-empty")
    port = _free_port()
    proc = subprocess.Popen(
        [str(VULNDESK), "serve", "--port", str(port)],
        env=cli.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                resp = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.2)
        assert resp.status_code == 200
        body = resp.json()
        assert body["status"] == "ok"
        assert body["schema_current"] is True
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=20)
    assert f"http://127.0.0.1:{port}/" in out
