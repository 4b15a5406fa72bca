"""The coordination domain: statements and their rules, the status board, the embargo machine."""

from __future__ import annotations

import datetime as dt

import pytest

from vulndesk.domain.coordination import (
    Contact,
    Participant,
    ParticipantRole,
    ProductStatus,
    StatusStatement,
    VexJustification,
    board,
    check_statement,
)
from vulndesk.domain.embargo import (
    Embargo,
    EmbargoEventKind,
    EmbargoState,
    fold,
    local_end,
    new_event,
    show_instant,
    zone_of,
)
from vulndesk.domain.errors import Conflict, InvalidInput
from vulndesk.domain.ids import PartyId

T0 = dt.datetime(2027, 3, 1, 8, 0, tzinfo=dt.UTC)
K = EmbargoEventKind


def _participant(pid: int, at: dt.datetime = T0) -> Participant:
    return Participant(
        pid,
        "VD-2027-0001",
        PartyId(f"p{pid}"),
        ParticipantRole.DOWNSTREAM_MAKER,
        (Contact("Li Lei", "psirt@example.com"),),
        at,
        "alice",
    )


def _statement(
    sid: int,
    participant: int,
    status: ProductStatus,
    at: dt.datetime,
    approved: bool,
    product: str = "pkg:generic/router@1",
) -> StatusStatement:
    return StatusStatement(
        sid,
        participant,
        product,
        status,
        "said so",
        at,
        "bob",
        VexJustification.COMPONENT_NOT_PRESENT if status is ProductStatus.NOT_AFFECTED else None,
        ("2.0",) if status is ProductStatus.FIXED else (),
        at if approved else None,
        "alice" if approved else None,
    )


# --- statements ----------------------------------------------------------------------------


def test_not_affected_needs_a_vex_justification() -> None:
    with pytest.raises(InvalidInput, match="justification"):
        check_statement(ProductStatus.NOT_AFFECTED, None, (), "not in our build")
    assert (
        check_statement(
            ProductStatus.NOT_AFFECTED, VexJustification.COMPONENT_NOT_PRESENT, (), "not used"
        )
        == ()
    )


def test_fixed_needs_versions_and_only_fixed_takes_them() -> None:
    with pytest.raises(InvalidInput, match="fixed_versions"):
        check_statement(ProductStatus.FIXED, None, (" ",), "fixed")
    assert check_statement(ProductStatus.FIXED, None, ("2.1", "2.1", " 3.0 "), "x") == (
        "2.1",
        "3.0",
    )
    with pytest.raises(InvalidInput, match="only fixed"):
        check_statement(ProductStatus.AFFECTED, None, ("2.1",), "x")


def test_justification_only_with_not_affected_and_no_answer_is_never_stated() -> None:
    with pytest.raises(InvalidInput, match="only not_affected"):
        check_statement(ProductStatus.AFFECTED, VexJustification.COMPONENT_NOT_PRESENT, (), "x")
    with pytest.raises(InvalidInput, match="never stated"):
        check_statement(ProductStatus.NO_ANSWER, None, (), "x")
    with pytest.raises(InvalidInput, match="not a status"):
        ProductStatus.parse("status", "no_answer")
    with pytest.raises(InvalidInput, match="statement"):
        check_statement(ProductStatus.AFFECTED, None, (), "  ")


def test_role_and_justification_parse_name_the_accepted_values() -> None:
    assert ParticipantRole.parse("role", "Upstream-Supplier") is ParticipantRole.UPSTREAM_SUPPLIER
    with pytest.raises(InvalidInput, match="coordinator"):
        ParticipantRole.parse("role", "vendor")
    with pytest.raises(InvalidInput, match="component_not_present"):
        VexJustification.parse("justification", "because")


# --- the board -----------------------------------------------------------------------------


def test_silent_participant_shows_no_answer_since_its_invitation() -> None:
    invited = T0 + dt.timedelta(days=2)
    cells = board([_participant(1, invited)], ["pkg:generic/router@1"], [])
    assert len(cells) == 1
    assert cells[0].status is ProductStatus.NO_ANSWER
    assert cells[0].since == invited
    assert cells[0].silent


def test_under_investigation_is_not_no_answer_and_pending_is_not_shown_as_status() -> None:
    p = [_participant(1), _participant(2)]
    day = dt.timedelta(days=1)
    statements = [
        _statement(1, 1, ProductStatus.UNDER_INVESTIGATION, T0 + day, True),
        # participant 2 said something, but nobody approved it: still no answer
        _statement(2, 2, ProductStatus.AFFECTED, T0 + day, False),
    ]
    cells = {c.participant: c for c in board(p, ["pkg:generic/router@1"], statements)}
    assert cells[1].status is ProductStatus.UNDER_INVESTIGATION
    assert not cells[1].silent
    assert cells[2].status is ProductStatus.NO_ANSWER
    assert cells[2].pending is not None
    assert cells[2].pending.status is ProductStatus.AFFECTED


