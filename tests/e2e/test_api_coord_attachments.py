"""Files on coordination messages over the HTTP API on both engines: the desk and a
participant post files as base64 with an Idempotency-Key; downloads are for a reader of the
case (any thread) and for a participant (the shared thread and its own private one); another
participant's private file, an outsider and a missing file get the same 404."""

from __future__ import annotations

import base64
import hashlib

import httpx

from tests.e2e.test_api_portal import BASE, SHARED, invited_participant
from tests.e2e.test_api_support import World, world
from vulndesk.services.cases import reference

__all__ = ["world"]
PNG = b"\x89PNG\r\n\x1a\nCANARY-API-FILE"
NOTE = b"private steps CANARY-API-PRIVATE"


def _sha(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def _file(name: str, content: bytes) -> dict[str, str]:
    return {"name": name, "content_base64": base64.b64encode(content).decode()}


def _post(w: World, headers: dict[str, str], path: str, body: object, idem: str) -> httpx.Response:
    return w.client.post(path, headers=headers | {"Idempotency-Key": idem}, json=body)


def test_files_on_coordination_messages_over_the_api(world: World) -> None:
    w = world
    reference.add_party(
        w.container.deps(), w.admin_actor, id="maker", name="Maker", kind="downstream_maker",
        country="CN",
    )  # fmt: skip
    supplier = invited_participant(w, w.own, "openssl", "psirt@openssl.example", "inv-a")
    maker = invited_participant(w, w.own, "maker", "m@maker.example", "inv-b")
    base = BASE.format(key=w.own)
    ids = {
        p["party"]: p["id"]
        for p in w.client.get(base + "/participants", headers=w.headers("analyst")).json()[
            "participants"
        ]
    }
    desk = w.headers("analyst")

    path = base + "/threads/shared/messages"
    body = {"body": "the crash", "attachments": [_file("poc.png", PNG)]}
    posted = _post(w, desk, path, body, "f-1")
    assert posted.status_code == 201, posted.text
    assert posted.json()["attachments"] == [
        {"name": "poc.png", "media_type": "image/png", "size": len(PNG), "sha256": _sha(PNG)}
    ]
    assert len(posted.json()["ledger"]) == 2
    assert _post(w, desk, path, body, "f-1").json() == posted.json()
    shared_id = posted.json()["id"]
    bad = _post(
        w, desk, path, {"body": "x", "attachments": [{"name": "a", "content_base64": "%%"}]}, "f-2"
    )
    assert bad.status_code == 422 and "attachments[0].content_base64" in bad.text
    odd = _post(w, desk, path, {"body": "x", "attachments": [_file("a.bin", b"\x00\x01")]}, "f-3")
    assert odd.status_code in (415, 422) and "attachments[0]" in odd.text

    private = _post(
        w, desk, f"{base}/threads/{ids['openssl']}/messages",
        {"body": "for you", "attachments": [_file("steps.txt", NOTE)]}, "f-4",
    )  # fmt: skip
    assert private.status_code == 201, private.text
    pm = private.json()["id"]

    got = w.client.get(f"{path}/{shared_id}/attachments/{_sha(PNG)}", headers=desk)
    assert got.status_code == 200 and got.content == PNG
    assert got.headers["content-disposition"].startswith("attachment;")
    assert got.headers["content-type"] == "image/png"
    read = w.client.get(path, headers=desk).json()["messages"]
    assert read[-1]["attachments"][0]["sha256"] == _sha(PNG)

    mine = f"{SHARED}/{w.own}/threads/private/messages/{pm}/attachments/{_sha(NOTE)}"
    assert w.client.get(mine, headers=supplier).content == NOTE
    shared_file = f"{SHARED}/{w.own}/threads/shared/messages/{shared_id}/attachments/{_sha(PNG)}"
    assert w.client.get(shared_file, headers=maker).content == PNG
    listed = w.client.get(f"{SHARED}/{w.own}/threads/private/messages", headers=supplier).json()
    assert listed["messages"][0]["attachments"][0]["name"] == "steps.txt"

    # another participant's private file, and an outsider, answer as a missing file does
    theirs = w.client.get(mine, headers=maker)
    missing = w.client.get(mine.replace(_sha(NOTE), "0" * 64), headers=maker)
    assert theirs.status_code == missing.status_code == 404
    assert theirs.content == missing.content.replace(b"0" * 64, _sha(NOTE).encode())
    desk_file = f"{base}/threads/{ids['openssl']}/messages/{pm}/attachments/{_sha(NOTE)}"
    outsider = w.client.get(desk_file, headers=w.headers("outsider"))
    gone = w.client.get(
        desk_file.replace(w.own, w.own[:-4] + "9999"), headers=w.headers("outsider")
    )
    assert outsider.status_code == gone.status_code == 404
    assert w.client.get(desk_file, headers=maker).status_code == 404

    # a participant attaches to the shared thread; the desk downloads it
    sent = _post(
        w, supplier, f"{SHARED}/{w.own}/threads/shared/messages",
        {"body": "a patch", "attachments": [_file("fix.txt", b"diff --git")]}, "f-5",
    )  # fmt: skip
    assert sent.status_code == 201, sent.text
    [f] = sent.json()["attachments"]
    fetched = w.client.get(f"{path}/{sent.json()['id']}/attachments/{f['sha256']}", headers=desk)
    assert fetched.content == b"diff --git"
