"""The whole console in Simplified Chinese: every page, every role, every error state.

A real `vulndesk serve` on the demo organisation; each demo account signs in and asks for
every page of the console (the GET routes are taken from the application, so a new page
without an entry here fails) with `Accept-Language: zh-CN`, then for the error states: a
missing case (404), a page of a role the account lacks (404), a form without its CSRF token
(403), a bad parameter (400), a guard refusal (approving twice) and each form of the console
posted empty (its validation error). `zh_text.english` names what is still English.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
from fastapi.routing import APIRoute

from tests.e2e.browser import Server, fresh_code
from tests.e2e.test_console_reports import demo_credentials
from tests.e2e.zh_text import english, texts
from vulndesk.entrypoints.web import app as web_app
from vulndesk.entrypoints.web import pages_admin

CASE = "VD-2026-0002"  # acme-cn, verified
ADVISED = "VD-2026-0004"  # the published advisory (and the published CVE id)
COORDINATED = "VD-2026-0016"  # the demo's coordinated disclosure under embargo
DUPLICATE = "VD-2026-0019"  # a duplicate with a rejected CVE id
DRAFT = f"/reports/{CASE}/nvdb/miit-nvdb/v1"
FILED = "/reports/VD-2026-0001/nvdb/miit-nvdb/v1"
USERS = ("admin", "analyst-cn", "approver-cn", "approver-hq", "hq-oversight", "auditor")
# Every page of the console (route -> the addresses that show it); None: not an HTML page.
PAGES: dict[str, list[str] | None] = {
    "/login": ["/login"],
    "/lang/{lang}": None,  # a redirect
    "/": ["/"],
    "/cases/new": ["/cases/new"],
    "/cases/triage": ["/cases/triage"],
    "/cases": ["/cases", "/cases?state=closed&sort=key", "/cases?q=router"],
    "/cases/{key}": [
        f"/cases/{CASE}",
        f"/cases/{ADVISED}",
        "/cases/VD-2026-0001",
        f"/cases/{DUPLICATE}",
    ],
    "/cases/{key}/attachments/{sha256}": None,  # a file
    "/cases/{key}/reports": [f"/cases/{CASE}/reports", "/cases/VD-2026-0001/reports"],
    "/cases/{key}/coordination": [
        f"/cases/{CASE}/coordination",
        f"/cases/{COORDINATED}/coordination",
    ],
    "/reports/{draft_id:path}/download/{fmt}": None,  # a file
    "/reports/{draft_id:path}": [FILED],
    "/oversight": ["/oversight"],
    "/admin": ["/admin"],
    "/admin/{section}": [f"/admin/{s}" for s in pages_admin.SECTIONS],
    "/account": ["/account"],
    "/oversight/exposure": ["/oversight/exposure"],
    "/oversight/exposure/report": None,  # a file
    "/rules/what-if": ["/rules/what-if"],
    "/audit": ["/audit"],
    "/audit/trail": ["/audit/trail", f"/audit/trail?case={CASE}"],
    "/audit/ledger": ["/audit/ledger"],
    "/audit/ledger.{fmt}": None,  # a file
    "/login/oidc": ["/login/oidc"],  # no provider configured: its error page
    "/login/oidc/callback": ["/login/oidc/callback"],
    "/cases/{key}/advisory": [f"/cases/{ADVISED}/advisory", f"/cases/{CASE}/advisory"],
    "/needs-me": ["/needs-me"],
    "/needs-me/count": None,  # a badge fragment: a number
    "/cases/{key}/coordination/participants/{participant}/download": None,  # a file
    "/cases/{key}/coordination/threads/{thread}/messages/{message}/attachments/{sha256}": None,
    "/coordination/trace": ["/coordination/trace"],
    # The participant portal (decision 0045): internal accounts get its 404 page; the
    # portal's own pages in Chinese, as a participant sees them, are read in
    # test_console_portal.
    "/shared": ["/shared"],
    "/shared/{key}": [f"/shared/{COORDINATED}"],
    "/shared/{key}/export": None,  # a file
    "/shared/{key}/threads/{thread}/messages/{message}/attachments/{sha256}": None,  # a file
    "/join/{token}": ["/join/no-such-link"],
}
ERRORS = [
    "/cases/VD-2099-9999",
    "/reports/VD-2099-9999/nvdb/miit-nvdb/v1",
    "/admin/nowhere",
    "/cases?page=abc",
    "/cases?sort=bogus",
    "/audit/trail?case=nonsense!",
]
# Names of the demo's people that its file does not hold: who loaded it, the tests' own admin.
PEOPLE: tuple[str, ...] = ("demo", "demo-loader", "cli-tester", "Demo admin (acme-hq)")
PEOPLE += ("Demo analyst (acme-cn)", "Demo approver (acme-cn)", "Demo approver (acme-hq)")
PEOPLE += ("Demo auditor (acme-hq)", "Demo hq-oversight (acme-hq)")
# The chip supplier's person's account takes its display name from the person's entry
# (`王芳 (Wang Fang) <psirt@chip.example>`) without the address.
PEOPLE += ("王芳 (Wang Fang)",)
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def routes(method: str) -> list[str]:
    return sorted(
        {
            r.path
            for router in web_app.ROUTERS
            for r in router.routes
            if isinstance(r, APIRoute) and method in (r.methods or set())
        }
    )


class Reader:
    """One demo account's session, reading pages in Chinese."""

    def __init__(self, server: Server, user: str) -> None:
        password, secret = demo_credentials(server)[user]
        self.client = httpx.Client(
            base_url=server.base,
            headers={"Accept-Language": "zh-CN", "Accept": "text/html"},
            timeout=60,
        )
        body = {"name": user, "password": password, "totp": fresh_code(secret)}
        r = self.client.post("/api/v1/session", json=body)
        assert r.status_code == 200, r.text
        self.user = user
        self.csrf = ""

    def read(self, path: str, response: httpx.Response | None = None) -> list[str]:
        r = response if response is not None else self.client.get(path)
        assert r.status_code in {200, 303, 400, 403, 404, 409, 422}, (path, r.status_code)
        if r.status_code == 303:
            r = self.client.get(r.headers["location"])
        assert 'lang="zh-CN"' in r.text, (self.user, path)
        if token := CSRF.search(r.text):
            self.csrf = token.group(1)
        return [
            f"{self.user} {path} [{r.status_code}]: {t}" for t in english(texts(r.text), PEOPLE)
        ]

    def post(self, path: str, data: dict[str, str]) -> httpx.Response:
        return self.client.post(path, data=data)

    def close(self) -> None:
        self.client.close()


