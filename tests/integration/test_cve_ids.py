"""A case's CVE ids: reserve, attach, publish, update, reject, on SQLite and PostgreSQL.

The use cases run against real storage; CVE Services is a fake port here (what it was sent
is kept), and the real adapter against a local CVE Services in the last tests.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import Any

import pytest
from sqlalchemy import select

from tests.builders import accounts_for, as_person, open_case, seed_reference
from tests.cve_services import LocalCveServices
from vulndesk.adapters.clock import SettableClock
from vulndesk.adapters.cve_services import CveServicesClient
from vulndesk.adapters.storage.tables.advisories import cve_ids
from vulndesk.bootstrap import Container
from vulndesk.domain.audit_tags import AuditTag
from vulndesk.domain.errors import Forbidden, GuardFailed, InvalidInput, NotFound
from vulndesk.exporters.advisories.advisory import Publisher
from vulndesk.exporters.validation import validate_cve
from vulndesk.services.access import rights as access
from vulndesk.services.access.rights import Principal
from vulndesk.services.advisories import cve
from vulndesk.services.advisories import revisions as advisories
from vulndesk.services.advisories.ports import CveState, Reservation
from vulndesk.services.cases import lifecycle as cases
from vulndesk.services.cases import reference
from vulndesk.services.context import Deps
from vulndesk.services.disclosure import ledger

ORG = "0b4f2a4e-3c1d-4e5f-9a6b-7c8d9e0f1a2b"
SETUP = advisories.Setup(Publisher("Acme Inc.", "https://psirt.example.com"), ORG)
CANARY = "CANARY-CVE-POC-7d1e"
DETAILS = {
    "summary": "Heap overflow in the web server.",
    "harm": "Remote code execution.",
    "remediation": "Update to 2.0.",
    "proof_of_concept": CANARY,
}
REFS = (("https://psirt.example.com/advisories/1", "Vendor advisory"),)


def who(name: str, *roles: str) -> Principal:
    return Principal(name, frozenset(roles), "de", frozenset({"read", "write"}), "test")


COORD = who("coord", "coordinator")
PA, PB = who("approver-a", "approver"), who("approver-b", "approver")
READER = who("hq-x", "hq-oversight")
ANALYST = who("analyst-b", "analyst")


class FakeCveServices:
    """The port: numbered ids and what each call sent."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str, dict[str, Any]]] = []
        self.next = 1000

    def reserve(self, amount: int, year: int) -> Reservation:
        ids = []
        for _ in range(amount):
            ids.append(f"CVE-{year}-{self.next}")
            self.next += 1
        return Reservation(tuple(ids), {i: json.dumps({"cve_id": i}) for i in ids})

    def publish(self, cve_id: str, container: Mapping[str, Any]) -> str:
        self.sent.append(("publish", cve_id, dict(container)))
        return json.dumps({"message": "created"})

    def update(self, cve_id: str, container: Mapping[str, Any]) -> str:
        self.sent.append(("update", cve_id, dict(container)))
        return json.dumps({"message": "updated"})

    def reject(self, cve_id: str, container: Mapping[str, Any], published: bool) -> str:
        self.sent.append(("reject-published" if published else "reject", cve_id, dict(container)))
        return json.dumps({"message": "rejected"})


@pytest.fixture
def key(deps: Deps, actor: Principal) -> str:
    seed_reference(deps, actor)
    people = ("approver-a", "approver-b", "analyst-b")
    accounts_for(deps, *(as_person(name, "test", unit="de") for name in people))
    reference.add_party(
        deps, actor, id="everyone", name="The public", kind="public", country="DE",
        channels=["email:psirt@example.com"],
    )  # fmt: skip
    case = open_case(deps, actor, unit="de", products={"router": ["1.0", "1.1"]}, details=DETAILS)
    for name in people:
        access.set_member(deps, actor, case.key, name, True)
    return str(case.key)


def _ready(deps: Deps, key: str, cve_id: str) -> None:
    """The advisory names the id, two people approved it, and the fix is out (Art. 9)."""
    cve.attach(deps, COORD, key, cve_id)
    advisories.edit(deps, COORD, key, {"references": REFS})
    advisories.approve(deps, PA, key)
    advisories.approve(deps, PB, key)
    cases.record_fact(deps, PA, key, "fix_available", None, "Firmware 2.0 released.")


