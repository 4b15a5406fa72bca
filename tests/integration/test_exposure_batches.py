"""The exposure report reads its cases, decisions and ledger kinds set-based (issue #21's speed).

The report over 100,000 ledger entries read each told case, each flagged case's decisions and,
for the what-if, each open case and its ledger entries one statement at a time. The batched
reads must give exactly what the one-by-one reads give, and the report's statement count must
not grow with the number of cases told.
"""

from __future__ import annotations

import datetime as dt

import pytest

from tests.builders import demo_with_history, statements_sent
from vulndesk.bootstrap import Container
from vulndesk.domain.errors import GuardFailed, InvalidInput
from vulndesk.domain.facts import FactKind
from vulndesk.domain.ids import CaseKey, PartyId, UnitId
from vulndesk.domain.ledger import LedgerEntry, NewLedgerEntry
from vulndesk.services.access.rights import Principal
from vulndesk.services.cases import lifecycle as cases
from vulndesk.services.context import Deps
from vulndesk.services.disclosure import exposure
from vulndesk.services.ports import CaseFilter

AUDITOR = Principal("auditor", frozenset({"auditor"}), "acme-hq", frozenset({"read"}), "test")
ADMIN = Principal("admin", frozenset({"admin"}), "acme-hq", frozenset({"read", "write"}), "test")


@pytest.fixture
def demo_org(container: Container, deps: Deps) -> Deps:
    return demo_with_history(container, deps)


def all_keys(deps: Deps) -> list[CaseKey]:
    with deps.uow() as uow:
        return [s.key for s in uow.cases.list(CaseFilter(limit=10_000, order="key"))]


def test_batched_reads_give_what_one_by_one_reads_give(demo_org: Deps) -> None:
    keys = all_keys(demo_org)
    assert len(keys) > 3
    # A retracted fact: its latest revision has no instant, so the kind has none.
    with demo_org.uow() as uow:
        found = uow.cases.get_many(keys).values()
    retracted = next(
        (c.key, k)
        for c in found
        for k in c.instants
        if k is not FactKind.AWARE and retract(c.key, k, demo_org)
    )
    missing = CaseKey("VD-1999-99999")
    with demo_org.uow() as uow:
        many = uow.cases.get_many([*keys, missing])
        instants = uow.cases.fact_instants([*keys, missing])
        decisions = uow.reports.decisions_for_cases([*keys, missing])
        earliest = uow.ledger.earliest_by_kind_for([*keys, missing])
        assert missing not in many and missing not in instants
        assert retracted[1] not in instants[retracted[0]].instants
        for key in keys:
            one = uow.cases.get(key)
            assert many[key] == one
            assert (instants[key].unit, dict(instants[key].instants)) == (one.unit, one.instants)
            by_id = [uow.reports.get_decision(d.id) for d in decisions.get(key, [])]
            assert decisions.get(key, []) == by_id
            assert earliest.get(key, {}) == one_by_one_earliest(uow.ledger.list(key))
    assert any(decisions.values()) and any(d.approvers for ds in decisions.values() for d in ds)
    assert len(earliest) > 1


def test_the_ledger_list_read_gives_what_reading_each_entry_gives(demo_org: Deps) -> None:
    """The whole-ledger read builds entries by position from the stored instants and JSON
    text; each must equal the entry read alone (content aside), instants aware and in UTC."""
    tell_every_case(demo_org, all_keys(demo_org), 30)
    with demo_org.uow() as uow:
        listed = uow.ledger.list()
        assert len(listed) > 10
        assert len({e.entry.fields for e in listed}) > 1
        for e in listed:
            one = uow.ledger.get(e.id)
            assert e == one
            assert e.entry.at.utcoffset() == dt.timedelta(0) == e.entry.recorded_at.utcoffset()
        by_case = uow.ledger.list(listed[0].entry.case)
    assert by_case == [e for e in listed if e.entry.case == listed[0].entry.case]


def retract(key: CaseKey, kind: FactKind, deps: Deps) -> bool:
    try:
        cases.record_fact(deps, ADMIN, key, kind.value, None, "withdrawn", retract=True)
    except (GuardFailed, InvalidInput):
        return False  # the case's state needs that fact
    return True


def one_by_one_earliest(entries: list[LedgerEntry]) -> dict[str, tuple[dt.datetime, str]]:
    """The earliest claimed instant per disclosure kind, a pending backdate counting for none."""
    out: dict[str, tuple[dt.datetime, str]] = {}
    for e in entries:
        if e.backdate_pending:
            continue
        if e.entry.disclosure_kind not in out or e.entry.at < out[e.entry.disclosure_kind][0]:
            out[e.entry.disclosure_kind] = (e.entry.at, e.ref)
    return out


def tell_every_case(deps: Deps, keys: list[CaseKey], hours: int) -> None:
    """One more disclosure of a secret field to a government and a plainer one to a customer,
    on every case: more cases told, flagged and open for the report to read."""
    now = deps.clock.now()
    with deps.uow() as uow:
        for n, key in enumerate(keys):
            unit = uow.cases.get(key).unit
            for party, kind, fields in (
                ("cncert", "csirt", ("summary", "trigger_location")),
                ("telco-cn", "customer", ("summary",)),
            ):
                uow.ledger.add(
                    NewLedgerEntry(
                        key, UnitId(unit), "report", PartyId(party), kind, "portal",
                        now - dt.timedelta(hours=hours + n), None, None, None, None,
                        "text", f"{n}{party}{hours}".ljust(64, "0"), fields, ("public",),
                        ("approver-a", "approver-b"), now, "test",
                    )
                )  # fmt: skip
        uow.commit()


def test_the_report_reads_in_a_number_of_statements_that_does_not_grow_with_cases(
    demo_org: Deps, container: Container
) -> None:
    keys = all_keys(demo_org)
    tell_every_case(demo_org, keys[:2], 30)
    with statements_sent(container.engine) as first:
        small = exposure.build(demo_org, AUDITOR, exposure.Period(), container.rule_sets)
    tell_every_case(demo_org, keys, 20)
    with statements_sent(container.engine) as second:
        large = exposure.build(demo_org, AUDITOR, exposure.Period(), container.rule_sets)
    told = {e.disclosure.case for e in large.exposures}
    assert len(told) > len({e.disclosure.case for e in small.exposures})
    assert len({f.inequality.case for f in large.flagged}) >= len(keys) - 1
    assert len(second) == len(first), "\n".join(second)
    assert len(second) <= 40, "\n".join(second)
