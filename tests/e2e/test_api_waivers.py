"""Waivers through the API: one person proposes, a second real approver makes it take effect.

Issue #14 ("decisions that lift a check need two people"): a waiver named its second approver
as free text, so one person could waive a legal deadline by typing a colleague's name.
"""

from __future__ import annotations

import itertools
import re
from typing import Any, cast

import httpx
from fastapi import FastAPI

from tests.e2e.test_api_support import PASSWORD, World, world
from vulndesk.services.accounts import signin as accounts_auth

__all__ = ["world"]

OID = "cn-rmsv-2021/report-to-nvdb"
_keys = itertools.count(1)


def post(w: World, user: str, path: str, body: Any = None) -> httpx.Response:
    headers = w.headers(user, **{"Idempotency-Key": f"waiver-{next(_keys)}"})
    return w.client.post(path, headers=headers, json=body)


def status(w: World, key: str, oid: str = OID) -> str:
    found = w.client.get(f"/api/v1/cases/{key}/obligations", headers=w.headers("admin")).json()
    return str(next(o["status"] for o in found if o["id"] == oid))


def test_a_named_approver_is_refused_and_one_person_cannot_waive_alone(world: World) -> None:
    w = world
    path = f"/api/v1/cases/{w.own}/waivers"
    named = post(w, "coordinator", path, {"obligation": OID, "reason": "n/a", "approvers": ["x"]})
    assert named.status_code == 422, named.text
    assert named.json()["error"]["field"] == "approvers"
    assert "own account" in named.json()["error"]["message"]
    assert status(w, w.own) == "open"

    made = post(w, "coordinator", path, {"obligation": OID, "reason": "not our product"})
    assert made.status_code == 201, made.text
    waiver = made.json()
    assert (waiver["status"], waiver["proposed_by"], waiver["approvers"]) == (
        "pending",
        "coordinator",
        ["coordinator"],
    )
    assert waiver["obligation_status"] == "open" and status(w, w.own) == "open"
    again = post(w, "admin", path, {"obligation": OID, "reason": "twice"})
    assert again.status_code == 409 and "pending" in again.json()["error"]["message"]
    listed = w.client.get(path, headers=w.headers("analyst")).json()
    assert [(x["id"], x["status"]) for x in listed] == [(waiver["id"], "pending")]

    approve = f"{path}/{waiver['id']}/approvals"
    assert post(w, "coordinator", approve).status_code == 403  # not an approving role
    assert post(w, "analyst", approve).status_code == 403
    assert post(w, "outsider", approve).status_code == 404  # not a member: no such case
    assert status(w, w.own) == "open"
    done = post(w, "approver", approve)
    assert done.status_code == 201, done.text
    assert (done.json()["status"], done.json()["approvers"]) == (
        "approved",
        ["coordinator", "approver"],
    )
    assert done.json()["obligation_status"] == "waived" and status(w, w.own) == "waived"
    assert post(w, "admin", approve).status_code == 409

    events = w.client.get(f"/api/v1/cases/{w.own}/audit", headers=w.headers("auditor")).json()
    tagged = [e for e in events if e["tag"].startswith("case:obligation:waive")]
    assert {e["tag"] for e in tagged} == {
        "case:obligation:waiver-proposed",
        "case:obligation:waived",
    }
    for e in tagged:
        assert e["detail"] == {"obligation": OID, "decision": str(waiver["id"])}
        assert "not our product" not in str(e)


def test_the_same_person_twice_and_a_non_member_approver_are_refused(world: World) -> None:
    w = world
    path = f"/api/v1/cases/{w.foreign}/waivers"
    made = post(w, "admin", path, {"obligation": OID, "reason": "duplicate product"})
    assert made.status_code == 201, made.text
    approve = f"{path}/{made.json()['id']}/approvals"
    mine = post(w, "admin", approve)
    assert mine.status_code == 409 and "second person" in mine.json()["error"]["message"]
    # The approver is not a member of the embargoed case: it answers like a missing case.
    hidden = post(w, "approver", approve)
    assert hidden.status_code == 404 and hidden.json()["error"]["message"] == "case not found"
    assert status(w, w.foreign) == "open"
    # A waiver id of another case is not found on this one.
    other = post(
        w, "coordinator", f"/api/v1/cases/{w.own}/waivers", {"obligation": OID, "reason": "r"}
    )
    wrong = post(w, "approver", f"/api/v1/cases/{w.own}/waivers/{made.json()['id']}/approvals")
    assert other.status_code == 201 and wrong.status_code == 404
    # The generic decision route does not approve a waiver around its checks.
    generic = post(w, "approver", f"/api/v1/cases/{w.own}/decisions/{other.json()['id']}/approvals")
    assert generic.status_code == 409 and "waive" in generic.json()["error"]["message"]
    assert status(w, w.own) == "open"