def _tags(container: Container, key: str) -> list[str]:
    with container.uow() as uow:
        return [str(e.event.tag) for e in uow.audit.for_object("case", key)]


def test_reserve_lists_and_audits(deps: Deps, key: str, container: Container) -> None:
    port = FakeCveServices()
    made = cve.reserve(deps, COORD, port, key, amount=2, year=2026)
    assert [r.cve_id for r in made] == ["CVE-2026-1000", "CVE-2026-1001"]
    listed = cve.list_ids(deps, COORD, key)
    assert [(r.cve_id, r.state, r.reserved_by) for r in listed] == [
        ("CVE-2026-1000", CveState.RESERVED, "coord"),
        ("CVE-2026-1001", CveState.RESERVED, "coord"),
    ]
    assert json.loads(listed[0].answer) == {"cve_id": "CVE-2026-1000"}
    assert _tags(container, key).count(AuditTag.CASE_CVE_RESERVED.value) == 2
    # The answer is sealed at rest.
    with container.engine.connect() as conn:
        raw = conn.execute(select(cve_ids.c.answer_enc)).scalars().first()
    assert raw is not None and b"CVE-2026-1000" not in raw


def test_reserve_refusals(deps: Deps, key: str) -> None:
    port = FakeCveServices()
    with pytest.raises(InvalidInput, match="amount"):
        cve.reserve(deps, COORD, port, key, amount=11)
    with pytest.raises(InvalidInput, match="year"):
        cve.reserve(deps, COORD, port, key, year=1990)
    with pytest.raises(InvalidInput, match="VULNDESK_CVE_SERVICES_URL"):
        cve.reserve(deps, COORD, None, key)
    with pytest.raises(Forbidden):
        cve.reserve(deps, READER, port, key)
    outsider = who("analyst-z", "analyst")
    with pytest.raises(NotFound):
        cve.reserve(deps, outsider, port, key)
    with pytest.raises(NotFound):
        cve.list_ids(deps, outsider, key)
    assert port.next == 1000  # nothing was asked of CVE Services


def test_publish_passes_every_check_then_records_the_ledger(
    deps: Deps, key: str, container: Container, clock: SettableClock
) -> None:
    port = FakeCveServices()
    (made,) = cve.reserve(deps, COORD, port, key)
    cve_id = made.cve_id
    advisories.draft(deps, COORD, key, {"references": REFS})
    advisories.approve(deps, PA, key)
    advisories.approve(deps, PB, key)
    with pytest.raises(GuardFailed, match="cve-attached"):
        cve.publish(deps, COORD, SETUP, port, key, cve_id)
    attached = cve.attach(deps, COORD, key, cve_id)
    assert json.loads(attached.content)["cve"] == cve_id and attached.status == "draft"
    with pytest.raises(GuardFailed, match="two different approvers"):
        cve.publish(deps, COORD, SETUP, port, key, cve_id)
    advisories.approve(deps, PA, key)
    advisories.approve(deps, PB, key)
    with pytest.raises(GuardFailed, match="fix-before-publication"):
        cve.publish(deps, COORD, SETUP, port, key, cve_id)  # RMSV Art. 9(1)
    with pytest.raises(Forbidden):
        cve.publish(deps, ANALYST, SETUP, port, key, cve_id)
    assert port.sent == []
    cases.record_fact(deps, PA, key, "fix_available", None, "Firmware 2.0 released.")
    done, ledger_ref = cve.publish(deps, COORD, SETUP, port, key, cve_id)
    assert done.state is CveState.PUBLISHED and done.published_by == "coord"
    (sent,) = port.sent
    assert sent[0:2] == ("publish", cve_id)
    record = {
        "containers": {"cna": sent[2]},
        "cveMetadata": {"assignerOrgId": ORG, "cveId": cve_id, "state": "PUBLISHED"},
        "dataType": "CVE_RECORD",
        "dataVersion": "5.2",
    }
    assert validate_cve(record) == []
    assert CANARY not in json.dumps(sent[2])
    entries = [e for e in ledger.list_entries(deps, key) if e.entry.disclosure_kind == "cve-record"]
    assert len(entries) == 1 and entries[0].ref == ledger_ref
    assert entries[0].entry.receipt == cve_id and entries[0].entry.channel == "cve-services"
    assert set(entries[0].entry.approvers) == {"approver-a", "approver-b"}
    # Published once; a second publish is refused, an update goes out.
    with pytest.raises(GuardFailed, match="vulndesk cve update"):
        cve.publish(deps, COORD, SETUP, port, key, cve_id)
    clock.advance(dt.timedelta(days=1))
    advisories.edit(deps, COORD, key, {"change": "Version 1.1 fixed."})
    advisories.approve(deps, PA, key)
    advisories.approve(deps, PB, key)
    updated, _ = cve.update(deps, COORD, SETUP, port, key, cve_id)
    assert updated.updated_by == "coord" and port.sent[-1][0] == "update"
    tags = _tags(container, key)
    assert AuditTag.CASE_CVE_PUBLISHED.value in tags and AuditTag.CASE_CVE_UPDATED.value in tags


