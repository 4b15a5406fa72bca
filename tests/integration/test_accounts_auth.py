"""Accounts through the real services, storage and API: sessions, TOTP, throttling, tokens."""

from __future__ import annotations

import datetime as dt

import httpx
import pyotp
import pytest
from sqlalchemy import text

from tests.e2e.test_api_support import PASSWORD, World, world
from vulndesk.domain.errors import Forbidden, InvalidInput
from vulndesk.services.accounts import signin as accounts_auth
from vulndesk.services.accounts import users as accounts

__all__ = ["world"]


def login(
    w: World, name: str, password: str = PASSWORD, totp: str | None = "auto"
) -> httpx.Response:
    code = w.totp(name) if totp == "auto" else totp
    return w.client.post("/api/v1/session", json={"name": name, "password": password, "totp": code})


def test_login_sets_a_strict_cookie_and_the_session_works(world: World) -> None:
    r = login(world, "analyst")
    assert r.status_code == 200
    cookie = r.headers["set-cookie"]
    for attribute in ("HttpOnly", "Secure", "SameSite=strict", "Path=/"):
        assert attribute.lower() in cookie.lower()
    assert world.client.get("/api/v1/me").json()["name"] == "analyst"
    assert world.client.get(f"/api/v1/cases/{world.own}").status_code == 200
    world.client.delete("/api/v1/session")
    assert world.client.get("/api/v1/me").status_code == 401


def test_sessions_expire_when_idle_and_absolutely(world: World) -> None:
    login(world, "analyst")
    world.clock.advance(dt.timedelta(minutes=29))
    assert world.client.get("/api/v1/me").status_code == 200
    world.clock.advance(dt.timedelta(minutes=31))
    assert world.client.get("/api/v1/me").status_code == 401
    login(world, "analyst")
    started = world.clock.now()
    while world.client.get("/api/v1/me").status_code == 200:
        world.clock.advance(dt.timedelta(minutes=29))  # active, never idle for 30 minutes
        assert world.clock.now() - started < dt.timedelta(hours=13)
    assert (
        dt.timedelta(hours=11, minutes=31)
        < world.clock.now() - started
        <= dt.timedelta(hours=12, minutes=29)
    )
    assert world.count("user_sessions") == 0


def test_unknown_user_and_wrong_password_look_the_same(world: World) -> None:
    wrong = login(world, "analyst", password="not the password at all")
    unknown = login(world, "nobody-here", password="not the password at all", totp="123456")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.content == unknown.content


@pytest.mark.parametrize(
    "escaped", ["ana\\u0000lyst", "\\udb50\\udc56x", "analyst\\n", "\\u540d\\u524d", "\\u0000"]
)
def test_names_no_account_can_have_are_refused_like_unknown_ones(
    world: World, escaped: str
) -> None:
    """NUL, control characters, lone surrogates, non-ASCII: a plain 401 on both engines
    (PostgreSQL refuses NUL in text), recorded escaped in the audit trail."""
    unknown = login(world, "nobody-here", password="not the password at all", totp="123456")
    rest = '"password": "not the password at all", "totp": "123456"'
    body = '{"name": "' + escaped + '", ' + rest + "}"
    odd = world.client.post(
        "/api/v1/session", content=body, headers={"content-type": "application/json"}
    )
    assert odd.status_code == 401, odd.text
    assert odd.content == unknown.content


def test_totp_is_required_for_case_data_accounts(world: World) -> None:
    assert login(world, "analyst", totp=None).status_code == 401
    assert login(world, "analyst", totp="000000").status_code == 401
    deps = world.container.deps()
    with pytest.raises(Forbidden, match="one-time code"):
        accounts_auth.create_token(deps, world.admin_actor, "analyst", frozenset({"read"}), 1, None)
    accounts.add_user(
        deps,
        world.admin_actor,
        world.container.passwords,
        name="fresh",
        email="fresh@example.org",
        roles=["analyst"],
        password=PASSWORD,
    )
    # No device enrolled yet: neither a session nor a token can be had.
    r = world.client.post("/api/v1/session", json={"name": "fresh", "password": PASSWORD})
    assert r.status_code == 401
    with pytest.raises(Forbidden):
        accounts_auth.create_token(deps, world.admin_actor, "fresh", frozenset({"read"}), 1, "1")


