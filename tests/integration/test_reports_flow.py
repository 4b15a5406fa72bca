"""Report drafts: two-person approval, headquarters rule, cross-border and equal-dissemination checks, submission."""

from __future__ import annotations

import pytest

from tests.builders import accounts_for, as_person, open_case, seed_reference
from vulndesk.adapters.clock import SettableClock
from vulndesk.domain.errors import Forbidden, GuardFailed, InvalidInput
from vulndesk.domain.obligations import ObligationStatus
from vulndesk.services.access import rights as access
from vulndesk.services.access.rights import Principal
from vulndesk.services.accounts import users as accounts
from vulndesk.services.cases import lifecycle as cases
from vulndesk.services.cases import reference
from vulndesk.services.context import Deps
from vulndesk.services.disclosure import ledger
from vulndesk.services.reports import approvals, oversight
from vulndesk.services.reports import drafts as reports

A = as_person("analyst-a", "test", unit="cn")
B = as_person("analyst-b", "test", unit="cn")
HQ = as_person("officer-hq", "test", unit="hq")
DETAILS = {
    "summary": "Heap overflow in the web server.",
    "harm": "Remote code execution.",
    "technical_characteristics": "Unchecked length in the header parser.",
    "scope_of_impact": "All R-1 routers with remote management.",
}


def seed(deps: Deps, actor: Principal) -> None:
    """The builders' organisation, one recipient of every kind, and the approvers' accounts."""
    seed_reference(deps, actor)
    accounts_for(deps, A, B, HQ)
    for pid, kind, country in (
        ("enisa", "csirt", "GR"),
        ("cncert", "csirt", "CN"),
        ("cust-cn", "customer", "CN"),
        ("maker-cn", "downstream_maker", "CN"),
        ("finder", "reporter", "CN"),
        ("everyone", "public", "CN"),
    ):
        reference.add_party(deps, actor, id=pid, name=pid.upper(), kind=kind, country=country)


def nvdb_obligation(deps: Deps, key: str) -> ObligationStatus:
    found = [
        o for o in cases.show_case(deps, A, key).obligations if o.id.endswith("report-to-nvdb")
    ]
    assert len(found) == 1
    return found[0].status


def test_nvdb_submission_needs_two_people_and_meets_the_obligation(
    deps: Deps, actor: Principal, clock: SettableClock
) -> None:
    seed(deps, actor)
    case = open_case(deps, actor, details=DETAILS)
    assert nvdb_obligation(deps, case.key) is ObligationStatus.OPEN
    draft = reports.draft_report(deps, A, case.key, "nvdb", "nvdb")
    assert draft.ref == f"{case.key}/nvdb/nvdb/v1"
    approvals.approve(deps, A, draft.ref)
    with pytest.raises(GuardFailed, match="already approved"):
        approvals.approve(
            deps, as_person("analyst-a", "web", unit="cn", session="other"), draft.ref
        )
    with pytest.raises(GuardFailed, match="only approved"):
        ledger.record_submission(deps, A, draft.ref, clock.now(), "NVDB-1")
    done = approvals.approve(deps, B, draft.ref)
    assert done.status == "approved"
    assert done.approvers == ("analyst-a", "analyst-b")

    entry = ledger.record_submission(deps, A, draft.ref, clock.now(), "NVDB-2026-0042")
    assert entry.entry.disclosure_kind == "nvdb-report"
    assert entry.entry.sha256 == draft.draft.sha256
    assert nvdb_obligation(deps, case.key) is ObligationStatus.MET
    reader = access.person("coordinator-cn", {"coordinator"}, "cn")
    due = access.due_soon(deps, reader, __import__("datetime").timedelta(days=30), None, 100)
    assert not [o for o in due if o.case == case.key and o.id.endswith("report-to-nvdb")]
    with pytest.raises(GuardFailed):
        ledger.record_submission(deps, B, draft.ref, clock.now(), "NVDB-again")

    rows = oversight.government_submissions(deps, actor)
    assert [(r.case, r.recipient, r.approvers) for r in rows] == [
        (case.key, "nvdb", ("analyst-a", "analyst-b"))
    ]
    assert "restricted" in rows[0].classes
    assert [(n.event, n.draft_ref) for n in oversight.notices(deps, actor)] == [
        ("draft-created", draft.ref),
        ("submitted", draft.ref),
    ]


