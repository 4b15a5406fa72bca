"""Sign-in through a real OpenID Connect provider (oidc-provider on node), end to end."""

from __future__ import annotations

import dataclasses
import datetime as dt
import secrets
import warnings
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, cast

import httpx
import pytest
from sqlalchemy import select

from tests.builders import as_person, open_case, seed_reference
from tests.conftest import TEST_KEYS
from tests.e2e.cli import Cli, free_port
from tests.e2e.oidc import CLIENT_ID, CLIENT_SECRET, CONSOLE, REDIRECT, Idp, idp_pair, query
from vulndesk.adapters.clock import SettableClock
from vulndesk.adapters.storage.tables.core import audit_events
from vulndesk.bootstrap import Container, build
from vulndesk.config import Settings
from vulndesk.domain.accounts import User
from vulndesk.domain.errors import Forbidden
from vulndesk.entrypoints.api.app import create_app
from vulndesk.entrypoints.web import csrf
from vulndesk.entrypoints.web.pages_sso import PENDING_COOKIE, _unseal
from vulndesk.services.access.rights import Principal
from vulndesk.services.accounts import signin as accounts_auth
from vulndesk.services.accounts import sso, sso_map
from vulndesk.services.accounts.signin import AuthFailed
from vulndesk.services.cases import reference
from vulndesk.services.context import Actor

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", "Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

__all__ = ["idp_pair"]
ROLE_MAP = "psirt=analyst@psirt-cn; auditors=auditor"


@dataclasses.dataclass
class Console:
    container: Container
    client: TestClient
    idp: Idp
    foreign: Idp

    def user(self, name: str) -> User | None:
        with self.container.uow() as uow:
            return uow.accounts.find_user(name)

    def audit_tags(self) -> list[tuple[str, dict[str, str]]]:
        query = select(audit_events.c.tag, audit_events.c.detail).order_by(audit_events.c.seq)
        with self.container.engine.connect() as conn:
            return [(r[0], dict(r[1])) for r in conn.execute(query)]

    def start(
        self, user: str, groups: list[str], amr: list[str] | None = None, username: str = ""
    ) -> str:
        """Begin a sign-in in the console; the callback URL the provider sends back."""
        self.idp.next_user(user, groups, amr, username)
        out = self.client.get("/login/oidc?next=/cases", follow_redirects=False)
        assert out.status_code == 303, out.text
        return self.idp.authorize(out.headers["location"])

    def sign_in(
        self, user: str, groups: list[str], amr: list[str] | None = None, username: str = ""
    ) -> int:
        return self.callback(user, groups, amr, username).status_code

    def callback(
        self, user: str, groups: list[str], amr: list[str] | None = None, username: str = ""
    ) -> httpx.Response:
        """A whole sign-in: the console's answer to the provider's callback."""
        back = self.start(user, groups, amr, username)
        return self.client.get(back.removeprefix(CONSOLE), follow_redirects=False)

    def pending(self) -> sso.Pending:
        found = _unseal(self.container, self.client.cookies.get(PENDING_COOKIE))
        assert found is not None
        return found


def make(db_url: str, home: Path, pair: tuple[Idp, Idp], **env: str) -> Iterator[Console]:
    variables = {
        "VULNDESK_OIDC_ISSUER": pair[0].issuer,
        "VULNDESK_OIDC_CLIENT_ID": CLIENT_ID,
        "VULNDESK_OIDC_CLIENT_SECRET": CLIENT_SECRET,
        "VULNDESK_OIDC_ROLE_MAP": ROLE_MAP,
        "VULNDESK_OIDC_NAME": "Acme SSO",
        "VULNDESK_PUBLIC_URL": CONSOLE,
        "VULNDESK_COOKIE_SECURE": "0",
        **env,
    }
    read = Settings.from_env(variables)
    settings = dataclasses.replace(read, home=home, database_url=db_url, keys_json=TEST_KEYS)
    # ID tokens carry the provider's real time: the console's clock starts at now.
    container = build(settings, SettableClock(dt.datetime.now(dt.UTC)))
    reference.add_unit(
        container.deps(),
        as_person("admin"),
        id="psirt-cn",
        name="PSIRT China",
        country="CN",
        timezone="Asia/Shanghai",
    )
    with TestClient(create_app(container), base_url=CONSOLE) as client:
        yield Console(container, client, pair[0], pair[1])
    container.close()


