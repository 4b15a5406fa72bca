"""`vulndesk login --server URL`: the CLI signs in at a running server and acts through its API.

Two processes, as on a laptop and a server: `vulndesk serve` on one home and database, and a
command line on another home that never opens a database of its own.
"""

from __future__ import annotations

import json
import stat
import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.e2e.cli import PASSWORD, Cli, free_port, wait_healthy
from tests.e2e.test_cli import _seed
from tests.waiting import STARTUP

EXIT_SIGNED_OUT = 5


@dataclass
class Served:
    base: str
    admin: Cli
    case: str
    hidden: str

    def laptop(self, home: Path) -> Cli:
        """A command line elsewhere: its own home, sharing only the TOTP devices."""
        cli = Cli(home)
        cli.totp, cli.used = self.admin.totp, self.admin.used
        return cli


@contextmanager
def served_desk(
    home: Path, seed: Callable[[Cli], object] = lambda _admin: None
) -> Iterator[Served]:
    """A running `vulndesk serve` on `home`: a signed-in admin, the reference data (and what
    `seed` adds as that admin), a case li-na (an analyst) is a member of and one she is not."""
    root = Cli(home)
    root.run("init")
    admin = root.sign_in("srv-admin", "admin")
    _seed(admin)
    seed(admin)
    opened = admin.json(
        "case", "open", "--title", "Overflow in httpd", "--unit", "cn",
        "--product", "router@1.0", "--detail", "summary=Overflow in the web server",
    )  # fmt: skip
    hidden = admin.json("case", "open", "--title", "Not yours", "--unit", "cn")["key"]
    root.add_user("li-na", "analyst", unit="cn")
    admin.run("case", "member", "add", opened["key"], "li-na")
    port = free_port()
    proc = root.serve("--port", str(port))
    base = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(base, proc, STARTUP)
        yield Served(base, admin, opened["key"], hidden)
    finally:
        proc.terminate()
        proc.communicate(timeout=20)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with served_desk(tmp_path_factory.mktemp("server")) as desk:
        yield desk


def _login(
    cli: Cli, base: str, name: str = "li-na", code: str | None = None
) -> subprocess.CompletedProcess[str]:
    secret = f"{PASSWORD}\n{code or cli.code(name)}\n"
    return cli.run("login", name, "--server", base, "--password-stdin", input_text=secret, ok=False)


def test_sign_in_at_a_server_act_through_it_and_sign_out(served: Served, tmp_path: Path) -> None:
    cli = served.laptop(tmp_path / "laptop")
    signed = _login(cli, served.base)
    assert signed.returncode == 0, signed.stderr
    assert f"signed in as li-na at {served.base} until" in signed.stdout
    folder = tmp_path / "laptop" / "config" / "nobody" / "vulndesk"
    [kept] = folder.glob("server-*.json")
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert stat.S_IMODE((folder / "server.json").stat().st_mode) == 0o600
    stored = json.loads(kept.read_text())
    assert stored["server"] == served.base and stored["user"] == "li-na"

    me = cli.json("whoami")
    assert (me["name"], me["roles"], me["unit"], me["server"]) == (
        "li-na", ["analyst"], "cn", served.base,
    )  # fmt: skip
    listed = cli.json("case", "list")
    assert [c["key"] for c in listed["cases"]] == [served.case]  # need-to-know at the server
    shown = cli.json("case", "show", served.case)
    assert shown["details"]["summary"] == "Overflow in the web server"
    hidden = cli.run("case", "show", served.hidden, ok=False)
    assert hidden.returncode == 2 and "not found" in hidden.stderr
    made = cli.run("case", "record-fact", served.case, "verified", "--evidence", "lab repro")
    assert made.stdout.strip() == f"{served.case}: verified recorded"
    facts = served.admin.json("case", "show", served.case)["case"]["facts"]
    assert [f["kind"] for f in facts if f["kind"] == "verified"] == ["verified"]
    assert any(
        e["event"]["actor"] == "li-na"
        for e in served.admin.json("audit", "list", "--limit", "10000")
    ), "audited as li-na"

    # A command that does not act through a server refuses; nothing is done locally instead.
    due = cli.run("due", ok=False)
    assert due.returncode == 2 and f"signed in at {served.base}" in due.stderr
    assert not (tmp_path / "laptop" / "vulndesk.db").exists()

    out = cli.run("logout")
    assert out.stdout.strip() == f"signed out li-na at {served.base}"
    gone = httpx.get(
        served.base + "/api/v1/me", headers={"Authorization": f"Bearer {stored['token']}"}
    )
    assert gone.status_code == 401  # revoked at the server, not only forgotten here
    assert list(folder.glob("server-*.json")) == [] and not (folder / "server.json").exists()
    after = cli.run("whoami", ok=False)
    assert after.returncode == EXIT_SIGNED_OUT


def test_a_wrong_code_or_a_plain_http_server_keeps_nothing(served: Served, tmp_path: Path) -> None:
    cli = served.laptop(tmp_path / "laptop")
    wrong = _login(cli, served.base, code="000000")
    assert wrong.returncode == 2, wrong.stderr
    assert not (tmp_path / "laptop" / "config").exists() or not list(
        (tmp_path / "laptop" / "config").rglob("server*.json")
    )
    clear = cli.run(
        "login", "li-na", "--server", "http://vulndesk.example.com", "--password-stdin",
        input_text=f"{PASSWORD}\n123456\n", ok=False,
    )  # fmt: skip
    assert clear.returncode == 2 and "plain http" in clear.stderr


def test_signing_in_again_ends_the_previous_sign_in_at_the_server(
    served: Served, tmp_path: Path
) -> None:
    cli = served.laptop(tmp_path / "laptop")
    assert _login(cli, served.base).returncode == 0
    folder = tmp_path / "laptop" / "config" / "nobody" / "vulndesk"
    [kept] = folder.glob("server-*.json")
    first = json.loads(kept.read_text())["token"]
    assert _login(cli, served.base).returncode == 0
    auth = {"Authorization": f"Bearer {first}"}
    assert httpx.get(served.base + "/api/v1/me", headers=auth).status_code == 401
    assert cli.json("whoami")["name"] == "li-na"
    cli.run("logout")