def test_redrafting_invalidates_approvals(deps: Deps, actor: Principal) -> None:
    seed(deps, actor)
    case = open_case(deps, actor, details=DETAILS)
    first = reports.draft_report(deps, A, case.key, "nvdb", "nvdb")
    approvals.approve(deps, A, first.ref)
    second = reports.draft_report(deps, A, case.key, "nvdb", "nvdb", stage="update")
    assert second.draft.version == 2
    assert second.approvals == ()
    with pytest.raises(GuardFailed, match="superseded"):
        approvals.approve(deps, B, first.ref)
    assert reports.get_draft(deps, A, first.ref).status == "superseded"
    diff = reports.diff_draft(deps, A, second.ref)[0]
    assert diff.left == first.ref
    assert "update" in diff.unified


def test_headquarters_approver_rule(deps: Deps, actor: Principal) -> None:
    seed(deps, actor)
    case = open_case(deps, actor, details=DETAILS)
    draft = reports.draft_report(deps, A, case.key, "nvdb", "nvdb")
    oversight.set_require_hq(deps, actor, True)
    assert oversight.hq_required(deps, actor)
    approvals.approve(deps, A, draft.ref)
    with pytest.raises(GuardFailed, match="headquarters"):
        approvals.approve(deps, B, draft.ref)
    assert approvals.approve(deps, HQ, draft.ref).status == "approved"


def test_approvals_count_only_for_active_approver_accounts(deps: Deps, actor: Principal) -> None:
    """Issue 14, observation 1: identity, role and headquarters unit come from the database."""
    seed(deps, actor)
    accounts_for(deps, as_person("drafter-cn", "test", unit="cn"), role="analyst")
    accounts_for(deps, as_person("gone-hq", "test", unit="hq"))
    accounts.grant(deps, actor, "gone-hq", [], [], True)
    case = open_case(deps, actor, details=DETAILS)
    draft = reports.draft_report(deps, A, case.key, "nvdb", "nvdb")
    oversight.set_require_hq(deps, actor, True)
    for who in (as_person("anyone", "cli", unit="hq"), as_person("gone-hq", "cli", unit="hq")):
        with pytest.raises(Forbidden, match="not an active account"):
            approvals.approve(deps, who, draft.ref)
    with pytest.raises(Forbidden, match="roles do not allow"):
        approvals.approve(
            # The credential claims every right; the stored account is an analyst's.
            deps,
            as_person("drafter-cn", "cli", roles=frozenset({"admin"})),
            draft.ref,
        )
    approvals.approve(deps, A, draft.ref)
    # B claims headquarters; the account says cn, so the rule still wants an HQ approver.
    with pytest.raises(GuardFailed, match="headquarters"):
        approvals.approve(deps, as_person(B.name, "cli", unit="hq"), draft.ref)
    done = approvals.approve(deps, as_person(HQ.name, "cli", unit="cn"), draft.ref)
    assert done.status == "approved"
    assert [(a.actor, a.unit) for a in done.approvals] == [(A.name, "cn"), (HQ.name, "hq")]
    with pytest.raises(Forbidden, match="not an active account"):
        approvals.record_decision(
            deps, as_person("anyone", "cli"), "exception", case.key, "nvdb", "r", ("summary",)
        )
    decision = approvals.record_decision(
        deps, A, "exception", case.key, "nvdb", "a reason", ("scope_of_impact",)
    )
    with pytest.raises(Forbidden, match="roles do not allow"):
        approvals.approve_decision(deps, as_person("drafter-cn", "cli"), decision.id)
    with pytest.raises(GuardFailed, match="second person"):
        approvals.approve_decision(deps, A, decision.id)
    assert approvals.approve_decision(deps, B, decision.id).approved


