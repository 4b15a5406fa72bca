"""Idempotency keys are kept at least 24 hours, then purged by `vulndesk idempotency purge`."""

from __future__ import annotations

import datetime as dt
import uuid
import warnings
from pathlib import Path

import pytest
from fastapi import FastAPI

from tests.builders import seed_reference
from tests.e2e.cli import Cli
from tests.integration.test_intake_api import REPORT
from vulndesk.adapters.clock import SettableClock
from vulndesk.bootstrap import Container
from vulndesk.domain.errors import InvalidInput
from vulndesk.entrypoints.api.intake import build_router
from vulndesk.entrypoints.web import public_form
from vulndesk.services.context import Actor
from vulndesk.services.intake import idempotency as intake_idempotency
from vulndesk.services.ports import CaseFilter

with warnings.catch_warnings():
    # Starlette deprecates httpx in favour of httpx2, which is not installed here.
    warnings.filterwarnings("ignore", "Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient


def _client(container: Container, actor: Actor) -> TestClient:
    seed_reference(container.deps(), actor)
    app = FastAPI()
    app.include_router(build_router(container))
    app.include_router(public_form.build_router(container))
    return TestClient(app, base_url="https://testserver")


def _post(client: TestClient, key: str) -> dict[str, str]:
    r = client.post("/api/v1/intake", json=REPORT, headers={"Idempotency-Key": key})
    assert r.status_code == 201
    return {"tracking": r.json()["tracking"], "replayed": r.headers.get("Idempotent-Replayed", "")}


def _cases(container: Container) -> int:
    with container.uow() as uow:
        return uow.cases.count(CaseFilter())


def test_keys_replay_for_24_hours_then_are_purged(
    container: Container, clock: SettableClock, actor: Actor
) -> None:
    client = _client(container, actor)
    old, young = str(uuid.uuid4()), str(uuid.uuid4())
    first = _post(client, old)
    clock.advance(dt.timedelta(hours=2))
    _post(client, young)
    clock.advance(dt.timedelta(hours=22, minutes=30))  # old: 24.5 h, young: 22.5 h
    deps = container.deps()
    with pytest.raises(InvalidInput, match="at least 24 hours"):
        intake_idempotency.purge_keys(deps, actor, 23)
    assert _post(client, old) == first | {"replayed": "true"}  # a refused purge kept it
    assert intake_idempotency.purge_keys(deps, actor, 24) == 1
    assert _post(client, young)["replayed"] == "true"
    # The purged key no longer replays: the retry is a new report.
    assert _cases(container) == 2
    assert _post(client, old)["replayed"] == ""
    assert _cases(container) == 3
    with container.uow() as uow:
        tags = [e.event.tag for e in uow.audit.events()]
    assert tags.count("api:idempotency:purged") == 1


def test_purge_from_the_command_line_refuses_less_than_24_hours(
    container: Container, db_url: str, tmp_path: Path, actor: Actor
) -> None:
    client = _client(container, actor)  # the fixture clock is in the past: keys are old
    _post(client, str(uuid.uuid4()))
    cli = Cli(tmp_path, db_url)
    refused = cli.run("idempotency", "purge", "--older-than-hours", "12", ok=False)
    assert refused.returncode == 2 and "24" in refused.stderr
    done = cli.run("idempotency", "purge")
    assert "removed 1 idempotency keys" in done.stdout
    assert "removed 0 idempotency keys" in cli.run("idempotency", "purge").stdout
