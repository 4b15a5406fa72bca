"""Late and backdated disclosures through the API and on the console's pages (no browser).

Issue #14 observations 2 and 3: the API flags a backdated entry and holds it until a second
person approves; the case page labels an obligation met late, with how late, in English and
Simplified Chinese.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import re
from typing import Any

import httpx

from tests.builders import as_person, open_case
from tests.e2e.test_api_support import PASSWORD, World, world
from vulndesk.domain.clocks import CaseObligation
from vulndesk.services.accounts import signin as accounts_auth
from vulndesk.services.cases import lifecycle as cases
from vulndesk.services.disclosure import ledger
from vulndesk.services.reports import approvals
from vulndesk.services.reports import drafts as reports

__all__ = ["world"]

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
_keys = itertools.count(1)


def post(w: World, user: str, path: str, body: dict[str, object]) -> httpx.Response:
    headers = w.headers(user, **{"Idempotency-Key": f"late-{next(_keys)}"})
    return w.client.post(path, headers=headers, json=body)


def older_case(w: World) -> str:
    """A case the analyst and approver are members of, known since ten days before now."""
    aware = w.clock.now() - dt.timedelta(days=10)
    deps = w.container.deps()
    key = open_case(deps, w.admin_actor, aware=aware, members=["analyst", "approver"]).key
    # The disclosure guard: nothing reaches a regulator without two people's approval.
    admin = as_person("admin", "test", frozenset({"admin"}), "cn")
    release = approvals.record_decision(deps, admin, "release", key, "nvdb", "duty call")
    approvals.approve_decision(deps, as_person("approver", "test"), release.id)
    return key


def disclosure(w: World, at: dt.datetime, **extra: Any) -> dict[str, object]:
    return {"recipient": "nvdb", "kind": "other", "at": at.isoformat(), "said": "a call"} | extra


def test_the_api_refuses_bad_claims_and_holds_a_backdated_entry(world: World) -> None:
    w = world
    key = older_case(w)
    path = f"/api/v1/cases/{key}/ledger"
    future = post(w, "analyst", path, disclosure(w, w.clock.now() + dt.timedelta(hours=1)))
    assert future.status_code == 422 and future.json()["error"]["field"] == "at"
    before = post(w, "analyst", path, disclosure(w, w.clock.now() - dt.timedelta(days=11)))
    assert before.status_code == 422 and before.json()["error"]["field"] == "at"
    assert "aware" in before.json()["error"]["message"]

    three_days = w.clock.now() - dt.timedelta(days=3)
    bare = post(w, "analyst", path, disclosure(w, three_days))
    assert bare.status_code == 422 and bare.json()["error"]["field"] == "justification"
    made = post(w, "analyst", path, disclosure(w, three_days, justification="minutes found"))
    assert made.status_code == 201, made.text
    row = made.json()
    assert (row["backdated"], row["backdate_status"], row["backdate_approvers"]) == (
        True,
        "pending",
        ["analyst"],
    )
    assert "backdate_justification" not in row
    shown = w.client.get(f"/api/v1/ledger/{row['id']}", headers=w.headers("analyst")).json()
    assert shown["backdate_justification"] == "minutes found"
    metadata = w.client.get(f"/api/v1/ledger/{row['id']}", headers=w.headers("auditor")).json()
    assert (metadata["backdated"], metadata["backdate_justification"]) == (True, None)
    assert dt.datetime.fromisoformat(row["recorded_at"]) == w.clock.now()

    export = w.client.get(
        "/api/v1/ledger/export", params={"case": key}, headers=w.headers("analyst")
    )
    [line] = [json.loads(x) for x in export.text.splitlines()]
    assert (line["backdated"], line["backdate_status"]) == (True, "pending")

    approve = f"/api/v1/ledger/{row['id']}/backdate-approval"
    assert w.client.post(approve, headers=w.headers("analyst")).status_code == 403
    assert w.client.post(approve, headers=w.headers("outsider")).status_code == 404
    done = w.client.post(approve, headers=w.headers("approver"))
    assert done.status_code == 200, done.text
    assert (done.json()["backdate_status"], done.json()["backdate_approvers"]) == (
        "approved",
        ["analyst", "approver"],
    )
    again = w.client.post(approve, headers=w.headers("admin"))
    assert again.status_code == 409

    own = post(w, "approver", path, disclosure(w, three_days, justification="late notes"))
    assert own.status_code == 201
    mine = w.client.post(
        f"/api/v1/ledger/{own.json()['id']}/backdate-approval", headers=w.headers("approver")
    )
    assert mine.status_code == 409 and "second person" in mine.json()["error"]["message"]

    subs = w.client.get("/api/v1/oversight/submissions", headers=w.headers("hqoversight"))
    assert sorted((s["backdate_status"], s["late_by_seconds"]) for s in subs.json()) == [
        ("approved", None),
        ("pending", None),
    ]


def late_house_sla(w: World) -> str:
    """A case whose house SLA (7 days from verified) was met 3 days and 4 hours late."""
    deps = w.container.deps()
    aware = dt.datetime(2026, 9, 20, tzinfo=SHANGHAI)
    key = open_case(deps, w.admin_actor, aware=aware, members=["analyst", "approver"]).key
    verified = dt.datetime(2026, 10, 2, 12, 0, tzinfo=SHANGHAI)
    cases.record_fact(deps, w.admin_actor, key, "verified", verified, "lab")
    fixed = dt.datetime(2026, 10, 13, 4, 0, tzinfo=SHANGHAI)  # due 2026-10-10 00:00
    cases.record_fact(deps, w.admin_actor, key, "fix_available", fixed, "release")
    return key


def test_the_api_gives_how_late_an_obligation_was_met(world: World) -> None:
    key = late_house_sla(world)
    found = world.client.get(f"/api/v1/cases/{key}/obligations", headers=world.headers("analyst"))
    [sla] = [o for o in found.json() if o["id"] == "house-sla/remediate"]
    assert (sla["status"], sla["late_by_seconds"]) == ("met_late", (3 * 24 + 4) * 3600)
    others = [o["late_by_seconds"] for o in found.json() if o["status"] != "met_late"]
    assert others and set(others) == {None}


def test_the_case_page_labels_met_late_in_both_languages(world: World) -> None:
    key = late_house_sla(world)
    deps = world.container.deps()
    signed = accounts_auth.login(
        deps, world.container.passwords, "analyst", PASSWORD, world.totp("analyst"), "web:test"
    )
    world.client.cookies.set("vd_session", signed.secret)
    row = re.compile(
        r'<tr class="status-met_late" data-obligation="house-sla/remediate">(.*?)</tr>', re.DOTALL
    )
    english = world.client.get(f"/cases/{key}", headers={"Accept-Language": "en"})
    assert english.status_code == 200
    [cells] = row.findall(english.text)
    assert "met late (3 d 4 h late)" in cells
    chinese = world.client.get(f"/cases/{key}", headers={"Accept-Language": "zh-CN"})
    [cells] = row.findall(chinese.text)
    assert "逾期履行（晚 3 天 4 小时）" in cells
    assert "met late" not in cells


def sign_in(w: World, user: str) -> None:
    deps = w.container.deps()
    signed = accounts_auth.login(
        deps, w.container.passwords, user, PASSWORD, w.totp(user), "web:test"
    )
    w.client.cookies.set("vd_session", signed.secret)


ANALYST = as_person("analyst", "test", frozenset({"analyst"}), "cn")


def approved_nvdb(w: World, key: str) -> str:
    deps = w.container.deps()
    approver = as_person("approver", "test", frozenset({"approver"}), "cn")
    draft = reports.draft_report(deps, ANALYST, key, "nvdb", "nvdb")
    # Only approving accounts approve: the admin and the approver.
    approvals.approve(deps, as_person("admin", "test", frozenset({"admin"}), "cn"), draft.ref)
    approvals.approve(deps, approver, draft.ref)
    return draft.ref


def backdated_submission(w: World, ref: str) -> None:
    """Recorded three days after its approval as sent two days earlier."""
    w.clock.advance(dt.timedelta(days=3))
    claimed = w.clock.now() - dt.timedelta(days=2)
    entry = ledger.record_submission(
        w.container.deps(), ANALYST, ref, claimed, "NVDB-9", justification="receipt found late"
    )
    assert entry.backdate_pending


def test_every_console_page_flags_backdated_and_met_late(world: World) -> None:
    w = world
    key = late_house_sla(w)
    ref = approved_nvdb(w, key)
    sign_in(w, "analyst")
    form = w.client.get(f"/reports/{ref}")
    assert 'name="justification"' in form.text and "more than 24 hours ago" in form.text
    backdated_submission(w, ref)
    zh = {"Accept-Language": "zh-CN"}

    sign_in(w, "hqoversight")
    oversight = w.client.get("/oversight")
    assert oversight.status_code == 200
    assert "backdated · awaiting a second person" in oversight.text
    assert "补录 · 等待第二人批准" in w.client.get("/oversight", headers=zh).text

    sign_in(w, "admin")
    dashboard = w.client.get("/")
    assert dashboard.status_code == 200
    assert "(1 met late)" in dashboard.text and "house-sla" in dashboard.text
    assert "A deadline met late counts as missed." in dashboard.text
    assert "backdated" in dashboard.text
    assert "(1 项逾期履行)" in w.client.get("/", headers=zh).text

    sign_in(w, "analyst")
    draft = w.client.get(f"/reports/{ref}")
    assert draft.status_code == 200
    assert "backdated · awaiting a second person" in draft.text
    page = w.client.get(f"/cases/{key}")
    assert "receipt found late" in page.text
    assert "Approve backdate" not in page.text  # an analyst may not approve it

    sign_in(w, "approver")
    page = w.client.get(f"/cases/{key}")
    assert "Approve backdate" in page.text
    [entry] = re.findall(r'action="/cases/[^"]+/ledger/(\d+)/backdate-approval"', page.text)
    [token] = re.findall(r'name="csrf" value="([^"]+)"', page.text)[:1]
    done = w.client.post(
        f"/cases/{key}/ledger/{entry}/backdate-approval",
        data={"csrf": token},
        follow_redirects=False,
    )
    assert done.status_code == 303
    after = w.client.get(f"/cases/{key}")
    assert "Approve backdate" not in after.text
    assert "awaiting a second person" not in after.text and "backdated" in after.text

    # Approved, it meets the NVDB report (48 h from aware) long after its due instant.
    [nvdb] = [o for o in after.text.split("<tr") if 'data-obligation="cn-rmsv-2021/report-to' in o]
    assert "met late (" in nvdb
    subs = w.client.get("/api/v1/oversight/submissions", headers=w.headers("hqoversight")).json()
    [sub] = [x for x in subs if x["case"] == key]
    assert sub["backdate_status"] == "approved" and sub["late_by_seconds"] > 40 * 86400
    sign_in(w, "hqoversight")
    assert "met late (" in w.client.get("/oversight").text


def test_the_api_refuses_a_submission_claimed_before_its_approval(world: World) -> None:
    w = world
    key = older_case(w)
    ref = approved_nvdb(w, key)
    w.clock.advance(dt.timedelta(hours=2))
    path = f"/api/v1/cases/{key}/drafts/nvdb/nvdb/1/submission"
    early = w.clock.now() - dt.timedelta(hours=3)
    refused = post(w, "analyst", path, {"at": early.isoformat(), "receipt": "NVDB-1"})
    assert refused.status_code == 422 and refused.json()["error"]["field"] == "at"
    assert "approval" in refused.json()["error"]["message"]
    assert nvdb_clock(w, key).met_ref is None and ref.endswith("/v1")
    done = post(w, "analyst", path, {"at": w.clock.now().isoformat(), "receipt": "NVDB-1"})
    assert done.status_code == 201 and done.json()["backdated"] is False
    assert nvdb_clock(w, key).status.value == "met_late"  # 48 h from aware ten days ago


def nvdb_clock(w: World, key: str) -> CaseObligation:
    found = cases.show_case(w.container.deps(), ANALYST, key).obligations
    [nvdb] = [o for o in found if o.id == "cn-rmsv-2021/report-to-nvdb"]
    return nvdb