def test_cross_border_needs_an_approved_decision(deps: Deps, actor: Principal) -> None:
    seed(deps, actor)
    case = open_case(deps, actor, details=DETAILS)
    draft = reports.draft_report(deps, A, case.key, "enisa.vulnerability_notification", "enisa")
    with pytest.raises(GuardFailed, match=r"Art\. 9\(7\)"):
        approvals.approve(deps, A, draft.ref)
    [conflict] = approvals.case_conflicts(deps, A, case.key)
    assert (conflict.rule, conflict.resolved_by) == ("cross-border", None)

    decision = approvals.record_decision(
        deps, A, "cross-border", case.key, "enisa", "CRA Art. 14 requires notifying ENISA"
    )
    with pytest.raises(GuardFailed, match="Art"):
        approvals.approve(deps, A, draft.ref)
    with pytest.raises(GuardFailed, match="second person"):
        approvals.approve_decision(deps, A, decision.id)
    assert approvals.approve_decision(deps, B, decision.id).approved
    assert approvals.case_conflicts(deps, A, case.key)[0].resolved_by == decision.id
    approvals.approve(deps, A, draft.ref)
    assert approvals.approve(deps, B, draft.ref).status == "approved"

    # The supplier of an affected component may be told; publication lifts the rule.
    upstream = reports.draft_report(deps, A, case.key, "notice.upstream", "openssl")
    assert approvals.approve(deps, A, upstream.ref).approvals
    reference.add_party(
        deps, actor, id="cust-us", name="US customer", kind="customer", country="US"
    )
    users = reports.draft_report(deps, A, case.key, "notice.users", "cust-us")
    with pytest.raises(GuardFailed, match="cross-border"):
        approvals.approve(deps, A, users.ref)
    cases.record_fact(deps, actor, case.key, "published", None, "advisory out")
    assert approvals.approve(deps, A, users.ref).approvals


def test_equal_dissemination_needs_a_justification(
    deps: Deps, actor: Principal, clock: SettableClock
) -> None:
    seed(deps, actor)
    case = open_case(deps, actor, details=DETAILS)
    users = reports.draft_report(deps, A, case.key, "notice.users", "cust-cn")
    approvals.approve(deps, A, users.ref)
    approvals.approve(deps, B, users.ref)
    ledger.record_submission(deps, A, users.ref, clock.now(), "mail-1")

    draft = reports.draft_report(deps, A, case.key, "nvdb", "nvdb")
    with pytest.raises(GuardFailed, match="technical_characteristics"):
        approvals.approve(deps, A, draft.ref)
    with pytest.raises(GuardFailed, match="equal-dissemination"):
        approvals.approve(
            deps, A, draft.ref, justification="The regulator needs the technical detail"
        )
    # The second person seconds the justification, so their approval now counts.
    approvals.approve(deps, B, draft.ref, justification="The regulator needs the technical detail")
    assert approvals.approve(deps, A, draft.ref).status == "approved"
    [justification] = approvals.list_decisions(deps, A, case.key)
    assert justification.approvers == ("analyst-a", "analyst-b")


def test_secret_field_leaves_only_by_approved_exception(deps: Deps, actor: Principal) -> None:
    seed(deps, actor)
    case = open_case(deps, actor, details={**DETAILS, "trigger_location": "parser.c:212"})
    before = reports.draft_report(deps, A, case.key, "notice.upstream", "openssl")
    assert "parser.c:212" not in before.draft.content
    decision = approvals.record_decision(
        deps, A, "exception", case.key, "openssl", "they must fix it", fields=("trigger_location",)
    )
    assert (
        "parser.c:212"
        not in reports.draft_report(deps, A, case.key, "notice.upstream", "openssl").draft.content
    )
    approvals.approve_decision(deps, B, decision.id)
    after = reports.draft_report(deps, A, case.key, "notice.upstream", "openssl")
    assert "parser.c:212" in after.draft.content
    with pytest.raises(InvalidInput):
        approvals.record_decision(
            deps, A, "exception", case.key, "openssl", "why", fields=("nope",)
        )


