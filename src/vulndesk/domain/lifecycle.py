"""The case lifecycle: allowed transitions and the facts each state needs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import replace

from vulndesk.domain.cases import Case, CaseState, Transition
from vulndesk.domain.errors import GuardFailed, InvalidInput
from vulndesk.domain.facts import FactKind
from vulndesk.domain.ids import CaseKey

S = CaseState

TRANSITIONS: dict[CaseState, frozenset[CaseState]] = {
    S.RECEIVED: frozenset({S.TRIAGE, S.REJECTED, S.DUPLICATE}),
    S.TRIAGE: frozenset({S.VERIFIED, S.REJECTED, S.DUPLICATE}),
    S.VERIFIED: frozenset({S.REMEDIATING}),
    S.REJECTED: frozenset({S.TRIAGE, S.CLOSED}),
    S.DUPLICATE: frozenset({S.TRIAGE, S.CLOSED}),
    S.REMEDIATING: frozenset({S.FIXED, S.MITIGATED}),
    S.FIXED: frozenset({S.DISCLOSED, S.CLOSED}),
    S.MITIGATED: frozenset({S.FIXED, S.DISCLOSED, S.CLOSED}),
    S.DISCLOSED: frozenset({S.CLOSED}),
    S.CLOSED: frozenset({S.TRIAGE}),
}


def required_facts(state: CaseState) -> tuple[frozenset[FactKind], ...]:
    """Alternatives of fact sets: the state is allowed when any one set is present in full."""
    f = FactKind
    table: dict[CaseState, tuple[frozenset[FactKind], ...]] = {
        S.VERIFIED: (frozenset({f.VERIFIED}),),
        S.REMEDIATING: (frozenset({f.VERIFIED}),),
        S.FIXED: (frozenset({f.VERIFIED, f.FIX_AVAILABLE}),),
        S.MITIGATED: (frozenset({f.VERIFIED, f.MEASURES_TAKEN}),),
        S.DISCLOSED: (
            frozenset({f.VERIFIED, f.PUBLISHED, f.FIX_AVAILABLE}),
            frozenset({f.VERIFIED, f.PUBLISHED, f.MEASURES_TAKEN}),
        ),
    }
    return table.get(state, (frozenset(),))


def facts_allow(state: CaseState, present: Mapping[FactKind, dt.datetime] | set[FactKind]) -> bool:
    """Whether the facts present allow a case to be in `state`."""
    have = set(present)
    return any(need <= have for need in required_facts(state))


def missing_facts(state: CaseState, present: set[FactKind]) -> list[FactKind]:
    """The smallest set of facts still missing for `state` (for error messages)."""
    gaps = [sorted(need - present) for need in required_facts(state)]
    return min(gaps, key=len) if gaps else []


def transition(
    case: Case,
    to: CaseState,
    *,
    by: str,
    at: dt.datetime,
    reason: str,
    duplicate_of: CaseKey | None = None,
) -> Case:
    """Move a case to `to`, or raise GuardFailed naming the guard that refused."""
    if not reason.strip():
        raise InvalidInput("reason", "every transition needs a reason", "a short sentence")
    if to not in TRANSITIONS[case.state]:
        allowed = ", ".join(sorted(s.value for s in TRANSITIONS[case.state])) or "none"
        raise GuardFailed(
            "allowed-transition",
            f"{case.state.value} -> {to.value} is not allowed; from {case.state.value}: {allowed}",
        )
    present = set(case.instants)
    if not facts_allow(to, present):
        need = ", ".join(k.value for k in missing_facts(to, present))
        raise GuardFailed(f"facts-for-{to.value}", f"state {to.value} needs the fact(s): {need}")
    if to is CaseState.DUPLICATE and not duplicate_of:
        raise GuardFailed(
            "duplicate-of", "state duplicate needs the case it duplicates (--duplicate-of)"
        )
    step = Transition(case.state, to, by, at, reason.strip())
    return replace(
        case,
        state=to,
        transitions=(*case.transitions, step),
        duplicate_of=duplicate_of if to is CaseState.DUPLICATE else case.duplicate_of,
    )
