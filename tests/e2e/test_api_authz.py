"""The authorization matrix, generated: every endpoint x every role x own, embargoed, missing.

Embargoed cases carry a canary in every secret field; no response to anyone without
all-case access may contain it, and a case one may not see answers exactly like a missing one.
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from tests.e2e.test_api_support import CANARY, World, world

__all__ = ["world"]

MISSING = "VD-2026-9999"
USERS = (
    "admin",
    "coordinator",
    "analyst",
    "approver",
    "hqoversight",
    "auditor",
    "reporter",
    "outsider",
)
ALL_CASES = {"admin", "coordinator", "hqoversight"}
MEMBERS_OF_OWN = {"analyst", "approver"}
MAY = {
    "read": ALL_CASES | {"analyst", "approver", "outsider"},
    "write": {"admin", "coordinator", "analyst", "approver", "outsider"},
    "manage": {"admin", "coordinator"},
}
# (method, path, body, permission); {case} is replaced by own, embargoed and missing keys.
CASE_ENDPOINTS = [
    ("GET", "/api/v1/cases/{case}", None, "read"),
    ("PATCH", "/api/v1/cases/{case}", {"title": "Renamed"}, "write"),
    ("GET", "/api/v1/cases/{case}/members", None, "read"),
    ("PUT", "/api/v1/cases/{case}/members/reporter", None, "manage"),
    ("DELETE", "/api/v1/cases/{case}/members/reporter", None, "manage"),
    (
        "POST",
        "/api/v1/cases/{case}/facts",
        {"kind": "fix_available", "evidence": "patch 1.2", "mode": "correct"},
        "write",
    ),
    ("POST", "/api/v1/cases/{case}/transitions", {"to": "triage", "reason": "look"}, "write"),
    ("GET", "/api/v1/cases/{case}/obligations", None, "read"),
    ("PATCH", "/api/v1/cases/{case}/fields", {"workaround": "Block port 80"}, "write"),
    ("PATCH", "/api/v1/cases/{case}/fields", {"unit": "cn"}, "manage"),
    ("GET", "/api/v1/cases/{case}/history", None, "read"),
    ("GET", "/api/v1/cases/{case}/thread", None, "read"),
    ("GET", "/api/v1/cases/{case}/product-suggestions", None, "read"),
    ("PUT", "/api/v1/cases/{case}/products/router", {"versions": ["1.0"]}, "write"),
    ("GET", "/api/v1/cases/{case}/coordination/participants", None, "read"),
    (
        "POST",
        "/api/v1/cases/{case}/coordination/participants",
        {"party": "openssl", "role": "upstream_supplier", "people": ["a@openssl.example"]},
        "write",
    ),
    ("GET", "/api/v1/cases/{case}/coordination/statuses", None, "read"),
    ("GET", "/api/v1/cases/{case}/coordination/embargo?zone=Europe/Berlin", None, "read"),
    (
        "POST",
        "/api/v1/cases/{case}/coordination/embargo/events",
        {"kind": "propose", "end": "2030-01-01T09:00", "zone": "Asia/Shanghai", "reason": "r"},
        "write",
    ),
    ("GET", "/api/v1/cases/{case}/coordination/suggestions", None, "read"),
    ("GET", "/api/v1/cases/{case}/coordination/threads", None, "read"),
    ("GET", "/api/v1/cases/{case}/coordination/threads/shared/messages", None, "read"),
    ("POST", "/api/v1/cases/{case}/coordination/threads/shared/messages", {"body": "hi"}, "write"),
]
READERS = {"admin", "coordinator", "analyst", "approver", "hqoversight", "outsider"}
OTHER_ENDPOINTS = [
    ("GET", "/api/v1/cases", None, READERS),
    ("GET", "/api/v1/cases?state=received&sort=key&limit=500", None, READERS),
    ("GET", "/api/v1/obligations/due?within_hours=8000", None, READERS),
    ("GET", "/api/v1/units", None, READERS),
    ("GET", "/api/v1/units/cn", None, READERS),
    ("GET", "/api/v1/products", None, READERS),
    ("GET", "/api/v1/products/router", None, READERS),
    ("GET", "/api/v1/parties", None, READERS),
    ("GET", "/api/v1/parties/nvdb", None, READERS),
    ("PUT", "/api/v1/parties/nvdb/purls", {"purls": ["pkg:generic/x"]}, {"admin", "coordinator"}),
    ("GET", "/api/v1/me", None, set(USERS)),
    ("GET", "/api/v1/exposure", None, {"admin", "hqoversight", "auditor"}),
    (
        "GET",
        "/api/v1/exposure?format=csv&from=2026-01-01",
        None,
        {"admin", "hqoversight", "auditor"},
    ),
    ("PATCH", "/api/v1/me", {"language": "en"}, set(USERS)),
    ("GET", "/api/v1/me/mail", None, set(USERS)),
    ("PATCH", "/api/v1/me/mail", {"approvals": True}, set(USERS)),
    (
        "POST",
        "/api/v1/units",
        {"id": "u-{n}", "name": "Unit", "country": "CN", "timezone": "Asia/Shanghai"},
        {"admin", "coordinator"},
    ),
    (
        "POST",
        "/api/v1/products",
        {"id": "p-{n}", "vendor": "Acme", "name": "P", "model": "M"},
        {"admin", "coordinator"},
    ),
    (
        "POST",
        "/api/v1/parties",
        {"id": "y-{n}", "name": "Party", "kind": "regulator", "country": "CN"},
        {"admin", "coordinator"},
    ),
    (
        "POST",
        "/api/v1/cases",
        {"title": "New case", "unit": "cn"},
        {"admin", "coordinator", "analyst", "outsider"},
    ),
    ("GET", "/api/v1/triage", None, {"admin", "coordinator", "hqoversight"}),
    (
        "POST",
        "/api/v1/cases/bulk",
        {"action": "transition", "keys": [MISSING], "to": "triage", "reason": "look"},
        {"admin", "coordinator", "analyst", "approver", "outsider"},
    ),
    (
        "POST",
        "/api/v1/cases/bulk",
        {"action": "assign", "keys": [MISSING], "owner": "analyst"},
        {"admin", "coordinator"},
    ),
]
_keys = itertools.count()


def call(w: World, user: str | None, method: str, path: str, body: Any) -> Any:
    n = next(_keys)
    headers = w.headers(user) if user else {}
    if method == "POST":
        headers["Idempotency-Key"] = f"key-{n}"
    if isinstance(body, dict):
        body = {k: v.format(n=n) if isinstance(v, str) else v for k, v in body.items()}
    return w.client.request(method, path, headers=headers, json=body)


# Per response, not per object: the date, and the request id every response carries.
PER_RESPONSE = frozenset({"date", "x-request-id"})


def sans_date(headers: Any) -> dict[str, str]:
    return {k: v for k, v in headers.items() if k.lower() not in PER_RESPONSE}


def visible(user: str, target: str, w: World) -> bool:
    if target == MISSING:
        return False
    return user in ALL_CASES or (user in MEMBERS_OF_OWN and target == w.own)


def check_case_endpoint(world: World, method: str, path: str, body: Any, perm: str) -> None:
    """Every user on the missing, own and embargoed case; raises AssertionError on any miss."""
    for user in USERS:
        missing = call(world, user, method, path.format(case=MISSING), body)
        assert missing.status_code == 404, (user, missing.text)
        for target in (world.own, world.foreign):
            r = call(world, user, method, path.format(case=target), body)
            assert r.status_code < 500, (user, target, r.text)
            if user not in ALL_CASES:
                assert CANARY not in r.text, (user, target)
            if not visible(user, target, world):
                assert (r.status_code, r.content) == (404, missing.content), (user, target)
                assert sans_date(r.headers) == sans_date(missing.headers), (user, target)
            elif user not in MAY[perm]:
                assert r.status_code == 403, (user, target, r.text)
            else:
                assert r.status_code in {200, 201, 409}, (user, target, r.text)


@pytest.mark.parametrize(("method", "path", "body", "perm"), CASE_ENDPOINTS)
def test_case_endpoints_hide_what_is_not_yours(
    world: World, method: str, path: str, body: Any, perm: str
) -> None:
    check_case_endpoint(world, method, path, body, perm)


def check_endpoint(world: World, method: str, path: str, body: Any, allowed: set[str]) -> None:
    """Every user: the allowed succeed, the others get 403; raises AssertionError on any miss."""
    for user in USERS:
        r = call(world, user, method, path, body)
        expected = (201 if method == "POST" else 200) if user in allowed else 403
        assert r.status_code == expected, (user, r.text)
        if user not in ALL_CASES:
            assert CANARY not in r.text, user
            assert world.foreign not in r.text, user


@pytest.mark.parametrize(("method", "path", "body", "allowed"), OTHER_ENDPOINTS)
def test_lists_and_reference_data_follow_roles_and_hide_canaries(
    world: World, method: str, path: str, body: Any, allowed: set[str]
) -> None:
    check_endpoint(world, method, path, body, allowed)


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [(m, p.format(case="VD-2026-0001"), b) for m, p, b, _ in CASE_ENDPOINTS]
    + [(m, p, b) for m, p, b, _ in OTHER_ENDPOINTS],
)
def test_every_endpoint_needs_credentials(world: World, method: str, path: str, body: Any) -> None:
    r = call(world, None, method, path, body)
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "unauthenticated"
    assert CANARY not in r.text


def test_least_privileged_roles_succeed(world: World) -> None:
    """Each operation done by the weakest role that should manage it, never by an admin."""
    own = world.own
    assert call(world, "approver", "GET", f"/api/v1/cases/{own}", None).status_code == 200
    assert call(world, "approver", "GET", "/api/v1/cases", None).json()["total"] == 1
    r = call(world, "analyst", "PATCH", f"/api/v1/cases/{own}", {"title": "Renamed"})
    assert (r.status_code, r.json()["title"]) == (200, "Renamed")
    fact = {"kind": "verified", "evidence": "reproduced"}
    assert call(world, "analyst", "POST", f"/api/v1/cases/{own}/facts", fact).status_code == 201
    move = {"to": "triage", "reason": "looking"}
    r = call(world, "analyst", "POST", f"/api/v1/cases/{own}/transitions", move)
    assert (r.status_code, r.json()["state"]) == (201, "triage")
    r = call(world, "coordinator", "PUT", f"/api/v1/cases/{world.foreign}/members/outsider", None)
    assert r.status_code == 200
    assert call(world, "outsider", "GET", f"/api/v1/cases/{world.foreign}", None).status_code == 200
    r = call(world, "analyst", "POST", "/api/v1/cases", {"title": "Mine", "unit": "cn"})
    assert r.status_code == 201 and "analyst" in r.json()["members"]
    assert (
        call(world, "analyst", "GET", f"/api/v1/cases/{r.json()['key']}", None).status_code == 200
    )


def test_case_reads_are_audited_with_the_client_address(world: World) -> None:
    from vulndesk.services.ports import UnitOfWork

    assert call(world, "approver", "GET", f"/api/v1/cases/{world.own}", None).status_code == 200
    uow: UnitOfWork
    with world.container.uow() as uow:
        events = uow.audit.for_object("case", world.own)
    reads = [e for e in events if e.event.tag == "case:details:read"]
    assert reads and reads[-1].event.actor == "approver"
    assert reads[-1].event.source == "api:testclient"


def test_read_only_token_cannot_write(world: World) -> None:
    from vulndesk.services.accounts import signin as accounts_auth

    token = accounts_auth.create_token(
        world.container.deps(),
        world.admin_actor,
        "analyst",
        frozenset({"read"}),
        1,
        world.totp("analyst"),
    )
    headers = {"Authorization": f"Bearer {token.secret}"}
    r = world.client.patch(f"/api/v1/cases/{world.own}", headers=headers, json={"title": "x"})
    assert r.status_code == 403
    r = world.client.patch(f"/api/v1/cases/{world.foreign}", headers=headers, json={"title": "x"})
    assert r.status_code == 404
    assert world.client.get(f"/api/v1/cases/{world.own}", headers=headers).status_code == 200
