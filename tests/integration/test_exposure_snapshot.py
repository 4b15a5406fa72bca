"""The exposure report's in-force what-if comes from the worker's snapshot (decision 0048):
the same figures the inline computation gives, with the instant they were computed; a
change to the cases makes them show as being recomputed until the worker has recomputed
them; and the stored snapshot is sealed. On SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from tests.builders import open_case, seed_reference, sql
from vulndesk.adapters.clock import SettableClock
from vulndesk.adapters.storage.tables.background import snapshots
from vulndesk.bootstrap import Container
from vulndesk.domain.ids import UnitId
from vulndesk.exporters.reports import exposure as exposure_export
from vulndesk.services.access.rights import Principal
from vulndesk.services.background import worker
from vulndesk.services.clocks import whatif, whatif_snapshot
from vulndesk.services.clocks.live import in_force, org_options
from vulndesk.services.clocks.whatif import InForceSummary
from vulndesk.services.context import Deps
from vulndesk.services.disclosure import exposure
from vulndesk.services.ports import CaseFilter

EVERY = exposure.parse_period(None, None, None)
CN = exposure.parse_period(None, None, "cn")


def _figures(summary: InForceSummary | None) -> tuple[object, ...]:
    assert summary is not None
    return (summary.rule_sets, summary.window_hours, summary.cases, summary.tallies)


def _inline(deps: Deps, container: Container, at: dt.datetime, unit: str | None) -> InForceSummary:
    """The in-force what-if computed now, as the report computed it on every view before."""
    with deps.reader() as uow:
        return whatif.in_force_summary(uow, container.rule_sets, at, UnitId(unit) if unit else None)


def _cases(deps: Deps, actor: Principal, clock: SettableClock) -> None:
    seed_reference(deps, actor)
    open_case(deps, actor)
    open_case(deps, actor, unit="de", title="Auth bypass in the web console")
    clock.advance(dt.timedelta(days=3))  # the first clocks are overdue


def test_a_fresh_snapshot_is_shown_with_the_instant_it_was_computed(
    deps: Deps, container: Container, actor: Principal, clock: SettableClock
) -> None:
    _cases(deps, actor, clock)
    # No snapshot yet: computed in the request, as of now.
    before = exposure.build(deps, actor, EVERY, container.rule_sets).in_force
    assert before is not None and before.computed_at == clock.now() and before.current
    computed = clock.now()
    assert whatif_snapshot.refresh(deps, container.rule_sets) == 1
    assert whatif_snapshot.refresh(deps, container.rule_sets) == 0  # inputs unchanged
    clock.advance(dt.timedelta(minutes=3))
    report = exposure.build(deps, actor, EVERY, container.rule_sets)
    shown = report.in_force
    assert shown is not None
    assert shown.computed_at == computed and shown.current
    assert _figures(shown) == _figures(_inline(deps, container, computed, None))
    assert _figures(shown) == _figures(before)
    assert any(t.overdue for t in shown.tallies)
    # A unit's report narrows the snapshot to that unit's cases.
    one = exposure.build(deps, actor, CN, container.rule_sets).in_force
    assert one is not None and one.computed_at == computed
    assert _figures(one) == _figures(_inline(deps, container, computed, "cn"))
    assert one.cases == 1 and {t.unit for t in one.tallies} == {"cn"}
    # Every output carries the instant.
    data = exposure.as_json(report)["rules_in_force"]
    assert isinstance(data, dict)
    assert data["computed_at"] == computed.isoformat() and data["being_recomputed"] is False
    page = exposure_export.html(exposure.as_json(report))
    assert f"Computed at / 计算时间: {computed.isoformat()}" in page
    assert "being recomputed" not in page


def test_a_new_open_case_makes_the_snapshot_stale_until_the_worker_recomputes_it(
    deps: Deps, container: Container, actor: Principal, clock: SettableClock
) -> None:
    _cases(deps, actor, clock)
    first = clock.now()
    assert whatif_snapshot.refresh(deps, container.rule_sets) == 1
    open_case(deps, actor, title="Command injection in the updater")
    stale = exposure.build(deps, actor, EVERY, container.rule_sets)
    assert stale.in_force is not None
    # The old figures, never presented as current: marked in the report and every output.
    assert not stale.in_force.current and stale.in_force.computed_at == first
    assert stale.in_force.cases == 2
    data = exposure.as_json(stale)["rules_in_force"]
    assert isinstance(data, dict) and data["being_recomputed"] is True
    assert "these figures are being recomputed" in exposure_export.html(exposure.as_json(stale))
    # The worker's next pass sees the changed fingerprint and recomputes (at most once a
    # minute: a stream of new cases does not keep it computing).
    assert whatif_snapshot.refresh(deps, container.rule_sets) == 0
    clock.advance(whatif_snapshot.MIN_GAP)
    assert whatif_snapshot.refresh(deps, container.rule_sets) == 1
    fresh = exposure.build(deps, actor, EVERY, container.rule_sets).in_force
    assert fresh is not None and fresh.current and fresh.computed_at == clock.now()
    assert fresh.cases == 3
    assert _figures(fresh) == _figures(_inline(deps, container, clock.now(), None))


def test_the_rule_sets_in_force_are_in_the_fingerprint_and_age_recomputes(
    deps: Deps, container: Container, actor: Principal, clock: SettableClock
) -> None:
    _cases(deps, actor, clock)
    with deps.reader() as uow:
        mark = whatif_snapshot.fingerprint(uow, container.rule_sets)
        org = org_options(uow)
    rules = dict(container.rule_sets)
    dropped = rules.pop(next(r for r in sorted(rules) if in_force(r, org)))
    with deps.reader() as uow:
        assert whatif_snapshot.fingerprint(uow, rules) != mark
        assert whatif_snapshot.fingerprint(uow, {**rules, dropped.id: dropped}) == mark
    assert whatif_snapshot.refresh(deps, container.rule_sets) == 1
    clock.advance(whatif_snapshot.MAX_AGE - dt.timedelta(seconds=1))
    assert whatif_snapshot.refresh(deps, container.rule_sets) == 0
    clock.advance(dt.timedelta(seconds=1))  # the figures follow the clock: recomputed
    assert whatif_snapshot.refresh(deps, container.rule_sets) == 1


def test_the_worker_keeps_the_snapshot_and_it_is_sealed_at_rest(
    deps: Deps, container: Container, actor: Principal, clock: SettableClock
) -> None:
    _cases(deps, actor, clock)
    worker.run_once(deps, actor)
    with deps.reader() as uow:
        held = uow.snapshots.get(whatif_snapshot.NAME)
        raw = sql(uow).execute(select(snapshots)).one()
        listed = uow.cases.list(CaseFilter())
    assert held is not None and held.computed_at == clock.now()
    summary = exposure.build(deps, actor, EVERY, container.rule_sets).in_force
    assert summary is not None and summary.current and summary.computed_at == clock.now()
    assert summary.tallies and '"tallies"' in held.body
    blob = bytes(raw.body_enc)
    assert blob.startswith(b"vd1")
    # Nothing of the figures or the cases in the clear: no regulation, case key or title
    # (the units' two-letter ids are left out: two bytes may occur in any ciphertext).
    words = {t.regulation for t in summary.tallies} | {c.key for c in listed}
    words |= {c.title for c in listed} | {"tallies", "rule_sets", "cases_by_unit"}
    assert len(listed) == 2 and all(len(w) >= 6 for w in words)
    for word in words:
        assert word.encode() not in blob, word


def test_the_pages_report_lists_the_longest_due_and_counts_every_late_duty(
    deps: Deps, container: Container, actor: Principal, clock: SettableClock
) -> None:
    _cases(deps, actor, clock)
    clock.advance(dt.timedelta(days=30))
    worker.run_once(deps, actor)  # marks the clocks past due overdue
    full = exposure.build(deps, actor, EVERY, container.rule_sets)
    page = exposure.build(deps, actor, EVERY, container.rule_sets, late_rows=1)
    assert len(full.late) > 1 and full.late_total == len(full.late)
    assert page.late == full.late[:1]
    assert page.late_total == len(full.late)
    assert page.penalty_totals == full.penalty_totals
    one = exposure.build(deps, actor, CN, container.rule_sets, late_rows=1000)
    assert one.late == exposure.build(deps, actor, CN, container.rule_sets).late
    assert one.late_total == len(one.late) and {x.unit for x in one.late} == {"cn"}
    with pytest.raises(ValueError, match="not exported"):
        exposure.as_json(page)
