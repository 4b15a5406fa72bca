"""Coordination through the HTTP API on both engines: Idempotency-Key on creating POSTs, the
status board with no answer since, the embargo in two zones read by the publication gate,
threads and the shared view through the disclosure guard, need-to-know as 404."""

from __future__ import annotations

import httpx

from tests.e2e.test_api_authz import MISSING
from tests.e2e.test_api_support import World, world
from vulndesk.services.cases import reference

__all__ = ["world"]
BASE = "/api/v1/cases/{key}/coordination"


def _post(w: World, user: str, path: str, body: object, idem: str) -> httpx.Response:
    return w.client.post(path, headers=w.headers(user, **{"Idempotency-Key": idem}), json=body)


def test_coordination_over_the_api(world: World) -> None:
    w = world
    base = BASE.format(key=w.own)
    reference.add_party(
        w.container.deps(), w.admin_actor, id="maker", name="Maker", kind="downstream_maker",
        country="CN",
    )  # fmt: skip
    invite = {"party": "openssl", "role": "upstream_supplier", "people": ["Ann <a@o.example>"]}
    missing_key = w.client.post(base + "/participants", headers=w.headers("analyst"), json=invite)
    assert missing_key.status_code in (400, 422), missing_key.text
    added = _post(w, "analyst", base + "/participants", invite, "p-1")
    assert added.status_code == 201, added.text
    again = _post(w, "analyst", base + "/participants", invite, "p-1")
    assert again.json() == added.json()
    supplier = added.json()["id"]
    maker = _post(
        w, "analyst", base + "/participants",
        {"party": "maker", "role": "downstream_maker", "people": ["m@maker.example"]}, "p-2",
    ).json()["id"]  # fmt: skip
    listed = w.client.get(base + "/participants", headers=w.headers("approver")).json()
    assert [p["party"] for p in listed["participants"]] == ["openssl", "maker"]
    assert listed["participants"][0]["people"] == [{"name": "Ann", "address": "a@o.example"}]

    statement = {
        "participant": supplier,
        "product": "router",
        "status": "fixed",
        "fixed_versions": ["2.0"],
        "statement": "fixed in 2.0",
    }
    said = _post(w, "analyst", base + "/statuses", statement, "s-1").json()
    own = _post(w, "analyst", f"{base}/statuses/{said['id']}/approval", None, "a-1")
    assert own.status_code == 403
    done = _post(w, "approver", f"{base}/statuses/{said['id']}/approval", None, "a-2")
    assert done.status_code == 201 and done.json()["approved_by"] == "approver"
    bad = _post(w, "analyst", base + "/statuses", statement | {"fixed_versions": []}, "s-2")
    assert bad.status_code == 422 and "fixed_versions" in bad.text
    cells = w.client.get(base + "/statuses", headers=w.headers("analyst")).json()["cells"]
    by = {c["participant"]: c for c in cells}
    assert by[supplier]["status"] == "fixed"
    assert by[maker]["status"] == "no_answer" and by[maker]["since"]

    propose = {"kind": "propose", "end": "2026-12-01T09:00", "zone": "Asia/Shanghai",
               "reason": "openssl release"}  # fmt: skip
    made = _post(w, "analyst", base + "/embargo/events?zone=Europe/Berlin", propose, "e-1")
    assert made.status_code == 201, made.text
    assert made.json()["pending_in_your_zone"] == "2026-12-01 02:00 CET (Europe/Berlin, UTC+01:00)"
    _post(w, "analyst", base + "/embargo/events", {"kind": "accept", "reason": "ok"}, "e-2")
    shown = w.client.get(base + "/embargo?zone=America/New_York", headers=w.headers("analyst"))
    body = shown.json()
    assert body["state"] == "active" and body["in_force"] is True
    assert body["end_in_zone"] == "2026-12-01 09:00 CST (Asia/Shanghai, UTC+08:00)"
    assert body["end_in_your_zone"] == "2026-11-30 20:00 EST (America/New_York, UTC-05:00)"
    assert [e["kind"] for e in body["events"]] == ["proposed", "accepted"]
    gate = w.client.get(f"/api/v1/cases/{w.own}/publication-check", headers=w.headers("analyst"))
    checks = {c["id"]: c["result"] for c in gate.json()["checks"]}
    assert checks["coordinated-embargo-respected"] == "fail"
    refused = _post(w, "analyst", base + "/embargo/events", propose, "e-3")
    assert refused.status_code == 409

    posted = _post(w, "analyst", f"{base}/threads/{supplier}/messages", {"body": "hi"}, "m-1")
    assert posted.status_code == 201 and len(posted.json()["ledger"]) == 1
    read = w.client.get(f"{base}/threads/{supplier}/messages", headers=w.headers("analyst"))
    assert [m["body"] for m in read.json()["messages"]] == ["hi"]
    # Unread markers per account: the author has none; another reader has one until read.
    listed = w.client.get(f"{base}/threads", headers=w.headers("analyst")).json()["threads"]
    assert {t["thread"]: (t["count"], t["unread"]) for t in listed}[str(supplier)] == (1, 0)
    other = w.client.get(f"{base}/threads", headers=w.headers("coordinator")).json()["threads"]
    assert {t["thread"]: t["unread"] for t in other}[str(supplier)] == 1
    w.client.get(f"{base}/threads/{supplier}/messages", headers=w.headers("coordinator"))
    other = w.client.get(f"{base}/threads", headers=w.headers("coordinator")).json()["threads"]
    assert {t["thread"]: t["unread"] for t in other}[str(supplier)] == 0
    said = {"body": "@coordinator please look, cc @approver"}
    mentioned = _post(w, "analyst", f"{base}/threads/{supplier}/messages", said, "m-2")
    assert mentioned.json()["mentions"] == ["coordinator", "approver"]
    shared = _post(w, "analyst", f"{base}/participants/{supplier}/shares", None, "v-1")
    assert shared.status_code == 201, shared.text
    assert shared.json()["ledger"].startswith("ledger:")
    suggestions = w.client.get(base + "/suggestions", headers=w.headers("analyst")).json()
    assert any(s["party"] == "openssl" and s["invited"] for s in suggestions["suggestions"])

    # need-to-know: an analyst outside the case gets the same 404 as for a missing case
    for key in (w.own, MISSING):
        got = w.client.get(BASE.format(key=key) + "/participants", headers=w.headers("outsider"))
        assert got.status_code == 404
    auditor = w.client.get(base + "/embargo", headers=w.headers("auditor"))
    assert auditor.status_code == 404
    put = w.client.put(
        "/api/v1/parties/maker/purls", headers=w.headers("coordinator"),
        json={"purls": ["pkg:generic/maker-box@2"]},
    )  # fmt: skip
    assert put.json() == {"party": "maker", "purls": ["pkg:generic/maker-box@2"]}


