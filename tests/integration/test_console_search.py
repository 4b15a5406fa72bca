"""The console's searches on both engines: cases by text, CVE id, severity and time left; the
due lists without closed or duplicate cases; the audit trail by actor, tag, object and period."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tests.builders import open_case, seed_reference
from vulndesk.adapters.clock import SettableClock
from vulndesk.adapters.storage.repositories import case_queries
from vulndesk.domain.audit import AuditEvent
from vulndesk.domain.audit_tags import AuditTag
from vulndesk.domain.cases import CaseState
from vulndesk.domain.ids import UnitId
from vulndesk.domain.severity import SeverityLevel
from vulndesk.services.access.rights import Principal
from vulndesk.services.cases import lifecycle as cases
from vulndesk.services.context import Deps
from vulndesk.services.ports import AuditQuery, CaseFilter, DueFilter

V31_MEDIUM = "CVSS:3.1/AV:N/AC:H/PR:L/UI:R/S:U/C:L/I:L/A:L"


def _keys(deps: Deps, **kw: Any) -> list[str]:
    with deps.uow() as uow:
        return [str(s.key) for s in uow.cases.list(CaseFilter(limit=50, **kw))]


def test_text_search_reads_plain_columns_only(deps: Deps, actor: Principal) -> None:
    seed_reference(deps, actor)
    heap = open_case(deps, actor, details={"technical_characteristics": "secret-word parser"})
    portal = open_case(
        deps, actor, title="XSS in the portal", products={"cloud": ["live"]}, cvss31=V31_MEDIUM
    )
    with deps.uow() as uow:
        uow.advisories.add(
            portal.key, portal.unit, "{}", "0" * 64, "CLEAR", deps.clock.now(), "x", "cve-2026-1234"
        )
        uow.commit()
    assert _keys(deps, text="heap", order="key") == [heap.key]
    assert _keys(deps, text="ROUTER") == [heap.key]  # a product id
    assert _keys(deps, text="Cloud") == [portal.key]  # a product name
    assert _keys(deps, text="CVE-2026-1234") == [portal.key]
    assert _keys(deps, text=portal.key.lower()) == [portal.key]
    assert _keys(deps, text="secret-word") == []  # encrypted details are never searched
    assert _keys(deps, text="100%_") == []  # LIKE wildcards are taken literally
    assert _keys(deps, text="xss portal") == [portal.key]  # every word must match
    assert _keys(deps, severity=SeverityLevel.CRITICAL) == [heap.key]
    assert _keys(deps, severity=SeverityLevel.MEDIUM) == [portal.key]
    with deps.uow() as uow:
        assert uow.cases.count(CaseFilter(text="portal")) == 1


@pytest.mark.parametrize("cap", [2000, 1])
def test_search_gives_the_same_cases_whether_its_matches_are_listed_or_tested(
    deps: Deps, actor: Principal, cap: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A search is matched once, as a list of case ids, up to MATCH_CAP matches; past it
    the page and the count test the words themselves. Both give the same cases and count,
    with the unit filter and a need-to-know key list on top."""
    monkeypatch.setattr(case_queries, "MATCH_CAP", cap)
    seed_reference(deps, actor)
    heap = open_case(deps, actor, intake_id="track/50%_x")
    portal = open_case(deps, actor, title="XSS in the portal", products={"cloud": ["live"]})
    other = open_case(deps, actor, title="Heap spray in the portal", unit="de")
    assert _keys(deps, text="heap", order="key") == sorted([heap.key, other.key])
    assert _keys(deps, text="heap", unit=UnitId("de")) == [other.key]
    assert _keys(deps, text="portal heap") == [other.key]  # words in title and title
    assert _keys(deps, text="router heap", order="key") == sorted([heap.key, other.key])
    assert _keys(deps, text="cloud xss") == [portal.key]  # a product name and the title
    assert _keys(deps, text="cloud heap") == []
    assert _keys(deps, text="TRACK/50%_") == [heap.key]  # a tracking id, wildcards literal
    assert _keys(deps, text="track/5_") == []
    assert _keys(deps, text="portal", keys=(portal.key,)) == [portal.key]
    with deps.uow() as uow:
        assert uow.cases.count(CaseFilter(text="heap")) == 2
        assert uow.cases.count(CaseFilter(text="heap", keys=(heap.key,))) == 1
        assert uow.cases.count(CaseFilter(text="portal", states=(CaseState.CLOSED,))) == 0


