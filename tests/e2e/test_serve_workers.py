"""`vulndesk serve --workers N`: several server processes share one SQLite database."""

from __future__ import annotations

import concurrent.futures
import secrets
import signal
import socket
from pathlib import Path

import httpx

from tests.e2e.cli import Cli, free_port, wait_healthy
from tests.waiting import STARTUP

REPORT = {
    "product": "ax-router",
    "version": "1.0",
    "description": "Stack overflow in the login handler of the web console",
    "steps": "POST /login with a 5000-byte user name",
    "impact": "remote code execution",
    "contact": "reporter@example.org",
}


def _post(base: str) -> tuple[int, dict[str, str]]:
    headers = {"Idempotency-Key": secrets.token_hex(16)}
    resp = httpx.post(base + "/api/v1/intake", json=REPORT, headers=headers, timeout=60)
    return resp.status_code, resp.json()


def _server_pids(output: str) -> set[str]:
    return {
        line.rsplit("[", 1)[1].split("]")[0]
        for line in output.splitlines()
        if "Started server process [" in line
    }


def test_two_processes_take_concurrent_reports_and_stop_on_sigterm(tmp_path: Path) -> None:
    cli = Cli(tmp_path)
    cli.run("init")
    cli.run("demo", "--if-empty")
    cli.env["VULNDESK_INTAKE_RATE"] = "100000/60"
    port = free_port()
    # Host and port only as flags: the worker processes must not need them.
    proc = cli.serve("--workers", "2", "--host", "127.0.0.1", "--port", str(port))
    base = f"http://127.0.0.1:{port}"
    try:
        health = wait_healthy(base, proc, STARTUP)
        assert health.status_code == 200
        assert health.json()["schema_current"] is True
        with concurrent.futures.ThreadPoolExecutor(max_workers=20) as pool:
            results = list(pool.map(lambda _: _post(base), range(40)))
    finally:
        proc.send_signal(signal.SIGTERM)
        output = proc.communicate(timeout=60)[0]
    assert proc.returncode == 0, output
    # The worker processes went with the parent: nothing answers on the port any more.
    with socket.socket() as s:
        assert s.connect_ex(("127.0.0.1", port)) != 0
    assert "with 2 processes" in output
    assert len(_server_pids(output)) == 2, output
    assert "database is locked" not in output
    assert [status for status, _ in results] == [201] * 40, results
    tracking = {body["tracking"] for _, body in results}
    assert len(tracking) == 40
    stored = cli.sign_in("serve-admin", "admin").json("intake", "list", "--limit", "500")
    assert tracking <= {item["tracking"] for item in stored}
    assert all(item["case"] for item in stored if item["tracking"] in tracking)
    verify = cli.run("audit", "verify")
    assert verify.returncode == 0


def test_bad_worker_count_exits_2_naming_the_setting(tmp_path: Path) -> None:
    cli = Cli(tmp_path)
    cli.run("init")
    cli.env["VULNDESK_WORKERS"] = "two"
    out = cli.run("serve", "--port", str(free_port()), ok=False)
    assert out.returncode == 2
    assert "VULNDESK_WORKERS" in out.stderr and "'two'" in out.stderr


def test_zero_workers_flag_is_refused(tmp_path: Path) -> None:
    cli = Cli(tmp_path)
    out = cli.run("serve", "--workers", "0", "--port", str(free_port()), ok=False)
    assert out.returncode == 2
    assert "--workers" in out.stderr
