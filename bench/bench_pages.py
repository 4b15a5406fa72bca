"""Benchmark: console page response times (p50, p99) on the real server with the demo data.

Starts `vulndesk serve` on a temporary SQLite home loaded with `vulndesk demo`, signs in as a
user who may see every page (admin and HQ oversight), and requests each page one after
another on a keep-alive connection, timing each full response. The baseline is a bare route
(`{}`) served by the same process in the same run; `/healthz`, which checks the schema
version, is reported beside it. Target: p99 under 1000 ms for every page.
Writes bench/results/pages.json. Run: .venv/bin/python -m bench.bench_pages
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import pyotp

from bench.harness import free_port, wait_ready

RESULTS = Path(__file__).resolve().parent / "results" / "pages.json"
VULNDESK = Path(sys.executable).parent / "vulndesk"
REQUESTS = int(os.environ.get("BENCH_PAGE_REQUESTS", "60"))
TARGET_MS = 1000.0
USER, PASSWORD = "bench-admin", "bench password long enough 1"
CASE = "VD-2026-0002"  # a Chinese demo case with running clocks
PAGES = {
    "dashboard": "/",
    "case list": "/cases",
    "case page": f"/cases/{CASE}",
    "report draft": f"/reports/{CASE}/nvdb/miit-nvdb/v1",
    "oversight": "/oversight",
    "admin": "/admin",
}


def _cli(env: dict[str, str], *args: str, stdin: str | None = None) -> str:
    done = subprocess.run(
        [str(VULNDESK), *args], env=env, input=stdin, capture_output=True, text=True, check=True
    )
    return done.stdout


def _prepare(env: dict[str, str]) -> str:
    """Demo data, one draft to show, and a user; returns the user's TOTP secret."""
    _cli(env, "init")
    _cli(env, "demo", "--if-empty")
    # The draft is a person's act: a second account signs the command line in to make it.
    drafter = ["user", "add", "bench-cli", "--role", "admin", "--email", "cli@example.org"]
    _cli(env, *drafter, "--password-stdin", stdin=PASSWORD)
    secret = _cli(env, "user", "totp-enroll", "bench-cli").split("secret: ", 1)[1].split()[0]
    code = pyotp.TOTP(secret).now()
    _cli(env, "login", "bench-cli", "--password-stdin", stdin=f"{PASSWORD}\n{code}\n")
    _cli(env, "report", "draft", CASE, "--kind", "nvdb", "--recipient", "miit-nvdb")
    add = ["user", "add", USER, "--role", "admin", "--role", "hq-oversight", "--unit", "acme-hq"]
    _cli(env, *add, "--email", "bench@example.org", "--password-stdin", stdin=PASSWORD)
    out = _cli(env, "user", "totp-enroll", USER)
    return next(line.split()[1] for line in out.splitlines() if line.startswith("secret:"))


def _sign_in(client: httpx.Client, totp_secret: str) -> None:
    form = {"name": USER, "password": PASSWORD, "totp": pyotp.TOTP(totp_secret).now()}
    got = client.post("/login", data=form)
    if got.status_code != 303 or "vd_session" not in client.cookies:
        raise RuntimeError(f"sign-in failed with status {got.status_code}")


def _percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def _time(client: httpx.Client, path: str, n: int) -> list[float]:
    """Milliseconds per full response; every answer must be a 200 page."""
    client.get(path)  # warm-up: templates compiled, caches filled
    samples = []
    for _ in range(n):
        started = time.perf_counter()
        got = client.get(path)
        samples.append((time.perf_counter() - started) * 1000)
        if got.status_code != 200:
            raise RuntimeError(f"{path} answered {got.status_code}")
    return samples


def measure(base: str, totp_secret: str) -> dict[str, list[float]]:
    with httpx.Client(base_url=base, timeout=30, follow_redirects=False) as client:
        _sign_in(client, totp_secret)
        timings = {
            "baseline": _time(client, "/bench/bare", REQUESTS),
            "health": _time(client, "/healthz", REQUESTS),
        }
        for name, path in PAGES.items():
            timings[name] = _time(client, path, REQUESTS)
    return timings


def _rows(timings: dict[str, list[float]]) -> list[dict[str, Any]]:
    base = timings["baseline"]
    rows = [_row("healthz p99", _percentile(timings["health"], 99), _percentile(base, 99))]
    for name in PAGES:
        got = timings[name]
        p50, p99 = _percentile(got, 50), _percentile(got, 99)
        rows.append(_row(f"{name} p50", p50, _percentile(base, 50), None, None))
        rows.append(_row(f"{name} p99", p99, _percentile(base, 99), TARGET_MS, p99 < TARGET_MS))
    return rows


def main() -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory() as home:
        key = base64.b64encode(secrets.token_bytes(32)).decode()
        env = {k: v for k, v in os.environ.items() if not k.startswith("VULNDESK_")}
        env |= {
            "VULNDESK_HOME": home,
            "VULNDESK_KEYS": json.dumps({"current": "k1", "keys": {"k1": key}}),
            "VULNDESK_COOKIE_SECURE": "0",
            "XDG_CONFIG_HOME": str(Path(home) / "config"),
        }
        totp_secret = _prepare(env)
        port = free_port()
        # The application `vulndesk serve` runs, plus the bare baseline route of bench.harness.
        cmd = [sys.executable, "-m", "uvicorn", "bench.harness:app_factory", "--factory"]
        cmd += ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
        server = subprocess.Popen(cmd, env=env, cwd=Path(__file__).resolve().parents[1])
        try:
            base = f"http://127.0.0.1:{port}"
            wait_ready(base + "/healthz", server)
            timings = measure(base, totp_secret)
        finally:
            server.terminate()
            server.wait(timeout=30)
    rows = _rows(timings)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    return rows


def _row(
    name: str,
    value: float,
    baseline: float,
    target: float | None = None,
    passed: bool | None = None,
) -> dict[str, Any]:
    return {
        "name": f"console {name} ({REQUESTS} requests, demo data)",
        "value": round(value, 2),
        "unit": "ms",
        "baseline": round(baseline, 2),
        "target": target,
        "passed": passed,
    }


if __name__ == "__main__":
    for row in main():
        print(json.dumps(row))