def test_api_token_creation_needs_a_session_and_a_fresh_code(world: World) -> None:
    by_token = world.client.post(
        "/api/v1/tokens", headers=world.headers("analyst"), json={"totp": world.totp("analyst")}
    )
    assert by_token.status_code == 403
    login(world, "analyst")
    assert world.client.post("/api/v1/tokens", json={"scopes": ["read"]}).status_code == 403
    r = world.client.post(
        "/api/v1/tokens", json={"scopes": ["read"], "totp": world.totp("analyst")}
    )
    assert r.status_code == 201
    token = r.json()["token"]
    world.client.cookies.clear()
    bearer = {"Authorization": f"Bearer {token}"}
    assert world.client.get("/api/v1/me", headers=bearer).json()["scopes"] == ["read"]
    world.clock.advance(dt.timedelta(days=31))
    assert world.client.get("/api/v1/me", headers=bearer).status_code == 401


def test_revoked_token_stops_working(world: World) -> None:
    login(world, "approver")
    r = world.client.post("/api/v1/tokens", json={"totp": world.totp("approver")})
    token_id, token = r.json()["id"], r.json()["token"]
    bearer = {"Authorization": f"Bearer {token}"}
    assert world.client.get("/api/v1/me", headers=bearer).status_code == 200
    assert world.client.delete(f"/api/v1/tokens/{token_id}").status_code == 204
    assert world.client.get("/api/v1/me", headers=bearer).status_code == 401


def test_login_throttling_per_user_and_per_source(world: World) -> None:
    for _ in range(5):
        assert login(world, "coordinator", password="wrong password!!").status_code == 401
    blocked = login(world, "coordinator")
    assert blocked.status_code == 429
    assert int(blocked.headers["retry-after"]) > 0
    assert blocked.json()["error"]["code"] == "throttled"
    for i in range(15):
        login(world, f"ghost{i}", password="wrong password!!", totp="123456")
    assert login(world, "admin").status_code == 429
    world.clock.advance(dt.timedelta(minutes=16))
    assert login(world, "coordinator").status_code == 200


def test_secrets_are_stored_hashed_or_encrypted(world: World) -> None:
    login(world, "analyst")
    cookie = world.client.cookies.get("vd_session")
    with world.container.engine.connect() as conn:
        hashes = [r[0] for r in conn.execute(text("SELECT password_hash FROM users"))]
        totp = [bytes(r[0]) for r in conn.execute(text("SELECT totp_enc FROM users"))]
        sessions = [r[0] for r in conn.execute(text("SELECT token_hash FROM user_sessions"))]
        tokens = [r[0] for r in conn.execute(text("SELECT token_hash FROM api_tokens"))]
    assert all(h.startswith("$argon2id$") for h in hashes)
    assert not any(world.secrets["analyst"].encode() in t for t in totp)
    assert cookie and cookie not in sessions and accounts_auth.digest(cookie) in sessions
    assert world.tokens["analyst"] not in tokens
    assert accounts_auth.digest(world.tokens["analyst"]) in tokens
    with world.container.uow() as uow:
        assert uow.accounts.get_user("analyst").totp_secret == world.secrets["analyst"]


def _code(w: World, user: str, steps_from_now: int) -> str:
    totp = pyotp.TOTP(w.secrets[user])
    return totp.generate_otp(totp.timecode(w.clock.now()) + steps_from_now)


def test_a_totp_code_signs_in_once(world: World) -> None:
    world.clock.advance(dt.timedelta(minutes=5))  # past the steps used to set the world up
    code = _code(world, "analyst", 0)
    assert login(world, "analyst", totp=code).status_code == 200
    replay = login(world, "analyst", totp=code)
    assert replay.status_code == 401
    # An older step inside the window is refused once a newer one was used ...
    assert login(world, "analyst", totp=_code(world, "analyst", -1)).status_code == 401
    # ... and the next step's code is accepted, once.
    following = _code(world, "analyst", 1)
    assert login(world, "analyst", totp=following).status_code == 200
    assert login(world, "analyst", totp=following).status_code == 401
    world.clock.advance(dt.timedelta(seconds=30))
    assert login(world, "analyst", totp=following).status_code == 401
    assert login(world, "analyst", totp=_code(world, "analyst", 1)).status_code == 200
    assert login(world, "analyst", totp="１２３４５６").status_code == 401
    with world.container.uow() as uow:
        stored = uow.accounts.get_user("analyst").last_totp_step
    assert stored == pyotp.TOTP(world.secrets["analyst"]).timecode(world.clock.now()) + 1


