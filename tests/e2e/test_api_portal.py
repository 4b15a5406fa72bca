"""The participant portal over the HTTP API on both engines (decision 0045): the desk invites a
participant's person (Idempotency-Key, the link shown once), the person joins, signs in with
password and TOTP for a token, and uses /api/v1/shared/cases/...; internal routes and other
cases answer as a missing case does."""

from __future__ import annotations

import httpx
import pyotp

from tests.e2e.test_api_authz import MISSING
from tests.e2e.test_api_support import PASSWORD, World, world
from vulndesk.domain import watermark as wm
from vulndesk.services.coordination import invitations

__all__ = ["world"]
BASE = "/api/v1/cases/{key}/coordination"
SHARED = "/api/v1/shared/cases"


def _post(w: World, headers: dict[str, str], path: str, body: object, idem: str) -> httpx.Response:
    return w.client.post(path, headers=headers | {"Idempotency-Key": idem}, json=body)


def invited_participant(w: World, key: str, party: str, email: str, idem: str) -> dict[str, str]:
    """Invite `email` of `party` to `key` through the API, join, sign in: bearer headers."""
    base = BASE.format(key=key)
    desk = w.headers("admin")
    added = _post(
        w, desk, base + "/participants",
        {"party": party, "role": "upstream_supplier", "people": [f"Ann <{email}>"]}, idem + "-p",
    )  # fmt: skip
    assert added.status_code == 201, added.text
    path = f"{base}/participants/{added.json()['id']}/invitations"
    made = _post(w, desk, path, {"email": email}, idem)
    assert made.status_code == 201, made.text
    assert _post(w, desk, path, {"email": email}, idem).json() == made.json()
    link = made.json()["link"]
    assert link.startswith("http") and "/join/" in link
    token = link.rsplit("/", 1)[1]
    deps = w.container.deps()
    user = made.json()["user"]
    secret, _ = invitations.new_secret(user)
    code = pyotp.TOTP(secret).at(w.clock.now())
    invitations.join(
        deps, w.container.passwords, token, PASSWORD, PASSWORD, secret, code, "api:test"
    )
    w.secrets[user] = secret
    w.used_steps[user] = pyotp.TOTP(secret).timecode(w.clock.now()) + 1
    signed = w.client.post(
        "/api/v1/cli/sign-in", json={"name": user, "password": PASSWORD, "totp": w.totp(user)}
    )
    assert signed.status_code == 201, signed.text
    return {"Authorization": f"Bearer {signed.json()['token']}"}


def test_the_portal_over_the_api(world: World) -> None:
    w = world
    me = invited_participant(w, w.own, "openssl", "psirt@openssl.example", "inv-1")
    cases = w.client.get(SHARED, headers=me)
    assert cases.status_code == 200 and [c["case"] for c in cases.json()["cases"]] == [w.own]
    desk_post = f"/api/v1/cases/{w.own}/coordination/threads/shared/messages"
    told = _post(w, w.headers("admin"), desk_post, {"body": "to everyone"}, "d-1")
    assert told.status_code == 201, told.text
    got = w.client.get(f"{SHARED}/{w.own}", headers=me)
    assert got.status_code == 200, got.text
    assert got.json()["shared_with"].startswith("Shared with ")
    assert got.json()["unread"] == {"shared": 1, "private": 0}
    # reading marks both threads read
    assert w.client.get(f"{SHARED}/{w.own}", headers=me).json()["unread"] == {
        "shared": 0,
        "private": 0,
    }
    path = f"{SHARED}/{w.own}/threads/private/messages"
    posted = _post(w, me, path, {"body": "our note"}, "m-1")
    assert posted.status_code == 201 and posted.json()["mine"]
    assert _post(w, me, path, {"body": "our note"}, "m-1").json() == posted.json()
    read = w.client.get(path, headers=me).json()["messages"]
    assert [m["body"] for m in read] == ["our note"]
    bad = w.client.get(f"{SHARED}/{w.own}/threads/1/messages", headers=me)
    assert bad.status_code == 422
    said = _post(
        w, me, f"{SHARED}/{w.own}/statuses",
        {"product": "router", "status": "not_affected", "statement": "not used",
         "justification": "component_not_present"}, "s-1",
    )  # fmt: skip
    assert said.status_code == 201, said.text
    assert said.json()["approved"] is False
    missing_product = _post(
        w, me, f"{SHARED}/{w.own}/statuses",
        {"product": "nope", "status": "affected", "statement": "x"}, "s-2",
    )  # fmt: skip
    assert missing_product.status_code == 422 and "product" in missing_product.text
    # the desk sees it waiting for a second person
    board = w.client.get(BASE.format(key=w.own) + "/statuses", headers=w.headers("analyst"))
    pending = [c["pending"] for c in board.json()["cells"] if c["pending"]]
    assert pending and pending[0]["recorded_by"] != "analyst"
    no_embargo = _post(
        w, me, f"{SHARED}/{w.own}/embargo/events", {"kind": "accept", "reason": "ok"}, "e-1"
    )
    assert no_embargo.status_code in (409, 422), no_embargo.text
    exported = w.client.get(f"{SHARED}/{w.own}/export", headers=me)
    assert exported.status_code == 200 and wm.clean(exported.text).startswith("Shared with ")
    assert "attachment" in exported.headers["content-disposition"]


def test_a_participant_sees_nothing_internal_and_other_cases_are_missing(world: World) -> None:
    w = world
    me = invited_participant(w, w.own, "openssl", "psirt@openssl.example", "inv-2")
    for path in (f"{SHARED}/{w.foreign}", f"{SHARED}/{w.foreign}/export"):
        mine, missing = (
            w.client.get(path, headers=me),
            w.client.get(path.replace(w.foreign, MISSING), headers=me),
        )
        assert mine.status_code == missing.status_code == 404
        assert mine.content.replace(w.foreign.encode(), b"K") == missing.content.replace(
            MISSING.encode(), b"K"
        )
    for path in (
        f"/api/v1/cases/{w.own}",
        f"{BASE.format(key=w.own)}/participants",
        f"{BASE.format(key=w.own)}/threads/shared/messages",
    ):
        internal = w.client.get(path, headers=me)
        missing = w.client.get(path.replace(w.own, MISSING), headers=me)
        assert internal.status_code == missing.status_code == 404, path
        assert internal.content.replace(w.own.encode(), b"K") == missing.content.replace(
            MISSING.encode(), b"K"
        )
    assert w.client.get("/api/v1/cases", headers=me).status_code in (403, 404)
    assert w.client.get(SHARED, headers=w.headers("admin")).status_code == 403
    assert w.client.get(f"{SHARED}/{w.own}", headers=w.headers("admin")).status_code == 404
