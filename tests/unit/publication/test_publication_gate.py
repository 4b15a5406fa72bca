"""Each RMSV Art. 9 check of the publication gate: pass, fail and needs-decision."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from vulndesk.domain.cases import Role
from vulndesk.domain.errors import InvalidInput
from vulndesk.domain.facts import FactKind
from vulndesk.domain.severity import SeverityLevel
from vulndesk.rules.publication import (
    Attachment,
    Blackout,
    Decision,
    DecisionKind,
    PublicationInput,
    PublicationKind,
    Result,
    Share,
    VendorStatus,
    check_publication,
    fix_or_assessment,
    no_exploit,
    no_operator_details,
    no_overseas_leak,
    outside_blackout,
    remediation_published,
    severity_not_exaggerated,
)

AT = dt.datetime(2026, 11, 10, 2, 0, tzinfo=dt.UTC)


def _decision(kind: DecisionKind, subject: str = "", second: str = "deputy") -> Decision:
    approvers = ("lead", second)
    return Decision(kind, subject, "lead", AT - dt.timedelta(days=1), "minutes", approvers)


@pytest.fixture
def ready() -> PublicationInput:
    """A publication that passes every check."""
    return PublicationInput(
        case="VD-2026-0001",
        kind=PublicationKind.ADVISORY,
        at=AT,
        roles=frozenset({Role.PRODUCT_PROVIDER}),
        facts=frozenset({FactKind.AWARE, FactKind.FIX_AVAILABLE}),
        included={"summary": "Heap overflow in httpd.", "remediation": "Update to 2.0."},
        stated_level=SeverityLevel.CRITICAL,
        cvss_score=9.8,
    )


def test_ready_publication_passes_every_check(ready: PublicationInput) -> None:
    gate = check_publication(ready)
    assert gate.result is Result.PASS
    assert {c.article for c in gate.checks} == {f"RMSV 9({n})" for n in range(1, 8)} | {
        "RMSV 9(1) embargo"
    }


def test_9_1_fix_or_measures_or_early_publication(ready: PublicationInput) -> None:
    no_fix = replace(ready, facts=frozenset({FactKind.AWARE}))
    assert fix_or_assessment(no_fix).result is Result.FAIL
    measures = replace(ready, facts=frozenset({FactKind.AWARE, FactKind.MEASURES_TAKEN}))
    assert fix_or_assessment(measures).result is Result.PASS
    early = replace(no_fix, decisions=(_decision(DecisionKind.EARLY_PUBLICATION),))
    assert fix_or_assessment(early).result is Result.PASS


def test_9_5_remediation_must_be_published_together(ready: PublicationInput) -> None:
    bare = replace(ready, included={"summary": "Heap overflow."})
    assert remediation_published(bare).result is Result.FAIL
    blank = replace(ready, included={"summary": "x", "workaround": "   "})
    assert remediation_published(blank).result is Result.FAIL
    workaround = replace(ready, included={"summary": "x", "workaround": "Disable the CGI module."})
    assert remediation_published(workaround).result is Result.PASS


@pytest.mark.parametrize(
    ("attachment", "expected"),
    [
        (Attachment("diagram.png"), Result.PASS),
        (Attachment("notes.txt", flagged_exploit=True), Result.FAIL),
        (Attachment("poc_httpd.txt"), Result.FAIL),
        (Attachment("data.txt", head="#!/usr/bin/env python\nimport socket\n"), Result.FAIL),
        (Attachment("checker.py", head="print('version check')"), Result.NEEDS_DECISION),
    ],
)
def test_9_4_attachments(ready: PublicationInput, attachment: Attachment, expected: Result) -> None:
    assert no_exploit(replace(ready, attachments=(attachment,))).result is expected


def test_9_4_exploit_fields_and_cleared_code(ready: PublicationInput) -> None:
    with_poc = replace(ready, included={**ready.included, "proof_of_concept": "send 4097 bytes"})
    check = no_exploit(with_poc)
    assert check.result is Result.FAIL and "proof_of_concept" in check.message
    shellcode = replace(ready, included={**ready.included, "harm": "payload \\x90\\x90\\x90"})
    assert no_exploit(shellcode).result is Result.FAIL
    code = replace(
        ready,
        attachments=(Attachment("checker.py"),),
        decisions=(_decision(DecisionKind.ATTACHMENT_CLEARED, "checker.py"),),
    )
    assert no_exploit(code).result is Result.PASS
    other = replace(code, decisions=(_decision(DecisionKind.ATTACHMENT_CLEARED, "other.py"),))
    assert no_exploit(other).result is Result.NEEDS_DECISION


def test_9_2_operator_live_systems(ready: PublicationInput) -> None:
    details = replace(ready, included={**ready.included, "operator_system_details": "10.0.0.5"})
    assert no_operator_details(details).result is Result.FAIL
    assert no_operator_details(replace(ready, event_type=True)).result is Result.FAIL
    operator = replace(ready, roles=frozenset({Role.NETWORK_OPERATOR}))
    assert no_operator_details(operator).result is Result.NEEDS_DECISION
    reviewed = replace(operator, decisions=(_decision(DecisionKind.NO_OPERATOR_DETAILS),))
    assert no_operator_details(reviewed).result is Result.PASS
    # A review does not lift the event-type prohibition.
    assert no_operator_details(replace(reviewed, event_type=True)).result is Result.FAIL


def test_9_6_blackout_window(ready: PublicationInput) -> None:
    window = Blackout("summit", AT - dt.timedelta(hours=1), AT + dt.timedelta(days=2))
    inside = replace(ready, blackouts=(window,))
    check = outside_blackout(inside)
    assert check.result is Result.FAIL and "summit" in check.message
    consent = replace(inside, decisions=(_decision(DecisionKind.MPS_CONSENT, "summit"),))
    assert outside_blackout(consent).result is Result.PASS
    wrong = replace(inside, decisions=(_decision(DecisionKind.MPS_CONSENT, "games"),))
    assert outside_blackout(wrong).result is Result.FAIL
    ended = replace(ready, blackouts=(Blackout("past", AT - dt.timedelta(days=3), AT),))
    assert outside_blackout(ended).result is Result.PASS  # the end is exclusive


def test_9_7_overseas_sharing(ready: PublicationInput) -> None:
    before = AT - dt.timedelta(days=2)
    leak = replace(ready, shares=(Share("Research Lab", "US", before),))
    check = no_overseas_leak(leak)
    assert check.result is Result.FAIL and "Research Lab (US)" in check.message
    provider = replace(ready, shares=(Share("Vendor", "US", before, is_provider=True),))
    assert no_overseas_leak(provider).result is Result.PASS
    domestic = replace(ready, shares=(Share("CNCERT", "CN", before),))
    assert no_overseas_leak(domestic).result is Result.PASS
    after = replace(ready, shares=(Share("Research Lab", "US", AT + dt.timedelta(hours=1)),))
    assert no_overseas_leak(after).result is Result.PASS
    excepted = replace(
        leak, decisions=(_decision(DecisionKind.OVERSEAS_EXCEPTION, "Research Lab"),)
    )
    assert no_overseas_leak(excepted).result is Result.PASS


def test_9_3_severity_not_exaggerated(ready: PublicationInput) -> None:
    high = replace(ready, cvss_score=7.5)
    check = severity_not_exaggerated(high)
    assert check.result is Result.FAIL and "critical" in check.message
    assert (
        severity_not_exaggerated(replace(high, stated_level=SeverityLevel.MEDIUM)).result
        is Result.PASS
    )
    assert severity_not_exaggerated(replace(high, stated_level=None)).result is Result.PASS
    unscored = replace(ready, cvss_score=None)
    assert severity_not_exaggerated(unscored).result is Result.NEEDS_DECISION
    assert severity_not_exaggerated(replace(unscored, stated_level=None)).result is Result.PASS


def test_overall_result_is_the_worst(ready: PublicationInput) -> None:
    needs = replace(ready, roles=frozenset({Role.NETWORK_OPERATOR}))
    assert check_publication(needs).result is Result.NEEDS_DECISION
    both = replace(needs, facts=frozenset({FactKind.AWARE}))
    assert check_publication(both).result is Result.FAIL


def test_kinds_parse_and_refuse_unknown() -> None:
    assert PublicationKind.parse("kind", " Blog ") is PublicationKind.BLOG
    with pytest.raises(InvalidInput, match="advisory, blog, talk"):
        PublicationKind.parse("kind", "tweet")
    assert DecisionKind.parse("kind", "mps-consent") is DecisionKind.MPS_CONSENT


def test_a_decision_lifts_a_check_only_with_two_different_approvers(
    ready: PublicationInput,
) -> None:
    window = Blackout("summit", AT - dt.timedelta(days=1), AT + dt.timedelta(days=1))
    for approvers, result in ((("lead",), Result.FAIL), (("lead", "lead"), Result.FAIL)):
        alone = Decision(DecisionKind.MPS_CONSENT, "summit", "lead", AT, "letter", approvers)
        p = replace(ready, blackouts=(window,), decisions=(alone,))
        assert outside_blackout(p).result is result
    p = replace(
        ready, blackouts=(window,), decisions=(_decision(DecisionKind.MPS_CONSENT, "summit"),)
    )
    assert outside_blackout(p).result is Result.PASS


def test_publication_before_the_embargo_end_fails_until_two_people_decide_why(
    ready: PublicationInput,
) -> None:
    from vulndesk.rules.publication import embargo_respected

    end = AT + dt.timedelta(days=3)
    held = replace(ready, embargo_end=end, embargo_zone="Asia/Shanghai")
    found = embargo_respected(held)
    assert found.result is Result.FAIL
    assert "Asia/Shanghai" in found.message and "embargo_early_publication" in found.message
    assert check_publication(held).result is Result.FAIL
    one = Decision(DecisionKind.EMBARGO_EARLY_PUBLICATION, "", "lead", AT, "leak", ("lead",))
    assert embargo_respected(replace(held, decisions=(one,))).result is Result.FAIL
    two = _decision(DecisionKind.EMBARGO_EARLY_PUBLICATION)
    assert embargo_respected(replace(held, decisions=(two,))).result is Result.PASS
    assert embargo_respected(replace(held, at=end)).result is Result.PASS
    assert embargo_respected(ready).result is Result.PASS


@pytest.mark.parametrize(
    ("statuses", "result"),
    [
        (("fixed", "not_affected"), Result.PASS),
        (("fixed", "fixed"), Result.PASS),
        (("not_affected",), Result.FAIL),  # nothing fixed: no fix to publish with
        (("fixed", "affected"), Result.FAIL),
        (("fixed", "no_answer"), Result.FAIL),
        (("under_investigation",), Result.FAIL),
    ],
)
def test_third_party_fix_is_the_vendors_approved_status(
    ready: PublicationInput, statuses: tuple[str, ...], result: Result
) -> None:
    vendor = tuple(
        VendorStatus("widgetco", f"p{i}", s, AT, ("4.2",) if s == "fixed" else ())
        for i, s in enumerate(statuses)
    )
    lab = replace(ready, roles=frozenset({Role.THIRD_PARTY}), facts=frozenset(), vendor=vendor)
    found = fix_or_assessment(lab)
    assert found.result is result
    assert "the vendor widgetco states (approved): p0" in found.message