def test_a_totp_code_issues_one_api_token(world: World) -> None:
    deps, admin = world.container.deps(), world.admin_actor
    world.clock.advance(dt.timedelta(minutes=5))
    code = _code(world, "approver", 0)
    read = frozenset({"read"})
    accounts_auth.create_token(deps, admin, "approver", read, 1, code)
    with pytest.raises(Forbidden, match="one-time code"):
        accounts_auth.create_token(deps, admin, "approver", read, 1, code)
    with pytest.raises(Forbidden, match="one-time code"):
        accounts_auth.create_token(deps, admin, "approver", read, 1, _code(world, "approver", -1))
    accounts_auth.create_token(deps, admin, "approver", read, 1, _code(world, "approver", 1))
    # A code used for a token cannot then start a session, and the other way round.
    login_code = _code(world, "approver", 1)
    assert login(world, "approver", totp=login_code).status_code == 401
    world.clock.advance(dt.timedelta(seconds=30))
    login_code = _code(world, "approver", 1)
    assert login(world, "approver", totp=login_code).status_code == 200
    with pytest.raises(Forbidden, match="one-time code"):
        accounts_auth.create_token(deps, admin, "approver", read, 1, login_code)


def test_disabled_accounts_lose_every_credential(world: World) -> None:
    accounts.grant(world.container.deps(), world.admin_actor, "analyst", disabled=True)
    assert world.client.get("/api/v1/me", headers=world.headers("analyst")).status_code == 401
    assert login(world, "analyst").status_code == 401


def test_a_command_line_sign_in_is_a_scoped_expiring_revocable_token(world: World) -> None:
    deps, hasher = world.container.deps(), world.container.passwords
    with pytest.raises(accounts_auth.AuthFailed):
        accounts_auth.sign_in_token(
            deps, hasher, ("approver", PASSWORD, None), "cli", dt.timedelta(hours=12)
        )
    issued = accounts_auth.sign_in_token(
        deps, hasher, ("approver", PASSWORD, world.totp("approver")), "cli", dt.timedelta(hours=12)
    )
    found = accounts_auth.token_holder(deps, issued.secret)
    assert found is not None
    who, expires = found
    assert (who.name, who.scopes, who.unit) == ("approver", frozenset({"read", "write"}), "cn")
    assert expires == world.clock.now() + dt.timedelta(hours=12)
    # The API accepts it like any token: the same principal behind both channels.
    me = world.client.get("/api/v1/me", headers={"Authorization": f"Bearer {issued.secret}"})
    assert me.json()["name"] == "approver"
    world.clock.advance(dt.timedelta(hours=12))
    assert accounts_auth.token_holder(deps, issued.secret) is None
    world.clock.advance(dt.timedelta(seconds=-1))
    assert accounts_auth.revoke_own_token(deps, issued.secret, "cli")
    assert accounts_auth.token_holder(deps, issued.secret) is None
    assert not accounts_auth.revoke_own_token(deps, issued.secret, "cli")
    with pytest.raises(InvalidInput, match="lifetime"):
        accounts_auth.sign_in_token(
            deps, hasher, ("approver", PASSWORD, "000000"), "cli", dt.timedelta(seconds=1)
        )


def test_the_audit_trail_keeps_no_typed_name_or_subscriber_address(world: World) -> None:
    """A name typed at a failed sign-in may be anything (a password typed into the wrong
    field); a subscriber's address is personal data: the trail names accounts and digests."""
    from vulndesk.services.reports import oversight

    deps = world.container.deps()
    typed = "hunter2-typed-into-the-name-field"
    with pytest.raises(accounts_auth.AuthFailed):
        accounts_auth.login(deps, world.container.passwords, typed, "x", None, "api:198.51.100.7")
    with pytest.raises(accounts_auth.AuthFailed):
        accounts_auth.login(
            deps, world.container.passwords, "analyst", "x", None, "api:198.51.100.7"
        )
    oversight.subscribe(deps, world.admin_actor, "Board", "ciso.private@example.org")
    with world.container.uow() as uow:
        events = [e.event for e in uow.audit.events(1)]
    trail = "\n".join(repr(e) for e in events)
    assert typed not in trail and "ciso.private" not in trail
    failed = [e for e in events if e.tag == "account:login:failed"]
    assert [e.object_id for e in failed] == [accounts_auth.UNKNOWN_ACCOUNT, "analyst"]
