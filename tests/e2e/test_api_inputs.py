"""Hostile inputs: markup, CRLF, huge and deeply nested bodies, broken UTF-8; nothing half-stored."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import MutableMapping
from typing import Any

import pytest

from tests.e2e.test_api_support import World, world
from vulndesk.entrypoints.api.errors import BodyGuard, json_depth_exceeds

__all__ = ["world"]

XSS = "<script>alert(1)</script><img src=x onerror=alert(2)>\"'&"
TABLES = ("cases", "case_facts", "org_units", "products", "parties", "audit_events")


def counts(w: World) -> dict[str, int]:
    return {t: w.count(t) for t in TABLES}


def post(w: World, path: str, content: bytes, key: str = "k", **headers: str) -> Any:
    h = w.headers("coordinator", **{"Idempotency-Key": key, "Content-Type": "application/json"})
    return w.client.post(path, content=content, headers=h | headers)


def test_markup_is_stored_as_text_and_returned_as_json(world: World) -> None:
    body = {"title": XSS, "unit": "cn", "details": {"summary": XSS}}
    r = world.client.post(
        "/api/v1/cases", json=body, headers=world.headers("coordinator", **{"Idempotency-Key": "x"})
    )
    assert r.status_code == 201
    got = world.client.get(f"/api/v1/cases/{r.json()['key']}", headers=world.headers("coordinator"))
    assert got.headers["content-type"] == "application/json"
    assert got.headers["x-content-type-options"] == "nosniff"
    assert "default-src 'self'" in got.headers["content-security-policy"]
    assert "unsafe-inline" not in got.headers["content-security-policy"]
    assert got.json()["title"] == XSS and got.json()["details"]["summary"] == XSS
    docs = world.client.get("/api/v1/docs")
    assert docs.headers["content-type"].startswith("text/html") and "<script" not in docs.text


def test_crlf_never_reaches_a_header(world: World) -> None:
    before = counts(world)
    r = world.client.get(
        "/api/v1/units/a%0D%0ASet-Cookie:%20x=1", headers=world.headers("coordinator")
    )
    assert r.status_code == 422 and "x=1" not in r.headers.get("set-cookie", "")
    unit = {"id": "crlf", "name": "A\r\nSet-Cookie: x=1", "country": "CN", "timezone": "UTC"}
    r = post(world, "/api/v1/units", json.dumps(unit).encode())
    assert r.status_code in {201, 422}
    assert all("x=1" not in v for k, v in r.headers.items() if k != "content-length")
    bad_key = post(world, "/api/v1/units", json.dumps(unit).encode(), key="a\tb")
    assert bad_key.status_code == 422 and bad_key.json()["error"]["field"] == "Idempotency-Key"
    assert counts(world)["org_units"] - before["org_units"] <= 1


def test_a_huge_declared_body_is_refused_without_reading_it(world: World) -> None:
    before = counts(world)
    big = b"{" + b" " * (100 * 1024 * 1024) + b"}"
    started = time.monotonic()
    r = post(world, "/api/v1/cases", big)
    assert r.status_code == 413 and r.json()["error"]["code"] == "too_large"
    assert r.headers["x-frame-options"] == "DENY"
    assert time.monotonic() - started < 5
    assert counts(world) == before


def test_a_streamed_body_is_cut_off_at_the_limit() -> None:
    """Without Content-Length the guard stops reading at the limit, not at the end."""
    sent: list[MutableMapping[str, Any]] = []
    reads = 0

    async def app(scope: Any, receive: Any, send: Any) -> None:
        raise AssertionError("the application must not be called")

    async def receive() -> dict[str, Any]:
        nonlocal reads
        reads += 1
        return {"type": "http.request", "body": b"x" * 65536, "more_body": True}

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "POST", "headers": [(b"content-type", b"application/json")]}
    asyncio.run(BodyGuard(app, max_bytes=1_048_576)(scope, receive, send))
    assert sent[0]["status"] == 413
    assert reads == 17  # 1 MiB / 64 KiB + the chunk that crossed the limit; 100 MB never read


def test_deep_json_is_refused_cleanly(world: World) -> None:
    before = counts(world)
    deep = b'{"title":' + b"[" * 10_000 + b"]" * 10_000 + b',"unit":"cn"}'
    r = post(world, "/api/v1/cases", deep)
    assert r.status_code == 400 and r.json()["error"]["code"] == "malformed_body"
    fact = b'{"kind":"verified","evidence":' + b"{" * 10_000 + b"}" * 10_000 + b"}"
    r = post(world, f"/api/v1/cases/{world.own}/facts", fact, key="f")
    assert r.status_code == 400
    assert counts(world) == before
    assert json_depth_exceeds('{"a": "[[[[[[[["}', 3) is False


def test_malformed_utf8_is_refused_and_nothing_is_stored(world: World) -> None:
    before = counts(world)
    r = post(world, "/api/v1/cases", b'{"title": "bad \xff\xfe byte", "unit": "cn"}')
    assert r.status_code == 400 and r.json()["error"]["code"] == "malformed_body"
    r = post(world, "/api/v1/cases", b'{"title": "ok", "unit": ')
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_input"
    assert counts(world) == before


def test_validation_errors_name_the_field(world: World) -> None:
    r = post(world, "/api/v1/cases", json.dumps({"title": "t", "unit": "nowhere"}).encode())
    assert r.status_code == 422 and r.json()["error"]["field"] == "unit"
    r = post(world, "/api/v1/cases", json.dumps({"unit": "cn"}).encode(), key="k2")
    assert r.status_code == 422 and r.json()["error"]["field"] == "title"
    r = world.client.get("/api/v1/cases?limit=0", headers=world.headers("analyst"))
    assert r.status_code == 422 and r.json()["error"]["field"] == "limit"


def test_a_retried_create_is_not_duplicated(world: World) -> None:
    body = json.dumps({"title": "Retry me", "unit": "cn"}).encode()
    first = post(world, "/api/v1/cases", body, key="retry-1")
    again = post(world, "/api/v1/cases", body, key="retry-1")
    assert first.status_code == again.status_code == 201
    assert first.json()["key"] == again.json()["key"]
    assert again.headers["idempotent-replayed"] == "true"
    listed = world.client.get("/api/v1/cases", headers=world.headers("coordinator")).json()
    assert [c["title"] for c in listed["cases"]].count("Retry me") == 1


LONE = b'"bad \\ud800 half"'  # a JSON escape for half a surrogate pair: no UTF-8 encoding


def test_a_lone_surrogate_in_any_text_field_is_a_422_naming_it(world: World) -> None:
    """Observation 12: half a surrogate pair reached the database and answered 500."""
    before = counts(world)
    intake = b'{"product": "router", "description": ' + LONE + b', "steps": "s", "impact": "i"}'
    cases_body = b'{"title": "ok", "unit": "cn", "details": {"trigger_location": ' + LONE + b"}}"
    fact = b'{"kind": "verified", "evidence": ' + LONE + b"}"
    sent = [
        (f"/api/v1/cases/{world.own}/facts", fact, "evidence"),
        ("/api/v1/cases", cases_body, "details.trigger_location"),
        ("/api/v1/intake", intake, "description"),
        ("/api/v1/units", b'{"id": "x", "name": ' + LONE + b', "country": "CN"}', "name"),
    ]
    got = [post(world, path, content, key=f"lone-{n}") for n, (path, content, _) in enumerate(sent)]
    assert [r.status_code for r in got] == [422] * len(sent), [r.text for r in got]
    assert [r.json()["error"]["field"] for r in got] == [field for _, _, field in sent]
    paired = b'{"title": "pair \\ud83d\\ude00", "unit": "cn"}'  # a whole pair is one emoji
    assert post(world, "/api/v1/cases", paired, key="pair").status_code == 201
    assert counts(world)["cases"] == before["cases"] + 1


def test_a_nul_in_a_query_parameter_is_a_422_naming_it(world: World) -> None:
    """PostgreSQL refuses U+0000 in text: a NUL in a list filter answered 500 there."""
    headers = world.headers("admin")
    for query, field in (
        ("unit=a%00b", "unit"),
        ("state=%00", "state"),
        ("pro%00duct=x", "product"),
    ):
        r = world.client.get(f"/api/v1/cases?{query}", headers=headers)
        assert r.status_code == 422, r.text
        assert r.json()["error"]["field"] == field
    assert world.client.get("/api/v1/cases?unit=cn", headers=headers).status_code == 200


@pytest.mark.parametrize("field", ["unit", "products"])
def test_a_nul_in_an_id_is_refused_by_name_not_sent_to_the_database(
    world: World, field: str
) -> None:
    """PostgreSQL refuses NUL in text: an id with one answered 500 until ids were checked."""
    body: dict[str, object] = {"title": "NUL in an id", "unit": "cn"}
    if field == "unit":
        body["unit"] = "c\u0000n"
    else:
        body["products"] = {"rou\u0000ter": ["1.0"]}
    h = world.headers("coordinator", **{"Idempotency-Key": f"nul-{field}"})
    r = world.client.post("/api/v1/cases", json=body, headers=h)
    assert r.status_code == 422, r.text
    assert field in r.text
