"""The CLI acts as a real, signed-in account: no environment variable grants an identity.

One home (SQLite) serves the whole module: each account signs in once into its own config
directory, as separate people on one machine would.
"""

from __future__ import annotations

import datetime as dt
import json
import stat
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy

from tests.conftest import TEST_KEYS
from tests.e2e.cli import Cli
from tests.e2e.test_cli import _seed
from vulndesk.adapters.storage.tables.accounts import api_tokens
from vulndesk.bootstrap import build
from vulndesk.config import Settings
from vulndesk.entrypoints.api.app import create_app

with warnings.catch_warnings():
    # Starlette deprecates httpx in favour of httpx2, which is not installed here.
    warnings.filterwarnings("ignore", "Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

EXIT_SIGNED_OUT = 5


class Desk:
    """The module's home: an admin, a case handled by the Chinese unit, and its NVDB draft."""

    def __init__(self, home: Path) -> None:
        root = Cli(home)
        root.run("init")
        self.root = root
        self.admin = root.sign_in("cli-admin", "admin")
        _seed(self.admin)
        self.admin.run("oversight", "require-hq-approver", "on")
        self.case = self.admin.json(
            "case",
            "open",
            "--title",
            "Overflow in httpd",
            "--unit",
            "cn",
            "--product",
            "router@1.0",
            "--detail",
            "summary=Overflow in the web server",
        )["key"]
        self.analyst = root.sign_in("zhang-wei", "analyst", unit="cn")
        self.admin.run("case", "member", "add", self.case, "zhang-wei")

    def drafts(self, ref: str) -> dict[str, Any]:
        found = self.admin.json("report", "list", ref.split("/")[0])
        return next(d for d in found if d["ref"] == ref)

    def credentials(self, who: Cli) -> Path:
        folder = Path(who.env["XDG_CONFIG_HOME"]) / "vulndesk"
        files = sorted(folder.glob("credentials-*.json"))
        assert len(files) == 1, files
        return files[0]


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Desk:
    return Desk(tmp_path_factory.mktemp("identity"))


@pytest.fixture
def api(desk: Desk) -> Iterator[TestClient]:
    c = build(Settings(home=desk.root.home, keys_json=TEST_KEYS))
    try:
        yield TestClient(create_app(c), base_url="https://testserver")
    finally:
        c.close()


def _draft(desk: Desk, who: Cli, recipient: str = "nvdb") -> str:
    ref: str = who.json("report", "draft", desk.case, "--kind", "nvdb", "--recipient", recipient)[
        "ref"
    ]
    return ref


def test_an_identity_named_in_the_environment_cannot_approve(desk: Desk) -> None:
    ref = _draft(desk, desk.analyst)
    nobody = desk.root.as_user("nobody")
    nobody.env |= {"VULNDESK_ACTOR": "anyone", "VULNDESK_ACTOR_UNIT": "hq"}
    refused = nobody.run("report", "approve", ref, ok=False)
    assert refused.returncode == 2, refused.stderr
    assert "VULNDESK_ACTOR" in refused.stderr and "vulndesk login" in refused.stderr
    # Signed in or not, the variable is refused rather than quietly ignored.
    admin = desk.root.as_user("cli-admin")
    admin.env |= {"VULNDESK_ACTOR_UNIT": "hq"}
    assert "VULNDESK_ACTOR_UNIT" in admin.run("whoami", ok=False).stderr
    signed_out = desk.root.as_user("nobody").run("report", "approve", ref, ok=False)
    assert signed_out.returncode == EXIT_SIGNED_OUT
    assert "vulndesk login" in signed_out.stderr
    assert desk.drafts(ref)["approvers"] == []


def test_an_analyst_cannot_approve_their_draft_nor_invent_an_hq_co_approver(desk: Desk) -> None:
    ref = _draft(desk, desk.analyst)
    own = desk.analyst.run("report", "approve", ref, ok=False)
    assert own.returncode == 2 and "your roles do not allow this" in own.stderr
    invented = desk.root.as_user("zhang-wei")
    invented.env |= {"VULNDESK_ACTOR": "hq-boss", "VULNDESK_ACTOR_UNIT": "hq"}
    assert invented.run("report", "approve", ref, ok=False).returncode == 2
    assert desk.drafts(ref)["approvers"] == []


def test_a_real_hq_approver_signed_in_is_accepted_without_any_variable(desk: Desk) -> None:
    for name, unit in (("li-na", "cn"), ("wu-lei", "cn"), ("chen-hq", "hq")):
        desk.root.sign_in(name, "approver", unit=unit)
        desk.admin.run("case", "member", "add", desk.case, name)
    ref = _draft(desk, desk.admin)
    desk.root.as_user("li-na").run("report", "approve", ref)
    second_cn = desk.root.as_user("wu-lei").run("report", "approve", ref, ok=False)
    assert "one approver must belong to headquarters" in second_cn.stderr
    again = desk.root.as_user("li-na").run("report", "approve", ref, ok=False)
    assert "second person" in again.stderr
    out = desk.root.as_user("chen-hq").run("report", "approve", ref, "--json").stdout
    assert json.loads(out)["status"] == "approved"
    assert desk.drafts(ref)["approvers"] == ["li-na", "chen-hq"]
    events = desk.admin.json("audit", "list", "--limit", "10000")
    approved = [e["event"] for e in events if e["event"]["tag"] == "case:report:approved"]
    assert [(e["actor"], e["source"]) for e in approved[-2:]] == [
        ("li-na", "cli"),
        ("chen-hq", "cli"),
    ]


def test_login_whoami_and_logout(desk: Desk) -> None:
    me = desk.root.sign_in("auditor-a", "auditor")
    who = json.loads(me.run("whoami", "--json").stdout)
    assert (who["name"], who["roles"], who["unit"]) == ("auditor-a", ["auditor"], None)
    left = dt.datetime.fromisoformat(who["expires_at"]) - dt.datetime.now(dt.UTC)
    assert dt.timedelta(hours=11, minutes=55) < left <= dt.timedelta(hours=12)
    assert "auditor-a" in me.run("whoami").stdout
    path = desk.credentials(me)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    saved = path.read_bytes()
    me.run("logout")
    assert not path.exists()
    gone = me.run("whoami", ok=False)
    assert gone.returncode == EXIT_SIGNED_OUT and "vulndesk login" in gone.stderr
    # The token itself was revoked: a copy kept from before the logout is refused.
    path.write_bytes(saved)
    path.chmod(0o600)
    revoked = me.run("whoami", ok=False)
    assert revoked.returncode == EXIT_SIGNED_OUT and "vulndesk login" in revoked.stderr
    path.unlink()


def test_a_wrong_password_or_code_signs_nobody_in(desk: Desk) -> None:
    desk.root.add_user("wrong-pw", "auditor")
    me = desk.root.as_user("wrong-pw")
    bad = me.run(
        "login", "wrong-pw", "--password-stdin", input_text="nope nope nope\n000000\n", ok=False
    )
    assert bad.returncode == 2
    assert "name, password or one-time code not accepted" in bad.stderr
    assert not list((Path(me.env["XDG_CONFIG_HOME"]) / "vulndesk").glob("credentials-*"))


def test_an_expired_token_is_refused(desk: Desk) -> None:
    me = desk.root.sign_in("auditor-b", "auditor")
    token_id = json.loads(desk.credentials(me).read_text())["id"]
    engine = sqlalchemy.create_engine(f"sqlite:///{desk.root.home / 'vulndesk.db'}")
    past = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    with engine.begin() as db:
        db.execute(
            sqlalchemy.update(api_tokens).where(api_tokens.c.id == token_id).values(expires_at=past)
        )
    engine.dispose()
    expired = me.run("whoami", ok=False)
    assert expired.returncode == EXIT_SIGNED_OUT and "vulndesk login" in expired.stderr


def test_a_role_less_account_is_refused_with_the_api_messages(desk: Desk, api: TestClient) -> None:
    me = desk.root.sign_in("rep-r", "reporter")
    token = json.loads(desk.credentials(me).read_text())["token"]
    auth = {"Authorization": f"Bearer {token}"}
    shown = me.run("case", "show", desk.case, ok=False)
    answer = api.get(f"/api/v1/cases/{desk.case}", headers=auth)
    assert answer.status_code == 404
    assert shown.returncode == 2
    assert shown.stderr.strip() == f"error: {answer.json()['error']['message']}"
    opened = me.run("case", "open", "--title", "x", "--unit", "cn", ok=False)
    answer = api.post(
        "/api/v1/cases",
        headers=auth | {"Idempotency-Key": "k1"},
        json={"title": "x", "unit": "cn"},
    )
    assert answer.status_code == 403
    assert opened.stderr.strip() == f"error: {answer.json()['error']['message']}"
    listed = me.run("case", "list", ok=False)
    assert "your roles do not allow this" in listed.stderr


def _statuses(desk: Desk) -> dict[str, str]:
    shown = desk.admin.json("case", "show", desk.case)
    return {o["obligation"]["id"]: o["status"] for o in shown["obligations"]}


def test_a_waiver_takes_two_signed_in_people_and_names_no_approver(desk: Desk) -> None:
    lead = desk.root.sign_in("lead-li", "coordinator", unit="cn")
    member = desk.root.sign_in("wang-fang", "approver", unit="cn")
    outsider = desk.root.sign_in("zhao-min", "approver", unit="cn")
    desk.admin.run("case", "member", "add", desk.case, "wang-fang")
    first, second = [k for k, v in sorted(_statuses(desk).items()) if v == "open"][:2]

    named = lead.run(
        "case", "waive", desk.case, first, "--reason", "n/a", "--approver", "cli-admin", ok=False
    )
    assert named.returncode == 2 and "own account" in named.stderr, named.stderr
    proposed = lead.run("case", "waive", desk.case, first, "--reason", "not our product")
    assert "pending" in proposed.stdout and "waive-approve" in proposed.stdout
    assert _statuses(desk)[first] == "open"
    shown = desk.admin.run("case", "show", desk.case).stdout
    assert f"{first}: waiver" in shown and "proposed by lead-li" in shown

    assert (
        "your roles do not allow this"
        in lead.run("case", "waive-approve", desk.case, first, ok=False).stderr
    )
    desk.admin.run("case", "waive", desk.case, second, "--reason", "covered by the vendor")
    own = desk.admin.run("case", "waive-approve", desk.case, second, ok=False)
    assert own.returncode == 2 and "second person" in own.stderr
    hidden = outsider.run("case", "waive-approve", desk.case, first, ok=False)
    assert hidden.returncode == 2 and "case not found" in hidden.stderr
    assert _statuses(desk)[first] == "open"

    done = member.json("case", "waive-approve", desk.case, first)
    assert (done["status"], done["approvers"]) == ("approved", ["lead-li", "wang-fang"])
    assert _statuses(desk)[first] == "waived" and _statuses(desk)[second] == "open"
    listed = desk.admin.json("case", "waivers", desk.case)["waivers"]
    assert [(w["obligation"], w["status"]) for w in listed] == [
        (first, "approved"),
        (second, "pending"),
    ]
