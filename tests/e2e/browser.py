"""Browser-test harness: a real `vulndesk serve` on a seeded home, and Debian's Chromium via Playwright."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pyotp
import pytest

from tests.e2e.cli import VULNDESK, Cli
from tests.waiting import SHUTDOWN, STARTUP

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Locator, Page


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
REQUIRE = os.environ.get("VULNDESK_REQUIRE_BROWSER") == "1"
PASSWORD = "correct horse battery staple 42"


def chromium_or_skip() -> str:
    if shutil.which(CHROMIUM) is None and not Path(CHROMIUM).exists():
        if REQUIRE:
            pytest.fail("Debian's chromium is required here but /usr/bin/chromium is missing")
        pytest.skip("/usr/bin/chromium not installed: browser tests skipped")
    return CHROMIUM


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


_USED_STEPS: dict[str, int] = {}


def fresh_code(secret: str) -> str:
    """A one-time code of a time step these tests have not used: the server takes a code once.

    Steps either side of now are accepted, so two sign-ins of a user fit in one step; a third
    waits for the clock.
    """
    totp = pyotp.TOTP(secret)
    while True:
        current = totp.timecode(dt.datetime.now(dt.UTC))
        step = max(current, _USED_STEPS.get(secret, current - 1) + 1)
        if step <= current + 1:
            break
        time.sleep(0.5)
    _USED_STEPS[secret] = step
    return totp.generate_otp(step)


@dataclass
class Server:
    """A running server with users whose passwords and TOTP secrets the tests know."""

    base: str
    cli: Cli
    proc: subprocess.Popen[str]
    log: Path
    totp: dict[str, str] = field(default_factory=dict)

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=SHUTDOWN)

    def code(self, user: str) -> str:
        return fresh_code(self.totp[user])

    def add_user(self, name: str, role: str, unit: str) -> None:
        self.cli.run(
            "user",
            "add",
            name,
            "--role",
            role,
            "--unit",
            unit,
            "--email",
            f"{name}@example.com",
            "--password-stdin",
            input_text=PASSWORD,
        )
        out = self.cli.run("user", "totp-enroll", name).stdout
        secret = next(
            w
            for w in out.replace("=", " ").replace("&", " ").split()
            if len(w) == 32 and w.isalnum()
        )
        self.totp[name] = secret


def start_server(home: Path, *, demo: bool = True, env: dict[str, str] | None = None) -> Server:
    cli = Cli(home)
    cli.env["VULNDESK_COOKIE_SECURE"] = "0"
    cli.env |= env or {}
    cli.run("init")
    if demo:
        cli.run("demo", "--if-empty")
    # The tests' own command-line acts (case show, member add, rule options) are an admin's.
    cli = cli.sign_in("cli-tester", "admin")
    port = free_port()
    # The server's output goes to a file: a pipe nobody reads fills up after some hundred
    # requests' access lines, and the server then blocks writing its log.
    log = home / "serve.log"
    with log.open("a") as out:
        proc = subprocess.Popen(
            [str(VULNDESK), "serve", "--port", str(port)],
            env=cli.env,
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + STARTUP
    while True:
        try:
            httpx.get(base + "/healthz", timeout=2)
            break
        except httpx.TransportError:
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                raise
            time.sleep(0.2)
    return Server(base, cli, proc, log)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    srv = start_server(tmp_path_factory.mktemp("console"))
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    executable = chromium_or_skip()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


def screenshot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def submit(page: Page, target: str | Locator) -> None:
    """Click something that navigates and wait until the new page has loaded.

    A bare ``click`` returns once the click is dispatched; the next read could then see the
    old page. Waiting for the navigation makes every read after a form post see its answer.
    """
    with page.expect_navigation():
        if isinstance(target, str):
            page.click(target)
        else:
            target.click()


def sign_in(page: Page, server: Server, user: str) -> None:
    page.goto(server.base + "/login")
    page.fill("input[name=name]", user)
    page.fill("input[name=password]", PASSWORD)
    page.fill("input[name=totp]", server.code(user))
    submit(page, "button[type=submit]")
    page.wait_for_url(server.base + "/")
