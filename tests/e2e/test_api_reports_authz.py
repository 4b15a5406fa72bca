"""The authorization matrix of the report, ledger, publication and admin routes on cases.

Every case-scoped endpoint x every role x own, embargoed and missing case: a case one may not
see answers byte for byte like a missing one, the canaries of the embargoed case (in its
details, its draft and its ledger entry) reach nobody without all-case access, and roles are
checked only after visibility.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import pytest

from tests.builders import accounts_for, as_person
from tests.e2e.test_api_support import CANARY, World, build_world
from vulndesk.adapters.clock import SettableClock
from vulndesk.bootstrap import Container
from vulndesk.services.access.rights import Principal
from vulndesk.services.advisories import revisions as advisories
from vulndesk.services.clocks import waivers
from vulndesk.services.disclosure import ledger
from vulndesk.services.publication import gate as publication
from vulndesk.services.reports import approvals
from vulndesk.services.reports import drafts as reports

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
READ = ALL_CASES | MEMBERS_OF_OWN
MAY = {
    "read": READ,
    "draft": {"admin", "coordinator", "analyst"},
    "approve": {"admin", "approver"},
    "write": {"admin", "coordinator", "analyst", "approver"},
    "waive": {"admin", "coordinator"},
    "audit": READ | {"auditor"},
    "ledger": READ | {"auditor"},
    "decide": {"admin", "approver"},
    "advise": {"admin", "coordinator", "analyst"},
    "publish": {"admin", "coordinator", "approver"},
}
# Roles that read every case's records (not its details) answer for any existing case.
RECORD_READERS = {"audit", "ledger"}
# A waiver of an obligation no longer open is refused as input; a second one while the first
# is pending, or a second approval, is a 409.
ALLOWED = {200, 201, 409}
DRAFT = "/api/v1/cases/{case}/drafts/nvdb/nvdb/1"
NOW = "2026-11-02T01:00:00+00:00"
# (method, path, body, permission); {case} and {decision} are filled in per target.
CASE_ENDPOINTS: list[tuple[str, str, Any, str]] = [
    ("POST", "/api/v1/cases/{case}/drafts", {"kind": "nvdb", "recipient": "nvdb"}, "draft"),
    ("GET", "/api/v1/cases/{case}/drafts", None, "read"),
    ("GET", DRAFT, None, "read"),
    ("GET", DRAFT + "/preview?format=md", None, "read"),
    ("GET", DRAFT + "/preview?format=json", None, "read"),
    ("GET", DRAFT + "/diff?recipients=true", None, "read"),
    ("POST", DRAFT + "/approvals", {}, "approve"),
    ("POST", DRAFT + "/justifications", {"reason": "equal terms"}, "approve"),
    ("POST", DRAFT + "/submission", {"at": NOW, "receipt": "R-1"}, "write"),
    ("GET", "/api/v1/cases/{case}/decisions", None, "read"),
    (
        "POST",
        "/api/v1/cases/{case}/decisions",
        {"kind": "exception", "recipient": "nvdb", "reason": "r", "fields": ["scope_of_impact"]},
        "approve",
    ),
    ("POST", "/api/v1/cases/{case}/decisions/{decision}/approvals", None, "approve"),
    ("GET", "/api/v1/cases/{case}/conflicts", None, "read"),
    (
        "POST",
        "/api/v1/cases/{case}/ledger",
        {"recipient": "nvdb", "kind": "other", "at": NOW, "said": "a call"},
        "write",
    ),
    ("GET", "/api/v1/ledger?case={case}", None, "ledger"),
    ("GET", "/api/v1/ledger/export?case={case}", None, "ledger"),
    ("GET", "/api/v1/cases/{case}/publication-check?kind=advisory", None, "read"),
    ("GET", "/api/v1/affected?case={case}", None, "read"),
    (
        "POST",
        "/api/v1/cases/{case}/waivers",
        {"obligation": "cn-rmsv-2021/verify", "reason": "n/a"},
        "waive",
    ),
    ("GET", "/api/v1/cases/{case}/waivers", None, "read"),
    ("POST", "/api/v1/cases/{case}/waivers/{waiver}/approvals", None, "approve"),
    ("GET", "/api/v1/cases/{case}/audit", None, "audit"),
    (
        "POST",
        "/api/v1/cases/{case}/publication-decisions",
        {"kind": "no_operator_details", "note": "reviewed the text"},
        "decide",
    ),
    ("GET", "/api/v1/cases/{case}/publication-decisions", None, "read"),
    ("POST", "/api/v1/cases/{case}/publication-decisions/{pdecision}/approvals", None, "decide"),
    (
        "POST",
        "/api/v1/cases/{case}/shares",
        {"recipient": "OpenSSL", "country": "US", "is_provider": True},
        "write",
    ),
    ("GET", "/api/v1/cases/{case}/vendor", None, "read"),
    ("PUT", "/api/v1/cases/{case}/vendor", {"vendor": "openssl"}, "write"),
    ("POST", "/api/v1/cases/{case}/vendor/notified", {"evidence": "mail sent"}, "write"),
    # -- advisories (routes_advisories; a draft exists on each case, so drafting again is 409)
    ("POST", "/api/v1/cases/{case}/advisory", {"texts": {"summary": "A flaw."}}, "advise"),
    ("GET", "/api/v1/cases/{case}/advisory", None, "read"),
    ("GET", "/api/v1/cases/{case}/advisory/document?format=osv", None, "read"),
    ("POST", "/api/v1/cases/{case}/advisory/approvals", None, "approve"),
    ("POST", "/api/v1/cases/{case}/advisory/publication", None, "publish"),
]
LEDGER_ALL = {"admin", "auditor", "hqoversight"}
# Drafts the advisory of each case (outside the matrix of tested users).
SETUP_PRINCIPAL = Principal(
    "setup", frozenset({"coordinator"}), "cn", frozenset({"read", "write"}), "test"
)
_keys = itertools.count()


@pytest.fixture
def rworld(container: Container, clock: SettableClock) -> Iterator[World]:
    """The support world plus a draft, a decision and a ledger entry on each case."""
    w = build_world(container, clock)
    deps, setup = container.deps(), w.admin_actor
    w.decisions = {}
    w.pdecisions = {}
    w.waivers = {}
    # Decisions are proposed by a real approver account outside the matrix of tested users.
    second = as_person("second", "test")
    accounts_for(deps, setup, second)
    for key in (w.own, w.foreign):
        reports.draft_report(deps, setup, key, "nvdb", "nvdb")
        found = approvals.record_decision(
            deps, setup, "exception", key, "nvdb", "a reason", ("scope_of_impact",)
        )
        w.decisions[key] = found.id
        proposed = publication.decide(deps, setup, key, "no_operator_details", "", "reviewed")
        w.pdecisions[key] = proposed.id
        # A waiver proposed by the coordinator waits for a second person (an approver).
        waiver = waivers.propose(
            deps, as_person("coordinator", "test"), key, "cn-rmsv-2021/report-to-nvdb", "n/a"
        )
        w.waivers[key] = waiver.id
        advisories.draft(deps, SETUP_PRINCIPAL, key, {"texts": {"summary": "A flaw."}})
    # Telling a regulator needs two people's approval: a release decision.
    release = approvals.record_decision(deps, setup, "release", w.foreign, "nvdb", "duty call")
    approvals.approve_decision(deps, second, release.id)
    ledger.record_disclosure(
        deps, setup, w.foreign, "nvdb", "other", NOW, f"told {CANARY}", "phone", ["summary"]
    )
    with w.client:
        yield w


def call(w: World, user: str | None, method: str, path: str, body: Any) -> Any:
    n = next(_keys)
    headers = w.headers(user) if user else {}
    if method == "POST":
        headers["Idempotency-Key"] = f"rkey-{n}"
    return w.client.request(method, path, headers=headers, json=body)


# Per response, not per object: the date, and the request id every response carries.
PER_RESPONSE = frozenset({"date", "x-request-id"})


def sans_date(headers: Any) -> dict[str, str]:
    return {k: v for k, v in headers.items() if k.lower() not in PER_RESPONSE}


def visible(user: str, target: str, w: World, perm: str) -> bool:
    if target == MISSING:
        return False
    if perm in RECORD_READERS and user == "auditor":
        return True
    return user in ALL_CASES or (user in MEMBERS_OF_OWN and target == w.own)


def _path(w: World, path: str, target: str) -> str:
    decision = getattr(w, "decisions", {}).get(target, 1)
    pdecision = getattr(w, "pdecisions", {}).get(target, 1)
    waiver = getattr(w, "waivers", {}).get(target, 1)
    return path.format(case=target, decision=decision, pdecision=pdecision, waiver=waiver)


def check_case_route(w: World, method: str, path: str, body: Any, perm: str) -> None:
    """Every user on the missing, own and embargoed case; raises AssertionError on any miss."""
    for user in USERS:
        missing = call(w, user, method, _path(w, path, MISSING), body)
        assert missing.status_code == 404, (user, missing.text)
        assert missing.json()["error"]["message"] == "case not found"
        for target in (w.own, w.foreign):
            r = call(w, user, method, _path(w, path, target), body)
            assert r.status_code < 500, (user, target, r.text)
            if user not in ALL_CASES:
                assert CANARY not in r.text, (user, target)
            if not visible(user, target, w, perm):
                assert (r.status_code, r.content) == (404, missing.content), (user, target)
                assert sans_date(r.headers) == sans_date(missing.headers), (user, target)
            elif user not in MAY[perm]:
                assert r.status_code == 403, (user, target, r.text)
            else:
                ok = ALLOWED | ({422} if perm == "waive" else set())
                assert r.status_code in ok, (user, target, r.text)


@pytest.mark.parametrize(("method", "path", "body", "perm"), CASE_ENDPOINTS)
def test_case_routes_hide_what_is_not_yours(
    rworld: World, method: str, path: str, body: Any, perm: str
) -> None:
    check_case_route(rworld, method, path, body, perm)


@pytest.mark.parametrize(("method", "path", "body", "perm"), CASE_ENDPOINTS)
def test_case_routes_need_credentials(
    rworld: World, method: str, path: str, body: Any, perm: str
) -> None:
    r = call(rworld, None, method, _path(rworld, path, rworld.foreign), body)
    assert r.status_code == 401 and r.json()["error"]["code"] == "unauthenticated"
    assert CANARY not in r.text


def test_ledger_entry_content_needs_need_to_know(rworld: World) -> None:
    w = rworld
    entry = call(w, "admin", "GET", f"/api/v1/ledger?case={w.foreign}", None).json()[0]["id"]
    missing = call(w, "analyst", "GET", "/api/v1/ledger/999999", None)
    for user in USERS:
        r = call(w, user, "GET", f"/api/v1/ledger/{entry}", None)
        if user in ALL_CASES:
            assert r.status_code == 200 and CANARY in r.json()["content"], user
            continue
        assert CANARY not in r.text, user
        if user == "auditor":
            assert (r.status_code, r.json()["content"]) == (200, None)
            assert (
                r.json()["sha256"]
                == call(w, "admin", "GET", f"/api/v1/ledger/{entry}", None).json()["sha256"]
            )
        elif user == "reporter":
            assert r.status_code == 403
        else:
            assert (r.status_code, r.content) == (404, missing.content), user


def test_ledger_lists_follow_visibility(rworld: World) -> None:
    w = rworld
    for user in USERS:
        for path in ("/api/v1/ledger", "/api/v1/ledger/export"):
            r = call(w, user, "GET", path, None)
            if user == "reporter":
                assert r.status_code == 403
                continue
            assert r.status_code == 200 and CANARY not in r.text, (user, path)
            sees_foreign = user in ALL_CASES | LEDGER_ALL
            assert (w.foreign in r.text) == sees_foreign, (user, path)


def test_preview_of_the_embargoed_draft_is_audited(rworld: World) -> None:
    w = rworld
    path = _path(w, DRAFT + "/preview?format=md", w.foreign)
    assert call(w, "coordinator", "GET", path, None).status_code == 200
    with w.container.uow() as uow:
        found = uow.audit.for_object("report", f"{w.foreign}/nvdb/nvdb/v1")
    previews = [e.event for e in found if e.event.tag == "case:report:previewed"]
    assert [(e.actor, e.source, e.detail["format"]) for e in previews] == [
        ("coordinator", "api:testclient", "md")
    ]
    assert call(w, "analyst", "GET", path, None).status_code == 404


def test_a_decision_of_another_case_answers_like_a_missing_one(rworld: World) -> None:
    w = rworld
    foreign_decision = w.decisions[w.foreign]
    base = f"/api/v1/cases/{w.own}/decisions"
    missing = call(w, "approver", "POST", f"{base}/999999/approvals", None)
    crossed = call(w, "approver", "POST", f"{base}/{foreign_decision}/approvals", None)
    assert (crossed.status_code, crossed.content) == (404, missing.content)
    assert missing.json()["error"]["message"] == "decision not found"
    own = call(w, "approver", "POST", f"{base}/{w.decisions[w.own]}/approvals", None)
    assert own.status_code == 201 and own.json()["approved"] is True