@pytest.fixture(scope="module")
def readers(server: Server) -> Iterator[dict[str, Reader]]:
    made = {user: Reader(server, user) for user in USERS}
    yield made
    for reader in made.values():
        reader.close()


def test_every_route_is_listed() -> None:
    assert sorted(PAGES) == [p for p in routes("GET") if p not in {"/report", "/report/status"}]


@pytest.mark.parametrize("user", USERS)
def test_every_page_as_every_role_in_chinese(readers: dict[str, Reader], user: str) -> None:
    reader = readers[user]
    found: list[str] = []
    for paths in PAGES.values():
        for path in paths or []:
            found += reader.read(path)
    for path in ERRORS:
        found += reader.read(path)
    assert found == [], "\n".join(found)


def test_sign_in_in_chinese(server: Server) -> None:
    """The sign-in page and its refusal. (The public report form, /report, is not the console:
    it carries both languages side by side for reporters from anywhere.)"""
    headers = {"Accept-Language": "zh-CN", "Accept": "text/html"}
    with httpx.Client(base_url=server.base, headers=headers) as client:
        r = client.get("/login")
        assert r.status_code == 200 and 'lang="zh-CN"' in r.text
        found = [f"/login: {t}" for t in english(texts(r.text), PEOPLE)]
        r = client.post("/login", data={"name": "nobody", "password": "x", "totp": "1"})
        assert 'lang="zh-CN"' in r.text
        found += [f"POST /login [{r.status_code}]: {t}" for t in english(texts(r.text), PEOPLE)]
    assert found == [], "\n".join(found)


def test_error_states_in_chinese(readers: dict[str, Reader]) -> None:
    admin = readers["admin"]
    found = admin.read("/account")
    # A form without its CSRF token.
    r = admin.post("/account", {"timezone": "UTC"})
    assert r.status_code == 403
    found += admin.read("POST /account without CSRF", r)
    # A guard refusal: the same approver twice on one draft.
    analyst, approver = readers["analyst-cn"], readers["approver-cn"]
    analyst.read(f"/cases/{CASE}/reports")
    r = analyst.post(
        f"/cases/{CASE}/reports",
        {"csrf": analyst.csrf, "kind": "nvdb", "recipient": "miit-nvdb"},
    )
    found += analyst.read("POST draft", r)
    approver.read(DRAFT)
    for _ in range(2):
        r = approver.post(DRAFT + "/approve", {"csrf": approver.csrf})
    assert r.status_code == 409, r.status_code
    assert "您已批准过" in r.text
    found += approver.read("approve twice", r)
    assert found == [], "\n".join(found)


# Forms of a signed-out visitor (sign-in, the public report form) are read elsewhere.
SIGNED_OUT = {"/login", "/logout", "/report", "/report/status", "/login/oidc/totp"}


@pytest.mark.parametrize("path", [p for p in routes("POST") if p not in SIGNED_OUT])
def test_every_form_posted_empty_answers_in_chinese(readers: dict[str, Reader], path: str) -> None:
    """Each console form with nothing filled in: its error (or its refusal) in Chinese."""
    admin = readers["admin"]
    admin.read("/account")
    concrete = (
        path.replace("{key}", CASE)
        .replace("{draft_id:path}", DRAFT[len("/reports/") :])
        .replace("{name}", "nobody-here")
        .replace("{decision}", "999")
        .replace("{entry}", "999")
        .replace("{waiver}", "999")
        .replace("{participant}", "999")
        .replace("{statement}", "999")
        .replace("{cve_id}", "CVE-2026-99999")
        .replace("{token}", "no-such-link")
    )
    r = admin.post(concrete, {"csrf": admin.csrf})
    assert r.status_code in {303, 400, 403, 404, 409, 422}, (path, r.status_code)
    found = admin.read(f"POST {concrete}", r)
    assert found == [], "\n".join(found)
