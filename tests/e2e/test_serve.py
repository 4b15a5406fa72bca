"""`vulndesk serve` starts a real server that answers /healthz, as `make run` does."""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.e2e.cli import Cli, free_port, wait_healthy
from tests.waiting import SHUTDOWN, STARTUP


@contextlib.contextmanager
def _serving(cli: Cli, port: int, output: list[str]) -> Iterator[str]:
    proc = cli.serve("--port", str(port))
    base = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(base, proc, STARTUP)
        yield base
    finally:
        proc.terminate()
        output.append(proc.communicate(timeout=SHUTDOWN)[0])


def test_serve_answers_healthz_on_a_fresh_home(tmp_path: Path) -> None:
    cli = Cli(tmp_path)
    cli.run("init")
    cli.run("demo", "--if-empty")
    port = free_port()
    output: list[str] = []
    with _serving(cli, port, output) as base:
        resp = httpx.get(base + "/healthz", timeout=5)
        assert resp.status_code == 200
        body = resp.json()
        assert body["status"] == "ok"
        assert body["schema_current"] is True
    assert f"http://127.0.0.1:{port}/" in output[0]


def _report(base: str, forwarded_for: str) -> int:
    body = {"product": "ax-router", "version": "1.0", "description": "Overflow in the parser."}
    headers = {"Idempotency-Key": secrets.token_hex(8), "X-Forwarded-For": forwarded_for}
    return httpx.post(base + "/api/v1/intake", json=body, headers=headers, timeout=20).status_code


@pytest.mark.parametrize("trusted", [False, True])
def test_forwarded_client_addresses_count_only_from_trusted_proxies(
    tmp_path: Path, trusted: bool
) -> None:
    """Behind a trusted proxy each reporter has their own intake rate limit; otherwise
    a client cannot dodge its limit by sending X-Forwarded-For itself."""
    cli = Cli(tmp_path)
    cli.run("init")
    cli.run("demo", "--if-empty")
    cli.env["VULNDESK_INTAKE_RATE"] = "2/600"
    if trusted:
        cli.env["VULNDESK_TRUSTED_PROXIES"] = "127.0.0.1, ::1"
    with _serving(cli, free_port(), []) as base:
        spread = [_report(base, f"203.0.113.{n}") for n in (1, 2, 3)]
        if trusted:
            assert spread == [201, 201, 201]
            same = [_report(base, "198.51.100.7") for _ in range(3)]
            assert same == [201, 201, 429]
        else:
            assert spread == [201, 201, 429]


def test_serve_refuses_a_bad_trusted_proxy_list(tmp_path: Path) -> None:
    cli = Cli(tmp_path)
    cli.run("init")
    cli.env["VULNDESK_TRUSTED_PROXIES"] = "10.0.0.1,proxy.example"
    out = cli.run("serve", "--port", str(free_port()), ok=False)
    assert out.returncode == 2
    assert "VULNDESK_TRUSTED_PROXIES" in out.stderr and "proxy.example" in out.stderr
