"""Operations: /metrics in Prometheus format and who may read it, request ids, JSON logs,
`python -m vulndesk`, and settings that stop the start naming the variable."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import httpx
from fastapi.testclient import TestClient

from tests.e2e.cli import Cli, free_port, wait_healthy
from tests.e2e.test_api_support import World, world
from tests.waiting import STARTUP
from vulndesk.bootstrap import Container
from vulndesk.entrypoints.api.app import create_app

__all__ = ["world"]
FORWARDED = {"X-Forwarded-For": "203.0.113.9"}


def test_metrics_answer_an_admin_or_the_metrics_secret_and_nobody_else(world: World) -> None:
    c = world.container
    settings = dataclasses.replace(c.settings, metrics_token="scrape-secret")
    scraped = Container(settings, c.clock)
    with (
        closing(scraped),
        TestClient(create_app(scraped), base_url="https://t") as client,
    ):
        assert client.get("/healthz").status_code == 200
        # The test client is not on this machine's loopback: no credential, no metrics.
        assert client.get("/metrics").status_code == 404
        wrong = client.get("/metrics", headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 404
        for user in ("analyst", "auditor", "coordinator"):
            assert client.get("/metrics", headers=world.headers(user)).status_code == 404, user
        by_secret = client.get("/metrics", headers={"Authorization": "Bearer scrape-secret"})
        assert by_secret.status_code == 200
        by_admin = client.get("/metrics", headers=world.headers("admin"))
        assert by_admin.status_code == 200
    text = by_admin.text
    assert 'vulndesk_http_requests_total{method="GET",route="/healthz",status="200"} 1.0' in text
    assert 'vulndesk_http_request_duration_seconds_count{method="GET",route="/healthz"}' in text
    for name in (
        "vulndesk_outbox_messages",
        "vulndesk_overdue_obligations",
        "vulndesk_worker_lag_seconds",
    ):
        assert f"# TYPE {name} gauge" in text, name


def test_served_requests_carry_an_id_into_json_logs_and_metrics_on_loopback(
    tmp_path: Path,
) -> None:
    cli = Cli(tmp_path / "home")
    log = tmp_path / "home" / "vulndesk.log"
    cli.env |= {"VULNDESK_LOG_FILE": str(log), "VULNDESK_CHECKPOINT_KEY": str(tmp_path / "cp.pem")}
    cli.run("init")
    cli.run("keys", "checkpoint-init", "--out", str(tmp_path / "cp.pem"))
    cli.run("audit", "checkpoint", "--write")
    port = free_port()
    proc = cli.serve("--port", str(port))
    base = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(base, proc, STARTUP)
        mine = httpx.get(base + "/healthz", headers={"X-Request-ID": "deploy-check.42"})
        assert mine.headers["x-request-id"] == "deploy-check.42"
        odd = httpx.get(base + "/healthz", headers={"X-Request-ID": "<script>"})
        assert odd.headers["x-request-id"] != "<script>" and len(odd.headers["x-request-id"]) == 32
        local = httpx.get(base + "/metrics")
        assert local.status_code == 200 and "vulndesk_checkpoint_age_seconds " in local.text
        proxied = httpx.get(base + "/metrics", headers=FORWARDED)
        assert proxied.status_code == 404  # through a proxy on this machine: not local
    finally:
        proc.terminate()
        proc.communicate(timeout=20)
    lines = [json.loads(line) for line in log.read_text().splitlines() if line.strip()]
    [access] = [r for r in lines if r.get("request_id") == "deploy-check.42"]
    assert access["logger"] == "vulndesk.access" and access["path"] == "/healthz"
    assert access["status"] == 200 and access["message"] == "GET /healthz 200"
    assert any(r["logger"].startswith("uvicorn") for r in lines)  # uvicorn's own lines too


def test_python_dash_m_vulndesk_is_the_command(tmp_path: Path) -> None:
    cli = Cli(tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "vulndesk", "--help"], env=cli.env, capture_output=True,
        text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0 and "backup" in done.stdout


def test_a_bad_setting_stops_the_start_naming_the_variable(tmp_path: Path) -> None:
    for name, value in {
        "VULNDESK_INTAKE_RATE": "lots",
        "VULNDESK_WEBHOOK_SECRETS": "[1]",
        "VULNDESK_LOG_FORMAT": "xml",
        "VULNDESK_SECURITY_POLICY_URL": "policy.html",
    }.items():
        run = Cli(tmp_path)
        run.env[name] = value
        out = run.run("init", ok=False)
        assert out.returncode == 2 and name in out.stderr, (name, out.stderr)
