"""Guessing is throttled per source: follow-up tokens, reporters' messages, passwords.

A limit that locks an account or a report for everyone lets anyone lock it; these limits
count per client address (as seen through the trusted proxies) instead.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
import warnings

from fastapi import FastAPI

from tests.builders import seed_reference
from tests.e2e.test_api_support import PASSWORD, World, world
from tests.integration.test_intake_api import REPORT
from vulndesk.adapters.clock import SettableClock
from vulndesk.bootstrap import Container
from vulndesk.config import Settings
from vulndesk.entrypoints.api.intake import build_router
from vulndesk.entrypoints.web import public_form
from vulndesk.services.context import Actor

with warnings.catch_warnings():
    # Starlette deprecates httpx in favour of httpx2, which is not installed here.
    warnings.filterwarnings("ignore", "Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

__all__ = ["world"]
REPORTER, ATTACKER = "198.51.100.7", "203.0.113.66"


def _clients(container: Container, **extra: str) -> tuple[Container, TestClient, TestClient]:
    typed = Settings.from_env({f"VULNDESK_{k}": v for k, v in extra.items()})
    chosen = {f.name: getattr(typed, f.name) for f in dataclasses.fields(typed)}
    changed = {k.lower(): chosen[k.lower()] for k in extra}
    settings = dataclasses.replace(container.settings, **changed)
    limited = Container(settings, container.clock)
    app = FastAPI()
    app.include_router(build_router(limited))
    app.include_router(public_form.build_router(limited))
    return (
        limited,
        TestClient(app, base_url="https://testserver", client=(REPORTER, 40000)),
        TestClient(app, base_url="https://testserver", client=(ATTACKER, 40000)),
    )


def _report(client: TestClient) -> dict[str, str]:
    r = client.post("/api/v1/intake", json=REPORT, headers={"Idempotency-Key": uuid.uuid4().hex})
    assert r.status_code == 201, r.text
    return dict(r.json())


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_follow_up_token_guesses_are_throttled_per_source(
    container: Container, actor: Actor, clock: SettableClock
) -> None:
    """Observation 14: 200 wrong tokens met no 429."""
    seed_reference(container.deps(), actor)
    limited, reporter, attacker = _clients(container)
    got = _report(reporter)
    status = f"/api/v1/intake/{got['tracking']}/messages"
    codes = [attacker.get(status, headers=_bearer(f"guess-{n}")).status_code for n in range(200)]
    assert codes[:10] == [404] * 10
    assert set(codes[10:]) == {429}
    refused = attacker.get(status, headers=_bearer(got["token"]))
    assert refused.status_code == 429, "a right guess from a throttled source is refused too"
    assert 1 <= int(refused.headers["Retry-After"]) <= 900
    posted = attacker.post(status, json={"body": "x"}, headers=_bearer(got["token"]))
    assert posted.status_code == 429
    page = attacker.get("/report/status")
    csrf = page.text.split('name="csrf" value="')[1].split('"')[0]
    form = {"csrf": csrf, "tracking": got["tracking"], "token": got["token"]}
    assert attacker.post("/report/status", data=form).status_code == 429
    # The reporter, elsewhere, is not locked out of their own report.
    assert reporter.get(status, headers=_bearer(got["token"])).status_code == 200
    clock.advance(dt.timedelta(minutes=16))
    assert attacker.get(status, headers=_bearer(got["token"])).status_code == 200
    limited.close()


def test_reporter_messages_are_limited_per_report_and_per_source(
    container: Container, actor: Actor, clock: SettableClock
) -> None:
    """Observation 14: reporters' follow-up messages had no rate limit."""
    seed_reference(container.deps(), actor)
    limited, reporter, other = _clients(
        container, INTAKE_MESSAGE_RATE="3/3600", INTAKE_MESSAGE_SOURCE_RATE="5/3600"
    )
    first, second = _report(reporter), _report(reporter)

    def post(client: TestClient, got: dict[str, str]) -> int:
        path = f"/api/v1/intake/{got['tracking']}/messages"
        return client.post(path, json={"body": "news?"}, headers=_bearer(got["token"])).status_code

    assert [post(reporter, first) for _ in range(4)] == [201, 201, 201, 429]
    assert post(other, first) == 429  # the report's own limit holds whoever writes
    assert [post(reporter, second) for _ in range(2)] == [201, 429]  # the source's limit
    assert post(other, second) == 201  # another source still may write on that report
    clock.advance(dt.timedelta(hours=1))
    assert post(reporter, first) == 201
    with limited.uow() as uow:
        assert len(uow.intake.messages(first["tracking"])) == 4
    limited.close()


def _login(client: TestClient, w: World, name: str, password: str) -> int:
    body = {"name": name, "password": password, "totp": w.totp(name)}
    return client.post("/api/v1/session", json=body).status_code


def test_wrong_passwords_throttle_the_source_not_the_account(world: World) -> None:
    """Observation 14: five wrong passwords locked a known account for everyone."""
    attacker = world.client
    elsewhere = TestClient(world.client.app, base_url="https://testserver", client=(REPORTER, 1))
    assert [_login(attacker, world, "coordinator", "wrong!") for _ in range(5)] == [401] * 5
    assert _login(attacker, world, "coordinator", PASSWORD) == 429
    assert _login(elsewhere, world, "coordinator", PASSWORD) == 200
    assert _login(attacker, world, "analyst", PASSWORD) == 200  # other accounts from that source
