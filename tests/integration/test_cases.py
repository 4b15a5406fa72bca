"""Cases through the real services and storage, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import text

from tests.builders import as_person, open_case, seed_reference
from vulndesk.adapters.clock import SettableClock
from vulndesk.bootstrap import Container
from vulndesk.domain.audit import verify_chain
from vulndesk.domain.cases import CaseState
from vulndesk.domain.errors import Conflict, GuardFailed, InvalidInput, NotFound
from vulndesk.domain.facts import FactKind
from vulndesk.domain.ids import ProductId, UnitId
from vulndesk.services.access.rights import Principal
from vulndesk.services.cases import lifecycle as cases
from vulndesk.services.cases import reference
from vulndesk.services.context import Deps
from vulndesk.services.ports import CaseFilter


def test_open_case_assigns_keys_and_scores(deps: Deps, actor: Principal) -> None:
    seed_reference(deps, actor)
    first = open_case(deps, actor)
    second = open_case(deps, actor, title="Second")
    assert (first.key, second.key) == ("VD-2026-0001", "VD-2026-0002")
    view = cases.show_case(deps, actor, first.key)
    assert view.case.severity.cvss31_score == 9.8
    assert view.case.severity.cn_grade is not None and view.case.severity.cn_grade.value == "超危"
    assert view.case.instants[FactKind.AWARE] == dt.datetime(2026, 11, 2, 1, 0, tzinfo=dt.UTC)


def test_fact_correction_keeps_history(deps: Deps, actor: Principal, clock: SettableClock) -> None:
    seed_reference(deps, actor)
    case = open_case(deps, actor, aware="2026-11-01T10:00:00+08:00")
    clock.advance(dt.timedelta(hours=1))
    with pytest.raises(InvalidInput, match="already recorded"):
        cases.record_fact(
            deps, actor, case.key, "aware", "2026-11-01T09:00:00+08:00", "earlier mail found"
        )
    cases.record_fact(
        deps,
        actor,
        case.key,
        "aware",
        "2026-11-01T09:00:00+08:00",
        "earlier mail found",
        correct=True,
    )
    got = cases.show_case(deps, actor, case.key).case
    revisions = [(f.kind.value, f.revision, f.at) for f in got.facts]
    assert revisions[0][2] == dt.datetime(2026, 11, 1, 2, 0, tzinfo=dt.UTC)
    assert revisions[1][2] == dt.datetime(2026, 11, 1, 1, 0, tzinfo=dt.UTC)
    assert got.instants[FactKind.AWARE] == dt.datetime(2026, 11, 1, 1, 0, tzinfo=dt.UTC)


def test_facts_cannot_precede_awareness_or_lie_in_future(deps: Deps, actor: Principal) -> None:
    seed_reference(deps, actor)
    case = open_case(deps, actor, aware="2026-11-01T10:00:00+00:00")
    with pytest.raises(InvalidInput, match="earlier than aware"):
        cases.record_fact(deps, actor, case.key, "verified", "2026-10-31T10:00:00+00:00", "lab")
    with pytest.raises(InvalidInput, match="in the future"):
        cases.record_fact(deps, actor, case.key, "verified", "2027-01-01T00:00:00+00:00", "lab")
    assert FactKind.VERIFIED not in cases.show_case(deps, actor, case.key).case.instants


def test_facts_that_may_predate_awareness_are_accepted(deps: Deps, actor: Principal) -> None:
    """An upstream fix already out, or an incident seen before the flaw behind it, is not an
    error; exploitation known before the flaw itself is."""
    seed_reference(deps, actor)
    case = open_case(deps, actor, aware="2026-11-01T10:00:00+00:00")
    for kind in ("fix_available", "incident_aware", "published"):
        cases.record_fact(deps, actor, case.key, kind, "2026-10-20T10:00:00+00:00", "upstream")
    with pytest.raises(InvalidInput, match="earlier than aware"):
        cases.record_fact(
            deps, actor, case.key, "exploitation_aware", "2026-10-31T10:00:00+00:00", "intel"
        )
    with pytest.raises(InvalidInput, match="earlier than incident_aware"):
        cases.record_fact(
            deps,
            actor,
            case.key,
            "incident_notification_submitted",
            "2026-10-19T10:00:00+00:00",
            "portal",
        )
    got = cases.show_case(deps, actor, case.key).case.instants
    assert FactKind.FIX_AVAILABLE in got
    assert FactKind.INCIDENT_AWARE in got
    assert FactKind.EXPLOITATION_AWARE not in got


def test_lifecycle_guards_name_missing_facts(deps: Deps, actor: Principal) -> None:
    seed_reference(deps, actor)
    case = open_case(deps, actor)
    cases.transition(deps, actor, case.key, "triage", "looking")
    with pytest.raises(GuardFailed, match="verified"):
        cases.transition(deps, actor, case.key, "verified", "looks real")
    cases.record_fact(deps, actor, case.key, "verified", None, "reproduced on 1.0")
    moved = cases.transition(deps, actor, case.key, "verified", "reproduced")
    assert moved.state is CaseState.VERIFIED
    with pytest.raises(GuardFailed, match="allowed-transition"):
        cases.transition(deps, actor, case.key, "closed", "skip")
    with pytest.raises(GuardFailed, match="without its facts"):
        cases.record_fact(deps, actor, case.key, "verified", None, "mistake", retract=True)
    with pytest.raises(InvalidInput, match="reason"):
        cases.transition(deps, actor, case.key, "remediating", "  ")


def test_duplicate_needs_existing_case(deps: Deps, actor: Principal) -> None:
    seed_reference(deps, actor)
    a, b = open_case(deps, actor), open_case(deps, actor)
    with pytest.raises(GuardFailed, match="duplicate-of"):
        cases.transition(deps, actor, b.key, "duplicate", "same")
    with pytest.raises(NotFound):
        cases.transition(deps, actor, b.key, "duplicate", "same", "VD-2026-0999")
    moved = cases.transition(deps, actor, b.key, "duplicate", "same", a.key)
    assert moved.duplicate_of == a.key


def test_bad_input_writes_nothing(deps: Deps, actor: Principal, container: Container) -> None:
    seed_reference(deps, actor)
    with container.engine.connect() as conn:
        before = conn.execute(text("select count(*) from audit_events")).scalar_one()
    bad: list[dict[str, Any]] = [
        {"unit": "nope"},
        {"products": {"router": ["9.9"]}},
        {"products": {"ghost": []}},
        {"cvss31": "CVSS:3.1/AV:Q"},
        {"roles": ["king"]},
        {"details": {"colour": "x"}},
        {"title": "a\nb"},
        {"aware": "yesterday"},
        {"cwe": "abc"},
    ]
    for change in bad:
        with pytest.raises(InvalidInput):
            open_case(deps, actor, **change)
    with container.engine.connect() as conn:
        assert conn.execute(text("select count(*) from cases")).scalar_one() == 0
        assert conn.execute(text("select count(*) from audit_events")).scalar_one() == before


def test_stale_write_is_refused(deps: Deps, actor: Principal, container: Container) -> None:
    seed_reference(deps, actor)
    case = open_case(deps, actor)
    now = deps.clock.now()
    with container.uow() as uow:
        stale = uow.cases.get(case.key)
    cases.transition(deps, actor, case.key, "triage", "go")
    with container.uow() as uow, pytest.raises(Conflict):
        uow.cases.save(stale, now)


def test_details_are_encrypted_at_rest(deps: Deps, actor: Principal, container: Container) -> None:
    seed_reference(deps, actor)
    canary = "CANARY-7f3a9c"
    open_case(deps, actor, details={"proof_of_concept": canary, "summary": "x"})
    with container.engine.connect() as conn:
        blob = conn.execute(text("select details_enc from cases")).scalar_one()
    assert canary.encode() not in bytes(blob)


def test_list_filters_and_paginates(deps: Deps, actor: Principal, clock: SettableClock) -> None:
    seed_reference(deps, actor)
    for i in range(7):
        clock.advance(dt.timedelta(minutes=1))
        open_case(
            deps,
            actor,
            title=f"case {i}",
            unit="cn" if i % 2 else "de",
            products={"router": []} if i % 3 else {"cloud": []},
        )
    page, total = cases.list_cases(deps, as_person("reader"), CaseFilter(limit=3))
    assert total == 7 and [c.title for c in page] == ["case 6", "case 5", "case 4"]
    assert cases.list_cases(deps, as_person("reader"), CaseFilter(unit=UnitId("cn")))[1] == 3
    assert (
        cases.list_cases(deps, as_person("reader"), CaseFilter(product=ProductId("cloud")))[1] == 3
    )
    with pytest.raises(InvalidInput, match="sort"):
        cases.list_cases(deps, as_person("reader"), CaseFilter(order="title; drop table cases"))


def test_every_write_is_audited_in_a_valid_chain(
    deps: Deps, actor: Principal, container: Container
) -> None:
    seed_reference(deps, actor)
    case = open_case(deps, actor)
    cases.show_case(deps, actor, case.key)
    with container.uow() as uow:
        events = uow.audit.events()
    tags = [e.event.tag for e in events]
    assert (
        tags.count("ref:unit:added") == 3
        and "case:case:opened" in tags
        and "case:details:read" in tags
    )
    assert verify_chain(events).ok


def test_reference_validation(deps: Deps, actor: Principal) -> None:
    with pytest.raises(InvalidInput, match="country"):
        reference.add_unit(deps, actor, id="x", name="X", country="China", timezone="UTC")
    with pytest.raises(InvalidInput, match="timezone"):
        reference.add_unit(deps, actor, id="x", name="X", country="CN", timezone="Mars/Olympus")
    with pytest.raises(InvalidInput, match="parent"):
        reference.add_unit(
            deps, actor, id="x", name="X", country="CN", timezone="UTC", parent="ghost"
        )
    with pytest.raises(InvalidInput, match="channels"):
        reference.add_party(
            deps,
            actor,
            id="p",
            name="P",
            kind="customer",
            country="DE",
            channels=["email:a@b.c\r\nBcc: x@y"],
        )
    reference.add_unit(deps, actor, id="x", name="X", country="cn", timezone="UTC")
    with pytest.raises(Conflict):
        reference.add_unit(deps, actor, id="x", name="X", country="CN", timezone="UTC")
