"""The advisory forms of the console: CSRF, need-to-know, roles, and refusals that name the fix.

Signed in with real sessions (the console authorization world); the browser test in
test_console_advisory_browser.py walks the same pages through to publication.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import httpx
import pytest

from tests.e2e.test_console_authz import MISSING, SETUP, ConsoleWorld, _sans_path, cworld
from vulndesk.services.advisories import revisions as advisories

__all__ = ["cworld"]

CSRF = re.compile(r'name="csrf" value="([0-9a-f]+)"')
FORM = {
    "title": "Router overflow",
    "summary": "Overflow.",
    "remediation": "Update to 2.0.",
    "statuses": "router:1.0:known_affected\nrouter:2.0:fixed",
}


def _post(cw: ConsoleWorld, user: str, path: str, data: Mapping[str, object]) -> httpx.Response:
    """A console POST carrying the user's CSRF token, as the page's own form sends it."""
    client, cookie = cw.world.client, cw.cookies[user]
    token = CSRF.search(client.get("/account", headers=cookie).text)
    assert token, user
    body = {**data, "csrf": token.group(1)}
    return client.post(path, data=body, headers=cookie, follow_redirects=False)


def test_a_form_without_its_csrf_token_is_refused(cworld: ConsoleWorld) -> None:
    r = cworld.world.client.post(
        f"/cases/{cworld.keys['own']}/advisory/approvals",
        headers=cworld.cookies["admin"],
        follow_redirects=False,
    )
    assert r.status_code == 403


@pytest.mark.parametrize("action", ["", "/approvals", "/publication"])
def test_a_hidden_case_answers_like_a_missing_one(cworld: ConsoleWorld, action: str) -> None:
    paths = [f"/cases/{k}/advisory{action}" for k in (cworld.keys["foreign"], MISSING)]
    hidden, gone = (_post(cworld, "analyst", p, FORM) for p in paths)
    assert hidden.status_code == gone.status_code == 404
    texts = [_sans_path(r.text, p) for r, p in zip((hidden, gone), paths, strict=True)]
    assert texts[0] == texts[1]


def test_roles_each_form_needs(cworld: ConsoleWorld) -> None:
    own = cworld.keys["own"]
    # An approver member does not draft; an analyst member does not approve.
    r = _post(cworld, "approver", f"/cases/{own}/advisory", FORM | {"change": "x"})
    assert r.status_code == 403 and "Your roles do not allow this." in r.text
    r = _post(cworld, "analyst", f"/cases/{own}/advisory/approvals", {})
    assert r.status_code == 403
    r = _post(cworld, "auditor", f"/cases/{own}/advisory", FORM)
    assert r.status_code == 404


def test_draft_edit_approve_and_a_refused_publication(cworld: ConsoleWorld) -> None:
    key = cworld.keys["fresh"]
    form_page = cworld.world.client.get(f"/cases/{key}/advisory", headers=cworld.cookies["admin"])
    assert 'id="save-advisory"' in form_page.text and "CANARY" not in form_page.text
    r = _post(cworld, "coordinator", f"/cases/{key}/advisory", FORM | {"tlp": "WHITE"})
    assert r.status_code == 303, r.text
    assert r.headers["location"].endswith("?done=drafted#history")
    # A credit without the reporter's consent is refused, naming the fix.
    r = _post(cworld, "coordinator", f"/cases/{key}/advisory", FORM | {"credit": "Jane"})
    assert r.status_code == 422
    assert "leave the credit empty" in r.text and 'value="Jane"' in r.text
    r = _post(cworld, "coordinator", f"/cases/{key}/advisory", FORM | {"title": "New title"})
    assert r.status_code == 303
    revs = advisories.revisions(cworld.world.container.deps(), SETUP, key)
    assert [(x.number, x.status) for x in revs] == [(1, "superseded"), (2, "draft")]
    # One person approves once; publishing before the second approval is refused in words.
    assert _post(cworld, "admin", f"/cases/{key}/advisory/approvals", {}).status_code == 303
    again = _post(cworld, "admin", f"/cases/{key}/advisory/approvals", {})
    assert again.status_code == 409 and "You have already approved" in again.text
    refused = _post(cworld, "coordinator", f"/cases/{key}/advisory/publication", {})
    assert refused.status_code == 409
    assert "Two different approvers must approve" in refused.text
    page = cworld.world.client.get(f"/cases/{key}/advisory", headers=cworld.cookies["admin"])
    assert 'role="region"' in page.text and 'tabindex="0"' in page.text, re.findall(
        r'class="warning">(.*?)</p>', page.text
    )
    assert '+    "title": "New title"' in page.text.replace("&#34;", '"')