def test_time_left_order_and_finished_cases_leave_the_due_lists(
    deps: Deps, actor: Principal, clock: SettableClock
) -> None:
    seed_reference(deps, actor)
    later = open_case(deps, actor, aware="2026-11-01T00:00:00+00:00")
    sooner = open_case(deps, actor, aware="2026-10-30T00:00:00+00:00")
    quiet = open_case(deps, actor, unit="hq", products={"cloud": ["live"]}, cvss31=None)
    order = _keys(deps, order="due")
    assert order.index(sooner.key) < order.index(later.key)
    cases.transition(deps, actor, sooner.key, "duplicate", "same report", later.key)
    far = clock.now() + dt.timedelta(days=400)
    with deps.uow() as uow:
        every = {o.case for o in uow.obligations.due(DueFilter(until=far, limit=500))}
        live = uow.obligations.due(
            DueFilter(until=far, limit=500, skip_states=(CaseState.CLOSED, CaseState.DUPLICATE))
        )
    assert sooner.key in every
    assert sooner.key not in {o.case for o in live}
    assert later.key in {o.case for o in live}
    assert quiet.key in order


def test_audit_search_by_actor_tag_object_and_period(
    deps: Deps, actor: Principal, clock: SettableClock
) -> None:
    seed_reference(deps, actor)
    first = open_case(deps, actor)
    start = clock.now()
    clock.advance(dt.timedelta(hours=2))
    second = open_case(deps, actor)
    with deps.uow() as uow:
        opened = uow.audit.search(AuditQuery(tag=AuditTag.CASE_OPENED))
        assert [e.event.object_id for e in opened] == [second.key, first.key]
        mine = uow.audit.search(AuditQuery(actor=actor.name, object_id=first.key))
        assert mine and {e.event.object_id for e in mine} == {first.key}
        recent = uow.audit.search(
            AuditQuery(tag=AuditTag.CASE_OPENED, since=start + dt.timedelta(hours=1))
        )
        assert [e.event.object_id for e in recent] == [second.key]
        early = uow.audit.search(
            AuditQuery(tag=AuditTag.CASE_OPENED, until=start + dt.timedelta(hours=1))
        )
        assert [e.event.object_id for e in early] == [first.key]
        paged = uow.audit.search(AuditQuery(limit=1, offset=1, tag=AuditTag.CASE_OPENED))
        assert [e.event.object_id for e in paged] == [first.key]
        assert uow.audit.search(AuditQuery(actor="nobody")) == []


def test_audit_search_by_case_takes_its_decisions_ledger_entries_and_reports(
    deps: Deps, actor: Principal, clock: SettableClock
) -> None:
    seed_reference(deps, actor)
    case = open_case(deps, actor)
    other = open_case(deps, actor)
    now = clock.now()
    tag = AuditTag.CASE_REPORT_DRAFTED
    made = [
        ("decision", "7"),
        ("decision", "8"),
        ("ledger", "ledger:3"),
        ("report", f"{case.key}/nvdb/miit-nvdb/v1"),
        ("report", f"{other.key}/nvdb/miit-nvdb/v1"),
        ("report", f"{case.key}0/nvdb/miit-nvdb/v1"),  # a longer key with the same start
    ]
    with deps.uow() as uow:
        for object_type, object_id in made:
            uow.audit.append(AuditEvent(now, "ann", tag, object_type, object_id, (), "cli", {}))
        uow.commit()
    with deps.uow() as uow:
        query = AuditQuery(
            object_type="case",
            object_id=case.key,
            tag=tag,
            related=(("decision", "7"), ("ledger", "ledger:3")),
            prefixed=("report",),
        )
        found = {(e.event.object_type, e.event.object_id) for e in uow.audit.search(query)}
        assert found == {
            ("decision", "7"),
            ("ledger", "ledger:3"),
            ("report", f"{case.key}/nvdb/miit-nvdb/v1"),
        }
        plain = uow.audit.search(AuditQuery(object_type="case", object_id=case.key, tag=tag))
        assert plain == []
