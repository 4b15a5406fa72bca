"""The participant portal in the console with real sessions, in English and Chinese (decision
0045): the desk's Invite button shows the link once, the person joins at /join/<token> (password
twice, the TOTP secret shown, the current code), lands on /shared, posts, states, answers the
embargo, downloads the export; internal pages and other cases are the missing case's 404."""

from __future__ import annotations

import html
import re
from typing import Any, cast

import pyotp

from tests.e2e.test_console_advisories import _post
from tests.e2e.test_console_authz import MISSING, ConsoleWorld, cworld
from tests.e2e.zh_text import english, texts
from vulndesk.domain import watermark as wm
from vulndesk.entrypoints.web.app import ROUTERS
from vulndesk.services.coordination import embargo, participants

__all__ = ["cworld"]
PASSWORD = "a long participant password"
LINK = re.compile(r'<code class="join-link"[^>]*>([^<]+)</code>')
SECRET = re.compile(r'name="totp_secret" value="([A-Z2-7]+)"')
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def _join(cw: ConsoleWorld) -> tuple[dict[str, str], int]:
    """The analyst invites openssl's person from the coordination page; the person joins."""
    w, own = cw.world, cw.keys["own"]
    deps = w.container.deps()
    added = participants.invite(
        deps, w.admin_actor, own, "openssl", "upstream_supplier", ["Li <psirt@openssl.example>"]
    )
    page = w.client.get(f"/cases/{own}/coordination", headers=cw.cookies["analyst"])
    assert "Invite to sign in" in page.text
    made = _post(
        cw,
        "analyst",
        f"/cases/{own}/coordination/participants/{added.id}/invitations",
        {"email": "psirt@openssl.example"},
    )
    assert made.status_code == 200, made.text
    found = LINK.search(made.text)
    assert found, made.text
    assert "not joined yet" in made.text
    path = "/join/" + html.unescape(found.group(1)).rsplit("/join/", 1)[1]
    w.client.cookies.clear()
    form = w.client.get(path)
    assert form.status_code == 200 and own in form.text and "OpenSSL" in form.text
    secret = SECRET.search(form.text)
    assert secret and "otpauth://totp/" in form.text
    code = pyotp.TOTP(secret.group(1)).at(w.clock.now())
    body = {"totp_secret": secret.group(1), "code": code, "password": PASSWORD}
    short = w.client.post(path, data=body | {"password_again": "other"}, follow_redirects=False)
    assert short.status_code == 422 and "password_again" in short.text
    joined = w.client.post(path, data=body | {"password_again": PASSWORD}, follow_redirects=False)
    assert joined.status_code == 303 and joined.headers["location"] == "/shared"
    cookie = {"Cookie": f"vd_session={joined.cookies['vd_session']}"}
    w.client.cookies.clear()
    desk = w.client.get(f"/cases/{own}/coordination", headers=cw.cookies["analyst"]).text
    assert "signs in as " in desk
    zh = {"Accept-Language": "zh-CN"} | cw.cookies["analyst"]
    desk_zh = w.client.get(f"/cases/{own}/coordination", headers=zh).text
    assert "signs in as" not in desk_zh and " 登录" in desk_zh
    w.client.cookies.clear()
    used = w.client.get(path)
    unknown = w.client.get("/join/no-such-link")
    assert used.status_code == unknown.status_code == 404
    assert used.text.replace(path, "/join/X") == unknown.text.replace(
        "/join/no-such-link", "/join/X"
    )
    return cookie, added.id


def test_a_participant_joins_and_works_in_the_portal(cworld: ConsoleWorld) -> None:
    w, own = cworld.world, cworld.keys["own"]
    me, _ = _join(cworld)
    for path in ("/account", "/needs-me"):  # the account's own pages work for it too
        assert w.client.get(path, headers=me).status_code == 200, path
    # every console page without a parameter: a page, a redirect or a refusal, never an error
    routes = [cast(Any, r) for router in ROUTERS for r in router.routes]
    plain = sorted({r.path for r in routes if "{" not in r.path and "GET" in r.methods})
    for route in plain:
        status = w.client.get(route, headers=me, follow_redirects=False).status_code
        assert status in (200, 303, 307, 403, 404), (route, status)
    home = w.client.get("/", headers=me, follow_redirects=False)
    assert home.status_code == 303 and home.headers["location"] == "/shared"
    listed = w.client.get("/shared", headers=me)
    assert listed.status_code == 200 and own in listed.text and "Shared with " in listed.text
    assert 'href="/cases"' not in listed.text and 'href="/shared"' in listed.text
    embargo.propose(
        w.container.deps(), w.admin_actor, own, "2030-03-10T09:00", "Asia/Shanghai", "fix"
    )
    page = w.client.get(f"/shared/{own}", headers=me)
    assert page.status_code == 200, page.text
    assert "Shared with " in page.text and "Asia/Shanghai" in page.text
    token = CSRF.search(page.text)
    assert token
    csrf = token.group(1)

    def post(path: str, data: dict[str, str]) -> tuple[int, str]:
        r = w.client.post(path, data=data | {"csrf": csrf}, headers=me, follow_redirects=False)
        return r.status_code, r.text

    assert post(f"/shared/{own}/threads", {"thread": "private", "body": "hello team"})[0] == 303
    status, text = post(f"/shared/{own}/statuses", {"product": "router", "status": "fixed",
                                                      "statement": "done"})  # fmt: skip
    assert status == 422 and "fixed_versions" in text
    status, _ = post(f"/shared/{own}/statuses", {"product": "router", "status": "fixed",
                                                 "statement": "done", "fixed": "2.0"})  # fmt: skip
    assert status == 303
    assert post(f"/shared/{own}/embargo", {"answer": "accept", "reason": "agreed"})[0] == 303
    no_csrf = w.client.post(
        f"/shared/{own}/threads", data={"body": "x"}, headers=me, follow_redirects=False
    )
    assert no_csrf.status_code == 403
    after = w.client.get(f"/shared/{own}", headers=me).text
    assert "hello team" in after and "You accepted it." in after
    assert "waiting for the case team" in after
    export = w.client.get(f"/shared/{own}/export", headers=me)
    assert export.status_code == 200 and wm.clean(export.text).startswith("Shared with ")

    # internal pages and other cases: the missing case's 404
    for path in (
        f"/cases/{own}",
        f"/cases/{own}/coordination",
        f"/shared/{cworld.keys['foreign']}",
    ):
        mine = w.client.get(path, headers=me)
        gone = w.client.get(path.replace(own, MISSING).replace(cworld.keys["foreign"], MISSING),
                            headers=me)  # fmt: skip
        assert mine.status_code == gone.status_code == 404, path
    for path in ("/audit", "/admin", "/oversight", f"/reports/{own}/nvdb/nvdb/v1"):
        assert w.client.get(path, headers=me).status_code == 404, path

    # the same pages in Chinese: nothing left in English
    zh = me | {"Accept-Language": "zh-CN"}
    found = []
    for path in ("/shared", f"/shared/{own}", "/join/no-such-link"):
        r = w.client.get(path, headers=zh)
        assert 'lang="zh-CN"' in r.text, path
        # what the case team and the participant wrote stays as written
        words = ("hello team", "done", "agreed", "fix", "Own case", "OpenSSL", "router")
        found += [f"{path}: {t}" for t in english(texts(r.text), words)]
    assert found == [], "\n".join(found)
