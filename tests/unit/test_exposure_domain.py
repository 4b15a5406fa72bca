"""Exposure windows, totals and inequalities, computed by hand on small ledgers."""

from __future__ import annotations

import datetime as dt

from vulndesk.domain.exposure import CaseEnds, Disclosure, exposures, inequalities, totals

T0 = dt.datetime(2026, 10, 1, tzinfo=dt.UTC)
NOW = T0 + dt.timedelta(days=30)


def told(entry: int, case: str, who: str, kind: str, days: float, *fields: str) -> Disclosure:
    at = T0 + dt.timedelta(days=days)
    country = {"nvdb": "CN", "cncert": "CN", "bsi": "DE"}.get(who, "CN")
    return Disclosure(entry, case, "cn", who, who.upper(), country, kind, at, fields, ())


def test_a_window_runs_from_the_disclosure_to_the_fix_or_publication_whichever_first() -> None:
    items = [
        told(1, "A", "nvdb", "regulator", 0, "summary"),
        told(2, "B", "nvdb", "regulator", 1, "summary"),
        told(3, "C", "nvdb", "regulator", 2, "summary"),
        told(4, "A", "nvdb", "regulator", 12, "summary"),  # after A's fix: no exposure
    ]
    ends = {
        "A": CaseEnds(fix_available=T0 + dt.timedelta(days=10)),
        "B": CaseEnds(T0 + dt.timedelta(days=9), public=T0 + dt.timedelta(days=5)),
    }
    found = {e.disclosure.entry: e for e in exposures(items, ends, NOW)}
    assert sorted(found) == [1, 2, 3]
    assert (found[1].days, found[1].end_reason, found[1].open) == (10.0, "fix", False)
    assert (found[2].days, found[2].end_reason) == (4.0, "public")
    assert (found[3].days, found[3].open) == (28.0, True)


def test_totals_count_each_case_once_per_group_and_flag_secret_fields() -> None:
    items = [
        told(1, "A", "nvdb", "regulator", 0, "summary"),
        told(2, "A", "nvdb", "regulator", 3, "trigger_location"),
        told(3, "B", "nvdb", "regulator", 20, "summary"),
        told(4, "A", "bsi", "csirt", 5, "summary"),
    ]
    windows = exposures(items, {"A": CaseEnds(T0 + dt.timedelta(days=10))}, NOW)
    by = {t.key: t for t in totals(windows, lambda e: e.disclosure.recipient)}
    nvdb = by["nvdb"]
    assert nvdb.cases == ("A", "B")
    assert (nvdb.disclosures, nvdb.secret_disclosures, nvdb.open_windows) == (3, 1, 1)
    assert nvdb.total_days == 10.0 + 10.0  # A from day 0 to the fix; B from day 20 to now
    assert nvdb.longest_days == 10.0
    assert nvdb.entries == (1, 2, 3)
    assert by["bsi"].total_days == 5.0
    countries = {t.key: t.total_days for t in totals(windows, lambda e: e.disclosure.country)}
    assert countries == {"CN": 20.0, "DE": 5.0}


def test_a_government_told_more_or_earlier_than_a_customer_is_flagged() -> None:
    items = [
        told(1, "A", "nvdb", "regulator", 0, "summary", "harm"),
        told(2, "A", "telco", "customer", 3, "summary"),
        told(3, "B", "nvdb", "regulator", 0, "summary"),
        told(4, "B", "telco", "customer", 0.5, "summary"),  # within a day: the same time
        told(5, "C", "nvdb", "regulator", 0, "summary"),  # nobody to compare with
    ]
    found = inequalities(items)
    assert [(i.case, i.government, i.compared_with) for i in found] == [("A", "nvdb", "telco")]
    [a] = found
    assert a.more_fields == ("harm",)
    assert a.earlier_by == dt.timedelta(days=3)
    assert a.entries == (1,)
    assert "received harm that telco did not" in a.reason
    assert "72 h before telco" in a.reason


def test_a_customer_told_more_than_a_government_is_not_an_inequality_of_that_government() -> None:
    items = [
        told(1, "A", "nvdb", "regulator", 0, "summary"),
        told(2, "A", "telco", "customer", 0, "summary", "harm"),
    ]
    assert inequalities(items) == []
