"""The use cases refuse the wrong role by themselves, with no API route, page or command before
them: clock administration, preferences, oversight, reference data, accounts, audit reads and
the platform filing. Each test also runs the act as the least role that may, so it can fail.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest

from tests.builders import seed_reference
from tests.fakes import FakeHasher, FakeWorld, actor_for, principal, rules_evaluator
from vulndesk.domain.errors import Forbidden
from vulndesk.rules import RuleSet
from vulndesk.services.access.rights import Credential, Principal
from vulndesk.services.accounts import admin as account_admin
from vulndesk.services.accounts import users as accounts
from vulndesk.services.audit import trail
from vulndesk.services.cases import reference
from vulndesk.services.clocks import options, rules_in_force
from vulndesk.services.publication import thirdparty
from vulndesk.services.reports import drafts, oversight

ADMIN = actor_for("setup", "admin")
ANALYST = actor_for("ana", "analyst", unit="cn")
AUDITOR = actor_for("audrey", "auditor")
COORD = actor_for("coord", "coordinator", unit="cn")
HQ = actor_for("hq-officer", "hq-oversight", unit="hq")
NOBODY = principal("nobody")
NO_CATALOGUE: dict[str, RuleSet] = {}
FILING = {
    "platform_name": "Acme vulnerability platform",
    "homepage_url": "https://vulns.example.cn",
    "sponsor_name": "Acme Shenzhen",
    "contact_name": "Li Lei",
    "contact_details": "+86 755 0000 0000",
}


@pytest.fixture
def world() -> FakeWorld:
    w = FakeWorld(evaluate=rules_evaluator())
    seed_reference(w.deps(), ADMIN)
    for who in (ANALYST, AUDITOR, COORD, HQ):
        accounts.add_user(
            w.deps(),
            ADMIN,
            FakeHasher(),
            name=who.name,
            email=f"{who.name}@example.org",
            roles=sorted(who.roles),
            unit=who.unit,
        )
    return w


Act = Callable[[FakeWorld, Principal], Any]


def refused_then_allowed(world: FakeWorld, act: Act, wrong: Principal, right: Principal) -> None:
    """`wrong` is refused and records nothing; `right` (the least role that may) gets through."""
    before = len(world.state.events)
    with pytest.raises(Forbidden):
        act(world, wrong)
    assert len(world.state.events) == before
    act(world, right)


def test_clock_administration_is_the_administrators(world: FakeWorld) -> None:
    acts: list[Act] = [
        lambda w, p: options.list_options(w.deps(), p),
        lambda w, p: options.list_calendar(w.deps(), p, "CN"),
        lambda w, p: options.set_calendar_day(w.deps(), p, "CN", "2027-01-04", False, "storm"),
        lambda w, p: rules_in_force.rule_sets(w.deps(), p, NO_CATALOGUE),
        lambda w, p: rules_in_force.set_in_force(w.deps(), p, NO_CATALOGUE, []),
    ]
    for act in acts:
        refused_then_allowed(world, act, COORD, ADMIN)
    with pytest.raises(Forbidden):
        options.set_option(world.deps(), ANALYST, NO_CATALOGUE, "cn-rmsv-2021.x", "1")


def test_preferences_are_ones_own_unless_an_administrator(world: FakeWorld) -> None:
    def theirs(w: FakeWorld, p: Principal) -> object:
        return account_admin.change_preferences(w.deps(), p, "ana", "Asia/Shanghai", None)

    refused_then_allowed(world, theirs, AUDITOR, ADMIN)
    account_admin.change_preferences(world.deps(), ANALYST, "ana", "UTC", "en")
    assert account_admin.my_preferences(world.deps(), ANALYST).timezone == "UTC"


def test_oversight_is_headquarters_and_administrators(world: FakeWorld) -> None:
    acts: list[Act] = [
        lambda w, p: oversight.government_submissions(w.deps(), p),
        lambda w, p: oversight.notices(w.deps(), p),
        lambda w, p: oversight.subscribers(w.deps(), p),
        lambda w, p: oversight.hq_required(w.deps(), p),
        lambda w, p: oversight.set_require_hq(w.deps(), p, True),
        lambda w, p: oversight.subscribe(w.deps(), p, "Board", "board@acme.example"),
    ]
    for act in acts:
        refused_then_allowed(world, act, AUDITOR, HQ)


def test_reference_writes_are_coordinators_and_administrators(world: FakeWorld) -> None:
    acts: list[Act] = [
        lambda w, p: reference.add_unit(
            w.deps(), p, id=f"u-{p.name}", name="U", country="CN", timezone="UTC"
        ),
        lambda w, p: reference.add_party(
            w.deps(), p, id=f"p-{p.name}", name="P", kind="customer", country="CN"
        ),
        lambda w, p: reference.add_product(
            w.deps(), p, reference.ProductInput(f"r-{p.name}", "Acme", "R", "R-1")
        ),
        lambda w, p: reference.set_unit_contact(
            w.deps(), p, "cn", reference.UnitContact(contact_person="Li Lei")
        ),
    ]
    for act in acts:
        refused_then_allowed(world, act, ANALYST, COORD)
    # Reads: every role with case work or oversight, not the auditor.
    refused_then_allowed(world, lambda w, p: reference.units(w.deps(), p), AUDITOR, ANALYST)
    refused_then_allowed(world, lambda w, p: reference.party(w.deps(), p, "nvdb"), AUDITOR, HQ)


def test_accounts_and_policies_are_administered_by_administrators(world: FakeWorld) -> None:
    acts: list[Act] = [
        lambda w, p: account_admin.list_users(w.deps(), p),
        lambda w, p: account_admin.grant(w.deps(), p, "ana", add=["approver"]),
        lambda w, p: account_admin.enroll_totp(w.deps(), p, "ana"),
        lambda w, p: account_admin.add_user(
            w.deps(), p, FakeHasher(), name="new-one", email="new@example.org", roles=["analyst"]
        ),
        lambda w, p: drafts.overrides(w.deps(), p),
        lambda w, p: drafts.set_override(w.deps(), p, "nvdb", ("public",)),
    ]
    for act in acts:
        refused_then_allowed(world, act, COORD, ADMIN)


def test_a_token_is_issued_from_a_session_only(world: FakeWorld) -> None:
    by_token = replace(ANALYST, credential="token:abc", kind=Credential.TOKEN)
    with pytest.raises(Forbidden, match="signed-in session"):
        account_admin.issue_token(world.deps(), by_token, frozenset({"read"}), 30, None)
    with pytest.raises(Forbidden, match="roles"):
        account_admin.issue_token(world.deps(), NOBODY, frozenset({"read"}), 30, None)


def test_audit_reads_are_auditors_and_administrators(world: FakeWorld) -> None:
    refused_then_allowed(world, lambda w, p: trail.events(w.deps(), p, 1, 10), HQ, AUDITOR)
    with pytest.raises(Forbidden):
        trail.verify_chain(world.deps(), COORD)


def test_the_platform_filing_is_the_administrators(world: FakeWorld) -> None:
    """The fakes keep no filing: an administrator's call gets past the check to storage."""
    acts: list[Act] = [
        lambda w, p: thirdparty.set_filing(w.deps(), p, FILING),
        lambda w, p: thirdparty.filing(w.deps(), p),
    ]
    for act in acts:
        with pytest.raises(Forbidden):
            act(world, COORD)
        with pytest.raises(NotImplementedError, match="publication"):
            act(world, ADMIN)
