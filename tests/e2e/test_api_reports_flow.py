"""The report flow over HTTP: draft an NVDB report, two approvers, submission, obligation met."""

from __future__ import annotations

import itertools
from typing import Any

from tests.e2e.test_api_support import World, world
from vulndesk.domain.ids import CaseKey
from vulndesk.services.access import rights as access
from vulndesk.services.accounts import signin as accounts_auth
from vulndesk.services.accounts import users as accounts

__all__ = ["world"]
_keys = itertools.count()


def _second_approver(w: World) -> None:
    deps = w.container.deps()
    accounts.add_user(
        deps,
        w.admin_actor,
        w.container.passwords,
        name="approver2",
        email="approver2@example.org",
        roles=["approver"],
        unit="hq",
        password="another long passphrase here",
    )
    w.secrets["approver2"], _ = accounts.enroll_totp(deps, w.admin_actor, "approver2")
    w.tokens["approver2"] = accounts_auth.create_token(
        deps, w.admin_actor, "approver2", frozenset({"read", "write"}), 30, w.totp("approver2")
    ).secret
    access.set_member(deps, w.admin_actor, CaseKey(w.own), "approver2", True)


def post(w: World, user: str, path: str, body: Any = None, key: str | None = None) -> Any:
    headers = w.headers(user, **{"Idempotency-Key": key or f"flow-{next(_keys)}"})
    return w.client.post(path, headers=headers, json=body)


def get(w: World, user: str, path: str, **params: Any) -> Any:
    return w.client.get(path, headers=w.headers(user), params=params)


def _nvdb(w: World) -> dict[str, Any]:
    items = get(w, "analyst", f"/api/v1/cases/{w.own}/obligations").json()
    found = [o for o in items if o["id"] == "cn-rmsv-2021/report-to-nvdb"]
    assert len(found) == 1, items
    return dict(found[0])


def test_draft_two_approvers_submission_meets_the_nvdb_obligation(world: World) -> None:
    _second_approver(world)
    case = world.own
    fact = {"kind": "verified", "evidence": "reproduced in the lab"}
    assert post(world, "analyst", f"/api/v1/cases/{case}/facts", fact).status_code == 201
    assert _nvdb(world)["status"] == "open"

    r = post(
        world, "analyst", f"/api/v1/cases/{case}/drafts", {"kind": "nvdb", "recipient": "nvdb"}
    )
    assert r.status_code == 201, r.text
    draft = r.json()
    assert (draft["ref"], draft["status"]) == (f"{case}/nvdb/nvdb/v1", "draft")
    base = f"/api/v1/cases/{case}/drafts/nvdb/nvdb/1"
    md = get(world, "approver", base + "/preview", format="md")
    assert md.status_code == 200 and md.headers["content-type"].startswith("text/markdown")
    assert "网络产品安全漏洞信息报送" in md.text
    as_json = get(world, "approver", base + "/preview", format="json")
    assert as_json.json()["case"] == case

    submit = {"at": world.clock.now().isoformat(), "receipt": "NVDB-2026-1"}
    early = post(world, "analyst", base + "/submission", submit)
    assert early.status_code == 409 and "only approved" in early.json()["error"]["message"]

    first = post(world, "approver", base + "/approvals", {})
    assert (first.status_code, first.json()["status"]) == (201, "draft")
    again = post(world, "approver", base + "/approvals", {})
    assert again.status_code == 409 and "second person" in again.json()["error"]["message"]
    second = post(world, "approver2", base + "/approvals", {})
    assert second.status_code == 201, second.text
    assert second.json()["status"] == "approved"
    assert [a["actor"] for a in second.json()["approvals"]] == ["approver", "approver2"]
    assert [a["unit"] for a in second.json()["approvals"]] == ["cn", "hq"]

    entry = post(world, "analyst", base + "/submission", submit, key="submit-1")
    assert entry.status_code == 201, entry.text
    assert entry.json()["disclosure_kind"] == "nvdb-report"
    assert entry.json()["approvers"] == ["approver", "approver2"]
    replay = post(world, "analyst", base + "/submission", submit, key="submit-1")
    assert replay.headers.get("Idempotent-Replayed") == "true"
    assert replay.json() == entry.json()

    met = _nvdb(world)
    assert met["status"] == "met", met
    assert met["met_ref"] == f"ledger:{entry.json()['id']}"
    shown = get(world, "approver", base)
    assert shown.json()["status"] == "submitted"
    ledger = get(world, "auditor", "/api/v1/ledger", case=case).json()
    assert [e["id"] for e in ledger] == [entry.json()["id"]]
    full = get(world, "analyst", f"/api/v1/ledger/{entry.json()['id']}").json()
    assert full["content"] and full["sha256"] == draft["sha256"]
    notices = get(world, "hqoversight", "/api/v1/oversight/notices").json()
    assert {n["event"] for n in notices} == {"draft-created", "submitted"}


