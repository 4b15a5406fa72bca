"""Property test through the real services and SQLite storage: no command sequence breaks a case."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.builders import as_person, open_case, seed_reference
from tests.conftest import START, TEST_KEYS
from vulndesk.adapters.clock import SettableClock
from vulndesk.bootstrap import Container, build
from vulndesk.config import Settings
from vulndesk.domain import lifecycle
from vulndesk.domain.cases import CaseState
from vulndesk.domain.errors import GuardFailed, InvalidInput
from vulndesk.domain.facts import REQUIRED_ORDER, FactKind
from vulndesk.services.cases import lifecycle as cases
from vulndesk.services.context import Deps

ACTOR = as_person("prop", "test")
command = st.one_of(
    st.tuples(st.just("move"), st.sampled_from(list(CaseState))),
    st.tuples(st.just("fact"), st.sampled_from(list(FactKind)), st.integers(-3, 3), st.booleans()),
    st.tuples(st.just("retract"), st.sampled_from(list(FactKind))),
)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> tuple[object, SettableClock]:
    home: Path = tmp_path_factory.mktemp("props")
    clock = SettableClock(START)
    c = build(Settings(home=home, keys_json=TEST_KEYS), clock)
    c.migrate()
    seed_reference(c.deps(), ACTOR)
    return c, clock


def _run(deps: Deps, key: str, cmd: tuple[Any, ...]) -> None:
    try:
        if cmd[0] == "move":
            state: CaseState = cmd[1]
            cases.transition(
                deps, ACTOR, key, state.value, "prop", key if state is CaseState.DUPLICATE else None
            )
        elif cmd[0] == "fact":
            kind: FactKind = cmd[1]
            at = START + dt.timedelta(hours=int(cmd[2]))
            cases.record_fact(deps, ACTOR, key, kind.value, at, "prop", correct=bool(cmd[3]))
        else:
            kind = cmd[1]
            cases.record_fact(deps, ACTOR, key, kind.value, None, "prop", retract=True)
    except (GuardFailed, InvalidInput):
        pass


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(command, max_size=12))
def test_service_commands_never_leave_an_inconsistent_case(
    world: tuple[Container, SettableClock], cmds: list[tuple[Any, ...]]
) -> None:
    container, clock = world
    deps = container.deps()
    clock.set(START + dt.timedelta(hours=4))
    key = open_case(deps, ACTOR, aware=START).key
    for cmd in cmds:
        _run(deps, key, cmd)
        case = cases.show_case(deps, ACTOR, key).case
        assert lifecycle.facts_allow(case.state, set(case.instants))
        for later, earlier in REQUIRED_ORDER:  # the orders logic requires, and only those
            if later in case.instants and earlier in case.instants:
                assert case.instants[later] >= case.instants[earlier]