def test_the_openapi_documents_the_two_steps(world: World) -> None:
    spec = cast(FastAPI, world.client.app).openapi()
    body = spec["components"]["schemas"]["WaiverIn"]
    assert set(body["properties"]) == {"obligation", "reason"}
    assert body.get("additionalProperties") is False
    approvals = spec["paths"]["/api/v1/cases/{key}/waivers/{waiver}/approvals"]["post"]
    assert any(p["name"] == "Idempotency-Key" for p in approvals["parameters"])


def sign_in(w: World, user: str) -> None:
    deps = w.container.deps()
    signed = accounts_auth.login(
        deps, w.container.passwords, user, PASSWORD, w.totp(user), "web:test"
    )
    w.client.cookies.set("vd_session", signed.secret)


def csrf(page: str) -> str:
    return re.findall(r'name="csrf" value="([^"]+)"', page)[0]


def row(page: str, oid: str = OID) -> str:
    [found] = [r for r in page.split("<tr") if f'data-obligation="{oid}"' in r]
    return found


def test_the_case_page_proposes_and_a_second_approver_approves(world: World) -> None:
    w = world
    page = f"/cases/{w.own}"
    sign_in(w, "coordinator")
    shown = w.client.get(page)
    assert "Propose a waiver" in shown.text and f'<option value="{OID}"' in shown.text
    sent = w.client.post(
        f"{page}/waivers",
        data={"csrf": csrf(shown.text), "obligation": OID, "reason": "not our product"},
        follow_redirects=False,
    )
    assert sent.status_code == 303, sent.text
    after = w.client.get(page)
    assert "waiver proposed by coordinator" in row(after.text)
    assert "Approve waiver" not in after.text  # a coordinator does not approve
    assert 'class="status-open"' in row(after.text).split(">")[0] + ">"
    assert status(w, w.own) == "open"

    sign_in(w, "approver")
    zh = w.client.get(page, headers={"Accept-Language": "zh-CN"})
    assert "豁免由 coordinator 提议" in row(zh.text) and "批准豁免" in row(zh.text)
    mine = w.client.get(page)
    [action] = re.findall(r'action="(/cases/[^"]+/waivers/\d+/approval)"', mine.text)
    done = w.client.post(action, data={"csrf": csrf(mine.text)}, follow_redirects=False)
    assert done.status_code == 303, done.text
    final = w.client.get(page)
    assert 'class="status-waived"' in row(final.text).split(">")[0] + ">"
    assert "waiver proposed by" not in final.text and status(w, w.own) == "waived"


def test_the_console_refuses_the_proposer_as_second_person(world: World) -> None:
    w = world
    page = f"/cases/{w.own}"
    sign_in(w, "admin")
    shown = w.client.get(page)
    w.client.post(
        f"{page}/waivers",
        data={"csrf": csrf(shown.text), "obligation": OID, "reason": "n/a"},
        follow_redirects=False,
    )
    after = w.client.get(page)
    assert "waiver proposed by admin" in after.text
    # A second proposal while one is pending (a form sent twice) is refused, not an error.
    twice = w.client.post(
        f"{page}/waivers",
        data={"csrf": csrf(after.text), "obligation": OID, "reason": "again"},
        follow_redirects=False,
    )
    assert twice.status_code == 409 and "is pending" in twice.text
    assert "Approve waiver" not in after.text  # not offered to its own proposer
    [waiver] = [
        x["id"] for x in w.client.get(f"/api/v1{page}/waivers", headers=w.headers("admin")).json()
    ]
    refused = w.client.post(
        f"{page}/waivers/{waiver}/approval", data={"csrf": csrf(after.text)}, follow_redirects=False
    )
    assert refused.status_code == 409 and "second person" in refused.text
    assert status(w, w.own) == "open"