def test_actor_of_an_approval_is_the_user_with_unit_and_session(world: World) -> None:
    case = world.own
    post(world, "analyst", f"/api/v1/cases/{case}/drafts", {"kind": "nvdb", "recipient": "nvdb"})
    post(world, "approver", f"/api/v1/cases/{case}/drafts/nvdb/nvdb/1/approvals", {})
    events = get(world, "auditor", f"/api/v1/cases/{case}/audit").json()
    assert "case:case:opened" in {e["tag"] for e in events}
    assert all(e["object_id"] == case for e in events)
    with world.container.uow() as uow:
        found = uow.audit.for_object("report", f"{case}/nvdb/nvdb/v1")
    approved = [e.event for e in found if e.event.tag == "case:report:approved"]
    assert [(e.actor, e.source) for e in approved] == [("approver", "api:testclient")]
    row = world.count("report_approvals")
    assert row == 1


def test_draft_versions_diff_and_previews(world: World) -> None:
    case = world.own
    for _ in range(2):
        body = {"kind": "nvdb", "recipient": "nvdb", "stage": "update"}
        assert post(world, "analyst", f"/api/v1/cases/{case}/drafts", body).status_code == 201
    listed = get(world, "analyst", f"/api/v1/cases/{case}/drafts").json()
    assert [(d["version"], d["status"]) for d in listed] == [(1, "superseded"), (2, "draft")]
    diff = get(world, "analyst", f"/api/v1/cases/{case}/drafts/nvdb/nvdb/2/diff")
    assert diff.status_code == 200 and diff.json()[0]["left"].endswith("/v1")
    html = get(world, "analyst", f"/api/v1/cases/{case}/drafts/nvdb/nvdb/2/preview", format="html")
    assert html.headers["content-type"].startswith("text/html") and "<html" in html.text
    stale = post(world, "approver", f"/api/v1/cases/{case}/drafts/nvdb/nvdb/1/approvals", {})
    assert stale.status_code == 409 and "superseded" in stale.json()["error"]["message"]
    pdf = get(world, "analyst", f"/api/v1/cases/{case}/drafts/nvdb/nvdb/2/preview", format="pdf")
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF-")
    bad = get(world, "analyst", f"/api/v1/cases/{case}/drafts/nvdb/nvdb/2/preview", format="doc")
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "format"