@pytest.fixture
def console(db_url: str, tmp_path: Path, idp_pair: tuple[Idp, Idp]) -> Iterator[Console]:
    yield from make(db_url, tmp_path, idp_pair, VULNDESK_OIDC_ACCEPT_PROVIDER_MFA="1")


@pytest.fixture
def strict(db_url: str, tmp_path: Path, idp_pair: tuple[Idp, Idp]) -> Iterator[Console]:
    """Provider MFA not accepted, password sign-in turned off."""
    yield from make(db_url, tmp_path, idp_pair, VULNDESK_LOCAL_LOGIN="0")


def test_first_sign_in_makes_an_account_without_access_until_mapped(console: Console) -> None:
    page = console.client.get("/login")
    assert "Sign in with Acme SSO" in page.text and 'name="password"' in page.text
    assert console.sign_in("zhang.wei", ["marketing"]) == 200
    user = console.user("zhang.wei")
    assert user is not None and user.roles == frozenset() and user.unit is None
    assert user.password_hash is None and user.email == "zhang.wei@example.org"
    secret = console.client.cookies["vd_session"]
    principal = accounts_auth.session_principal(console.container.deps(), secret)
    assert principal is not None and principal.name == "zhang.wei" and not principal.roles
    seed_reference(console.container.deps(), Actor("setup", "test"))
    case = open_case(console.container.deps(), Actor("setup", "test"), title="Embargoed")
    assert console.client.get(f"/cases/{case.key}").status_code == 404
    tags = [t for t, _ in console.audit_tags()]
    assert "account:user:added" in tags and "account:session:started" in tags


def test_groups_become_roles_and_a_removed_group_drops_its_role(console: Console) -> None:
    assert console.sign_in("li.na", ["psirt", "auditors"], ["pwd", "otp"]) == 200
    user = console.user("li.na")
    assert user is not None
    assert user.roles == {"analyst", "auditor"} and user.unit == "psirt-cn"
    first = console.client.cookies["vd_session"]
    assert console.client.get("/cases", follow_redirects=False).status_code == 200
    # The provider takes li.na out of psirt: the next sign-in has no analyst role or unit.
    console.client.cookies.clear()
    assert console.sign_in("li.na", ["auditors"], ["pwd", "otp"]) == 200
    user = console.user("li.na")
    assert user is not None and user.roles == {"auditor"} and user.unit is None
    assert accounts_auth.session_principal(console.container.deps(), first) is None
    assert ("account:roles:changed", {"roles": "auditor", "via": "oidc"}) in console.audit_tags()


def test_a_stored_mapping_applies_at_the_next_sign_in(console: Console) -> None:
    assert console.sign_in("chen.jie", ["release-team"]) == 200
    assert (user := console.user("chen.jie")) is not None and user.roles == frozenset()
    admin = Principal("root", frozenset({"admin"}), None, frozenset({"read", "write"}), "test")
    sso_map.set_row(console.container.deps(), admin, "test", "release-team", "auditor", None)
    assert console.sign_in("chen.jie", ["release-team"]) == 200
    assert (user := console.user("chen.jie")) is not None and user.roles == {"auditor"}
    sso_map.remove_row(console.container.deps(), admin, "test", "release-team", "auditor")
    assert console.sign_in("chen.jie", ["release-team"]) == 200
    assert (user := console.user("chen.jie")) is not None and user.roles == frozenset()
    tags = [t for t, _ in console.audit_tags()]
    assert "sso:map:set" in tags and "sso:map:removed" in tags
    analyst = dataclasses.replace(admin, roles=frozenset({"analyst"}))
    with pytest.raises(Forbidden):
        sso_map.set_row(console.container.deps(), analyst, "test", "x", "admin", None)


