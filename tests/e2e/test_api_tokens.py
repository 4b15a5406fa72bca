"""API tokens hold only while the account's security state is the one they were issued under.

A password change or reset, a new TOTP enrolment, deactivation, and a grant that gives case
access to an account whose token was issued without a one-time code each end the account's
existing tokens; a grant that needs no new proof leaves them alone. On both engines.
"""

from __future__ import annotations

import pytest

from tests.e2e.test_api_support import PASSWORD, World, world
from vulndesk.domain.errors import Forbidden
from vulndesk.services.accounts import signin as accounts_auth
from vulndesk.services.accounts import users as accounts

__all__ = ["world"]


def _bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def _me(w: World, secret: str) -> int:
    return int(w.client.get("/api/v1/me", headers=_bearer(secret)).status_code)


def _plain_user(w: World, name: str = "plain") -> str:
    """An auditor without TOTP and a token issued to it without a one-time code."""
    deps = w.container.deps()
    accounts.add_user(
        deps,
        w.admin_actor,
        w.container.passwords,
        name=name,
        email=f"{name}@example.org",
        roles=["auditor"],
        unit="cn",
        password=PASSWORD,
    )
    issued = accounts_auth.create_token(deps, w.admin_actor, name, frozenset({"read"}), 5, None)
    assert _me(w, issued.secret) == 200
    return issued.secret


def test_a_grant_of_case_access_ends_tokens_issued_without_totp(world: World) -> None:
    secret = _plain_user(world)
    deps = world.container.deps()
    accounts.grant(deps, world.admin_actor, "plain", add=["coordinator"])
    assert _me(world, secret) == 401
    r = world.client.get(f"/api/v1/cases/{world.foreign}", headers=_bearer(secret))
    assert r.status_code == 401 and world.foreign not in r.text
    # Taking the role away again does not bring the token back.
    accounts.grant(deps, world.admin_actor, "plain", remove=["coordinator"])
    assert _me(world, secret) == 401
    # A case-reading account gets no token without an enrolled device and a fresh code.
    accounts.grant(deps, world.admin_actor, "plain", add=["analyst"])
    with pytest.raises(Forbidden, match="one-time code"):
        accounts_auth.create_token(deps, world.admin_actor, "plain", frozenset({"read"}), 5, None)


def test_a_grant_needing_no_new_proof_keeps_tokens(world: World) -> None:
    deps = world.container.deps()
    accounts.grant(deps, world.admin_actor, "analyst", add=["approver"])
    assert _me(world, world.tokens["analyst"]) == 200
    secret = _plain_user(world)
    accounts.grant(deps, world.admin_actor, "plain", add=["reporter"])
    assert _me(world, secret) == 200


def test_a_password_reset_ends_tokens(world: World) -> None:
    accounts.set_password(
        world.container.deps(), world.admin_actor, world.container.passwords, "analyst"
    )
    assert _me(world, world.tokens["analyst"]) == 401
    assert _me(world, world.tokens["approver"]) == 200


def test_a_totp_reenrolment_ends_tokens(world: World) -> None:
    accounts.enroll_totp(world.container.deps(), world.admin_actor, "approver")
    assert _me(world, world.tokens["approver"]) == 401
    assert _me(world, world.tokens["analyst"]) == 200


def test_a_first_totp_enrolment_ends_tokens_issued_without_one(world: World) -> None:
    secret = _plain_user(world)
    accounts.enroll_totp(world.container.deps(), world.admin_actor, "plain")
    assert _me(world, secret) == 401


def test_deactivation_ends_tokens_for_good(world: World) -> None:
    deps = world.container.deps()
    accounts.grant(deps, world.admin_actor, "coordinator", disabled=True)
    assert _me(world, world.tokens["coordinator"]) == 401
    accounts.grant(deps, world.admin_actor, "coordinator", disabled=False)
    assert _me(world, world.tokens["coordinator"]) == 401
    fresh = accounts_auth.create_token(
        deps, world.admin_actor, "coordinator", frozenset({"read"}), 5, world.totp("coordinator")
    )
    assert _me(world, fresh.secret) == 200


def test_a_token_issued_after_the_change_works(world: World) -> None:
    deps = world.container.deps()
    accounts.set_password(deps, world.admin_actor, world.container.passwords, "analyst")
    fresh = accounts_auth.create_token(
        deps, world.admin_actor, "analyst", frozenset({"read"}), 5, world.totp("analyst")
    )
    assert _me(world, fresh.secret) == 200
    r = world.client.get(f"/api/v1/cases/{world.own}", headers=_bearer(fresh.secret))
    assert r.status_code == 200