def test_reject_needs_a_reason_and_the_right_role(deps: Deps, key: str) -> None:
    port = FakeCveServices()
    first, second = cve.reserve(deps, COORD, port, key, amount=2)
    with pytest.raises(InvalidInput, match="reason"):
        cve.reject(deps, COORD, SETUP, port, key, first.cve_id, "  ")
    with pytest.raises(InvalidInput, match="cve_id"):
        cve.reject(deps, COORD, SETUP, port, key, "CVE-26-1", "dup")
    done = cve.reject(deps, COORD, SETUP, port, key, first.cve_id, "Duplicate of another id.")
    assert done.state is CveState.REJECTED and done.reason == "Duplicate of another id."
    (sent,) = port.sent
    assert sent[0] == "reject"
    assert sent[2]["rejectedReasons"] == [{"lang": "en", "value": "Duplicate of another id."}]
    assert sent[2]["providerMetadata"] == {"orgId": ORG}
    with pytest.raises(GuardFailed, match="already rejected"):
        cve.reject(deps, COORD, SETUP, port, key, first.cve_id, "again")
    with pytest.raises(GuardFailed, match="rejected"):
        cve.attach(deps, COORD, key, first.cve_id)
    # A published record is rejected by a publisher only.
    _ready(deps, key, second.cve_id)
    cve.publish(deps, COORD, SETUP, port, key, second.cve_id)
    with pytest.raises(Forbidden):
        cve.reject(deps, ANALYST, SETUP, port, key, second.cve_id, "Not a vulnerability.")
    cve.reject(deps, COORD, SETUP, port, key, second.cve_id, "Not a vulnerability.")
    assert port.sent[-1][0] == "reject-published"
    states = {r.cve_id: r.state for r in cve.list_ids(deps, COORD, key)}
    assert set(states.values()) == {CveState.REJECTED}


def test_an_id_of_another_case_is_not_found(deps: Deps, key: str, actor: Principal) -> None:
    port = FakeCveServices()
    (made,) = cve.reserve(deps, COORD, port, key)
    other = open_case(deps, actor, unit="de", products={"router": ["1.0"]})
    with pytest.raises(NotFound):
        cve.reject(deps, COORD, SETUP, port, str(other.key), made.cve_id, "x")


def test_against_a_local_cve_services(deps: Deps, key: str) -> None:
    """The adapter end to end: reserve, publish, update and reject at the local server."""
    with LocalCveServices() as server:
        s = server.state
        client = CveServicesClient(server.url, s.org, s.user, s.key)
        setup = advisories.Setup(SETUP.publisher, s.org_uuid)
        first, second = cve.reserve(deps, COORD, client, key, amount=2, year=2026)
        assert server.state.ids[first.cve_id].state == "RESERVED"
        assert json.loads(first.answer)["owning_cna"] == "acme"
        _ready(deps, key, first.cve_id)
        cve.publish(deps, COORD, setup, client, key, first.cve_id)
        assert server.state.ids[first.cve_id].state == "PUBLISHED"
        stored = cve.list_ids(deps, COORD, key)[0]
        assert "successfully created" in json.loads(stored.answer)["message"]
        cve.update(deps, COORD, setup, client, key, first.cve_id)
        cve.reject(deps, COORD, setup, client, key, second.cve_id, "Unused.")
        assert server.state.ids[second.cve_id].state == "REJECTED"
        # A refusal by CVE Services records nothing.
        s.fail_next = 503
        with pytest.raises(Exception, match="try again later"):
            cve.update(deps, COORD, setup, client, key, first.cve_id)
        assert cve.list_ids(deps, COORD, key)[0].updated_at is not None