def test_manual_ledger_record_and_bad_input(
    deps: Deps, actor: Principal, clock: SettableClock
) -> None:
    seed(deps, actor)
    case = open_case(deps, actor, details=DETAILS)
    # A regulator is told nothing without two people's approval: a release decision.
    release = approvals.record_decision(deps, A, "release", case.key, "nvdb", "duty call")
    approvals.approve_decision(deps, B, release.id)
    entry = ledger.record_disclosure(
        deps,
        A,
        case.key,
        "nvdb",
        "nvdb-report",
        clock.now(),
        "Told the duty officer the product and harm.",
        fields=("harm",),
    )
    assert nvdb_obligation(deps, case.key) is ObligationStatus.MET
    shown = ledger.show_entry(deps, A, entry.id)
    assert shown.entry.content.startswith("Told the duty officer")
    assert ledger.export_row(shown)["classes"] == ["public"]
    assert shown.entry.approvers == ("analyst-a", "analyst-b")
    with pytest.raises(InvalidInput, match="kind"):
        ledger.record_disclosure(deps, A, case.key, "nvdb", "gossip", clock.now(), "x")
    with pytest.raises(InvalidInput, match="draft"):
        reports.get_draft(deps, A, "VD-2026-0001/nvdb")
    with pytest.raises(InvalidInput, match="kind"):
        reports.draft_report(deps, A, case.key, "csaf", "nvdb")


def test_per_recipient_override_narrows_and_refuses_secret(deps: Deps, actor: Principal) -> None:
    seed(deps, actor)
    case = open_case(deps, actor, details=DETAILS)
    reports.set_override(deps, actor, "cncert", ("public",))
    narrowed = reports.draft_report(deps, A, case.key, "notice.csirt", "cncert")
    assert "technical_characteristics" not in narrowed.draft.fields
    assert "summary" in narrowed.draft.fields
    with pytest.raises(InvalidInput, match="secret"):
        reports.set_override(deps, actor, "cncert", ("public",), ("proof_of_concept",))
    with pytest.raises(InvalidInput, match="classes"):
        reports.set_override(deps, actor, "cncert", ("secret",))


@pytest.mark.parametrize(
    ("kind", "recipient", "disclosure"),
    [
        ("cac.incident", "cncert", "cac-incident-report"),
        ("nis2.early_warning", "enisa", "nis2-early-warning"),
        ("gdpr.breach_notification", "nvdb", "gdpr-breach-notification"),
    ],
)
def test_incident_reports_pass_the_guard_and_record_their_disclosure_kind(
    deps: Deps, actor: Principal, clock: SettableClock, kind: str, recipient: str, disclosure: str
) -> None:
    seed(deps, actor)
    case = open_case(deps, actor, details={**DETAILS, "trigger_location": "parser.c:1"})
    draft = reports.draft_report(deps, A, case.key, kind, recipient)
    assert "trigger_location" not in draft.draft.fields  # secret: withheld by the policy
    assert "parser.c:1" not in draft.draft.content
    if recipient == "enisa":  # RMSV Art. 9(7): abroad only on an approved decision
        with pytest.raises(GuardFailed, match=r"Art\. 9\(7\)"):
            approvals.approve(deps, A, draft.ref)
        why = "NIS2 Art. 23 requires notifying the CSIRT"
        decision = approvals.record_decision(deps, A, "cross-border", case.key, recipient, why)
        approvals.approve_decision(deps, B, decision.id)
    approvals.approve(deps, A, draft.ref)
    approvals.approve(deps, B, draft.ref)
    entry = ledger.record_submission(deps, A, draft.ref, clock.now(), "R-1")
    assert entry.entry.disclosure_kind == disclosure
    assert entry.entry.sha256 == draft.draft.sha256
