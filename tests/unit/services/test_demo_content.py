"""The demo's data file hangs together: every name it uses is declared in it, once."""

from __future__ import annotations

import tomllib
from importlib import resources

import pytest

from vulndesk.services.demo import content

DEMO = content.read()


def test_the_demo_has_its_organisation_cases_and_accounts() -> None:
    assert [u["id"] for u in DEMO.units] == ["acme-hq", "acme-cn", "acme-de"]
    assert len(DEMO.cases) == 27
    assert {u.name for u in DEMO.users} >= {"admin", "analyst-cn", "approver-cn", "approver-hq"}
    assert {"cncert", "telco-cn", "miit-nvdb"} <= {p["id"] for p in DEMO.parties}


def test_case_titles_are_unique_and_every_reference_names_one() -> None:
    titles = [c.title for c in DEMO.cases]
    assert len(set(titles)) == len(titles)
    named = [c.duplicate_of for c in DEMO.cases if c.duplicate_of]
    named += [f.case for f in DEMO.history.filings] + [n.case for n in DEMO.history.notices]
    named.append(DEMO.advisory.case)
    assert named and set(named) <= set(titles)


def test_cases_name_declared_units_products_versions_and_severities() -> None:
    units = {u["id"] for u in DEMO.units}
    versions = {p["id"]: set(p["versions"]) for p in DEMO.products}
    for case in DEMO.cases:
        assert case.unit in units, case.title
        assert case.severity in DEMO.cvss31, case.title
        for product, listed in case.products.items():
            assert set(listed) <= versions[product], case.title
    assert {p["owner_unit"] for p in DEMO.products} <= units
    assert {u.unit for u in DEMO.users} | {u.joins for u in DEMO.users if u.joins} <= units


def test_history_and_advisory_name_demo_accounts_and_parties() -> None:
    names = {u.name for u in DEMO.users}
    parties = {p["id"] for p in DEMO.parties}
    history, advisory = DEMO.history, DEMO.advisory
    assert {history.drafter, *history.approvers, advisory.author, *advisory.approvers} <= names
    recipients = {f.recipient for f in history.filings} | {n.recipient for n in history.notices}
    assert recipients | {advisory.recipient} <= parties


def test_case_details_carry_the_case_title_and_cwe() -> None:
    details = DEMO.case_text.details_of("Some flaw", "CWE-1")
    assert details["summary"] == "Some flaw."
    assert details["technical_characteristics"].startswith("CWE-1 ")


def test_a_demo_act_needs_exactly_two_approvers() -> None:
    text = resources.files(content.__package__).joinpath(content.DEFAULT).read_text("utf-8")
    raw = tomllib.loads(text)
    raw["history"]["approvers"].append("auditor")
    with pytest.raises(ValueError, match="3 approvers"):
        content.parse(raw)


def test_cve_ids_and_the_coordination_name_declared_cases_parties_and_accounts() -> None:
    titles = {c.title for c in DEMO.cases}
    users = {u.name for u in DEMO.users}
    parties = {p["id"] for p in DEMO.parties}
    assert {i.case for i in DEMO.cve.ids} <= titles
    assert {i.state for i in DEMO.cve.ids} == {"reserved", "published", "rejected"}
    assert len({i.number for i in DEMO.cve.ids}) == len(DEMO.cve.ids)
    assert {i.reserved_by for i in DEMO.cve.ids} | {i.by for i in DEMO.cve.ids if i.by} <= users
    [published] = [i for i in DEMO.cve.ids if i.state == "published"]
    assert published.case == DEMO.advisory.case
    c = DEMO.coordination
    assert c.case in titles
    assert {c.lead, c.second, *c.deciders} <= users
    invited = {p.party for p in c.participants}
    assert invited <= parties and len(invited) == len(c.participants)
    assert {s.party for s in c.statements} <= invited
    assert {m.thread for m in c.messages} <= invited | {"shared"}
    assert {d.recipient for d in c.decisions} <= invited
    assert c.embargo_days > 0
