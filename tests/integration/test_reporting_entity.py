"""The reporting entity per unit: set once, named in every regulator report and notice, on both engines."""

from __future__ import annotations

import json

import pytest

from tests.builders import open_case, seed_reference
from vulndesk.domain.errors import InvalidInput
from vulndesk.services.access.rights import Principal
from vulndesk.services.cases import reference
from vulndesk.services.context import Deps
from vulndesk.services.notify import notices as notifications
from vulndesk.services.reports import drafts as reports

ENTITY = reference.UnitContact(
    legal_name="艾克米（深圳）科技有限公司 (Acme Shenzhen Technology Co., Ltd.)",
    contact_person="李娜 (Li Na)",
    contact_email="psirt-cn@acme.example",
    contact_phone="+86 755 5555 0100",
)
FIELDS = ("organisation", "contact_name", "contact_email", "contact_phone")


def _seed(deps: Deps, actor: Principal) -> str:
    seed_reference(deps, actor)
    reference.add_party(deps, actor, id="enisa", name="ENISA", kind="csirt", country="GR")
    return open_case(deps, actor, upstream_component=True).key


def _entity_fields(
    deps: Deps, actor: Principal, key: str, kind: str, recipient: str
) -> dict[str, list[str]]:
    record = reports.draft_report(deps, actor, key, kind, recipient)
    doc = json.loads(record.draft.content)
    section = "reporting_entity" if kind == "nvdb" else "manufacturer"
    return {f["key"]: f["values"] for f in doc["fields"] if f["section"] == section}


def _notice_text(deps: Deps, actor: Principal, key: str) -> str:
    """The newest frozen upstream notice mail's plain text, as it would be sent."""
    (queued,) = notifications.send(deps, actor, key, kind="upstream")
    with deps.uow() as uow:
        content = uow.notifications.get_message(str(queued.key)).content
    assert content is not None
    return str(json.loads(content)["text"])


@pytest.mark.parametrize(
    ("kind", "recipient"), [("nvdb", "nvdb"), ("enisa.vulnerability_notification", "enisa")]
)
def test_regulator_reports_name_the_reporting_entity_once_set(
    deps: Deps, actor: Principal, kind: str, recipient: str
) -> None:
    key = _seed(deps, actor)
    before = _entity_fields(deps, actor, key, kind, recipient)
    # Not set: the organisation is the unit's name; the contact is truly "not provided".
    assert before["organisation"] == ["Acme Shenzhen"]
    assert (before["contact_name"], before["contact_email"], before["contact_phone"]) == (
        [],
        [],
        [],
    )

    unit = reference.set_unit_contact(deps, actor, "cn", ENTITY)
    assert unit.entity_name == ENTITY.legal_name
    after = _entity_fields(deps, actor, key, kind, recipient)
    assert after == {
        "organisation": [ENTITY.legal_name],
        "country": ["CN"],
        "contact_name": [ENTITY.contact_person],
        "contact_email": [ENTITY.contact_email],
        "contact_phone": [ENTITY.contact_phone],
    }


def test_notices_carry_the_contact_and_not_provided_only_when_unset(
    deps: Deps, actor: Principal
) -> None:
    key = _seed(deps, actor)
    unset = _notice_text(deps, actor, key)
    assert "<>" not in unset and "PSIRT" not in unset
    assert "Contact: not provided\nAcme Shenzhen\n" in unset

    reference.set_unit_contact(deps, actor, "cn", ENTITY)
    text = _notice_text(deps, actor, key)
    assert (
        f"Contact: 李娜 (Li Na) <psirt-cn@acme.example> +86 755 5555 0100\n{ENTITY.legal_name}\n"
        in text
    )
    assert f"{ENTITY.legal_name} has found a security vulnerability" in text
    assert "not provided" not in text.split("Contact:")[-1]


def test_contact_fields_are_validated_by_name(deps: Deps, actor: Principal) -> None:
    seed_reference(deps, actor)
    bad = {
        "contact_email": reference.UnitContact(contact_email="psirt at acme"),
        "contact_phone": reference.UnitContact(contact_phone="0755 5555"),
        "on_call_email": reference.UnitContact(on_call_email="a@b@c.example"),
        "legal_name": reference.UnitContact(legal_name="Acme\r\nBcc: x@evil.example"),
    }
    for name, change in bad.items():
        with pytest.raises(InvalidInput) as caught:
            reference.set_unit_contact(deps, actor, "cn", change)
        assert caught.value.field == name
    with pytest.raises(InvalidInput, match=r"E\.164"):
        reference.set_unit_contact(deps, actor, "cn", bad["contact_phone"])
    with pytest.raises(InvalidInput, match="nothing to change"):
        reference.set_unit_contact(deps, actor, "cn", reference.UnitContact())
    assert reference.get_unit(deps, "cn").contact_email is None


def test_contact_is_kept_cleared_and_audited(deps: Deps, actor: Principal) -> None:
    seed_reference(deps, actor)
    reference.set_unit_contact(deps, actor, "cn", ENTITY)
    reference.set_unit_contact(deps, actor, "cn", reference.UnitContact(contact_phone=""))
    unit = reference.get_unit(deps, "cn")
    assert (unit.contact_email, unit.contact_phone) == (ENTITY.contact_email, None)
    assert [u.contact_email for u in reference.list_units(deps) if u.id == "hq"] == [None]
    with deps.uow() as uow:
        events = [e.event for e in uow.audit.for_object("unit", "cn")]
    changes = [e for e in events if e.tag == "ref:unit:contact-set"]
    every = tuple(sorted(["legal_name", "contact_person", "contact_email", "contact_phone"]))
    assert sorted(e.fields for e in changes) == sorted([every, ("contact_phone",)])
    # The audit names the fields, never their values.
    assert all(str(ENTITY.contact_email) not in json.dumps(dict(e.detail)) for e in changes)
