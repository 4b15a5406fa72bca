"""A small organisation with one user per role, cases with planted canaries, and API clients."""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field

import pyotp
import pytest

from tests.builders import as_person, open_case, seed_reference
from vulndesk.adapters.clock import SettableClock
from vulndesk.adapters.passwords import Argon2Hasher
from vulndesk.bootstrap import Container
from vulndesk.entrypoints.api.app import create_app
from vulndesk.services.access.rights import Principal
from vulndesk.services.accounts import signin as accounts_auth
from vulndesk.services.accounts import users as accounts
from vulndesk.services.cases import lifecycle as cases

with warnings.catch_warnings():
    # Starlette deprecates httpx in favour of httpx2, which is not installed here.
    warnings.filterwarnings("ignore", "Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

CANARY = "CANARY-7f3a9c"
PASSWORD = "correct horse battery staple"
ROLES = ("admin", "coordinator", "analyst", "approver", "hq-oversight", "auditor", "reporter")


@dataclass
class World:
    container: Container
    clock: SettableClock
    client: TestClient
    own: str = ""  # a case the analyst and approver are members of
    foreign: str = ""  # an embargoed case with canaries; only all-case roles see it
    tokens: dict[str, str] = field(default_factory=dict)
    secrets: dict[str, str] = field(default_factory=dict)
    admin_actor: Principal = field(default_factory=lambda: as_person("setup", "test"))
    used_steps: dict[str, int] = field(default_factory=dict)
    # Per-case ids of records some suites add (decisions, publication decisions, waivers).
    decisions: dict[str, int] = field(default_factory=dict)
    pdecisions: dict[str, int] = field(default_factory=dict)
    waivers: dict[str, int] = field(default_factory=dict)

    def headers(self, user: str, **extra: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[user]}", **extra}

    def totp(self, user: str) -> str:
        """A code the server has not seen: each code is good once, so take the next time step.

        The server accepts the steps either side of now; past that the clock moves on.
        """
        totp = pyotp.TOTP(self.secrets[user])
        current = totp.timecode(self.clock.now())
        step = max(current, self.used_steps.get(user, current - 1) + 1)
        if step > current + 1:
            self.clock.advance(dt.timedelta(seconds=totp.interval * (step - current - 1)))
        self.used_steps[user] = step
        return totp.generate_otp(step)

    def count(self, table: str) -> int:
        from sqlalchemy import text

        with self.container.engine.connect() as conn:
            return int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())  # noqa: S608 - fixed names from tests


def build_world(container: Container, clock: SettableClock) -> World:
    # Real argon2id with small costs: the production cost (~0.5 s a hash) is for attackers.
    container.__dict__["passwords"] = Argon2Hasher(time_cost=1, memory_cost=1024)
    deps = container.deps()
    admin = as_person("setup", "test")
    seed_reference(deps, admin)
    world = World(
        container, clock, TestClient(create_app(container), base_url="https://testserver")
    )
    for role in ROLES:
        name = role.replace("-", "")
        accounts.add_user(
            deps,
            admin,
            container.passwords,
            name=name,
            email=f"{name}@example.org",
            roles=[role],
            unit="cn",
            password=PASSWORD,
        )
        world.secrets[name], _ = accounts.enroll_totp(deps, admin, name)
        issued = accounts_auth.create_token(
            deps, admin, name, frozenset({"read", "write"}), 30, world.totp(name)
        )
        world.tokens[name] = issued.secret
    accounts.add_user(
        deps,
        admin,
        container.passwords,
        name="outsider",
        email="o@example.org",
        roles=["analyst"],
        password=PASSWORD,
    )
    world.secrets["outsider"], _ = accounts.enroll_totp(deps, admin, "outsider")
    world.tokens["outsider"] = accounts_auth.create_token(
        deps, admin, "outsider", frozenset({"read", "write"}), 30, world.totp("outsider")
    ).secret
    own = open_case(deps, admin, title="Own case", members=["analyst", "approver"])
    foreign = open_case(
        deps,
        admin,
        title=f"Embargoed {CANARY}",
        details={"trigger_location": f"secret {CANARY}", "proof_of_concept": CANARY},
        evidence=f"mail {CANARY}",
    )
    cases.record_fact(deps, admin, foreign.key, "verified", None, f"lab {CANARY}")
    world.own, world.foreign = own.key, foreign.key
    return world


@pytest.fixture
def world(container: Container, clock: SettableClock) -> Iterator[World]:
    w = build_world(container, clock)
    with w.client:
        yield w


def later(clock: SettableClock, **delta: float) -> None:
    clock.advance(dt.timedelta(**delta))