def test_participant_routes_follow_roles(world: World) -> None:
    """Every user on the participant-scoped routes of the own, embargoed and missing cases:
    hidden is the same 404 as missing, readers who may not write get 403."""
    from tests.e2e.test_api_authz import ALL_CASES, MAY, USERS, call, visible
    from vulndesk.services.coordination import participants, statuses

    setup = world.admin_actor
    ids: dict[str, tuple[int, int]] = {}
    for key in (world.own, world.foreign):
        invited = participants.invite(world.container.deps(), setup, key, "openssl",
                                      "upstream_supplier", ["a@openssl.example"])  # fmt: skip
        said = statuses.record(
            world.container.deps(), setup, key, invited.id, "router", "affected", "x"
        )
        ids[key] = (invited.id, said.id)
    routes = [
        ("POST", "statuses", {"participant": "{p}", "product": "router", "status": "affected",
                              "statement": "y"}, "write"),
        ("POST", "statuses/{s}/approval", None, "write"),
        ("GET", "participants/{p}/view", None, "read"),
        ("POST", "participants/{p}/shares", None, "write"),
        ("GET", "threads/{p}/messages", None, "read"),
        ("POST", "threads/{p}/messages", {"body": "hello"}, "write"),
    ]  # fmt: skip
    for method, tail, body, perm in routes:
        for user in USERS:
            for target in (world.own, world.foreign, MISSING):
                p, s = ids.get(target, (1, 1))
                path = f"/api/v1/cases/{target}/coordination/" + tail.format(p=p, s=s)
                sent = {k: (p if v == "{p}" else v) for k, v in body.items()} if body else body
                r = call(world, user, method, path, sent)
                assert r.status_code < 500, (user, path, r.text)
                if not visible(user, target, world):
                    assert r.status_code == 404, (user, path, r.text)
                elif user not in MAY[perm]:
                    assert r.status_code == 403, (user, path, r.text)
                else:
                    assert r.status_code in {200, 201, 409}, (user, path, r.text)
                if user not in ALL_CASES:
                    assert world.foreign not in r.text or target != world.foreign, user
