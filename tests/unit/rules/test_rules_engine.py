"""The engine: applicability, roles, conditions, options, interpretation and flags."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import pytest

from vulndesk.domain.cases import Role
from vulndesk.domain.errors import InvalidInput
from vulndesk.domain.facts import FactKind
from vulndesk.domain.obligations import Obligation, Satisfier, Situation, Timing
from vulndesk.domain.products import ProductKind
from vulndesk.domain.severity import SeverityLevel
from vulndesk.rules.calendars import Calendars
from vulndesk.rules.engine import check_options, evaluate
from vulndesk.rules.loader import builtin_rule_sets
from vulndesk.rules.model import RuleSet

F = FactKind
CST = dt.timezone(dt.timedelta(hours=8))
AWARE = dt.datetime(2026, 3, 10, 15, tzinfo=CST)


def situation(
    *,
    country: str = "CN",
    roles: tuple[Role, ...] = (Role.PRODUCT_PROVIDER,),
    events: Mapping[FactKind, dt.datetime] | None = None,
    **more: Any,
) -> Situation:
    return Situation(
        org_country=country, roles=frozenset(roles), events=events or {F.AWARE: AWARE}, **more
    )


def rule_sets(*ids: str) -> list[RuleSet]:
    catalogue = builtin_rule_sets()
    return [catalogue[i] for i in ids]


def by_id(found: list[Obligation]) -> dict[str, Obligation]:
    return {o.id: o for o in found}


def test_the_report_obligation_in_full() -> None:
    found = by_id(evaluate(situation(), rule_sets("cn-rmsv-2021")))
    report = found["cn-rmsv-2021/report-to-nvdb"]
    assert report.regulation == "cn-rmsv-2021"
    assert report.article == "Art. 7(2)"
    assert report.recipient == "regulator"
    assert report.trigger is F.AWARE
    assert report.trigger_at == AWARE
    assert report.timing is Timing.DEADLINE
    assert report.due == AWARE + dt.timedelta(hours=48)
    assert report.period == "48h"
    assert report.timezone == "Asia/Shanghai"
    assert report.satisfied_by == Satisfier(disclosure="nvdb-report")
    assert dict(report.interpretation) == {"report_window": "48h", "report_clock_start": "aware"}
    assert report.action
    assert report.action_zh
    assert report.flags == ()


def test_results_are_sorted_by_id_and_every_one_cites_an_article() -> None:
    later = AWARE.replace(month=10)  # after the CRA's reporting duties apply
    events = {F.AWARE: later, F.VERIFIED: later, F.EXPLOITATION_AWARE: later}
    s = situation(
        roles=(Role.PRODUCT_PROVIDER, Role.NETWORK_OPERATOR),
        events=events,
        markets=frozenset({"CN", "FR"}),
    )
    found = evaluate(s, builtin_rule_sets().values())
    assert [o.id for o in found] == sorted(o.id for o in found)
    assert all(o.article and o.action and o.action_zh for o in found)
    assert {o.regulation for o in found} == {
        "cn-rmsv-2021",
        "cn-draft-2019",
        "cn-ndsm-2024",
        "eu-cra-2024",
    }


def test_timing_words_have_no_due() -> None:
    found = by_id(evaluate(situation(), rule_sets("cn-rmsv-2021")))
    assert found["cn-rmsv-2021/verify"].timing is Timing.IMMEDIATELY
    assert found["cn-rmsv-2021/verify"].due is None
    assert found["cn-rmsv-2021/remediate"].timing is Timing.PROMPTLY
    assert found["cn-rmsv-2021/remediate"].period is None


def test_options_change_the_reading_and_are_recorded() -> None:
    events = {F.AWARE: AWARE, F.VERIFIED: AWARE + dt.timedelta(hours=20)}
    options = {"cn-rmsv-2021.report_window": "2d", "cn-rmsv-2021.report_clock_start": "verified"}
    report = by_id(evaluate(situation(events=events), rule_sets("cn-rmsv-2021"), options))[
        "cn-rmsv-2021/report-to-nvdb"
    ]
    assert report.trigger is F.VERIFIED
    assert report.due == dt.datetime(2026, 3, 14, tzinfo=CST)
    assert dict(report.interpretation) == {"report_window": "2d", "report_clock_start": "verified"}


def test_options_of_other_rule_sets_are_ignored() -> None:
    found = evaluate(
        situation(), rule_sets("house-sla"), {"cn-rmsv-2021.report_window": "nonsense"}
    )
    assert found == []


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            {"cn-rmsv-2021.report_window": "3d"},
            r"cn-rmsv-2021\.report_window: '3d' is not allowed \(accepted: 48h, 2d, 2dr, 2wd\)",
        ),
        ({"cn-rmsv-2021.window": "2d"}, r"cn-rmsv-2021\.window: is not an option of this rule set"),
        (
            {"report_window": "2d"},
            r"report_window: is not an option name \(accepted: <rule-set>\.<option>",
        ),
    ],
)
def test_bad_options_are_refused(options: dict[str, str], message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        evaluate(situation(), rule_sets("cn-rmsv-2021"), options)


def test_check_options_refuses_an_unknown_rule_set() -> None:
    with pytest.raises(InvalidInput, match="not loaded"):
        check_options({"cn-rmsv-2031.report_window": "2d"}, builtin_rule_sets())
    check_options({"cn-rmsv-2021.report_window": "2wd"}, builtin_rule_sets())


def test_applicability_by_country_or_market() -> None:
    cn = rule_sets("cn-rmsv-2021")
    assert evaluate(situation(country="CN"), cn)
    assert evaluate(situation(country="US", markets=frozenset({"CN"})), cn)
    assert not evaluate(situation(country="US", markets=frozenset({"US", "DE"})), cn)


def test_the_cra_binds_makers_with_an_eu_market_only() -> None:
    events = {F.EXPLOITATION_AWARE: dt.datetime(2026, 10, 1, 10, tzinfo=dt.UTC)}
    cra = rule_sets("eu-cra-2024")
    assert evaluate(situation(country="US", events=events, markets=frozenset({"SE"})), cra)
    assert not evaluate(situation(country="DE", events=events, markets=frozenset({"CH"})), cra)
    operator = situation(
        country="DE", roles=(Role.NETWORK_OPERATOR,), events=events, markets=frozenset({"DE"})
    )
    assert not evaluate(operator, cra)


def test_the_draft_binds_operators_and_is_flagged() -> None:
    events = {F.AWARE: AWARE, F.VERIFIED: AWARE}
    s = situation(roles=(Role.NETWORK_OPERATOR,), events=events, product_kind=ProductKind.SERVICE)
    found = by_id(evaluate(s, rule_sets("cn-draft-2019")))
    assert set(found) == {"cn-draft-2019/verify", "cn-draft-2019/remediate"}
    assert found["cn-draft-2019/remediate"].period == "10d"
    assert all(o.flags == ("draft",) for o in found.values())


@pytest.mark.parametrize(
    ("level", "period"),
    [
        (SeverityLevel.CRITICAL, "7d"),
        (SeverityLevel.HIGH, "30d"),
        (SeverityLevel.MEDIUM, "90d"),
        (SeverityLevel.LOW, "180d"),
    ],
)
def test_house_sla_period_by_severity(level: SeverityLevel, period: str) -> None:
    s = situation(events={F.VERIFIED: AWARE}, severity=level, org_timezone="Asia/Tokyo")
    (remediate,) = evaluate(s, rule_sets("house-sla"))
    assert remediate.period == period
    assert remediate.timezone == "Asia/Tokyo"


@pytest.mark.parametrize("level", [None, SeverityLevel.NONE])
def test_house_sla_without_a_rated_severity_has_no_clock(level: SeverityLevel | None) -> None:
    assert (
        evaluate(situation(events={F.VERIFIED: AWARE}, severity=level), rule_sets("house-sla"))
        == []
    )


def test_house_sla_binds_no_third_party() -> None:
    s = situation(
        roles=(Role.THIRD_PARTY,), events={F.VERIFIED: AWARE}, severity=SeverityLevel.HIGH
    )
    assert evaluate(s, rule_sets("house-sla")) == []


def test_an_unknown_organisation_zone_is_refused() -> None:
    s = situation(
        events={F.VERIFIED: AWARE}, severity=SeverityLevel.HIGH, org_timezone="Mars/Olympus"
    )
    with pytest.raises(InvalidInput, match=r"organisation\.timezone"):
        evaluate(s, rule_sets("house-sla"))


def test_the_final_report_flags_a_fix_that_predates_known_exploitation() -> None:
    fix = dt.datetime(2026, 10, 1, 10, tzinfo=dt.UTC)
    events = {F.FIX_AVAILABLE: fix, F.EXPLOITATION_AWARE: fix + dt.timedelta(days=3)}
    found = by_id(
        evaluate(
            situation(country="DE", events=events, markets=frozenset({"DE"})),
            rule_sets("eu-cra-2024"),
        )
    )
    assert found["eu-cra-2024/final-report"].flags == ("clock-before:exploitation_aware",)
    assert found["eu-cra-2024/early-warning"].flags == ()


def test_working_day_counts_into_unknown_years_are_flagged_and_overrides_clear_them() -> None:
    aware = dt.datetime(2031, 9, 30, 20, tzinfo=CST)
    s = situation(events={F.AWARE: aware})
    options = {"cn-rmsv-2021.report_window": "2wd"}
    report = by_id(evaluate(s, rule_sets("cn-rmsv-2021"), options))["cn-rmsv-2021/report-to-nvdb"]
    assert report.flags == ("calendar-unverified:2031",)
    table = {dt.date(2031, 10, d): False for d in range(1, 8)}
    calendars = Calendars({"CN": table})
    report = by_id(evaluate(s, rule_sets("cn-rmsv-2021"), options, calendars))[
        "cn-rmsv-2021/report-to-nvdb"
    ]
    assert report.flags == ()
    assert report.due == dt.datetime(2031, 10, 10, tzinfo=CST)


def test_evaluate_does_not_mutate_its_inputs() -> None:
    options = {"cn-rmsv-2021.report_window": "2d"}
    s = situation()
    first = evaluate(s, rule_sets("cn-rmsv-2021"), options)
    second = evaluate(s, rule_sets("cn-rmsv-2021"), options)
    assert first == second
    assert options == {"cn-rmsv-2021.report_window": "2d"}
