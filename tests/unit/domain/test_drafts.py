"""The draft's states and moves, and the two-person and headquarters rules, without storage."""

from __future__ import annotations

import datetime as dt

import pytest

from vulndesk.domain import drafts
from vulndesk.domain.decisions import Decision
from vulndesk.domain.drafts import Approval, DraftRecord, DraftStatus, HqRule, NewDraft
from vulndesk.domain.errors import GuardFailed
from vulndesk.domain.ids import CaseKey, PartyId, UnitId
from vulndesk.domain.ledger import Backdate

AT = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)


def _record(status: DraftStatus = DraftStatus.DRAFT, *approvers: str) -> DraftRecord:
    draft = NewDraft(
        CaseKey("VD-2026-0001"),
        UnitId("psirt-cn"),
        "nvdb",
        "initial",
        PartyId("cnvd"),
        "regulator",
        1,
        "{}",
        "0" * 64,
        ("title",),
        AT,
        "ana",
    )
    return DraftRecord(7, draft, status, tuple(Approval(a, None, AT) for a in approvers))


def _approval(name: str, unit: str | None = None) -> Approval:
    return Approval(name, unit, AT)


def test_a_new_draft_reads_its_ref() -> None:
    assert _record().ref == "VD-2026-0001/nvdb/cnvd/v1"


def test_one_approval_leaves_it_a_draft_the_second_person_approves_it() -> None:
    once = drafts.approve(_record(), _approval("amy"))
    assert once.status is DraftStatus.DRAFT
    assert once.approvers == ("amy",)
    twice = drafts.approve(once, _approval("bob"))
    assert twice.status is DraftStatus.APPROVED
    assert twice.approvers == ("amy", "bob")


def test_the_same_person_twice_is_refused() -> None:
    with pytest.raises(GuardFailed, match="amy already approved") as caught:
        drafts.approve(_record(DraftStatus.DRAFT, "amy"), _approval("amy"))
    assert caught.value.guard == "two-persons"


def test_a_third_approval_keeps_it_approved() -> None:
    third = drafts.approve(_record(DraftStatus.APPROVED, "amy", "bob"), _approval("cai"))
    assert third.status is DraftStatus.APPROVED
    assert len(third.approvals) == 3


@pytest.mark.parametrize(
    ("status", "guard"),
    [(DraftStatus.SUBMITTED, "not-submitted"), (DraftStatus.SUPERSEDED, "current-version")],
)
def test_a_submitted_or_superseded_draft_takes_no_approval(status: DraftStatus, guard: str) -> None:
    with pytest.raises(GuardFailed) as caught:
        drafts.approve(_record(status, "amy"), _approval("bob"))
    assert caught.value.guard == guard


def test_the_hq_rule_refuses_two_approvers_outside_headquarters() -> None:
    rule = HqRule({"amy": "psirt-cn", "bob": "psirt-eu"}, frozenset({"group"}))
    once = drafts.approve(_record(), _approval("amy"), rule)  # one approver: not judged yet
    with pytest.raises(GuardFailed, match="headquarters") as caught:
        drafts.approve(once, _approval("bob"), rule)
    assert caught.value.guard == "hq-approver"


def test_the_hq_rule_is_met_by_either_approver_s_stored_unit() -> None:
    rule = HqRule({"amy": "group", "bob": "psirt-eu"}, frozenset({"group"}))
    once = drafts.approve(_record(), _approval("amy", unit="psirt-cn"), rule)
    assert drafts.approve(once, _approval("bob"), rule).status is DraftStatus.APPROVED


def test_the_hq_rule_reads_stored_units_not_the_approval_s() -> None:
    """The unit recorded with an approval is not what counts: the account's unit as stored is."""
    rule = HqRule({"amy": None, "bob": "psirt-eu"}, frozenset({"group"}))
    once = drafts.approve(_record(), _approval("amy", unit="group"), rule)
    with pytest.raises(GuardFailed, match="headquarters"):
        drafts.approve(once, _approval("bob", unit="group"), rule)


def test_only_an_approved_draft_is_submitted() -> None:
    done = drafts.submit(_record(DraftStatus.APPROVED, "amy", "bob"))
    assert done.status is DraftStatus.SUBMITTED
    for status in (DraftStatus.DRAFT, DraftStatus.SUBMITTED, DraftStatus.SUPERSEDED):
        with pytest.raises(GuardFailed, match=f"is {status.value}; only approved") as caught:
            drafts.submit(_record(status, "amy"))
        assert caught.value.guard == "approved"


def test_a_notice_goes_out_under_an_approved_or_submitted_draft() -> None:
    for status in (DraftStatus.APPROVED, DraftStatus.SUBMITTED):
        drafts.check_sendable(_record(status))
    for status in (DraftStatus.DRAFT, DraftStatus.SUPERSEDED):
        with pytest.raises(GuardFailed, match="approve it first"):
            drafts.check_sendable(_record(status))


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (DraftStatus.APPROVED, DraftStatus.SUBMITTED),
        (DraftStatus.SUBMITTED, DraftStatus.SUBMITTED),
        # Superseded after the notice was queued: it left anyway, the status is not rewritten.
        (DraftStatus.SUPERSEDED, DraftStatus.SUPERSEDED),
    ],
)
def test_a_delivered_notice_submits_its_approved_draft(
    before: DraftStatus, after: DraftStatus
) -> None:
    assert drafts.sent(_record(before)).status is after


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (DraftStatus.DRAFT, DraftStatus.SUPERSEDED),
        (DraftStatus.APPROVED, DraftStatus.SUPERSEDED),
        (DraftStatus.SUPERSEDED, DraftStatus.SUPERSEDED),
        (DraftStatus.SUBMITTED, DraftStatus.SUBMITTED),
    ],
)
def test_a_newer_version_supersedes_all_but_a_submitted_one(
    before: DraftStatus, after: DraftStatus
) -> None:
    assert drafts.supersede(_record(before)).status is after


def test_two_persons_counts_different_people() -> None:
    assert not drafts.two_persons(["amy"])
    assert not drafts.two_persons(["amy", "amy"])
    assert drafts.two_persons(["amy", "bob"])


def test_decisions_and_backdates_use_the_same_two_person_rule() -> None:
    decision = Decision(
        1,
        "exception",
        CaseKey("VD-2026-0001"),
        PartyId("cnvd"),
        None,
        (),
        "r",
        AT,
        "amy",
        ("amy", "amy"),
    )
    assert not decision.approved
    assert Backdate(1, "late", ("amy", "bob")).approved


def test_statuses_keep_their_stored_values() -> None:
    assert [s.value for s in DraftStatus] == ["draft", "approved", "submitted", "superseded"]
