"""Run the real `vulndesk` command in a subprocess with its own home directory."""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pyotp

from tests.conftest import TEST_KEYS

VULNDESK = Path(sys.executable).parent / "vulndesk"
# Every account the harness creates signs in with this password and its own TOTP secret.
PASSWORD = "correct horse battery staple"


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
    """One vulndesk home; each signed-in account keeps its credentials in its own config dir."""

    def __init__(self, home: Path, database_url: str | None = None, user: str = "") -> None:
        self.home = home
        self.user = user
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("VULNDESK_")}
        self.env |= {
            "VULNDESK_HOME": str(home),
            "VULNDESK_KEYS": TEST_KEYS,
            "XDG_CONFIG_HOME": str(home / "config" / (user or "nobody")),
            "COLUMNS": "200",
            "NO_COLOR": "1",
        }
        if database_url:
            self.env["VULNDESK_DATABASE_URL"] = database_url
        # TOTP secrets and the last time step used, by account, shared by every view of home.
        self.totp: dict[str, str] = {}
        self.used: dict[str, int] = {}

    def as_user(self, name: str) -> Cli:
        """The same home and database, acting as `name` (who must have signed in)."""
        other = Cli(self.home, self.env.get("VULNDESK_DATABASE_URL"), name)
        other.env = self.env | {"XDG_CONFIG_HOME": str(self.home / "config" / name)}
        other.totp, other.used = self.totp, self.used
        return other

    def add_user(self, name: str, *roles: str, unit: str | None = None) -> None:
        """`vulndesk user add` (an operator command) and a TOTP device for the account."""
        args = ["user", "add", name, "--email", f"{name}@example.org", "--password-stdin"]
        args += [a for r in roles for a in ("--role", r)] + (["--unit", unit] if unit else [])
        self.run(*args, input_text=PASSWORD + "\n")
        out = self.run("user", "totp-enroll", name).stdout
        self.totp[name] = next(
            line.split(": ", 1)[1] for line in out.splitlines() if line.startswith("secret: ")
        )

    def code(self, name: str) -> str:
        """A TOTP code the account has not used yet (each time step is good once)."""
        totp = pyotp.TOTP(self.totp[name])
        while True:
            now = time.time()
            step = totp.timecode(dt.datetime.fromtimestamp(now, dt.UTC))
            fresh = [s for s in (step, step + 1) if s > self.used.get(name, -1)]
            if fresh:
                self.used[name] = fresh[0]
                return totp.generate_otp(fresh[0])
            time.sleep(totp.interval - now % totp.interval + 0.05)

    def sign_in(self, name: str, *roles: str, unit: str | None = None) -> Cli:
        """Create the account when roles are given, then `vulndesk login` as it."""
        if roles:
            self.add_user(name, *roles, unit=unit)
        me = self.as_user(name)
        me.run("login", name, "--password-stdin", input_text=f"{PASSWORD}\n{self.code(name)}\n")
        return me

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