def test_latest_approved_statement_wins_and_newer_pending_is_kept_beside_it() -> None:
    day = dt.timedelta(days=1)
    statements = [
        _statement(1, 1, ProductStatus.AFFECTED, T0 + day, True),
        _statement(2, 1, ProductStatus.FIXED, T0 + 2 * day, True),
        _statement(3, 1, ProductStatus.NOT_AFFECTED, T0 + 3 * day, False),
        _statement(4, 1, ProductStatus.AFFECTED, T0 + day, True, product="pkg:generic/other@2"),
    ]
    cells = board([_participant(1)], ["pkg:generic/router@1"], statements)
    by_product = {c.product: c for c in cells}
    assert set(by_product) == {"pkg:generic/router@1", "pkg:generic/other@2"}
    router = by_product["pkg:generic/router@1"]
    assert router.status is ProductStatus.FIXED
    assert router.current is not None and router.current.fixed_versions == ("2.0",)
    assert router.pending is not None and router.pending.id == 3
    assert by_product["pkg:generic/other@2"].status is ProductStatus.AFFECTED


# --- zones and instants --------------------------------------------------------------------


def test_zone_must_be_an_iana_name() -> None:
    for bad in ("CST", "+08:00", "Asia/Nowhere"):
        with pytest.raises(InvalidInput, match="zone"):
            zone_of("zone", bad)
    zone_of("zone", "UTC")
    zone_of("zone", "Asia/Shanghai")


def test_local_end_reads_wall_clock_time_in_the_zone() -> None:
    end = local_end("end", "2027-03-10T09:00", "Asia/Shanghai")
    assert end == dt.datetime(2027, 3, 10, 1, 0, tzinfo=dt.UTC)
    assert local_end("end", "2027-03-10T09:00+08:00", "Asia/Shanghai") == end
    with pytest.raises(InvalidInput, match="offset"):
        local_end("end", "2027-03-10T09:00+01:00", "Asia/Shanghai")


def test_local_end_refuses_skipped_and_repeated_local_times() -> None:
    with pytest.raises(InvalidInput, match="does not exist"):
        local_end("end", "2027-03-28T02:30", "Europe/Berlin")
    with pytest.raises(InvalidInput, match="twice"):
        local_end("end", "2027-10-31T02:30", "Europe/Berlin")
    assert local_end("end", "2027-10-31T02:30+01:00", "Europe/Berlin") == dt.datetime(
        2027, 10, 31, 1, 30, tzinfo=dt.UTC
    )


def test_shown_in_both_zones() -> None:
    end = dt.datetime(2027, 3, 10, 1, 0, tzinfo=dt.UTC)
    assert show_instant(end, "Asia/Shanghai") == "2027-03-10 09:00 CST (Asia/Shanghai, UTC+08:00)"
    assert show_instant(end, "Europe/Berlin") == "2027-03-10 02:00 CET (Europe/Berlin, UTC+01:00)"


# --- the embargo ---------------------------------------------------------------------------

END = T0 + dt.timedelta(days=30)


def _propose(e: Embargo = Embargo(), end: dt.datetime = END) -> Embargo:
    return new_event(
        e, K.PROPOSED, T0, "alice", "vendor asks 30 days", end=end, zone="Asia/Shanghai"
    )[1]


def test_embargo_walks_none_proposed_active_revise_active_exited() -> None:
    e = _propose()
    assert e.state is EmbargoState.PROPOSED and e.end is None and e.pending_end == END
    assert not e.in_force(T0)
    e = new_event(e, K.ACCEPTED, T0, "alice", "agreed on the call")[1]
    assert e.state is EmbargoState.ACTIVE and e.end == END and e.zone == "Asia/Shanghai"
    assert e.in_force(END - dt.timedelta(seconds=1))
    assert not e.in_force(END)
    later = END + dt.timedelta(days=14)
    e = new_event(e, K.EXTENDED, T0, "bob", "supplier needs 2 weeks", end=later, zone="UTC")[1]
    assert e.state is EmbargoState.REVISE and e.end == END and e.pending_end == later
    assert e.in_force(T0)
    e = new_event(e, K.ACCEPTED, T0, "alice", "ok")[1]
    assert e.state is EmbargoState.ACTIVE and e.end == later and e.zone == "UTC"
    e = new_event(e, K.ENDED, T0, "alice", "published")[1]
    assert e.state is EmbargoState.EXITED and not e.in_force(T0)
    assert [ev.kind for ev in e.events] == [K.PROPOSED, K.ACCEPTED, K.EXTENDED, K.ACCEPTED, K.ENDED]
    assert fold(e.events) == e


