"""Files on coordination messages in the console: the desk's and the portal's thread forms
send them (multipart, with the CSRF token), both pages link each file for download, and a
download is for those who may read that thread; anyone else gets the missing page's 404."""

from __future__ import annotations

import hashlib
import re

import httpx

from tests.e2e.test_console_authz import ConsoleWorld, cworld
from tests.e2e.test_console_portal import CSRF, _join

__all__ = ["cworld"]
NOTE = b"steps to reproduce CANARY-CONSOLE-FILE"
PNG = b"\x89PNG\r\n\x1a\nCANARY-CONSOLE-PNG"


def _sha(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def _send(
    cw: ConsoleWorld,
    cookie: dict[str, str],
    page: str,
    path: str,
    data: dict[str, str],
    files: list[tuple[str, bytes]],
) -> httpx.Response:
    client = cw.world.client
    token = CSRF.search(client.get(page, headers=cookie).text)
    assert token, page
    parts = [("attachments", (name, content)) for name, content in files]
    return client.post(
        path,
        data=data | {"csrf": token.group(1)},
        files=parts or None,
        headers=cookie,
        follow_redirects=False,
    )


def test_files_in_the_desk_and_portal_thread_forms(cworld: ConsoleWorld) -> None:
    w, own = cworld.world, cworld.keys["own"]
    client = w.client
    me, pid = _join(cworld)
    desk = cworld.cookies["analyst"]
    base = f"/cases/{own}/coordination"
    page = client.get(base, headers=desk).text
    assert 'enctype="multipart/form-data"' in page and 'type="file" name="attachments"' in page
    zh = client.get(base, headers={**desk, "Accept-Language": "zh-CN"}).text
    assert "Attach files" not in zh and "附件" in zh

    sent = _send(cworld, desk, base, base + "/threads", {"thread": str(pid), "body": "for you"},
                 [("steps.txt", NOTE)])  # fmt: skip
    assert sent.status_code == 303, sent.text
    shared = _send(cworld, desk, base, base + "/threads", {"thread": "shared", "body": "all"},
                   [("poc.png", PNG)])  # fmt: skip
    # the disclosure guard judges a message with files as any message: this world's shared
    # thread reaches a regulator, which needs two people's approval; nothing is kept
    assert shared.status_code == 409 and "guard" in shared.text
    odd = _send(cworld, desk, base, base + "/threads", {"thread": "shared", "body": "x"},
                [("a.bin", b"\x00\x01")])  # fmt: skip
    assert odd.status_code == 422 and "attachments[0]" in odd.text
    # an empty file input sends a nameless part: a message without files
    plain = _send(cworld, desk, base, base + "/threads", {"thread": str(pid), "body": "plain"},
                  [("", b"")])  # fmt: skip
    assert plain.status_code == 303, plain.text

    thread = client.get(f"{base}?thread={pid}", headers=desk).text
    found = re.search(rf'href="({base}/threads/{pid}/messages/(\d+)/attachments/{_sha(NOTE)})"',
                      thread)  # fmt: skip
    assert found and "steps.txt" in thread
    link, message = found.group(1), found.group(2)
    got = client.get(link, headers=desk)
    assert got.status_code == 200 and got.content == NOTE
    assert got.headers["content-disposition"].startswith("attachment;")
    assert client.get(link, headers=cworld.cookies["coordinator"]).content == NOTE
    missing = client.get(link.replace(_sha(NOTE), "0" * 64), headers=desk)
    for who in (cworld.cookies["outsider"], me):
        refused = client.get(link, headers=who)
        assert refused.status_code == missing.status_code == 404
    assert client.get(link.replace(f"/{pid}/", "/shared/"), headers=desk).status_code == 404

    # the portal: its own private thread and the shared one, never another's
    portal = client.get(f"/shared/{own}", headers=me).text
    assert 'enctype="multipart/form-data"' in portal
    mine = f"/shared/{own}/threads/private/messages/{message}/attachments/{_sha(NOTE)}"
    assert f'href="{mine}"' in portal
    assert client.get(mine, headers=me).content == NOTE
    assert _sha(PNG) not in portal
    wrong = client.get(mine.replace("/private/", "/shared/"), headers=me)
    gone = client.get(mine.replace(_sha(NOTE), "0" * 64), headers=me)
    assert wrong.status_code == gone.status_code == 404
    assert client.get(mine, headers=desk).status_code == 404

    posted = _send(cworld, me, f"/shared/{own}", f"/shared/{own}/threads",
                   {"thread": "private", "body": "our patch"}, [("fix.txt", b"diff --git")])  # fmt: skip
    assert posted.status_code == 303, posted.text
    after = client.get(f"{base}?thread={pid}", headers=desk).text
    theirs = re.search(rf'href="({base}/threads/{pid}/messages/\d+/attachments/'
                       rf'{_sha(b"diff --git")})"', after)  # fmt: skip
    assert theirs and client.get(theirs.group(1), headers=desk).content == b"diff --git"
    portal_zh = client.get(f"/shared/{own}", headers={**me, "Accept-Language": "zh-CN"}).text
    assert "Attach files" not in portal_zh