def test_exception_needs_a_second_approver_and_then_reaches_the_draft(world: World) -> None:
    _second_approver(world)
    case = world.own
    body = {
        "kind": "exception",
        "recipient": "openssl",
        "reason": "the supplier must find the faulty line",
        "fields": ["trigger_location"],
    }
    proposed = post(world, "approver", f"/api/v1/cases/{case}/decisions", body)
    assert proposed.status_code == 201 and proposed.json()["approved"] is False
    path = f"/api/v1/cases/{case}/decisions/{proposed.json()['id']}/approvals"
    assert post(world, "approver", path).status_code == 409
    assert post(world, "analyst", path).status_code == 403
    done = post(world, "approver2", path)
    assert (done.status_code, done.json()["approved"]) == (201, True)
    listed = get(world, "analyst", f"/api/v1/cases/{case}/decisions").json()
    assert [d["approvers"] for d in listed] == [["approver", "approver2"]]
    patch = {"title": "Own case", "details": {"trigger_location": "parser.c:212"}}
    changed = world.client.patch(
        f"/api/v1/cases/{case}", headers=world.headers("analyst"), json=patch
    )
    assert changed.status_code == 200, changed.text
    body = {"kind": "notice.upstream", "recipient": "openssl"}
    r = post(world, "analyst", f"/api/v1/cases/{case}/drafts", body)
    assert r.status_code == 201 and "trigger_location" in r.json()["fields"]
    preview = f"/api/v1/cases/{case}/drafts/notice.upstream/openssl/1/preview"
    assert "parser.c:212" in get(world, "approver", preview, format="md").text
    assert get(world, "analyst", f"/api/v1/cases/{case}/conflicts").json() == []


def test_publication_check_and_manual_disclosure(world: World) -> None:
    case = world.own
    gate = get(world, "analyst", f"/api/v1/cases/{case}/publication-check", kind="advisory")
    assert gate.status_code == 200 and gate.json()["result"] in {"fail", "needs-decision"}
    assert {c["id"] for c in gate.json()["checks"]}
    said = {
        "recipient": "openssl",
        "kind": "upstream-notice",
        "at": world.clock.now().isoformat(),
        "said": "told them the affected function",
        "channel": "phone",
        "fields": ["summary"],
    }
    r = post(world, "approver", f"/api/v1/cases/{case}/ledger", said)
    assert r.status_code == 201, r.text
    assert (r.json()["channel"], r.json()["classes"]) == ("phone", ["public"])
    wrong = post(world, "approver", f"/api/v1/cases/{case}/ledger", said | {"channel": "pigeon"})
    assert wrong.status_code == 422 and wrong.json()["error"]["field"] == "channel"


def test_third_party_vendor_tracking(world: World) -> None:
    opened = post(
        world,
        "analyst",
        "/api/v1/cases",
        {"title": "Flaw in a vendor camera", "unit": "cn", "roles": ["third_party"]},
    )
    assert opened.status_code == 201, opened.text
    case = opened.json()["key"]
    assert get(world, "analyst", f"/api/v1/cases/{case}/vendor").json() is None
    early = post(world, "analyst", f"/api/v1/cases/{case}/vendor/notified", {"evidence": "mail"})
    assert early.status_code == 409
    named = world.client.put(
        f"/api/v1/cases/{case}/vendor", headers=world.headers("analyst"), json={"vendor": "openssl"}
    )
    assert named.status_code == 200 and named.json()["vendor"] == "openssl"
    told = post(world, "analyst", f"/api/v1/cases/{case}/vendor/notified", {"evidence": "mail"})
    assert told.status_code == 201 and told.json()["notified_at"]
    fixed = post(world, "analyst", f"/api/v1/cases/{case}/vendor/fixed", {"evidence": "v2.1"})
    assert fixed.status_code == 201 and fixed.json()["fixed_at"]
    facts = get(world, "analyst", f"/api/v1/cases/{case}").json()["facts"]
    assert "fix_available" in {f["kind"] for f in facts}
    decided = post(
        world,
        "approver",
        f"/api/v1/cases/{world.own}/publication-decisions",
        {"kind": "mps_consent", "subject": "Summit", "note": "MPS agreed by letter"},
    )
    assert decided.status_code == 201 and decided.json()["by"] == "approver"


def test_a_kind_the_recipient_does_not_fit_is_refused_naming_the_field_and_the_fix(
    world: World,
) -> None:
    case = world.own
    body = {"kind": "nvdb", "recipient": "openssl"}
    r = post(world, "analyst", f"/api/v1/cases/{case}/drafts", body)
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert error["field"] == "recipient"
    assert "regulator party as recipient" in error["message"]
    assert "notice.upstream" in error["message"]
    assert get(world, "analyst", f"/api/v1/cases/{case}/drafts").json() == []