def test_declines_drop_a_proposal_and_keep_the_old_end_of_an_extension() -> None:
    e = new_event(_propose(), K.DECLINED, T0, "alice", "too long")[1]
    assert e.state is EmbargoState.NONE and e.pending_end is None
    e = new_event(_propose(), K.ACCEPTED, T0, "alice", "ok")[1]
    e = new_event(e, K.EXTENDED, T0, "bob", "more", end=END + dt.timedelta(days=1), zone="UTC")[1]
    e = new_event(e, K.DECLINED, T0, "alice", "no")[1]
    assert e.state is EmbargoState.ACTIVE and e.end == END and e.pending_end is None


def test_participant_answers_are_recorded_without_changing_state() -> None:
    e = new_event(_propose(), K.ACCEPTED, T0, "alice", "supplier agrees", participant=3)[1]
    e = new_event(e, K.DECLINED, T0, "alice", "maker wants less", participant=4)[1]
    assert e.state is EmbargoState.PROPOSED
    assert e.accepted_by == {3} and e.declined_by == {4}
    e = new_event(e, K.ACCEPTED, T0, "alice", "maker agrees now", participant=4)[1]
    assert e.accepted_by == {3, 4} and e.declined_by == frozenset()
    with pytest.raises(Conflict):
        new_event(Embargo(), K.ACCEPTED, T0, "alice", "x", participant=3)


def test_refused_transitions() -> None:
    active = new_event(_propose(), K.ACCEPTED, T0, "alice", "ok")[1]
    with pytest.raises(Conflict, match="extend"):
        _propose(active)
    with pytest.raises(Conflict, match="accept or decline"):
        _propose(_propose())
    with pytest.raises(Conflict):
        new_event(Embargo(), K.ACCEPTED, T0, "alice", "x")
    with pytest.raises(Conflict):
        new_event(_propose(), K.EXTENDED, T0, "a", "x", end=END + dt.timedelta(days=1), zone="UTC")
    with pytest.raises(InvalidInput, match="later"):
        new_event(
            active, K.EXTENDED, T0, "a", "shorter", end=END - dt.timedelta(days=1), zone="UTC"
        )
    with pytest.raises(Conflict):
        new_event(_propose(), K.BROKEN, T0, "a", "x", seen_where="https://x", seen_at=T0)
    exited = new_event(active, K.ENDED, T0, "alice", "published")[1]
    with pytest.raises(Conflict):
        new_event(exited, K.ENDED, T0, "alice", "again")
    # a new embargo may follow one that ended
    assert _propose(exited).state is EmbargoState.PROPOSED


def test_proposal_rules_reason_future_end_and_zone() -> None:
    with pytest.raises(InvalidInput, match="reason"):
        new_event(Embargo(), K.PROPOSED, T0, "a", " ", end=END, zone="UTC")
    with pytest.raises(InvalidInput, match="future"):
        new_event(Embargo(), K.PROPOSED, T0, "a", "x", end=T0, zone="UTC")
    with pytest.raises(InvalidInput, match="zone"):
        new_event(Embargo(), K.PROPOSED, T0, "a", "x", end=END, zone="CST")
    with pytest.raises(InvalidInput, match="end"):
        new_event(Embargo(), K.PROPOSED, T0, "a", "x")


def test_break_records_who_saw_it_where_and_when_and_exits() -> None:
    active = new_event(_propose(), K.ACCEPTED, T0, "alice", "ok")[1]
    with pytest.raises(InvalidInput, match="where"):
        new_event(active, K.BROKEN, T0, "bob", "leak", seen_at=T0)
    with pytest.raises(InvalidInput, match="seen_at"):
        new_event(active, K.BROKEN, T0, "bob", "leak", seen_where="https://blog.example")
    with pytest.raises(InvalidInput, match="future"):
        new_event(
            active, K.BROKEN, T0, "bob", "leak", seen_where="x", seen_at=T0 + dt.timedelta(hours=1)
        )
    event, after = new_event(
        active,
        K.BROKEN,
        T0,
        "bob",
        "seen by our analyst",
        seen_where="https://blog.example/post",
        seen_at=T0 - dt.timedelta(hours=2),
    )
    assert after.state is EmbargoState.EXITED
    assert after.broken == event
    assert event.seen_where == "https://blog.example/post"
    assert not after.in_force(T0)
