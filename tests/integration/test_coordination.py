"""Coordinated disclosure on SQLite and PostgreSQL: participants, statuses, embargo, threads,
suggestions, the shared view through the disclosure guard and the ledger, the gate."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from tests.builders import open_case, seed_reference
from vulndesk.adapters.clock import SettableClock
from vulndesk.adapters.storage.tables.coordination import (
    coord_messages,
    coord_participants,
    coord_statements,
)
from vulndesk.bootstrap import Container
from vulndesk.domain.audit_tags import AuditTag
from vulndesk.domain.coordination import ProductStatus
from vulndesk.domain.embargo import EmbargoState
from vulndesk.domain.errors import Conflict, Forbidden, GuardFailed, InvalidInput, NotFound
from vulndesk.services.access import rights as access
from vulndesk.services.access.rights import Principal
from vulndesk.services.cases import reference
from vulndesk.services.context import Deps
from vulndesk.services.coordination import embargo, participants, statuses, suggest, threads
from vulndesk.services.disclosure import ledger
from vulndesk.services.publication import gate

CANARY = "CANARY-COORD-PEOPLE-7d1e"
DETAILS = {
    "summary": "Heap overflow in the web server.",
    "remediation": "Update to 2.0.",
    "workaround": "Disable remote management.",
    "technical_characteristics": "Unchecked length in the header parser.",
    "proof_of_concept": "CANARY-COORD-POC-33aa",
}


def who(name: str, *roles: str) -> Principal:
    return access.person(name, frozenset(roles), "cn", "test")


LEAD = who("lead", "coordinator")
DEPUTY = who("deputy", "coordinator")


@pytest.fixture
def key(deps: Deps, actor: Principal) -> str:
    seed_reference(deps, actor)
    reference.add_party(
        deps, actor, id="eu-maker", name="EU Maker", kind="downstream_maker", country="DE"
    )
    reference.add_party(deps, actor, id="cncert", name="CNCERT", kind="csirt", country="CN")
    reference.add_party(
        deps, actor, id="cn-maker", name="Shenzhen Maker", kind="downstream_maker", country="CN"
    )
    case = open_case(deps, actor, details=DETAILS)
    return str(case.key)


def test_invite_list_and_people_sealed_at_rest(deps: Deps, key: str, container: Container) -> None:
    added = participants.invite(
        deps, LEAD, key, "openssl", "upstream-supplier", [f"{CANARY} <psirt@openssl.example>"]
    )
    assert added.people[0].address == "psirt@openssl.example"
    rows = participants.participants(deps, LEAD, key)
    assert [(r.participant.party, r.party_kind) for r in rows] == [("openssl", "upstream_supplier")]
    assert rows[0].participant.people[0].name == CANARY
    with pytest.raises(Conflict):
        participants.invite(deps, LEAD, key, "openssl", "finder", ["a@example.com"])
    with pytest.raises(InvalidInput, match="role"):
        participants.invite(deps, LEAD, key, "cncert", "vendor", ["a@example.com"])
    with pytest.raises(InvalidInput, match="person"):
        participants.invite(deps, LEAD, key, "cncert", "coordinator", [])
    with pytest.raises(NotFound):
        participants.invite(deps, LEAD, key, "nobody", "coordinator", ["a@example.com"])
    with container.engine.connect() as conn:
        stored = conn.execute(select(coord_participants.c.people_enc)).scalar_one()
    assert CANARY.encode() not in stored


def test_a_non_member_analyst_sees_no_coordination(deps: Deps, key: str) -> None:
    outsider = who("outsider", "analyst")
    with pytest.raises(NotFound):
        participants.participants(deps, outsider, key)
    with pytest.raises(NotFound):
        participants.invite(deps, outsider, key, "openssl", "finder", ["a@example.com"])
    with pytest.raises(Forbidden):
        participants.invite(deps, who("hq", "hq-oversight"), key, "openssl", "finder", ["a@b.cn"])


def test_statuses_need_a_second_person_and_silence_is_no_answer(
    deps: Deps, key: str, clock: SettableClock, container: Container
) -> None:
    supplier = participants.invite(deps, LEAD, key, "openssl", "upstream_supplier", ["a@o.org"])
    maker = participants.invite(deps, LEAD, key, "cn-maker", "downstream_maker", ["b@m.cn"])
    clock.advance(dt.timedelta(hours=3))
    said = statuses.record(
        deps, LEAD, key, supplier.id, "router", "under_investigation", "looking " + CANARY
    )
    with pytest.raises(Forbidden, match="second person"):
        statuses.approve(deps, LEAD, key, said.id)
    cells = {c.participant: c for c in statuses.status_board(deps, LEAD, key).cells}
    assert cells[supplier.id].status is ProductStatus.NO_ANSWER
    assert cells[supplier.id].pending is not None
    statuses.approve(deps, DEPUTY, key, said.id)
    with pytest.raises(Conflict):
        statuses.approve(deps, DEPUTY, key, said.id)
    cells = {c.participant: c for c in statuses.status_board(deps, LEAD, key).cells}
    assert cells[supplier.id].status is ProductStatus.UNDER_INVESTIGATION
    assert cells[maker.id].status is ProductStatus.NO_ANSWER
    assert cells[maker.id].since == maker.invited_at
    with pytest.raises(InvalidInput, match="justification"):
        statuses.record(deps, LEAD, key, maker.id, "router", "not_affected", "not used")
    with pytest.raises(InvalidInput, match="is not a participant of"):
        statuses.record(deps, LEAD, key, 9999, "router", "affected", "x")
    with container.engine.connect() as conn:
        stored = conn.execute(select(coord_statements.c.statement_enc)).scalar_one()
    assert CANARY.encode() not in stored


def test_embargo_in_both_zones_and_the_gate_refuses_early_publication(
    deps: Deps, key: str, clock: SettableClock
) -> None:
    supplier = participants.invite(deps, LEAD, key, "openssl", "upstream_supplier", ["a@o.org"])
    step = embargo.propose(
        deps, LEAD, key, "2026-12-01T09:00", "Asia/Shanghai", "supplier needs a fix release"
    )
    assert step.embargo.state is EmbargoState.PROPOSED
    embargo.accept(deps, LEAD, key, "supplier agreed by mail", participant=supplier.id)
    step = embargo.accept(deps, LEAD, key, "agreed on the call")
    assert step.embargo.state is EmbargoState.ACTIVE
    assert step.embargo.accepted_by == {supplier.id}
    shown = embargo.show(deps, LEAD, key, "Europe/Berlin")
    assert shown.in_zone == "2026-12-01 09:00 CST (Asia/Shanghai, UTC+08:00)"
    assert shown.in_viewer_zone == "2026-12-01 02:00 CET (Europe/Berlin, UTC+01:00)"
    result = gate.check(deps, LEAD, gate.CheckRequest(key))
    embargo_check = next(c for c in result.checks if c.id == "coordinated-embargo-respected")
    assert embargo_check.result.value == "fail"
    embargo.extend(deps, LEAD, key, "2026-12-15T09:00", "Asia/Shanghai", "downstream asks")
    assert embargo.current(deps, LEAD, key).state is EmbargoState.REVISE
    embargo.decline(deps, LEAD, key, "two weeks is too long")
    assert embargo.current(deps, LEAD, key).state is EmbargoState.ACTIVE
    with pytest.raises(Conflict):
        embargo.propose(deps, LEAD, key, "2026-12-20T09:00", "Asia/Shanghai", "again")
    with pytest.raises(InvalidInput, match="IANA"):
        embargo.extend(deps, LEAD, key, "2026-12-20T09:00", "CST", "zone-less")
    after = gate.check(deps, LEAD, gate.CheckRequest(key, at="2026-12-01T01:00:00Z"))
    passed = next(c for c in after.checks if c.id == "coordinated-embargo-respected")
    assert passed.result.value == "pass"


def test_a_break_is_recorded_and_tells_participants_through_the_guard(
    deps: Deps, key: str, actor: Principal
) -> None:
    supplier = participants.invite(deps, LEAD, key, "openssl", "upstream_supplier", ["a@o.org"])
    foreign = participants.invite(deps, LEAD, key, "eu-maker", "downstream_maker", ["b@eu.de"])
    embargo.propose(deps, LEAD, key, "2026-12-01T09:00", "Asia/Shanghai", "fix release")
    embargo.accept(deps, LEAD, key, "ok")
    with pytest.raises(InvalidInput, match="where"):
        embargo.record_break(deps, LEAD, key, " ", "2026-11-02T00:00:00Z", "leak")
    step = embargo.record_break(
        deps, LEAD, key, "https://blog.example/post", "2026-11-02T00:00:00Z", "seen by analyst"
    )
    assert step.embargo.state is EmbargoState.EXITED
    assert step.told == (supplier.id,)
    # Art. 9(7): the case is undisclosed and handled in China; the EU maker is no provider
    assert [r.participant for r in step.refused] == [foreign.id]
    assert "9(7)" in step.refused[0].reason
    shared = threads.read(deps, LEAD, key, "shared")
    assert "https://blog.example/post" in shared[-1].body
    entries = ledger.list_entries(deps, key)
    assert [(e.entry.recipient, e.entry.disclosure_kind) for e in entries] == [
        ("openssl", "coordination")
    ]


def test_sharing_the_view_redacts_by_policy_and_records_the_upstream_notice(
    deps: Deps, key: str, container: Container
) -> None:
    supplier = participants.invite(deps, LEAD, key, "openssl", "upstream_supplier", ["a@o.org"])
    csirt = participants.invite(deps, LEAD, key, "cncert", "coordinator", ["c@cert.cn"])
    view = participants.shared_view(deps, LEAD, key, supplier.id)
    assert "proof_of_concept" not in view.fields and "proof_of_concept" in view.withheld
    assert "summary" in view.fields
    shown, entry = participants.share(deps, LEAD, key, supplier.id)
    assert entry.entry.disclosure_kind == "upstream-notice"
    assert "CANARY-COORD-POC" not in shown.text()
    # a CSIRT gets nothing without two people's approval (a release decision)
    with pytest.raises(GuardFailed, match="two-person"):
        participants.share(deps, LEAD, key, csirt.id)
    with pytest.raises(GuardFailed):
        threads.post(deps, LEAD, key, "shared", "hello all")
    posted = threads.post(deps, LEAD, key, str(supplier.id), "Private note " + CANARY)
    assert len(posted.ledger) == 1
    assert [m.body for m in threads.read(deps, LEAD, key, supplier.id)] == [
        "Private note " + CANARY
    ]
    assert threads.read(deps, LEAD, key, None) == []
    with container.engine.connect() as conn:
        stored = conn.execute(select(coord_messages.c.body_enc)).scalar_one()
    assert CANARY.encode() not in stored
    with deps.uow() as uow:
        tags = [e.event.tag for e in uow.audit.for_object("case", key)]
    assert AuditTag.CASE_COORD_VIEW_SHARED in tags
    assert AuditTag.CASE_COORD_MESSAGES_READ in tags


def test_suggestions_from_sboms_suppliers_and_declared_purls_say_why(
    deps: Deps, key: str, actor: Principal
) -> None:
    reference.add_party(deps, actor, id="libfoo-org", name="Libfoo", kind="upstream_supplier",
                        country="CN")  # fmt: skip
    participants.set_party_purls(deps, actor, "libfoo-org", ["pkg:generic/libfoo"])
    participants.set_party_purls(deps, actor, "cn-maker", ["pkg:generic/acme-gateway@4.0"])
    with pytest.raises(InvalidInput, match="package URL"):
        participants.set_party_purls(deps, actor, "cn-maker", ["not a purl"])
    for pid, purl in (("camera", "pkg:generic/acme-camera@1.0"), ("gateway", None)):
        reference.add_product(
            deps,
            actor,
            reference.ProductInput(
                id=pid, vendor="x", name=pid, model="m", versions=("1.0", "4.0"),
                markets=("CN",), purl=purl or "pkg:generic/acme-gateway@4.0",
            ),
        )  # fmt: skip
    with deps.uow() as uow:
        uow.components.replace_sbom("camera", "1.0", ["pkg:generic/libfoo@1.2"])
        uow.components.replace_sbom("gateway", "4.0", ["pkg:generic/acme-camera@1.0"])
        uow.commit()
    case = open_case(deps, actor, products={"camera": ["1.0"]}, upstream_component=True)
    participants.invite(deps, LEAD, str(case.key), "cncert", "coordinator", ["c@cert.cn"])
    found = {
        (str(s.party), s.role.value): s for s in suggest.suggestions(deps, LEAD, str(case.key))
    }
    upstream = found[("libfoo-org", "upstream_supplier")].reasons
    assert upstream == (
        (
            "declares it makes pkg:generic/libfoo; the SBOM of camera 1.0 contains "
            "pkg:generic/libfoo@1.2 and the case is in an upstream component"
        ),
    )
    downstream = found[("cn-maker", "downstream_maker")].reasons
    assert downstream == (
        (
            "declares it makes pkg:generic/acme-gateway@4.0; the SBOM of gateway 4.0 contains "
            "pkg:generic/acme-camera@1.0"
        ),
    )
    csirt = found[("cncert", "coordinator")]
    assert csirt.invited and "a CSIRT of CN" in csirt.reasons[0]
    assert ("eu-maker", "downstream_maker") not in found
    # the router's case: its named supplier
    named = {(str(s.party), s.role.value): s for s in suggest.suggestions(deps, LEAD, key)}
    assert named[("openssl", "upstream_supplier")].reasons[0].startswith("named supplier of router")


def test_approved_statuses_feed_the_advisory_csaf_and_vex(deps: Deps, key: str) -> None:
    import json

    from vulndesk.exporters.advisories.advisory import Publisher
    from vulndesk.exporters.validation import validate_csaf
    from vulndesk.services.advisories import revisions as advisories

    supplier = participants.invite(deps, LEAD, key, "openssl", "upstream_supplier", ["a@o.org"])
    maker = participants.invite(deps, LEAD, key, "cn-maker", "downstream_maker", ["b@m.cn"])
    cloud = statuses.record(
        deps, LEAD, key, supplier.id, "cloud", "not_affected", "not built with it",
        "vulnerable_code_not_present",
    )  # fmt: skip
    statuses.approve(deps, DEPUTY, key, cloud.id)
    # not approved: stays out of the advisory
    statuses.record(deps, LEAD, key, maker.id, "pkg:generic/unknown@1", "affected", "yes")
    setup = advisories.Setup(Publisher("Acme Inc.", "https://psirt.example.com"))
    first = advisories.draft(deps, LEAD, key, {})
    content = json.loads(first.content)
    assert ["cloud", "live", "known_not_affected"] in content["statuses"]
    assert content["justifications"] == [["cloud", "live", "vulnerable_code_not_present"]]
    for fmt in ("csaf", "csaf-vex"):
        _, text = advisories.preview(deps, LEAD, setup, key, fmt)
        doc = json.loads(text)
        assert validate_csaf(doc) == [], fmt
        vuln = doc["vulnerabilities"][0]
        not_affected = vuln["product_status"]["known_not_affected"]
        assert len(not_affected) == 1
        flags = vuln["flags"]
        assert flags[0]["label"] == "vulnerable_code_not_present"
        assert flags[0]["product_ids"] == not_affected


def test_unread_markers_per_account_and_thread(deps: Deps, key: str, container: Container) -> None:
    from vulndesk.services.coordination import overview

    supplier = participants.invite(deps, LEAD, key, "openssl", "upstream_supplier", ["a@o.org"])
    threads.post(deps, LEAD, key, "shared", "one")
    threads.post(deps, LEAD, key, "shared", "two")
    threads.post(deps, DEPUTY, key, supplier.id, "private")

    def unread(who: Principal) -> dict[str, int]:
        return {t.name: t.unread for t in threads.thread_states(deps, who, key)}

    # Nobody has unread what they wrote themselves.
    assert unread(DEPUTY) == {"shared": 2, str(supplier.id): 0}
    assert unread(LEAD) == {"shared": 0, str(supplier.id): 1}
    threads.read(deps, DEPUTY, key, "shared")
    assert unread(DEPUTY)["shared"] == 0
    threads.post(deps, LEAD, key, "shared", "three")
    assert unread(DEPUTY)["shared"] == 1
    # The coordinator page shows what was unread, then marks the thread it shows as read.
    page = overview.overview(deps, LEAD, key, "UTC", str(supplier.id))
    assert page.thread == supplier.id and [m.body for m in page.shared] == ["private"]
    assert page.unread == {supplier.id: 1}
    assert unread(LEAD) == {"shared": 0, str(supplier.id): 0}
    with pytest.raises(InvalidInput, match="participant"):
        overview.overview(deps, LEAD, key, "UTC", "999")
    # Generic by account name: a participant's account (the portal) keeps markers too, and a
    # marker never moves back.
    with container.uow() as uow:
        newest = uow.coordination.messages(key, None)[-1]
        uow.coordination.mark_read("ext-wang", key, None, newest.id, newest.at)
        uow.coordination.mark_read("ext-wang", key, None, 1, newest.at)
        uow.commit()
        assert uow.coordination.unread("ext-wang", key) == {supplier.id: 1}
