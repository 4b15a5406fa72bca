"""Watermarks through the HTTP API on both engines: the shared view's preview and its text and
JSON downloads carry the recipient's watermark, the share sends the stamped text to the ledger,
and `POST /api/v1/coordination/trace` names the recipient to those who may see the case."""

from __future__ import annotations

import hashlib
import json

import httpx

from tests.e2e.test_api_authz import ALL_CASES, MAY, USERS
from tests.e2e.test_api_support import World, world
from vulndesk.domain import watermark as wm
from vulndesk.services.coordination import participants

__all__ = ["world"]
BASE = "/api/v1/cases/{key}/coordination"


def _trace(w: World, user: str, text: str) -> httpx.Response:
    return w.client.post("/api/v1/coordination/trace", headers=w.headers(user), json={"text": text})


def test_downloads_and_shares_are_watermarked_and_trace_back(world: World) -> None:
    w = world
    base = BASE.format(key=w.own)
    supplier = participants.invite(
        w.container.deps(), w.admin_actor, w.own, "openssl", "upstream_supplier",
        ["Ann Lee <ann@openssl.example>"],
    ).id  # fmt: skip
    preview = w.client.get(f"{base}/participants/{supplier}/view", headers=w.headers("analyst"))
    assert preview.status_code == 200, preview.text
    body = preview.json()
    assert body["watermark"].startswith("WM-")
    first = wm.clean(body["text"]).splitlines()[0]
    assert first.startswith("Shared with Ann Lee <ann@openssl.example> (openssl) on ")
    assert first.endswith(f"· ref {body['watermark']}")

    text = w.client.get(
        f"{base}/participants/{supplier}/view?format=text", headers=w.headers("analyst")
    )
    assert text.status_code == 200 and text.headers["content-type"].startswith("text/plain")
    assert "attachment" in text.headers["content-disposition"]
    as_json = w.client.get(
        f"{base}/participants/{supplier}/view?format=json", headers=w.headers("analyst")
    )
    document = as_json.json()
    assert document["watermark"]["ref"] in as_json.headers["content-disposition"]
    assert document["participant"] == supplier
    bad = w.client.get(
        f"{base}/participants/{supplier}/view?format=pdf", headers=w.headers("analyst")
    )
    assert bad.status_code == 422 and "format" in bad.text

    shared = w.client.post(
        f"{base}/participants/{supplier}/shares",
        headers=w.headers("analyst", **{"Idempotency-Key": "wm-1"}),
    )
    assert shared.status_code == 201, shared.text
    sent = shared.json()
    refs = {body["watermark"], document["watermark"]["ref"], sent["watermark"]}
    assert len(refs) == 3, "every copy has its own token"
    entry = int(sent["ledger"].split(":")[1])
    kept = w.client.get(f"/api/v1/ledger/{entry}", headers=w.headers("analyst")).json()
    assert kept["content"] == sent["text"]
    assert kept["sha256"] == hashlib.sha256(sent["text"].encode()).hexdigest()

    # a piece of the JSON download (its escapes kept), and the sent text with its line cut
    piece = json.dumps({"title": document["title"]})
    assert "\\u200b" in piece
    cut = "\n".join(sent["text"].splitlines()[2:])
    found = _trace(w, "analyst", piece + "\n" + cut).json()["found"]
    assert [(f["ref"], f["kind"], f["recipient"], f["found_by"]) for f in found] == [
        (
            document["watermark"]["ref"],
            "preview-json",
            "Ann Lee <ann@openssl.example>",
            "invisible",
        ),
        (sent["watermark"], "share", "Ann Lee <ann@openssl.example>", "invisible"),
    ]
    only_ref = _trace(w, "approver", f"some copy · ref {body['watermark']}").json()["found"]
    assert [(f["kind"], f["found_by"], f["case"]) for f in only_ref] == [("preview", "ref", w.own)]
    assert _trace(w, "approver", "no watermark here").json() == {"found": []}


def test_trace_follows_roles_and_need_to_know(world: World) -> None:
    """Every user traces a copy of the own and of the embargoed case: those who see the case
    get its recipient, other case readers the same empty answer as for an unmarked text, the
    rest 403."""
    w = world
    copies = {}
    for key in (w.own, w.foreign):
        invited = participants.invite(
            w.container.deps(), w.admin_actor, key, "openssl", "finder", ["x@o.example"]
        )
        view = participants.shared_view(w.container.deps(), w.admin_actor, key, invited.id)
        copies[key] = view.stamped
    for user in USERS:
        for key, copy in copies.items():
            got = _trace(w, user, copy)
            if user not in MAY["read"]:
                assert got.status_code == 403, (user, got.status_code)
                continue
            assert got.status_code == 200, (user, got.text)
            sees = user in ALL_CASES or (user in {"analyst", "approver"} and key == w.own)
            expect = [key] if sees else []
            assert [f["case"] for f in got.json()["found"]] == expect, user
            if not sees:
                assert got.json() == _trace(w, user, "unmarked").json()
    assert _trace(w, "admin", "x" * 300_001).status_code == 422
