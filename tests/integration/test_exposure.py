"""The exposure view on the demo organisation: figures recomputed from the ledger by hand,
need-to-know on who may build it, and a report that stops verifying once the record changes.

Issue #21: each government's exposure, inequality flags with the decisions behind them,
penalty exposure for late and overdue duties, and the report's verification.
"""

from __future__ import annotations

import datetime as dt
from importlib import resources

import pytest
from sqlalchemy import text

from tests.builders import demo_with_history
from vulndesk.adapters.clock import SettableClock
from vulndesk.bootstrap import Container
from vulndesk.domain.disclosure import DETAIL_FIELDS, Sensitivity
from vulndesk.domain.errors import Forbidden
from vulndesk.domain.facts import FactKind
from vulndesk.exporters.reports import exposure as exposure_export
from vulndesk.rules.loader import BUILTIN_PACKAGE
from vulndesk.services.access.rights import Principal
from vulndesk.services.clocks import whatif
from vulndesk.services.clocks.live import NEVER_IN_FORCE
from vulndesk.services.context import Actor, Deps
from vulndesk.services.disclosure import exposure, exposure_alerts

GOVERNMENT = ("regulator", "csirt")


def principal(role: str) -> Principal:
    return Principal(role, frozenset({role}), "acme-hq", frozenset({"read"}), "session:test")


@pytest.fixture
def demo_org(container: Container, deps: Deps) -> Deps:
    return demo_with_history(container, deps)


def expected(deps: Deps, now: dt.datetime) -> dict[str, tuple[int, int, float]]:
    """Per government: (disclosures before a fix, with a secret field, days exposed), from
    the ledger rows and the cases' facts, without the exposure module."""
    out: dict[str, list[float]] = {}
    with deps.uow() as uow:
        for e in uow.ledger.list():
            if e.entry.recipient_kind not in GOVERNMENT:
                continue
            facts = uow.cases.get(e.entry.case).instants
            ends = [
                t for k, t in facts.items() if k in (FactKind.FIX_AVAILABLE, FactKind.PUBLISHED)
            ]
            end = min(ends) if ends else None
            if end is not None and end <= e.entry.at:
                continue
            secret = any(DETAIL_FIELDS[f] is Sensitivity.SECRET for f in e.entry.fields)
            days = ((end or now) - e.entry.at).total_seconds() / 86400
            row = out.setdefault(e.entry.recipient, [0, 0, 0.0])
            row[0] += 1
            row[1] += int(secret)
            row[2] += days
    return {k: (int(v[0]), int(v[1]), round(v[2], 2)) for k, v in out.items()}


def test_each_governments_exposure_matches_the_ledger(
    demo_org: Deps, container: Container, clock: SettableClock
) -> None:
    clock.set(clock.now() + dt.timedelta(days=9, hours=3))  # windows that still run count up
    report = exposure.build(
        demo_org, principal("hq-oversight"), exposure.Period(), container.rule_sets
    )
    got = {t.key: (t.disclosures, t.secret_disclosures, t.total_days) for t in report.governments}
    assert got == expected(demo_org, clock.now())
    assert {"miit-nvdb", "cncert", "cert-bund"} <= set(got)
    assert got["cert-bund"][1] == 1  # the trigger location: a secret field to a government
    assert all(days >= 9 for _, _, days in got.values())
    # Customers are measured the same way, so unequal treatment is visible.
    assert [t.key for t in report.customers] == ["telco-cn"]
    check_inequality(demo_org, container)
    check_penalties(demo_org, container)


def check_inequality(demo_org: Deps, container: Container) -> None:
    report = exposure.build(demo_org, principal("auditor"), exposure.Period(), container.rule_sets)
    [cncert] = [f for f in report.flagged if f.inequality.government == "cncert"]
    assert cncert.inequality.compared_with == "telco-cn"
    assert cncert.inequality.more_fields == ("harm",)
    assert sorted(d.kind for d in cncert.decisions) == ["justification", "release"]
    assert all(d.approved for d in cncert.decisions)


def check_penalties(demo_org: Deps, container: Container) -> None:
    report = exposure.build(demo_org, principal("admin"), exposure.Period(), container.rule_sets)
    late = [x for x in report.late if x.obligation == "cn-rmsv-2021/report-to-nvdb"]
    assert any(x.status == "met_late" for x in late)
    for x in late:
        [p] = x.penalties
        assert (p.currency, p.minimum, p.maximum) == ("CNY", 50_000, 500_000)
    data = exposure.as_json(report)
    assert "not legal advice" in str(data["penalty_note"])
    # Per unit and regulation: the counts and the sum of maxima follow from the rows above.
    for t in report.penalty_totals:
        rows = [x for x in report.late if (x.unit, x.regulation) == (t.unit, t.regulation)]
        assert t.late + t.overdue == len(rows)
        assert t.late == sum(1 for x in rows if x.status == "met_late")
        sums: dict[str, int] = {}
        for x in rows:
            for p in x.penalties:
                sums[p.currency] = sums.get(p.currency, 0) + p.maximum
        assert dict(t.maximum) == sums
    assert any(t.regulation == "cn-rmsv-2021" and t.late for t in report.penalty_totals)
    # The dashboard's card, counted in the database, gives the same totals as the report.
    card = exposure.penalty_overview(demo_org, principal("admin"), container.rule_sets)
    assert card == report.penalty_totals


