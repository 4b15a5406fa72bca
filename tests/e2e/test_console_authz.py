"""The console's authorization matrix: every page x every role, signed in with a real session.

A page a role may not see answers with the same 404 as a page that does not exist, canaries of
the embargoed case reach nobody without all-case access, and a visitor without a session is
sent to the sign-in page. On both engines.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

from tests.e2e.test_api_support import CANARY, PASSWORD, World, build_world
from vulndesk.adapters.clock import SettableClock
from vulndesk.bootstrap import Container
from vulndesk.services.access.rights import Principal
from vulndesk.services.advisories import revisions as advisories
from vulndesk.services.coordination import participants
from vulndesk.services.reports import drafts as reports

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
EVERYONE = set(USERS)
ALL_CASES = {"admin", "coordinator", "hqoversight"}
MEMBERS = {"analyst", "approver"}
OVERSIGHT = {"admin", "hqoversight"}
EXPOSURE = OVERSIGHT | {"auditor"}
ADMIN = {"admin"}
AUDIT = {"admin", "auditor"}
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
# (page, who may see it); {own}, {foreign}, {intake} and {sha} are filled in per world.
# "own" pages are seen by all-case roles and members; the others only by all-case roles.
PAGES: list[tuple[str, set[str]]] = [
    ("/", EVERYONE),
    ("/account", EVERYONE),
    ("/cases", EVERYONE),
    ("/cases?state=received&sort=key", EVERYONE),
    ("/cases/{own}", ALL_CASES | MEMBERS),
    ("/cases/{foreign}", ALL_CASES),
    ("/cases/{own}/reports", ALL_CASES | MEMBERS),
    ("/cases/{foreign}/reports", ALL_CASES),
    ("/cases/{own}/advisory", ALL_CASES | MEMBERS),
    ("/cases/{foreign}/advisory?format=osv&revision=1", ALL_CASES),
    ("/cases/{fresh}/advisory", ALL_CASES),
    ("/cases/{own}/coordination", ALL_CASES | MEMBERS),
    ("/cases/{foreign}/coordination", ALL_CASES),
    ("/cases/{own}/coordination/participants/{pown}/download?format=text", ALL_CASES | MEMBERS),
    ("/cases/{foreign}/coordination/participants/{pforeign}/download?format=json", ALL_CASES),
    ("/coordination/trace", ALL_CASES | MEMBERS | {"outsider"}),
    # The participant portal: no internal account takes part (decision 0045).
    ("/shared", set()),
    ("/shared/{own}", set()),
    ("/shared/{own}/export", set()),
    ("/reports/{own}/nvdb/nvdb/v1", ALL_CASES | MEMBERS),
    ("/reports/{foreign}/nvdb/nvdb/v1", ALL_CASES),
    ("/reports/{own}/nvdb/nvdb/v1/download/md", ALL_CASES | MEMBERS),
    ("/reports/{foreign}/nvdb/nvdb/v1/download/json", ALL_CASES),
    ("/cases/{intake}/attachments/{sha}", ALL_CASES),
    ("/oversight", OVERSIGHT),
    ("/oversight/exposure", EXPOSURE),
    ("/oversight/exposure/report?format=csv", EXPOSURE),
    ("/admin", ADMIN),
    ("/admin/users", ADMIN),
    ("/admin/reference", ADMIN),
    ("/admin/policies", ADMIN),
    ("/admin/rules", ADMIN),
    ("/admin/blackouts", ADMIN),
    ("/admin/imports", ADMIN),
    ("/admin/suppliers", ADMIN),
    ("/rules/what-if", ALL_CASES | MEMBERS | {"outsider"}),
    ("/audit", AUDIT),
    ("/audit/trail", AUDIT),
    ("/audit/trail?tag=case:case:opened&case={own}", AUDIT),
    ("/audit/ledger", AUDIT),
    ("/audit/ledger.csv", AUDIT),
    ("/audit/ledger.json", AUDIT),
    ("/cases/new", {"admin", "coordinator", "analyst", "outsider"}),
    ("/cases/triage", ALL_CASES),
    ("/needs-me", EVERYONE),
    ("/needs-me/count", EVERYONE),
]
MISSING = "VD-2026-9999"
SETUP = Principal("setup", frozenset({"admin"}), None, frozenset({"read", "write"}), "test")


def missing(page: str) -> str:
    """The same kind of page for something that does not exist (a case, or an admin area)."""
    if "{" not in page:
        return "/admin/nowhere"
    return page.format(
        own=MISSING, foreign=MISSING, intake=MISSING, fresh=MISSING, sha="0" * 64,
        pown="1", pforeign="2",
    )  # fmt: skip


# Pages every visitor may see, signed in or not.
PUBLIC_PAGES = ("/login", "/lang/{lang}", "/login/oidc", "/login/oidc/callback")


@dataclass
class ConsoleWorld:
    world: World
    keys: dict[str, str] = field(default_factory=dict)
    cookies: dict[str, dict[str, str]] = field(default_factory=dict)

    def path(self, page: str) -> str:
        return page.format(**self.keys)


def _intake(w: World) -> tuple[str, str]:
    """A public report with an attachment: its case has no members."""
    report = {
        "product": "router",
        "description": f"Overflow {CANARY}",
        "steps": "POST /login",
        "impact": "code execution",
        "language": "en",
    }
    r = w.client.post(
        "/api/v1/intake",
        data=report,
        files=[("attachments", ("poc.png", PNG, "application/octet-stream"))],
        headers={"Idempotency-Key": "console-intake"},
    )
    assert r.status_code == 201, r.text
    tracking = r.json()["tracking"]
    with w.container.uow() as uow:
        key = uow.intake.get(tracking).case_key
        [stored] = uow.intake.attachments(tracking)
    return key, stored.sha256


def sign_in(w: World, user: str) -> dict[str, str]:
    body = {"name": user, "password": PASSWORD, "totp": w.totp(user)}
    r = w.client.post("/api/v1/session", json=body)
    assert r.status_code == 200, r.text
    # Each request names its user's session; the client itself stays signed out.
    w.client.cookies.clear()
    return {"Cookie": f"vd_session={r.cookies['vd_session']}"}


@pytest.fixture
def cworld(container: Container, clock: SettableClock) -> Iterator[ConsoleWorld]:
    w = build_world(container, clock)
    deps = container.deps()
    for key in (w.own, w.foreign):
        reports.draft_report(deps, w.admin_actor, key, "nvdb", "nvdb")
        advisories.draft(deps, SETUP, key, {})
    # A participant on each case, for the watermarked downloads of its shared view.
    invited = {
        key: participants.invite(
            deps, w.admin_actor, key, "nvdb", "coordinator", ["a@nvdb.example"]
        )
        for key in (w.own, w.foreign)
    }
    with w.client:
        intake_key, sha = _intake(w)
        # The intake case has no advisory yet: its page offers the first draft.
        keys = {"own": w.own, "foreign": w.foreign, "intake": intake_key, "fresh": intake_key}
        cw = ConsoleWorld(w, keys)
        cw.keys["sha"] = sha
        cw.keys["pown"], cw.keys["pforeign"] = (str(invited[k].id) for k in (w.own, w.foreign))
        cw.cookies = {user: sign_in(w, user) for user in USERS}
        yield cw


def _sans_path(page: str, path: str) -> str:
    """The page without what names its own address (language links, the current menu item)."""
    bare = path.split("?", 1)[0]  # the language links go back to the page without its query
    return page.replace(f"back={bare}", "back=").replace(' aria-current="page"', " ")


def _diff(a: str, b: str) -> str:
    return "\n".join(difflib.unified_diff(a.splitlines(), b.splitlines(), lineterm="", n=0))


def check_page(cw: ConsoleWorld, page: str, allowed: set[str]) -> None:
    """Every user on one page; raises AssertionError on any miss."""
    client, path = cw.world.client, cw.path(page)
    for user in USERS:
        cookie = cw.cookies[user]
        r = client.get(path, headers=cookie, follow_redirects=False)
        if user not in ALL_CASES:
            assert CANARY not in r.text, (user, path)
        if user in allowed:
            assert r.status_code == 200, (user, path, r.status_code)
        else:
            assert r.status_code == 404, (user, path, r.status_code)
            gone = missing(page)
            shown = client.get(gone, headers=cookie)
            assert shown.status_code == 404, (user, gone)
            a, b = _sans_path(r.text, path), _sans_path(shown.text, gone)
            assert a == b, (user, path, _diff(a, b))
    anonymous = client.get(path, follow_redirects=False)
    assert anonymous.status_code == 303, (path, anonymous.status_code)
    assert anonymous.headers["location"].startswith("/login"), path
    assert CANARY not in anonymous.text


@pytest.mark.parametrize(("page", "allowed"), PAGES)
def test_every_page_as_every_role(cworld: ConsoleWorld, page: str, allowed: set[str]) -> None:
    check_page(cworld, page, allowed)


@pytest.mark.parametrize("page", PUBLIC_PAGES)
def test_public_pages_need_no_session(cworld: ConsoleWorld, page: str) -> None:
    r = cworld.world.client.get(page.format(lang="en"), follow_redirects=False)
    assert r.status_code in {200, 303}, (page, r.status_code)
    assert CANARY not in r.text


def test_the_dashboard_card_of_penalty_totals_is_for_exposure_readers(
    cworld: ConsoleWorld,
) -> None:
    client = cworld.world.client
    for user in USERS:
        en = client.get("/", headers=cworld.cookies[user])
        assert en.status_code == 200, user
        shown = 'id="h-penalties"' in en.text
        assert shown == (user in EXPOSURE), user
        if user not in EXPOSURE:
            assert "/oversight/exposure" not in en.text, user
            continue
        assert "Statutory exposure" in en.text
        assert '<a href="/oversight/exposure">Open the exposure report</a>' in en.text
        zh = client.get("/", headers={**cworld.cookies[user], "Accept-Language": "zh-CN"})
        assert "法定处罚风险" in zh.text and "打开暴露情况报告" in zh.text, user
    page = client.get("/oversight/exposure", headers=cworld.cookies["auditor"])
    assert 'id="whatif"' in page.text and "What-if of the rule sets in force" in page.text
    zh = client.get(
        "/oversight/exposure", headers={**cworld.cookies["auditor"], "Accept-Language": "zh-CN"}
    )
    assert "现行规则集的假设分析" in zh.text