def test_sign_out_ends_the_session(console: Console) -> None:
    assert console.sign_in("li.na", ["auditors"]) == 200
    secret = console.client.cookies["vd_session"]
    token = csrf.token_for(console.container, secret)
    out = console.client.post("/logout", data={"csrf": token}, follow_redirects=False)
    assert out.status_code == 303
    assert accounts_auth.session_principal(console.container.deps(), secret) is None


def test_a_wrong_state_or_a_replayed_callback_is_refused(console: Console) -> None:
    back = console.start("li.na", ["auditors"])
    params = query(back)
    forged = f"/login/oidc/callback?code={params['code']}&state={secrets.token_urlsafe(24)}"
    assert console.client.get(forged).status_code == 401
    assert "vd_session" not in console.client.cookies
    # A good callback, then the same again with the pending sign-in put back: refused.
    back = console.start("li.na", ["auditors"])
    kept = console.client.cookies[PENDING_COOKIE]
    assert console.client.get(back.removeprefix(CONSOLE)).status_code == 200
    console.client.cookies.clear()
    console.client.cookies.set(PENDING_COOKIE, kept, path="/login/oidc")
    assert console.client.get(back.removeprefix(CONSOLE)).status_code == 401
    assert "vd_session" not in console.client.cookies


def test_nonce_and_pkce_mismatches_are_refused(console: Console) -> None:
    deps, policy = console.container.deps(), console.container.settings.oidc
    provider = console.container.identity_provider
    assert policy is not None and provider is not None
    for change in ({"nonce": "another-nonce"}, {"verifier": secrets.token_urlsafe(48)}):
        back = console.start("li.na", ["auditors"])
        pending = dataclasses.replace(console.pending(), **cast(Any, change))
        returned = (query(back)["state"], query(back)["code"])
        with pytest.raises(AuthFailed):
            sso.complete(deps, policy, provider, pending, returned, "test")
    # The same steps with nothing changed succeed: the refusals above were the changes'.
    back = console.start("li.na", ["auditors"])
    returned = (query(back)["state"], query(back)["code"])
    done = sso.complete(deps, policy, provider, console.pending(), returned, "test")
    assert isinstance(done, accounts_auth.Issued) and done.secret


class Replaying:
    """A provider that answers every code with the claims of one real, already used ID token."""

    def __init__(self, claims: Mapping[str, Any]) -> None:
        self.claims = claims

    def authorization_url(self, pending: sso.Pending) -> str:
        raise AssertionError("not used")

    def redeem(self, code: str, pending: sso.Pending, now: dt.datetime) -> Mapping[str, Any]:
        return self.claims


def test_a_replayed_id_token_is_refused(console: Console) -> None:
    deps, policy = console.container.deps(), console.container.settings.oidc
    provider = console.container.identity_provider
    assert policy is not None and provider is not None
    back = console.start("li.na", ["auditors"])
    pending, returned = console.pending(), (query(back)["state"], query(back)["code"])
    claims = provider.redeem(returned[1], pending, deps.clock.now())
    replaying = Replaying(claims)
    done = sso.complete(deps, policy, replaying, pending, returned, "test")
    assert isinstance(done, accounts_auth.Issued) and done.secret
    with pytest.raises(AuthFailed):
        sso.complete(deps, policy, replaying, pending, returned, "test")
    assert any(
        t == "account:login:failed" and d.get("reason") == "replayed"
        for t, d in console.audit_tags()
    )


