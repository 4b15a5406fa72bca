"""Disclosure policy defaults, overrides, exceptions and the equal-dissemination check."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tests.unit.reports.report_fixtures import party
from vulndesk.domain.disclosure import DETAIL_FIELDS, Sensitivity
from vulndesk.domain.errors import InvalidInput
from vulndesk.domain.ids import PartyId
from vulndesk.domain.parties import PartyKind
from vulndesk.domain.policy import (
    DisclosureException,
    DisclosurePolicy,
    Grant,
    allowed_fields,
    classes_for,
    compare_disclosure,
    withheld_classes,
)

P, R, S = Sensitivity.PUBLIC, Sensitivity.RESTRICTED, Sensitivity.SECRET
PUBLIC_FIELDS = frozenset(n for n, c in DETAIL_FIELDS.items() if c is P)
RESTRICTED_FIELDS = frozenset(n for n, c in DETAIL_FIELDS.items() if c is R)
SECRET_FIELDS = frozenset(n for n, c in DETAIL_FIELDS.items() if c is S)
RMSV_MINIMUM = {"technical_characteristics", "harm", "scope_of_impact"}


@pytest.mark.parametrize(
    ("kind", "classes", "fields"),
    [
        (PartyKind.REGULATOR, {P, R}, PUBLIC_FIELDS | RESTRICTED_FIELDS),
        (PartyKind.CSIRT, {P, R}, PUBLIC_FIELDS | RESTRICTED_FIELDS),
        (PartyKind.UPSTREAM_SUPPLIER, {P, R}, PUBLIC_FIELDS | RESTRICTED_FIELDS),
        (PartyKind.DOWNSTREAM_MAKER, {P}, PUBLIC_FIELDS | {"remediation_plan"}),
        (PartyKind.CUSTOMER, {P}, PUBLIC_FIELDS),
        (PartyKind.REPORTER, {P}, PUBLIC_FIELDS),
        (PartyKind.PUBLIC, {P}, PUBLIC_FIELDS),
    ],
)
def test_defaults(kind: PartyKind, classes: set[Sensitivity], fields: frozenset[str]) -> None:
    policy = DisclosurePolicy()
    assert classes_for(policy, party(kind)) == classes
    assert allowed_fields(policy, party(kind)) == fields
    assert not allowed_fields(policy, party(kind)) & SECRET_FIELDS


def test_regulators_get_the_rmsv_minimum() -> None:
    assert allowed_fields(DisclosurePolicy(), party(PartyKind.REGULATOR)) >= RMSV_MINIMUM


def test_override_replaces_the_kind_grant_for_that_party_only() -> None:
    policy = DisclosurePolicy().with_override(
        PartyId("bank-a"), Grant(frozenset({P}), frozenset({"scope_of_impact"}))
    )
    assert allowed_fields(policy, party(PartyKind.CUSTOMER)) == PUBLIC_FIELDS | {"scope_of_impact"}
    other = replace(party(PartyKind.CUSTOMER), id=PartyId("bank-b"))
    assert allowed_fields(policy, other) == PUBLIC_FIELDS


def test_a_kind_missing_from_the_grants_gets_public_only() -> None:
    policy = DisclosurePolicy(grants={})
    assert allowed_fields(policy, party(PartyKind.REGULATOR)) == PUBLIC_FIELDS


def test_policy_cannot_grant_secrets() -> None:
    with pytest.raises(InvalidInput, match="classes"):
        Grant(frozenset({P, S}))
    with pytest.raises(InvalidInput, match="trigger_location"):
        Grant(frozenset({P}), frozenset({"trigger_location"}))
    with pytest.raises(InvalidInput, match="not a case detail field"):
        Grant(frozenset({P}), frozenset({"password"}))


def test_exception_needs_two_approvers_a_reason_and_known_fields() -> None:
    with pytest.raises(InvalidInput, match="approved_by"):
        DisclosureException(frozenset({"exploit"}), "CSIRT asked", ("alice", "alice"))
    with pytest.raises(InvalidInput, match="reason"):
        DisclosureException(frozenset({"exploit"}), " ", ("alice", "bob"))
    with pytest.raises(InvalidInput, match="fields"):
        DisclosureException(frozenset(), "why", ("alice", "bob"))
    with pytest.raises(InvalidInput, match="not a case detail field"):
        DisclosureException(frozenset({"shell"}), "why", ("alice", "bob"))


def test_exception_adds_its_fields_to_its_party() -> None:
    exc = DisclosureException(frozenset({"proof_of_concept"}), "CSIRT reproduces", ("alice", "bob"))
    policy = DisclosurePolicy().with_exception(PartyId("cert-fr"), exc)
    assert "proof_of_concept" in allowed_fields(policy, party(PartyKind.CSIRT))
    assert "proof_of_concept" not in allowed_fields(policy, party(PartyKind.REGULATOR))
    assert classes_for(policy, party(PartyKind.CSIRT)) == {P, R}


def test_withheld_classes() -> None:
    assert withheld_classes(PUBLIC_FIELDS | RESTRICTED_FIELDS) == {S}
    assert withheld_classes(PUBLIC_FIELDS) == {R, S}
    assert withheld_classes(frozenset(DETAIL_FIELDS)) == frozenset()


def test_government_getting_more_than_customers_and_other_governments_is_flagged() -> None:
    regulator, csirt, customer = (
        party(PartyKind.REGULATOR),
        party(PartyKind.CSIRT),
        party(PartyKind.CUSTOMER),
    )
    this = PUBLIC_FIELDS | RESTRICTED_FIELDS
    others = {
        csirt: PUBLIC_FIELDS | {"technical_characteristics"},
        customer: PUBLIC_FIELDS,
        party(PartyKind.UPSTREAM_SUPPLIER): PUBLIC_FIELDS,
        regulator: this,
    }
    findings = compare_disclosure(regulator, this, others)
    assert [(f.recipient, f.compared_to) for f in findings] == [
        ("miit-nvdb", "bank-a"),
        ("miit-nvdb", "cert-fr"),
    ]
    to_customer, to_csirt = findings
    assert to_customer.extra_fields == (
        "technical_characteristics",
        "scope_of_impact",
        "affected_versions_detail",
        "remediation_plan",
        "threat_actors",
        "root_cause",
    )
    assert to_customer.extra_classes == (R,)
    assert to_customer.compared_kind is PartyKind.CUSTOMER
    assert to_csirt.extra_fields == (
        "scope_of_impact",
        "affected_versions_detail",
        "remediation_plan",
        "threat_actors",
        "root_cause",
    )
    assert "cert-fr (csirt) did not" in to_csirt.message


def test_equal_disclosure_and_non_government_recipients_give_no_findings() -> None:
    regulator, csirt = party(PartyKind.REGULATOR), party(PartyKind.CSIRT)
    assert compare_disclosure(regulator, PUBLIC_FIELDS, {csirt: PUBLIC_FIELDS | {"harm"}}) == []
    customer = party(PartyKind.CUSTOMER)
    assert compare_disclosure(customer, frozenset(DETAIL_FIELDS), {csirt: frozenset()}) == []


def test_compare_disclosure_refuses_unknown_fields() -> None:
    with pytest.raises(InvalidInput, match="this"):
        compare_disclosure(party(PartyKind.REGULATOR), frozenset({"nonsense"}), {})
