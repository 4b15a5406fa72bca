"""The idempotency cache: responses sealed at rest, replayed only to the client that stored them."""

from __future__ import annotations

import json
import uuid
import warnings

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from fastapi import FastAPI
from sqlalchemy import text

from tests.builders import seed_reference
from tests.canary import leaks
from tests.e2e.test_api_support import World, world
from tests.integration.test_intake_api import REPORT
from vulndesk.adapters.crypto import KeyringError
from vulndesk.adapters.storage import migrate
from vulndesk.bootstrap import Container
from vulndesk.entrypoints.api.intake import build_router
from vulndesk.entrypoints.web import public_form
from vulndesk.services.context import Actor
from vulndesk.services.intake.ports import StoredResponse
from vulndesk.services.ports import CaseFilter

with warnings.catch_warnings():
    # Starlette deprecates httpx in favour of httpx2, which is not installed here.
    warnings.filterwarnings("ignore", "Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

__all__ = ["world"]
CANARY = "CANARY-idem-5c1e-secret"


def _cache(container: Container) -> bytes:
    """Every stored idempotency row, every column, as the database holds it."""
    with container.engine.connect() as conn:
        rows = conn.execute(text("SELECT * FROM idempotency_keys")).all()
    assert rows, "the requests stored their responses"
    return b"\n".join(
        bytes(v) if isinstance(v, bytes | memoryview) else str(v).encode() for r in rows for v in r
    )


def test_cached_responses_hold_no_secret_field_or_follow_up_token(world: World) -> None:
    """Observation 5: `sqlite3` showed trigger_location and reporters' tokens in the cache."""
    h = world.headers("coordinator", **{"Idempotency-Key": "secret-case"})
    body = {"title": "Sealed", "unit": "cn", "details": {"trigger_location": CANARY}}
    opened = world.client.post("/api/v1/cases", json=body, headers=h)
    assert opened.status_code == 201, opened.text
    assert opened.json()["details"]["trigger_location"] == CANARY
    fact = {"kind": "verified", "evidence": f"lab {CANARY}"}
    h2 = world.headers("coordinator", **{"Idempotency-Key": "secret-fact"})
    path = f"/api/v1/cases/{opened.json()['key']}/facts"
    assert world.client.post(path, json=fact, headers=h2).status_code == 201
    report = REPORT | {"steps": f"send {CANARY}"}
    first = world.client.post("/api/v1/intake", json=report, headers={"Idempotency-Key": "r-1"})
    assert first.status_code == 201, first.text
    token = first.json()["token"]
    stored = _cache(world.container)
    assert leaks(stored, CANARY) == []
    assert leaks(stored, token) == []
    # Sealed, the responses still replay exactly.
    again = world.client.post("/api/v1/cases", json=body, headers=h)
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json() == opened.json()
    replay = world.client.post("/api/v1/intake", json=report, headers={"Idempotency-Key": "r-1"})
    assert replay.json() == first.json() and replay.headers["idempotent-replayed"] == "true"


def _router_client(container: Container, address: str) -> TestClient:
    app = FastAPI()
    app.include_router(build_router(container))
    app.include_router(public_form.build_router(container))
    return TestClient(app, base_url="https://testserver", client=(address, 40000))


def test_a_second_client_with_the_same_key_and_body_gets_its_own_report(
    container: Container, actor: Actor
) -> None:
    """Observation 16: another client replaying a reporter's key got their tracking id and token."""
    seed_reference(container.deps(), actor)
    reporter = _router_client(container, "198.51.100.7")
    other = _router_client(container, "203.0.113.50")
    key = {"Idempotency-Key": str(uuid.uuid4())}
    mine = reporter.post("/api/v1/intake", json=REPORT, headers=key)
    theirs = other.post("/api/v1/intake", json=REPORT, headers=key)
    assert mine.status_code == theirs.status_code == 201
    assert "idempotent-replayed" not in theirs.headers
    assert theirs.json()["tracking"] != mine.json()["tracking"]
    assert theirs.json()["token"] != mine.json()["token"]
    assert mine.json()["token"] not in theirs.text and mine.json()["tracking"] not in theirs.text
    retry = reporter.post("/api/v1/intake", json=REPORT, headers=key)
    assert retry.json() == mine.json() and retry.headers["idempotent-replayed"] == "true"
    # The form's key is the client's too.
    forms = []
    for client in (reporter, other):
        page = client.get("/report")
        csrf = page.text.split('name="csrf" value="')[1].split('"')[0]
        form = REPORT | {"csrf": csrf, "idempotency_key": "shared-form-key"}
        forms.append(client.post("/report", data=form))
    assert [f.status_code for f in forms] == [201, 201]
    tracking = [f.text.split("R-")[1][:12] for f in forms]
    assert tracking[0] != tracking[1]
    with container.uow() as uow:
        assert uow.cases.count(CaseFilter()) == 4


def test_the_form_refuses_a_malformed_idempotency_key(container: Container, actor: Actor) -> None:
    seed_reference(container.deps(), actor)
    client = _router_client(container, "198.51.100.7")
    page = client.get("/report")
    csrf = page.text.split('name="csrf" value="')[1].split('"')[0]
    r = client.post("/report", data=REPORT | {"csrf": csrf, "idempotency_key": "x" * 201})
    assert r.status_code == 400 and "idempotency_key" in r.text


def test_a_sealed_response_moved_to_another_key_does_not_open(container: Container) -> None:
    now = container.clock.now()
    with container.uow() as uow:
        uow.idempotency.put("api:alice", "k1", StoredResponse("a" * 64, 201, '{"n": 1}'), now)
        uow.idempotency.put("api:mallory", "k1", StoredResponse("a" * 64, 201, '{"n": 2}'), now)
        uow.commit()
    with container.engine.begin() as conn:
        sealed = conn.execute(
            text("SELECT body_enc FROM idempotency_keys WHERE scope = 'api:alice'")
        ).scalar_one()
        conn.execute(
            text("UPDATE idempotency_keys SET body_enc = :b WHERE scope = 'api:mallory'"),
            {"b": sealed},
        )
    with container.uow() as uow:
        assert uow.idempotency.get("api:alice", "k1") == StoredResponse("a" * 64, 201, '{"n": 1}')
        with pytest.raises(KeyringError):
            uow.idempotency.get("api:mallory", "k1")


def test_the_migration_seals_stored_responses_and_drops_shared_public_ones(
    container: Container,
) -> None:
    """Responses stored in clear before 0014 are sealed; public ones (with tokens) removed."""
    cfg = migrate.alembic_config(container.engine)
    before = ScriptDirectory.from_config(cfg).get_revision("0014").down_revision
    command.downgrade(cfg, str(before))
    token = "tok-" + CANARY
    legacy = [
        ("public:k1", "k1", json.dumps({"tracking": "R-1", "token": token})),
        ("api:coordinator", "k2", json.dumps({"details": {"trigger_location": CANARY}})),
    ]
    insert = text(
        "INSERT INTO idempotency_keys (scope, key, request_hash, status, body, created_at) "
        "VALUES (:scope, :key, :hash, 201, :body, :at)"
    )
    with container.engine.begin() as conn:
        for scope, key, body in legacy:
            at = container.clock.now()
            conn.execute(
                insert, {"scope": scope, "key": key, "hash": "h" * 64, "body": body, "at": at}
            )
    container.migrate()
    stored = _cache(container)
    assert leaks(stored, CANARY) == [] and leaks(stored, token) == []
    with container.uow() as uow:
        assert uow.idempotency.get("public:k1", "k1") is None
        kept = uow.idempotency.get("api:coordinator", "k2")
    assert kept == StoredResponse("h" * 64, 201, legacy[1][2])
