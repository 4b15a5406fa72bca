"""Case work: field edits with history, product links from the reporter's text, bulk acts."""

from __future__ import annotations

from typing import Any

import pytest

from tests.builders import accounts_for, as_person, open_case, seed_reference
from vulndesk.bootstrap import Container
from vulndesk.domain.audit_tags import AuditTag
from vulndesk.domain.errors import Forbidden, InvalidInput
from vulndesk.services.access.rights import Principal
from vulndesk.services.accounts import mail_prefs
from vulndesk.services.cases import bulk, editing, linking, reference
from vulndesk.services.cases import lifecycle as cases
from vulndesk.services.intake import public as intake
from vulndesk.services.notify import escalations


@pytest.fixture
def seeded(container: Container, actor: Principal) -> Container:
    deps = container.deps()
    seed_reference(deps, actor)
    reference.add_product(
        deps,
        actor,
        reference.ProductInput(
            id="acme-camera",
            vendor="Acme",
            name="Smart Camera",
            model="SC-200",
            versions=("3.1",),
            markets=("CN",),
            owner_unit="cn",
        ),
    )
    return container


def _report(container: Container, product: str) -> intake.IntakeReceipt:
    fields: dict[str, Any] = {
        "product": product,
        "version": "3.1",
        "description": "Stack overflow in the RTSP parser",
        "steps": "send a long URL",
        "impact": "remote code execution",
        "source_address": "203.0.113.9",
    }
    return intake.submit_report(container.deps(), intake.IntakeRequest(**fields))


def test_each_edited_field_is_one_audited_change_in_the_history(
    seeded: Container, actor: Principal
) -> None:
    deps = seeded.deps()
    case = open_case(deps, actor)
    changes = {"title": "Heap overflow in httpd parser", "cwe": "787", "remediation": "update"}
    saved = editing.edit_case(deps, actor, case.key, changes)
    assert (saved.title, saved.cwe, saved.details["remediation"]) == (
        "Heap overflow in httpd parser",
        "CWE-787",
        "update",
    )
    got = {(h.field, h.by, h.before, h.after) for h in editing.history(deps, actor, case.key)}
    # Case content: the trail (read by auditors) names the field and who, never the value.
    assert got == {(f, "analyst-a", "", "") for f in ("title", "cwe", "remediation")}
    with deps.uow() as uow:
        trail = uow.audit.for_object("case", case.key)
    assert "Heap overflow in httpd parser" not in repr([e.event for e in trail])
    # An unchanged field writes nothing.
    editing.edit_case(deps, actor, case.key, {"title": "Heap overflow in httpd parser"})
    assert len(editing.history(deps, actor, case.key)) == 3


def test_products_edit_names_the_field_and_the_fix(seeded: Container, actor: Principal) -> None:
    deps = seeded.deps()
    case = open_case(deps, actor)
    with pytest.raises(InvalidInput) as refused:
        editing.edit_case(deps, actor, case.key, {"products": "router: 9.9"})
    assert refused.value.field == "products"
    assert "1.0" in (refused.value.accepted or "")
    saved = editing.edit_case(deps, actor, case.key, {"products": "router: 1.0, 1.1; cloud"})
    assert editing.show_products(saved.products) == "cloud; router: 1.0, 1.1"


def test_unit_and_owner_need_a_manager(seeded: Container, actor: Principal) -> None:
    deps = seeded.deps()
    analyst = as_person("ana", roles={"analyst"}, unit="cn")
    case = open_case(deps, actor, members=["ana"])
    with pytest.raises(Forbidden):
        editing.edit_case(deps, analyst, case.key, {"unit": "de"})
    accounts_for(deps, analyst, role="analyst")
    saved = editing.edit_case(deps, actor, case.key, {"owner": "ana", "unit": "de"})
    assert saved.owner == "ana"
    assert "ana" in saved.members
    got = {(h.field, h.before, h.after) for h in editing.history(deps, actor, case.key)}
    assert got == {("owner", "", "ana"), ("unit", "cn", "de")}
    assert saved.unit == "de"


