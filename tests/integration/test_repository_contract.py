"""One repository contract, run against the in-memory fakes and the SQL adapters (both engines).

A behaviour the unit tests rely on in tests/fakes.py is asserted here against storage too, so
the fakes cannot drift from what the adapters do.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import START, TEST_KEYS, fresh_database
from tests.fakes import FakeWorld
from vulndesk.adapters.clock import SettableClock
from vulndesk.bootstrap import build
from vulndesk.config import Settings
from vulndesk.domain.accounts import User
from vulndesk.domain.audit import AuditEvent, verify_chain
from vulndesk.domain.audit_tags import AuditTag
from vulndesk.domain.cases import Case, CaseState, Role
from vulndesk.domain.decisions import Decision
from vulndesk.domain.drafts import Approval, DraftStatus, NewDraft
from vulndesk.domain.errors import Conflict, NotFound
from vulndesk.domain.ids import CaseKey, PartyId, UnitId, UserId
from vulndesk.domain.ledger import NewLedgerEntry
from vulndesk.domain.parties import Party, PartyKind
from vulndesk.domain.units import OrgUnit
from vulndesk.services.background.ports import OrgSetting
from vulndesk.services.ports import CaseFilter

Uow = Callable[[], Any]
AT = START
KEY = CaseKey("VD-2026-0001")
NVDB = PartyId("nvdb")


@pytest.fixture(params=["fake", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def uow(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Uow]:
    """A unit-of-work factory over a store holding one unit, one party and one case."""
    if request.param == "fake":
        world = FakeWorld()
        _seed(world.uow)
        yield world.uow
        return
    with fresh_database(request, request.param, tmp_path) as url:
        settings = Settings(home=tmp_path, database_url=url, keys_json=TEST_KEYS)
        container = build(settings, SettableClock(START))
        _seed(container.uow)
        yield container.uow
        container.close()


def _seed(factory: Uow) -> None:
    with factory() as u:
        u.units.add(OrgUnit(UnitId("hq"), "Acme", "US", "UTC"))
        u.units.add(OrgUnit(UnitId("cn"), "Acme CN", "CN", "Asia/Shanghai", UnitId("hq")))
        u.parties.add(Party(NVDB, "NVDB", PartyKind.REGULATOR, "CN"))
        u.parties.add(Party(PartyId("cust"), "Customer", PartyKind.CUSTOMER, "CN"))
        key = u.cases.next_key(2026)
        u.cases.add(
            Case(key, "Heap overflow", UnitId("cn"), frozenset({Role.PRODUCT_PROVIDER}), AT, "ana"),
            AT,
        )
        u.commit()


def _draft(version: int = 1, recipient: PartyId = NVDB) -> NewDraft:
    return NewDraft(
        KEY, UnitId("cn"), "nvdb", "initial", recipient, "regulator", version, '{"v": 1}',
        "a" * 64, ("summary", "title"), AT, "ana",
    )  # fmt: skip


def _entry(at: dt.datetime, recipient: PartyId = NVDB, kind: str = "regulator") -> NewLedgerEntry:
    return NewLedgerEntry(
        KEY, UnitId("cn"), "nvdb-report", recipient, kind, "portal", at, None, "R-1", None,
        None, "what was sent", "b" * 64, ("summary",), ("restricted",), ("ana", "bob"), AT, "ana",
    )  # fmt: skip


# ---------------------------------------------------------------- units of work


def test_leaving_without_commit_rolls_back(uow: Uow) -> None:
    with uow() as u:
        u.parties.add(Party(PartyId("gone"), "Gone", PartyKind.CUSTOMER, "CN"))
    with uow() as u, pytest.raises(NotFound):
        u.parties.get(PartyId("gone"))


def test_a_savepoint_undoes_only_its_block(uow: Uow) -> None:
    with uow() as u:
        u.parties.add(Party(PartyId("kept"), "Kept", PartyKind.CUSTOMER, "CN"))
        with pytest.raises(NotFound):
            _add_then_fail(u)
        u.commit()
    with uow() as u:
        assert u.parties.get(PartyId("kept")).name == "Kept"
        with pytest.raises(NotFound):
            u.parties.get(PartyId("undone"))


def _add_then_fail(u: Any) -> None:
    with u.savepoint():
        u.parties.add(Party(PartyId("undone"), "Undone", PartyKind.CUSTOMER, "CN"))
        u.parties.get(PartyId("missing"))


# ---------------------------------------------------------------- reference data and cases


def test_units_are_listed_by_id_and_missing_ones_are_not_found(uow: Uow) -> None:
    with uow() as u:
        assert [x.id for x in u.units.list()] == ["cn", "hq"]
        with pytest.raises(NotFound):
            u.units.get(UnitId("nowhere"))
        with pytest.raises(NotFound):
            u.units.update(OrgUnit(UnitId("nowhere"), "X", "CN", "UTC"))


def test_case_keys_count_up_per_year(uow: Uow) -> None:
    with uow() as u:
        assert u.cases.next_key(2026) == "VD-2026-0002"
        assert u.cases.next_key(2027) == "VD-2027-0001"


def test_a_saved_case_moves_its_version_and_a_stale_save_conflicts(uow: Uow) -> None:
    with uow() as u:
        read = u.cases.get(KEY)
        saved = u.cases.save(read.__class__(**{**_fields(read), "title": "Renamed"}), AT)
        assert saved.version == read.version + 1
        with pytest.raises(Conflict, match="changed since it was read"):
            u.cases.save(read, AT)
        u.commit()
    with uow() as u:
        assert u.cases.get(KEY).title == "Renamed"
        assert u.cases.get(KEY).version == saved.version


def _fields(case: Case) -> dict[str, Any]:
    return {f: getattr(case, f) for f in case.__dataclass_fields__}


def test_cases_are_listed_and_counted_by_filter(uow: Uow) -> None:
    with uow() as u:
        rows = u.cases.list(CaseFilter())
        assert [(r.key, r.state) for r in rows] == [(KEY, CaseState.RECEIVED)]
        assert u.cases.count(CaseFilter(unit=UnitId("cn"))) == 1
        assert u.cases.count(CaseFilter(unit=UnitId("hq"))) == 0
        assert u.cases.count(CaseFilter(keys=())) == 0
        assert u.cases.count(CaseFilter(states=(CaseState.CLOSED,))) == 0
        with pytest.raises(NotFound):
            u.cases.get(CaseKey("VD-2026-0099"))


# ---------------------------------------------------------------- audit


def test_the_audit_log_chains_what_it_is_given(uow: Uow) -> None:
    with uow() as u:
        first = u.audit.append(AuditEvent(AT, "ana", AuditTag.CASE_OPENED, "case", KEY))
        u.audit.append_many(
            [AuditEvent(AT, "ana", AuditTag.CASE_DETAILS_READ, "case", KEY, ("summary",))] * 2
        )
        u.commit()
    with uow() as u:
        events = u.audit.events(first.seq)
        assert [e.event.tag for e in events][:3] == [
            "case:case:opened",
            "case:details:read",
            "case:details:read",
        ]
        assert verify_chain(u.audit.events()).ok
        newest = u.audit.for_object("case", KEY, limit=2)
        assert [e.seq for e in newest] == sorted((e.seq for e in newest), reverse=True)
        assert len(newest) == 2


# ---------------------------------------------------------------- reports and decisions


def test_drafts_version_per_report_and_recipient(uow: Uow) -> None:
    with uow() as u:
        first = u.reports.add_draft(_draft(1))
        assert first.status is DraftStatus.DRAFT
        u.reports.add_draft(_draft(2))
        u.reports.add_draft(_draft(1, PartyId("cust")))
        u.commit()
    with uow() as u:
        assert u.reports.latest_version(KEY, "nvdb", NVDB) == 2
        assert u.reports.latest_version(KEY, "enisa", NVDB) == 0
        assert u.reports.get_draft(KEY, "nvdb", NVDB).draft.version == 2
        again = u.reports.get_draft(KEY, "nvdb", NVDB, 1)
        assert (again.id, again.draft.content, again.ref) == (
            first.id,
            '{"v": 1}',
            f"{KEY}/nvdb/nvdb/v1",
        )
        listed = [(d.draft.recipient, d.draft.version) for d in u.reports.drafts_for_case(KEY)]
        assert listed == [("cust", 1), ("nvdb", 1), ("nvdb", 2)]
        with pytest.raises(NotFound, match="v3"):
            u.reports.get_draft(KEY, "nvdb", NVDB, 3)


def test_a_draft_keeps_its_status_and_one_approval_per_person(uow: Uow) -> None:
    with uow() as u:
        record = u.reports.add_draft(_draft())
        u.reports.add_approval(record.id, Approval("amy", "cn", AT))
        with pytest.raises(Conflict, match="already approved"):
            u.reports.add_approval(record.id, Approval("amy", "cn", AT))
        u.reports.add_approval(record.id, Approval("bob", None, AT))
        u.reports.set_status(record.id, DraftStatus.APPROVED)
        u.commit()
    with uow() as u:
        stored = u.reports.get_draft(KEY, "nvdb", NVDB)
        assert stored.status is DraftStatus.APPROVED
        assert stored.approvals == (Approval("amy", "cn", AT), Approval("bob", None, AT))


def test_decisions_start_with_their_recorder_and_take_each_approver_once(uow: Uow) -> None:
    with uow() as u:
        d = u.reports.add_decision(
            Decision(0, "exception", KEY, NVDB, None, ("poc",), "why", AT, "amy", ("amy",))
        )
        assert (d.approvers, d.approved) == (("amy",), False)
        with pytest.raises(Conflict):
            u.reports.approve_decision(d.id, "amy", AT)
        u.reports.approve_decision(d.id, "bob", AT)
        u.commit()
    with uow() as u:
        got = u.reports.get_decision(d.id)
        assert (got.approvers, got.approved, got.fields) == (("amy", "bob"), True, ("poc",))
        assert [x.id for x in u.reports.decisions_for(KEY)] == [d.id]
        with pytest.raises(NotFound):
            u.reports.get_decision(d.id + 100)


def test_policy_overrides_are_replaced_per_party(uow: Uow) -> None:
    with uow() as u:
        u.reports.set_override(NVDB, ("restricted",), ("poc",), AT, "amy")
        u.reports.set_override(NVDB, (), ("summary",), AT, "amy")
        u.commit()
    with uow() as u:
        assert u.reports.overrides() == {NVDB: ((), ("summary",))}


# ---------------------------------------------------------------- ledger and oversight


def test_the_ledger_lists_by_claimed_instant_and_hides_content_unless_asked(uow: Uow) -> None:
    later, earlier = AT + dt.timedelta(hours=2), AT + dt.timedelta(hours=1)
    with uow() as u:
        a = u.ledger.add(_entry(later))
        b = u.ledger.add(_entry(earlier, PartyId("cust"), "customer"))
        assert a.ref == f"ledger:{a.id}"
        u.commit()
    with uow() as u:
        assert [e.id for e in u.ledger.list(KEY)] == [b.id, a.id]
        assert [e.id for e in u.ledger.list(government_only=True)] == [a.id]
        assert u.ledger.get(a.id).entry.content == ""
        assert u.ledger.get(a.id, content=True).entry.content == "what was sent"
        assert u.ledger.earliest_by_kind(KEY) == {"nvdb-report": (earlier, b.ref)}
        with pytest.raises(NotFound):
            u.ledger.get(a.id + 100)


def test_a_pending_backdate_counts_for_no_obligation(uow: Uow) -> None:
    with uow() as u:
        d = u.reports.add_decision(
            Decision(0, "backdate", KEY, NVDB, None, (), "portal down", AT, "amy", ("amy",))
        )
        e = u.ledger.add(replace_backdate(_entry(AT), d.id))
        assert e.backdate_status == "pending"
        assert u.ledger.earliest_by_kind(KEY) == {}
        u.reports.approve_decision(d.id, "bob", AT)
        u.commit()
    with uow() as u:
        got = u.ledger.get(e.id)
        assert (got.backdate_status, got.backdate_approvers) == ("approved", ("amy", "bob"))
        assert u.ledger.earliest_by_kind(KEY) == {"nvdb-report": (AT, got.ref)}


def replace_backdate(entry: NewLedgerEntry, decision: int) -> NewLedgerEntry:
    return NewLedgerEntry(
        **{
            **{f: getattr(entry, f) for f in entry.__dataclass_fields__},
            "backdate_decision": decision,
        }
    )


def test_oversight_notices_in_order(uow: Uow) -> None:
    with uow() as u:
        u.oversight.add_notice(AT + dt.timedelta(minutes=1), KEY, "submitted", "r/v1", NVDB)
        u.oversight.add_notice(AT, KEY, "draft-created", "r/v1", NVDB)
        u.commit()
    with uow() as u:
        assert [n.event for n in u.oversight.notices()] == ["draft-created", "submitted"]
        assert [n.event for n in u.oversight.notices(limit=1)] == ["draft-created"]


# ---------------------------------------------------------------- settings and accounts


def test_org_settings_set_replace_and_delete(uow: Uow) -> None:
    with uow() as u:
        u.org_settings.set(OrgSetting("reports.require_hq_approver", "true", AT, "amy"))
        u.org_settings.set(OrgSetting("reports.require_hq_approver", "false", AT, "bob"))
        u.commit()
    with uow() as u:
        assert u.org_settings.options()["reports.require_hq_approver"] == "false"
        assert u.org_settings.delete("reports.require_hq_approver")
        assert not u.org_settings.delete("reports.require_hq_approver")


def test_accounts_are_found_by_name_and_cases_by_membership(uow: Uow) -> None:
    user = User("amy", "Amy", "amy@example.org", "cn", frozenset({"approver"}), AT)
    with uow() as u:
        u.accounts.add_user(user)
        with pytest.raises(Conflict):
            u.accounts.add_user(user)
        case = u.cases.get(KEY)
        u.cases.save(case.__class__(**{**_fields(case), "members": (UserId("amy"),)}), AT)
        u.commit()
    with uow() as u:
        assert u.accounts.find_user("amy") == user
        assert u.accounts.find_user("nobody") is None
        with pytest.raises(NotFound):
            u.accounts.get_user("nobody")
        assert u.accounts.member_cases("amy") == (KEY,)
        assert u.accounts.member_cases("bob") == ()
