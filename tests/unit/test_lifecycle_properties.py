"""Property tests: no sequence of commands leaves a case in a state its facts do not allow."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vulndesk.domain import lifecycle
from vulndesk.domain.cases import Case, CaseState, Role
from vulndesk.domain.errors import GuardFailed, InvalidInput
from vulndesk.domain.facts import (
    REQUIRED_ORDER,
    FactKind,
    FactRecord,
    check_fact_order,
    next_revision,
)
from vulndesk.domain.ids import CaseKey, UnitId

# Hundreds of generated examples each: `make test` runs them, `make check` leaves them out.
pytestmark = pytest.mark.slow

T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)

commands = st.lists(
    st.one_of(
        st.tuples(st.just("move"), st.sampled_from(list(CaseState))),
        st.tuples(st.just("fact"), st.sampled_from(list(FactKind)), st.integers(-5, 100)),
        st.tuples(st.just("retract"), st.sampled_from(list(FactKind))),
    ),
    max_size=40,
)


def _apply(case: Case, cmd: tuple[Any, ...], step: int) -> Case:
    """One command through the same domain rules the services use; refusals leave it unchanged."""
    at = T0 + dt.timedelta(hours=step)
    try:
        if cmd[0] == "move":
            dup = CaseKey("VD-2026-0002") if cmd[1] is CaseState.DUPLICATE else None
            return lifecycle.transition(case, cmd[1], by="p", at=at, reason="r", duplicate_of=dup)
        kind: FactKind = cmd[1]
        when = None if cmd[0] == "retract" else T0 + dt.timedelta(hours=int(cmd[2]))
        if kind is FactKind.AWARE and when is None:
            return case
        updated = case.with_fact(
            FactRecord(kind, when, "p", at, "e", next_revision(case.facts, kind))
        )
        check_fact_order(updated.instants)
        if not lifecycle.facts_allow(updated.state, set(updated.instants)):
            raise GuardFailed("facts", "would break state")
        return updated
    except (GuardFailed, InvalidInput):
        return case


@settings(max_examples=400, deadline=None)
@given(commands)
def test_random_command_sequences_keep_state_and_facts_consistent(
    cmds: list[tuple[object, ...]],
) -> None:
    case = Case(
        CaseKey("VD-2026-0001"),
        "t",
        UnitId("u"),
        frozenset({Role.PRODUCT_PROVIDER}),
        T0,
        "p",
        facts=(FactRecord(FactKind.AWARE, T0, "p", T0, "e"),),
    )
    for step, cmd in enumerate(cmds):
        case = _apply(case, cmd, step)
        assert lifecycle.facts_allow(case.state, set(case.instants))
        for later, earlier in REQUIRED_ORDER:
            if later in case.instants and earlier in case.instants:
                assert case.instants[later] >= case.instants[earlier]
    states = [t.to_state for t in case.transitions]
    for before, after in zip([CaseState.RECEIVED, *states], states, strict=False):
        assert after in lifecycle.TRANSITIONS[before]
