"""One disclosure guard on every way out: ledger records, notices, shares, submissions, and the gate."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from tests.builders import accounts_for, as_person, as_principal, open_case, seed_reference
from tests.e2e.cli import Cli
from vulndesk.adapters.clock import SettableClock
from vulndesk.domain.errors import Forbidden, GuardFailed, NotFound
from vulndesk.rules.publication import Result
from vulndesk.services.access import rights as access
from vulndesk.services.access.rights import Principal
from vulndesk.services.cases import reference
from vulndesk.services.context import Actor, Deps
from vulndesk.services.disclosure import guard as disclosure_guard
from vulndesk.services.disclosure import ledger
from vulndesk.services.notify import notices as notifications
from vulndesk.services.publication import gate as publication
from vulndesk.services.reports import approvals
from vulndesk.services.reports import drafts as reports

A = as_person("analyst-a", "test", unit="cn")
B = as_person("approver-b", "test", unit="cn")
DETAILS = {
    "summary": "Heap overflow in the web server.",
    "harm": "Remote code execution.",
    "remediation": "Update to 2.0.",
    "technical_characteristics": "Unchecked length in the header parser.",
    "scope_of_impact": "All R-1 routers with remote management.",
}
TOLD = ("summary", "technical_characteristics")


def seed(deps: Deps, actor: Actor | Principal) -> str:
    """The builders' organisation, a CSIRT at home and one abroad (a market), a customer, and
    the accounts of the two people who propose and approve decisions."""
    actor = as_principal(actor)
    seed_reference(deps, actor)
    accounts_for(deps, A, B)
    for pid, kind, country in (
        ("cncert", "csirt", "CN"),
        ("certbund", "csirt", "DE"),
        ("cust-cn", "customer", "CN"),
        ("everyone", "public", "CN"),
    ):
        reference.add_party(
            deps, actor, id=pid, name=pid.upper(), kind=kind, country=country,
            channels=[f"email:psirt@{pid}.example"],
        )  # fmt: skip
    return open_case(deps, actor, details=DETAILS).key


def record(deps: Deps, key: str, to: str, at: dt.datetime, fields: tuple[str, ...] = TOLD) -> int:
    said = "Told the duty officer the affected models and the parser flaw."
    return ledger.record_disclosure(deps, A, key, to, "other", at, said, "phone", fields).id


def two_person(deps: Deps, kind: str, key: str, to: str, fields: tuple[str, ...] = ()) -> int:
    found = approvals.record_decision(deps, A, kind, key, to, "CRA Art. 14 duty", fields)
    assert not found.approved
    assert approvals.approve_decision(deps, B, found.id).approved
    return found.id


def test_ledger_record_to_a_foreign_csirt_needs_two_person_decisions(
    deps: Deps, actor: Principal, clock: SettableClock
) -> None:
    key = seed(deps, actor)
    with pytest.raises(GuardFailed) as refused:
        record(deps, key, "certbund", clock.now())
    text = str(refused.value)
    assert refused.value.guard == "cross-border"
    assert "RMSV Art. 9(7)" in text and "two-person" in text
    assert "vulndesk report decide" in text  # the fix: which decision to record
    assert ledger.list_entries(deps, key) == []

    # One person's decision is not enough.
    half = approvals.record_decision(deps, A, "cross-border", key, "certbund", "CRA Art. 14")
    with pytest.raises(GuardFailed, match="cross-border"):
        record(deps, key, "certbund", clock.now())
    with pytest.raises(GuardFailed, match="second person"):
        approvals.approve_decision(deps, A, half.id)
    approvals.approve_decision(deps, B, half.id)
    entry = record(deps, key, "certbund", clock.now())
    assert [e.id for e in ledger.list_entries(deps, key)] == [entry]


def test_ledger_record_to_a_home_government_needs_a_release_decision(
    deps: Deps, actor: Principal, clock: SettableClock
) -> None:
    key = seed(deps, actor)
    with pytest.raises(GuardFailed) as refused:
        record(deps, key, "nvdb", clock.now(), ("harm",))
    assert refused.value.guard == "two-person"
    release = two_person(deps, "release", key, "nvdb", ("harm", "summary"))
    record(deps, key, "nvdb", clock.now(), ("harm",))
    # The release names the fields two people agreed to; more is refused.
    with pytest.raises(GuardFailed, match="technical_characteristics"):
        record(deps, key, "nvdb", clock.now(), ("harm", "technical_characteristics"))
    verdict = disclosure_guard.check_party(deps, key, "nvdb", frozenset({"summary"}))
    assert verdict.allowed and release in verdict.decisions
    # The public gets nothing without two people either; a customer needs no decision.
    with pytest.raises(GuardFailed, match="two-person"):
        ledger.record_disclosure(
            deps, A, key, "everyone", "public-advisory", clock.now(), "advisory", "other",
            ("summary",),
        )  # fmt: skip
    record(deps, key, "cust-cn", clock.now(), ("summary",))


def test_secret_fields_need_an_exception(
    deps: Deps, actor: Principal, clock: SettableClock
) -> None:
    key = seed(deps, actor)
    two_person(deps, "release", key, "cncert")
    with pytest.raises(GuardFailed) as refused:
        record(deps, key, "cncert", clock.now(), ("summary", "trigger_location"))
    assert refused.value.guard == "policy" and "trigger_location" in str(refused.value)
    two_person(deps, "exception", key, "cncert", ("trigger_location",))
    record(deps, key, "cncert", clock.now(), ("summary", "trigger_location"))


def test_equal_dissemination_more_and_earlier(
    deps: Deps, actor: Principal, clock: SettableClock
) -> None:
    key = seed(deps, actor)
    record(deps, key, "cust-cn", clock.now(), ("summary",))
    two_person(deps, "release", key, "cncert")
    with pytest.raises(GuardFailed) as more:
        record(deps, key, "cncert", clock.now())
    assert more.value.guard == "equal-dissemination"
    assert "technical_characteristics" in str(more.value) and "cust-cn" in str(more.value)
    two_person(deps, "justification", key, "cncert")
    record(deps, key, "cncert", clock.now())

    # A government abroad may not get details before the home regulator due them.
    other = open_case(deps, actor, details=DETAILS).key
    nvdb = reports.draft_report(deps, A, other, "nvdb", "nvdb")
    approvals.approve(deps, A, nvdb.ref)
    approvals.approve(deps, B, nvdb.ref)
    two_person(deps, "cross-border", other, "certbund")
    with pytest.raises(GuardFailed) as earlier:
        record(deps, other, "certbund", clock.now())
    assert earlier.value.guard == "equal-dissemination"
    assert "before nvdb" in str(earlier.value)
    ledger.record_submission(deps, A, nvdb.ref, clock.now(), "NVDB-1")
    record(deps, other, "certbund", clock.now())


def test_notify_send_to_csirts_passes_the_guard(
    deps: Deps, actor: Principal, clock: SettableClock
) -> None:
    key = seed(deps, actor)
    with pytest.raises(GuardFailed) as refused:
        notifications.send(deps, actor, key, kind="csirt")
    assert "cncert: " in str(refused.value) and "certbund: " in str(refused.value)
    assert "two-person" in str(refused.value) and "RMSV Art. 9(7)" in str(refused.value)
    blocked = {
        p.party: p.blocked for p in notifications.plan(deps, actor, key) if p.kind == "csirt"
    }
    assert blocked["certbund"] and "9(7)" in blocked["certbund"]
    assert blocked["cncert"] and "two-person" in blocked["cncert"]

    two_person(deps, "release", key, "cncert")
    queued = notifications.send(deps, actor, key, kind="csirt")
    assert {q.party: bool(q.key) for q in queued} == {"cncert": True, "certbund": False}
    [frozen] = notifications.messages(deps, actor, key)
    assert frozen.approvers == ("analyst-a", "approver-b")  # the release decision's two people
    two_person(deps, "cross-border", key, "certbund")
    queued = notifications.send(deps, actor, key, kind="csirt", recipient="certbund")
    assert [(q.party, bool(q.key)) for q in queued] == [("certbund", True)]


def _gate(deps: Deps, actor: Principal, key: str, at: dt.datetime) -> dict[str, Result]:
    req = publication.CheckRequest(key, at=at)
    return {c.article: c.result for c in publication.check(deps, actor, req).checks}


def test_publication_gate_reads_the_ledger(
    deps: Deps, actor: Principal, clock: SettableClock
) -> None:
    key = seed(deps, actor)
    two_person(deps, "cross-border", key, "certbund")
    record(deps, key, "certbund", clock.now())
    record(deps, key, "openssl", clock.now(), ("summary",))  # the component's provider
    later = clock.now() + dt.timedelta(hours=1)
    gate = publication.check(deps, actor, publication.CheckRequest(key, at=later))
    [overseas] = [c for c in gate.checks if c.article == "RMSV 9(7)"]
    assert overseas.result is Result.FAIL
    assert "certbund (DE)" in overseas.message and "openssl" not in overseas.message

    publication.decide(deps, A, key, "overseas_exception", "certbund", "CRA Art. 14 duty")
    assert _gate(deps, actor, key, later)["RMSV 9(7)"] is Result.FAIL  # one person so far
    [proposed] = publication.decisions(deps, A, key)
    publication.approve_decision(deps, B, key, proposed.id)
    assert _gate(deps, actor, key, later)["RMSV 9(7)"] is Result.PASS


def test_publication_decision_needs_a_second_person(
    deps: Deps, actor: Principal, clock: SettableClock
) -> None:
    key = seed(deps, actor)
    start = clock.now() + dt.timedelta(days=1)
    publication.add_blackout(deps, actor, "summit", start, start + dt.timedelta(days=2))
    during = start + dt.timedelta(hours=3)
    decided = publication.decide(deps, A, key, "mps_consent", "summit", "MPS letter 2026-17")
    assert decided.approvers == ("analyst-a",) and not decided.approved
    assert _gate(deps, actor, key, during)["RMSV 9(6)"] is Result.FAIL
    with pytest.raises(GuardFailed, match="second person"):
        publication.approve_decision(deps, A, key, decided.id)
    analyst = as_person("analyst-c", "api:test", frozenset({"analyst"}), "cn")
    accounts_for(deps, analyst, role="analyst")  # a real account, but not an approver
    access.set_member(deps, actor, key, "analyst-c", True)  # who sees the case
    with pytest.raises(Forbidden, match="roles do not allow"):
        publication.approve_decision(deps, analyst, key, decided.id)
    assert _gate(deps, actor, key, during)["RMSV 9(6)"] is Result.FAIL
    done = publication.approve_decision(deps, B, key, decided.id)
    assert done.approved and done.approvers == ("analyst-a", "approver-b")
    assert _gate(deps, actor, key, during)["RMSV 9(6)"] is Result.PASS
    other = open_case(deps, actor, details=DETAILS).key
    with pytest.raises(NotFound, match="decision"):  # a decision of another case
        publication.approve_decision(deps, B, other, decided.id)


def test_publication_share_abroad_passes_the_guard(
    deps: Deps, actor: Principal, clock: SettableClock
) -> None:
    key = seed(deps, actor)
    with pytest.raises(GuardFailed) as refused:
        publication.record_share(deps, A, key, "Lab Inc", "US", note="early briefing")
    assert "RMSV Art. 9(7)" in str(refused.value) and "overseas_exception" in str(refused.value)
    publication.record_share(deps, A, key, "Lab Inc", "US", is_provider=True)
    publication.record_share(deps, A, key, "Shenzhen Lab", "CN")
    decided = publication.decide(deps, A, key, "overseas_exception", "Lab Inc", "joint research")
    publication.approve_decision(deps, B, key, decided.id)
    publication.record_share(deps, A, key, "Lab Inc", "US", note="early briefing")


def test_submission_of_an_approved_draft_passes_the_guard(
    deps: Deps, actor: Principal, clock: SettableClock
) -> None:
    key = seed(deps, actor)
    draft = reports.draft_report(deps, A, key, "notice.csirt", "cncert")
    approvals.approve(deps, A, draft.ref)
    approvals.approve(deps, B, draft.ref)
    # After approval the recipient's policy narrowed: the frozen draft now carries too much.
    reports.set_override(deps, actor, "cncert", ("public",))
    with pytest.raises(GuardFailed) as refused:
        ledger.record_submission(deps, A, draft.ref, clock.now(), "mail-1")
    assert refused.value.guard == "policy" and "technical_characteristics" in str(refused.value)


def test_cli_ledger_record_refused_then_allowed(
    deps: Deps, actor: Principal, db_url: str, tmp_path: Path, clock: SettableClock
) -> None:
    key = seed(deps, actor)
    cli = Cli(tmp_path / "home", db_url).sign_in("cli-tester", "admin")
    # The command line runs on the machine's clock: the claim is "now" there, not backdated.
    args = (
        "ledger", "record", key, "--recipient", "certbund", "--kind", "other",
        "--at", dt.datetime.now(dt.UTC).isoformat(), "--said", "a call",
        "--field", "technical_characteristics",
    )  # fmt: skip
    refused = cli.run(*args, ok=False)
    assert refused.returncode != 0
    assert "cross-border" in refused.stderr and "RMSV Art. 9(7)" in refused.stderr
    assert "vulndesk report decide" in refused.stderr
    assert ledger.list_entries(deps, key) == []
    decide = ("report", "decide", key, "--kind", "cross-border", "--recipient", "certbund")
    proposed = cli.json(*decide, "--reason", "CRA Art. 14 duty")
    assert proposed["approvers"] == ["cli-tester"]
    assert cli.run(*args, ok=False).returncode != 0  # one person is not enough
    second = cli.sign_in("second-approver", "approver")
    cli.run("case", "member", "add", key, "second-approver")  # need-to-know
    second.run("report", "decision-approve", str(proposed["id"]))
    assert "recorded ledger:" in cli.run(*args).stdout
