"""Canaries: a field a recipient's policy excludes never appears in any document built for it."""

from __future__ import annotations

import pytest

from tests.unit.reports.report_fixtures import (
    DETAILS,
    context,
    every_output,
    make_case,
    outputs,
    party,
)
from vulndesk.domain.disclosure import DETAIL_FIELDS, Sensitivity
from vulndesk.domain.ids import PartyId
from vulndesk.domain.parties import PartyKind
from vulndesk.domain.policy import DisclosureException, DisclosurePolicy, allowed_fields

# Every field some document shows when it is allowed; the reporter's identity is never sent.
SHOWN_SOMEWHERE = frozenset(DETAIL_FIELDS) - {"reporter_identity"}


def canary(name: str) -> str:
    return f"CANARY-{name.upper()}-7f3a91"


def planted(cls: Sensitivity) -> dict[str, str]:
    """The fixture details with a distinct canary in every field of `cls`."""
    return {
        name: canary(name) if DETAIL_FIELDS[name] is cls else text for name, text in DETAILS.items()
    }


def all_text(kind: PartyKind, policy: DisclosurePolicy, cls: Sensitivity) -> str:
    case = make_case(planted(cls))
    return "".join(
        o.text
        for lang in ("en", "zh-CN")
        for o in outputs(context(case, party(kind, lang), policy))
    )


@pytest.mark.parametrize("cls", [Sensitivity.SECRET, Sensitivity.RESTRICTED])
def test_excluded_fields_never_appear(cls: Sensitivity) -> None:
    policy = DisclosurePolicy()
    scanned = 0
    for recipient, out in every_output(make_case(planted(cls)), policy):
        excluded = [
            n
            for n, c in DETAIL_FIELDS.items()
            if c is cls and n not in allowed_fields(policy, recipient)
        ]
        for name in excluded:
            assert canary(name) not in out.text, (
                f"{name} leaked to {recipient.kind.value} in {out.name}"
            )
            scanned += 1
    assert scanned > 1000


@pytest.mark.parametrize("kind", list(PartyKind))
@pytest.mark.parametrize("cls", [Sensitivity.SECRET, Sensitivity.RESTRICTED])
def test_allowed_fields_do_appear(kind: PartyKind, cls: Sensitivity) -> None:
    """The control for the scan above: canaries the recipient may see are found by the same scan."""
    policy = DisclosurePolicy()
    text = all_text(kind, policy, cls)
    for name in SHOWN_SOMEWHERE & allowed_fields(policy, party(kind)):
        if DETAIL_FIELDS[name] is cls:
            assert canary(name) in text, f"{name} missing for {kind.value}"


def test_restricted_reaches_governments_and_suppliers_only() -> None:
    policy = DisclosurePolicy()
    marker = canary("technical_characteristics")
    for kind in PartyKind:
        present = marker in all_text(kind, policy, Sensitivity.RESTRICTED)
        expected = kind in (PartyKind.REGULATOR, PartyKind.CSIRT, PartyKind.UPSTREAM_SUPPLIER)
        assert present is expected, kind


def test_an_approved_exception_releases_only_its_fields_to_its_party() -> None:
    grant = DisclosureException(
        frozenset({"trigger_location"}), "supplier cannot reproduce", ("alice", "bob")
    )
    policy = DisclosurePolicy().with_exception(PartyId("acme-httpd"), grant)
    supplier = all_text(PartyKind.UPSTREAM_SUPPLIER, policy, Sensitivity.SECRET)
    assert canary("trigger_location") in supplier
    for name in ("proof_of_concept", "exploit", "reporter_identity", "operator_system_details"):
        assert canary(name) not in supplier
    assert canary("trigger_location") not in all_text(
        PartyKind.REGULATOR, policy, Sensitivity.SECRET
    )