def test_near_miss_report_goes_to_the_products_unit_and_link_starts_clocks(
    seeded: Container, actor: Principal
) -> None:
    deps = seeded.deps()
    got = _report(seeded, "acme smart camera sc200")
    case = cases.show_case(deps, actor, got.case_key).case
    assert case.products == ()
    assert case.unit == "cn"  # the best confident match's unit, so Shenzhen sees it
    [best, *_] = linking.suggestions(deps, actor, case.key)
    assert best.product.id == "acme-camera"
    assert case.key in {r.key for r in linking.unlinked(deps, actor)}
    before = {o.id for o in cases.show_case(deps, actor, case.key).obligations}
    linked = linking.link_product(deps, actor, case.key, "acme-camera", "3.1")
    assert editing.show_products(linked.products) == "acme-camera: 3.1"
    after = {o.id for o in cases.show_case(deps, actor, case.key).obligations}
    assert any(o.startswith("cn-rmsv") for o in after - before), after
    assert case.key not in {r.key for r in linking.unlinked(deps, actor)}
    with seeded.deps().uow() as uow:
        tags = [e.event.tag for e in uow.audit.for_object("case", case.key)]
    assert AuditTag.CASE_PRODUCT_LINKED in tags


def test_vague_report_stays_for_triage(seeded: Container, actor: Principal) -> None:
    got = _report(seeded, "some device")
    case = cases.show_case(seeded.deps(), actor, got.case_key).case
    assert case.unit == "hq"
    assert linking.confident("some device", reference.list_products(seeded.deps())) is None


def test_bulk_transition_reports_each_cases_guard(seeded: Container, actor: Principal) -> None:
    deps = seeded.deps()
    one = open_case(deps, actor)
    two = open_case(deps, actor)
    cases.transition(deps, actor, two.key, "triage", "look")
    results = bulk.bulk_transition(deps, actor, [one.key, two.key, "VD-2099-9999"], "triage", "go")
    by_key = {r.key: r for r in results}
    assert by_key[one.key].done
    assert not by_key[two.key].done and by_key[two.key].reason
    assert not by_key["VD-2099-9999"].done
    with pytest.raises(InvalidInput):
        bulk.bulk_transition(deps, actor, [], "triage", "go")


def test_bulk_assign_sets_the_owner(seeded: Container, actor: Principal) -> None:
    deps = seeded.deps()
    accounts_for(deps, as_person("ana", roles={"analyst"}), role="analyst")
    one = open_case(deps, actor)
    [res] = bulk.bulk_assign(deps, actor, [one.key], "ana")
    assert res.done
    assert cases.show_case(deps, actor, one.key).case.owner == "ana"
    [bad] = bulk.bulk_assign(deps, actor, [one.key], "nobody")
    assert not bad.done and "owner" in bad.reason


def test_a_member_who_declines_escalation_mail_is_not_mailed(
    seeded: Container, actor: Principal
) -> None:
    deps = seeded.deps()
    ana = as_person("ana", roles={"analyst"}, unit="cn")
    accounts_for(deps, ana, role="analyst")
    case = open_case(deps, actor, members=["ana"])
    with deps.uow() as uow:
        assert "member:ana" in {r.who for r in escalations.recipients(uow, case.key)}
    assert mail_prefs.mail_escalations(deps, ana)
    assert mail_prefs.set_mail_escalations(deps, ana, False) is False
    assert not mail_prefs.mail_escalations(deps, ana)
    with deps.uow() as uow:
        assert "member:ana" not in {r.who for r in escalations.recipients(uow, case.key)}
        [event] = [
            e.event
            for e in uow.audit.for_object("user", "ana")
            if e.event.tag == AuditTag.ACCOUNT_PREFERENCES_CHANGED
        ]
    assert event.detail["mail_escalations"] == "no"