def check_refused(demo_org: Deps, container: Container) -> None:
    for role in ("analyst", "approver", "coordinator"):
        with pytest.raises(Forbidden):
            exposure.build(demo_org, principal(role), exposure.Period(), container.rule_sets)


def test_the_report_stops_verifying_when_the_ledger_changes(
    demo_org: Deps, container: Container
) -> None:
    who = principal("auditor")
    report = exposure.build(demo_org, who, exposure.Period(), container.rule_sets)
    saved = exposure.as_json(report)
    assert report.audit_seq > 0
    assert exposure.verify_report(demo_org, who, saved).ok
    later = exposure.build(demo_org, who, exposure.Period(), container.rule_sets)
    assert later.audit_seq > report.audit_seq
    assert exposure.verify_report(demo_org, who, saved).ok  # more events: still verifies
    with container.engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE ledger_entries SET at = :at WHERE id = (SELECT MIN(id) FROM ledger_entries)"
            ),
            {"at": dt.datetime(2026, 1, 1, tzinfo=dt.UTC)},
        )
    result = exposure.verify_report(demo_org, who, saved)
    assert not result.ok
    assert "audit chain" in result.problem


def test_who_may_build_it_and_what_a_period_selects(demo_org: Deps, container: Container) -> None:
    check_refused(demo_org, container)
    check_period(demo_org, container)


def check_period(demo_org: Deps, container: Container) -> None:
    who = principal("hq-oversight")
    future = exposure.parse_period("2099-01-01", None, None)
    assert exposure.build(demo_org, who, future, container.rule_sets).exposures == ()
    cn = exposure.build(
        demo_org, who, exposure.parse_period(None, None, "acme-cn"), container.rule_sets
    )
    assert cn.exposures and {e.disclosure.unit for e in cn.exposures} == {"acme-cn"}


def test_headquarters_is_alerted_once_per_secret_inequality_and_long_window(
    demo_org: Deps, clock: SettableClock
) -> None:
    with demo_org.uow() as uow:
        notices = uow.oversight.notices(1000)
    events = {(n.event, n.recipient) for n in notices}
    assert (exposure_alerts.SECRET_TO_GOVERNMENT, "cert-bund") in events
    assert (exposure_alerts.UNEQUAL, "cncert") in events
    assert (exposure_alerts.SECRET_TO_GOVERNMENT, "cncert") not in events  # no secret field
    actor = Actor("worker", "worker")
    assert exposure_alerts.sweep(demo_org, actor) == 0  # nothing has run 30 days yet
    clock.set(clock.now() + dt.timedelta(days=31))
    with demo_org.uow() as uow:
        open_windows = {
            e.id
            for e in uow.ledger.list(government_only=True)
            if not {FactKind.FIX_AVAILABLE, FactKind.PUBLISHED}
            & set(uow.cases.get(e.entry.case).instants)
        }
    assert exposure_alerts.sweep(demo_org, actor) == len(open_windows) > 0
    assert exposure_alerts.sweep(demo_org, actor) == 0  # once per disclosure


def test_the_report_summarises_the_what_if_of_the_rule_sets_in_force(
    demo_org: Deps, container: Container, clock: SettableClock
) -> None:
    clock.set(clock.now() + dt.timedelta(days=2))
    report = exposure.build(demo_org, principal("auditor"), exposure.Period(), container.rule_sets)
    # Independently: each shipped rule file in force, run through the what-if as people run it
    # (an administrator sees every case), its counts summed per unit, regulation and recipient.
    admin = principal("admin")
    files = {
        entry.name: entry.read_text(encoding="utf-8")
        for entry in resources.files(BUILTIN_PACKAGE).iterdir()
        if entry.name.endswith(".toml")
    }
    counts: dict[tuple[str, str, str], tuple[int, int]] = {}
    ran = []
    for name, body in sorted(files.items()):
        result = whatif.what_if(demo_org, admin, body, name, known=container.rule_sets)
        if result.rule_set in NEVER_IN_FORCE:
            continue
        ran.append(result.rule_set)
        for t in result.tallies:
            counts[(t.unit, t.regulation, t.recipient)] = (t.overdue, t.due_soon)
    assert report.in_force is not None
    assert sorted(report.in_force.rule_sets) == sorted(ran)
    got = {
        (t.unit, t.regulation, t.recipient): (t.overdue, t.due_soon)
        for t in report.in_force.tallies
    }
    assert got == counts
    assert any(o for o, _ in counts.values())  # the demo has overdue duties to show
    data = exposure.as_json(report)["rules_in_force"]
    assert isinstance(data, dict) and data["window_hours"] == 72
    rows = data["by_unit_and_regulation"]
    assert {
        (r["unit"], r["regulation"], r["recipient"]): (r["overdue"], r["due_soon"]) for r in rows
    } == counts
    page = exposure_export.html(exposure.as_json(report))
    assert "现行规则集的假设分析" in page and "Due soon / 即将到期" in page
    unit, regulation, _ = next(iter(counts))
    assert f"<td>{unit}</td><td>{regulation}</td>" in page
    # A unit's report counts that unit's cases only.
    cn = exposure.build(
        demo_org, admin, exposure.parse_period(None, None, "acme-cn"), container.rule_sets
    )
    assert cn.in_force is not None
    assert {t.unit for t in cn.in_force.tallies} <= {"acme-cn"}
    assert sum(t.overdue for t in cn.in_force.tallies) == sum(
        o for (u, _, _), (o, _) in counts.items() if u == "acme-cn"
    )