def test_an_id_token_of_another_issuer_is_refused(console: Console) -> None:
    foreign = console.foreign
    foreign.next_user("li.na", ["psirt"], ["pwd", "otp"])
    nonce, verifier = secrets.token_urlsafe(16), secrets.token_urlsafe(48)
    theirs = sso.SsoPolicy(foreign.issuer, CLIENT_ID, CLIENT_SECRET)
    from vulndesk.adapters.oidc import OidcProvider

    other = OidcProvider(theirs, REDIRECT)
    pending = sso.Pending("s", nonce, verifier, "/", dt.datetime.now(dt.UTC))
    back = foreign.authorize(other.authorization_url(pending))
    reply = httpx.post(
        other.metadata()["token_endpoint"],
        data={
            "grant_type": "authorization_code",
            "code": query(back)["code"],
            "redirect_uri": REDIRECT,
            "code_verifier": verifier,
        },
        auth=(CLIENT_ID, CLIENT_SECRET),
    )
    token = reply.json()["id_token"]
    now = dt.datetime.now(dt.UTC)
    assert other.check_id_token(token, nonce, now)["sub"] == "li.na"  # good at its own issuer
    ours = console.container.identity_provider
    assert isinstance(ours, OidcProvider)
    with pytest.raises(AuthFailed):
        ours.check_id_token(token, nonce, now)  # same key, same client: only the issuer differs


def test_provider_mfa_stands_for_totp_only_when_configured(console: Console) -> None:
    # Without MFA at the provider, vulndesk's own one-time code is asked for: no session yet.
    page = console.callback("li.na", ["psirt"], ["pwd"])
    assert page.status_code == 200 and 'action="/login/oidc/totp"' in page.text
    assert "vd_session" not in console.client.cookies
    console.client.cookies.clear()
    assert console.sign_in("li.na", ["psirt"], ["pwd", "otp"]) == 200
    assert "vd_session" in console.client.cookies


def test_provider_mfa_is_not_taken_unless_configured(strict: Console) -> None:
    page = strict.callback("li.na", ["psirt"], ["pwd", "otp"])
    assert page.status_code == 200 and 'action="/login/oidc/totp"' in page.text
    assert "vd_session" not in strict.client.cookies
    assert not any(t == "account:session:started" for t, _ in strict.audit_tags())
    assert strict.sign_in("wang.fang", ["auditors"], ["pwd"]) == 200  # no TOTP needed
    assert "vd_session" in strict.client.cookies


def test_local_sign_in_can_be_turned_off(strict: Console) -> None:
    page = strict.client.get("/login")
    assert "Sign in with Acme SSO" in page.text and 'name="password"' not in page.text
    form = {"name": "admin", "password": "whatever-password", "totp": ""}
    assert strict.client.post("/login", data=form).status_code == 403
    body = {"name": "admin", "password": "whatever-password"}
    assert strict.client.post("/api/v1/session", json=body).status_code == 403


def test_the_command_line_refuses_password_sign_in_when_turned_off(tmp_path: Path) -> None:
    cli = Cli(tmp_path)
    cli.run("init")
    cli.add_user("admin", "admin")
    cli.env["VULNDESK_LOCAL_LOGIN"] = "0"
    out = cli.run("login", "admin", "--password-stdin", ok=False, input_text="x\n")
    assert out.returncode != 0 and "VULNDESK_LOCAL_LOGIN=0" in out.stderr
    cli.env["VULNDESK_LOCAL_LOGIN"] = "1"
    cli.sign_in("admin")  # the same account signs in when password sign-in is on


def test_an_unreachable_provider_gives_the_sign_in_page(
    db_url: str, tmp_path: Path, idp_pair: tuple[Idp, Idp]
) -> None:
    closed = f"http://127.0.0.1:{free_port()}"
    for console in make(db_url, tmp_path, idp_pair, VULNDESK_OIDC_ISSUER=closed):
        out = console.client.get("/login/oidc")
        assert out.status_code == 502 and 'name="password"' in out.text
