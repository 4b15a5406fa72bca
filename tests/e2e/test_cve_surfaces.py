"""A case's CVE ids from the API and the console, against a local CVE Services.

Real sessions and tokens (the API world), a real HTTP CVE Services in a thread. Each route and
form is run as every role here (they are named in the authorization matrices as covered by
this file): the roles the use case allows act, a role that sees the case but may not act gets
403 before CVE Services is asked anything, and a case one may not see answers as missing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

import pytest

from tests.builders import accounts_for, as_person, open_case
from tests.cve_services import LocalCveServices
from tests.e2e.test_api_authz import USERS
from tests.e2e.test_api_support import World, build_world
from tests.e2e.test_console_authz import sign_in
from vulndesk.adapters.clock import SettableClock
from vulndesk.bootstrap import Container, build
from vulndesk.config.cve import CveServicesSettings
from vulndesk.services.access import rights as access
from vulndesk.services.access.rights import Principal
from vulndesk.services.advisories import revisions as advisories
from vulndesk.services.cases import lifecycle as cases
from vulndesk.services.cases import reference

MISSING = "VD-2026-9999"
SEES_OWN = {"admin", "coordinator", "hqoversight", "analyst", "approver"}
WRITERS = {"admin", "coordinator", "analyst", "approver"}
DRAFTERS = {"admin", "coordinator", "analyst"}
PUBLISHERS = {"admin", "coordinator", "approver"}
REFS = [["https://psirt.example.com/advisories/1", "Vendor advisory"]]
CSRF = re.compile(r'name="csrf" value="([0-9a-f]+)"')
PA = Principal("approver-a", frozenset({"approver"}), "de", frozenset({"read", "write"}), "test")
PB = Principal("approver-b", frozenset({"approver"}), "de", frozenset({"read", "write"}), "test")


@dataclass
class CveWorld:
    world: World
    server: LocalCveServices
    key: str
    cookies: dict[str, dict[str, str]]

    def api(self, user: str, method: str, path: str, body: Any = None, idem: str = "") -> Any:
        headers = self.world.headers(user)
        if method == "POST":
            headers["Idempotency-Key"] = idem or f"k-{next(_n)}"
        return self.world.client.request(method, path, json=body, headers=headers)

    def form(self, user: str, path: str, data: dict[str, str], lang: str = "en") -> Any:
        client, cookie = self.world.client, self.cookies[user]
        token = CSRF.search(client.get("/account", headers=cookie).text)
        assert token, user
        headers = cookie | {"Accept-Language": lang}
        return client.post(
            path, data=data | {"csrf": token.group(1)}, headers=headers, follow_redirects=False
        )


_n = iter(range(1, 1_000_000))


@pytest.fixture
def cve(container: Container, clock: SettableClock) -> Iterator[CveWorld]:
    with LocalCveServices() as server:
        s = server.state
        settings = replace(
            container.settings,
            cve_services=CveServicesSettings(server.url, s.org, s.user, s.key),
            cve_org_id=s.org_uuid,
        )
        c = build(settings, clock)
        try:
            w = build_world(c, clock)
            deps = c.deps()
            admin = as_person("setup", "test")
            accounts_for(deps, as_person("approver-a", "test"), as_person("approver-b", "test"))
            reference.add_party(
                deps, admin, id="everyone", name="The public", kind="public", country="DE",
                channels=["email:psirt@example.com"],
            )  # fmt: skip
            case = open_case(
                deps, admin, unit="de", products={"router": ["1.0", "1.1"]},
                details={"summary": "Heap overflow.", "remediation": "Update to 2.0."},
            )  # fmt: skip
            for name in ("analyst", "approver", "approver-a", "approver-b"):
                access.set_member(deps, admin, case.key, name, True)
            with w.client:
                cookies = {user: sign_in(w, user) for user in USERS}
                yield CveWorld(w, server, str(case.key), cookies)
        finally:
            c.close()


def _expected(user: str, allowed: set[str]) -> int:
    if user not in SEES_OWN:
        return 404
    return 201 if user in allowed else 403


def _reservations(server: LocalCveServices) -> int:
    return sum(
        1 for m, p, _ in server.state.requests if m == "POST" and p.startswith("/api/cve-id")
    )


def test_api_cve_routes_follow_roles(cve: CveWorld) -> None:
    key, base = cve.key, f"/api/v1/cases/{cve.key}/cves"
    # Refusals first: nothing reaches CVE Services.
    for user in USERS:
        if user not in WRITERS:
            got = cve.api(user, "POST", base, {"amount": 1})
            assert got.status_code == _expected(user, WRITERS), (user, got.text)
        listed = cve.api(user, "GET", base)
        assert listed.status_code == (200 if user in SEES_OWN else 404), user
        gone = cve.api(user, "GET", f"/api/v1/cases/{MISSING}/cves")
        assert gone.status_code == 404
        if user not in SEES_OWN:
            assert listed.json() == gone.json()
    assert _reservations(cve.server) == 0
    # A retry with the same key replays the answer: CVE Services reserves once.
    made = cve.api("analyst", "POST", base, {"amount": 2, "year": 2026}, idem="reserve-1")
    assert made.status_code == 201, made.text
    again = cve.api("analyst", "POST", base, {"amount": 2, "year": 2026}, idem="reserve-1")
    assert again.json() == made.json() and _reservations(cve.server) == 1
    first, second = (r["cve_id"] for r in made.json()["cve_ids"])
    assert [r["state"] for r in cve.api("approver", "GET", base).json()] == ["reserved"] * 2
    for user in USERS:
        if user not in DRAFTERS:
            got = cve.api(user, "POST", f"{base}/{first}/attach")
            assert got.status_code == _expected(user, DRAFTERS), user
        if user not in PUBLISHERS:
            got = cve.api(user, "POST", f"{base}/{first}/publish")
            assert got.status_code == _expected(user, PUBLISHERS), user
            got = cve.api(user, "POST", f"{base}/{first}/update")
            assert got.status_code == _expected(user, PUBLISHERS), user
        if user not in WRITERS:
            got = cve.api(user, "POST", f"{base}/{first}/reject", {"reason": "No."})
            assert got.status_code == _expected(user, WRITERS), user
    attached = cve.api("coordinator", "POST", f"{base}/{first}/attach")
    assert attached.status_code == 201 and attached.json()["status"] == "draft"
    # Two approvers, the fix out (RMSV Art. 9): then the record goes out and is in the ledger.
    deps = cve.world.container.deps()
    advisories.edit(deps, as_person("setup", "test"), key, {"references": tuple(map(tuple, REFS))})
    advisories.approve(deps, PA, key)
    advisories.approve(deps, PB, key)
    refused = cve.api("coordinator", "POST", f"{base}/{first}/publish")
    assert refused.status_code == 409 and "fix-before-publication" in refused.text
    cases.record_fact(deps, PA, key, "fix_available", None, "Firmware 2.0 released.")
    sent = cve.api("approver", "POST", f"{base}/{first}/publish")
    assert sent.status_code == 201, sent.text
    assert sent.json()["state"] == "published" and sent.json()["ledger_ref"]
    assert cve.server.state.ids[first].state == "PUBLISHED"
    ledger = cve.api("coordinator", "GET", f"/api/v1/ledger?case={key}").json()
    assert [(e["disclosure_kind"], e["receipt"]) for e in ledger] == [("cve-record", first)]
    assert cve.api("coordinator", "POST", f"{base}/{first}/update").status_code == 201
    twice = cve.api("coordinator", "POST", f"{base}/{first}/publish")
    assert twice.status_code == 409 and "vulndesk cve update" in twice.text
    # Reject: a reason is needed; an analyst rejects a reserved id.
    empty = cve.api("analyst", "POST", f"{base}/{second}/reject", {"reason": ""})
    assert empty.status_code == 422
    done = cve.api("analyst", "POST", f"{base}/{second}/reject", {"reason": "Duplicate."})
    assert done.status_code == 201 and done.json()["state"] == "rejected"
    assert cve.server.state.ids[second].state == "REJECTED"


def test_api_quota_and_outage_name_the_fix(cve: CveWorld) -> None:
    base = f"/api/v1/cases/{cve.key}/cves"
    cve.server.state.quota = 1
    over = cve.api("coordinator", "POST", base, {"amount": 2})
    assert over.status_code == 409, over.text
    error = over.json()["error"]
    assert "EXCEEDED_ID_QUOTA" in error["message"] and "vulndesk cve reject" in error["message"]
    cve.server.state.fail_next = 503
    down = cve.api("coordinator", "POST", base, {"amount": 1})
    assert down.status_code == 502 and down.json()["error"]["code"] == "unavailable"
    assert cve.api("coordinator", "GET", base).json() == []
    bad = cve.api("coordinator", "POST", base, {"amount": 11})
    assert bad.status_code == 422


def test_console_section_and_forms(cve: CveWorld) -> None:
    key, page = cve.key, f"/cases/{cve.key}"
    client = cve.world.client
    shown = client.get(page, headers=cve.cookies["analyst"])
    assert 'id="cve-ids"' in shown.text and "No CVE ids reserved yet." in shown.text
    assert "/cves/" not in shown.text
    # Roles: a reader who may not reserve is refused; a case one may not see is missing.
    for user in USERS:
        if user in WRITERS:
            continue
        r = cve.form(user, f"/cases/{key}/cves", {"amount": "1"})
        assert r.status_code == (403 if user in SEES_OWN else 404), user
    zero = cve.form("analyst", f"/cases/{key}/cves", {"amount": "0"})
    assert zero.status_code == 422 and "1 to 10 ids at a time" in zero.text
    r = cve.form("analyst", f"/cases/{key}/cves", {"amount": "2", "year": "2026"})
    assert r.status_code == 303 and r.headers["location"].endswith("#cve-ids")
    ids = sorted(cve.server.state.ids)
    shown = client.get(page, headers=cve.cookies["analyst"]).text
    for cve_id in ids:
        assert f'data-cve="{cve_id}"' in shown
    assert f"/cves/{ids[0]}/reject" in shown and f"/cves/{ids[0]}/publish" not in shown
    assert f"/cves/{ids[0]}/attach" in shown
    publisher = client.get(page, headers=cve.cookies["approver"]).text
    assert f"/cves/{ids[0]}/publish" in publisher and f"/cves/{ids[0]}/attach" not in publisher
    # The Chinese page.
    zh = client.get(page, headers=cve.cookies["analyst"] | {"Accept-Language": "zh-CN"}).text
    assert "CVE 编号" in zh and "已预留" in zh and "驳回" in zh
    # A rejection without a reason is refused with the reason named; with one it is shown.
    empty = cve.form("analyst", f"/cases/{key}/cves/{ids[0]}/reject", {"reason": " "})
    assert empty.status_code == 422 and "a rejection needs a reason" in empty.text
    for user in USERS:
        if user not in WRITERS:
            r = cve.form(user, f"/cases/{key}/cves/{ids[0]}/reject", {"reason": "x"})
            assert r.status_code == (403 if user in SEES_OWN else 404), user
        if user not in PUBLISHERS:
            for action in ("publish", "update"):
                r = cve.form(user, f"/cases/{key}/cves/{ids[0]}/{action}", {})
                assert r.status_code == (403 if user in SEES_OWN else 404), (user, action)
        if user not in DRAFTERS:
            r = cve.form(user, f"/cases/{key}/cves/{ids[0]}/attach", {})
            assert r.status_code == (403 if user in SEES_OWN else 404), user
    done = cve.form("analyst", f"/cases/{key}/cves/{ids[0]}/reject", {"reason": "Duplicate."})
    assert done.status_code == 303
    shown = client.get(page, headers=cve.cookies["analyst"]).text
    row = shown.split(f'data-cve="{ids[0]}"', 1)[1].split("</tr>", 1)[0]
    assert "Duplicate." in row and "cve-rejected" in row and "/reject" not in row
    # Publishing before the advisory names the id: the refusal names the fix.
    refused = cve.form("approver", f"/cases/{key}/cves/{ids[1]}/publish", {})
    assert refused.status_code == 409
    assert "advisory" in refused.text.lower()
    # Attach, then CVE Services down: a 502 that says so, nothing recorded.
    assert cve.form("coordinator", f"/cases/{key}/cves/{ids[1]}/attach", {}).status_code == 303
    cve.server.state.fail_next = 503
    down = cve.form("coordinator", f"/cases/{key}/cves", {"amount": "1"})
    assert down.status_code == 502 and "try again later" in down.text
    listed = cve.api("coordinator", "GET", f"/api/v1/cases/{key}/cves").json()
    assert len(listed) == 2
    assert json.dumps(listed).count("rejected") >= 1
