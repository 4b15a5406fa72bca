"""Participants' own accounts on SQLite and PostgreSQL (decision 0045): the desk invites one of
a participant's people, the worker mails the one-time link through a real SMTP server, the
person joins with a password and TOTP, signs in later, and works in the portal: the shared
view redacted by its policy, the shared thread and its own private thread, statements, the
embargo, the export; every read and act audited; anyone else gets a missing case's 404."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pyotp
import pytest
from sqlalchemy import select

from tests.builders import accounts_for, as_person, open_case, seed_reference
from tests.integration.test_escalation_recipients import WORKER, Desk, desk_for
from tests.integration.test_keys_rotation import keyed
from tests.integration.test_notify_flow import Smtp, smtp
from vulndesk.adapters.clock import SettableClock
from vulndesk.adapters.passwords import Argon2Hasher
from vulndesk.adapters.storage.tables.coordination import coord_invitations
from vulndesk.bootstrap import Container, build
from vulndesk.domain import watermark as wm
from vulndesk.domain.audit_tags import AuditTag
from vulndesk.domain.errors import Forbidden, InvalidInput, NotFound
from vulndesk.services.access.rights import Principal
from vulndesk.services.accounts import signin
from vulndesk.services.audit import keys
from vulndesk.services.background import worker
from vulndesk.services.cases import reference
from vulndesk.services.context import Deps
from vulndesk.services.coordination import (
    embargo,
    invitations,
    participants,
    portal,
    statuses,
    threads,
    watermark,
)
from vulndesk.services.disclosure import ledger

__all__ = ["keyed", "smtp"]

PUBLIC_URL = "https://desk.acme.example"
POC = "CANARY-PORTAL-POC-51c2"
PRIVATE_OTHER = "CANARY-PORTAL-PRIVATE-OTHER-9b0e"
DETAILS = {
    "summary": "Heap overflow in the web server.",
    "remediation": "Update to 2.0.",
    "proof_of_concept": POC,
}
LEAD = as_person("lead", roles={"coordinator"}, unit="cn")
DEPUTY = as_person("deputy", roles={"coordinator"}, unit="cn")
HASHER = Argon2Hasher(time_cost=1, memory_cost=1024)
PASSWORD = "correct horse battery staple"


@pytest.fixture
def desk(db_url: str, tmp_path: Path, clock: SettableClock, smtp: Smtp) -> Iterator[Desk]:
    d = desk_for(db_url, tmp_path, clock, smtp, public_url=PUBLIC_URL)
    yield d
    for c in d.containers:
        c.close()


def _case(deps: Deps, actor: Principal) -> tuple[str, int, int]:
    seed_reference(deps, actor)
    accounts_for(deps, LEAD, DEPUTY, role="coordinator")
    reference.add_party(
        deps, actor, id="cn-maker", name="Shenzhen Maker", kind="downstream_maker", country="CN"
    )
    reference.add_party(
        deps, actor, id="cn-oem", name="Guangzhou OEM", kind="downstream_maker", country="CN"
    )
    key = str(open_case(deps, actor, details=DETAILS).key)
    supplier = participants.invite(
        deps, LEAD, key, "openssl", "upstream_supplier", ["Wang Fang <psirt@openssl.example>"]
    )
    maker = participants.invite(deps, LEAD, key, "cn-maker", "downstream_maker", ["m@maker.cn"])
    return key, supplier.id, maker.id


def join(deps: Deps, token: str, clock: SettableClock) -> tuple[signin.Issued, str]:
    info = invitations.join_info(deps, token)
    secret, uri = invitations.new_secret(info.user)
    assert uri.startswith("otpauth://totp/")
    code = pyotp.TOTP(secret).at(clock.now())
    issued = invitations.join(deps, HASHER, token, PASSWORD, PASSWORD, secret, code, "web:test")
    return issued, secret


def principal_of(deps: Deps, issued: signin.Issued) -> Principal:
    found = signin.session_principal(deps, issued.secret)
    assert found is not None
    return found


def test_invite_mail_join_sign_in_and_work_in_the_portal(
    desk: Desk, smtp: Smtp, actor: Principal, clock: SettableClock
) -> None:
    smtp.start()
    deps = desk.deps()
    key, supplier, maker = _case(deps, actor)
    with pytest.raises(InvalidInput, match="email"):
        invitations.invite_person(deps, LEAD, key, supplier, "stranger@openssl.example")
    # an internal person's address listed for a participant gets no participant account
    csirt = participants.invite(deps, LEAD, key, "cn-oem", "customer", ["deputy@example.org"])
    with pytest.raises(InvalidInput, match="internal account"):
        invitations.invite_person(deps, LEAD, key, csirt.id, "deputy@example.org")
    with pytest.raises(NotFound):
        invitations.invite_person(deps, as_person("x", roles={"analyst"}), key, supplier, "a@b.cn")
    first = invitations.invite_person(deps, LEAD, key, supplier, "PSIRT@openssl.example")
    assert first.account_created and first.party == "OpenSSL"
    again = invitations.invite_person(deps, LEAD, key, supplier, "psirt@openssl.example")
    assert again.user == first.user and not again.account_created
    # the first link was replaced by the second
    with pytest.raises(NotFound):
        invitations.join_info(deps, first.token)

    sent = worker.dispatch(deps, WORKER)
    assert sent.failed == 0
    assert len(smtp.inbox.messages) == 1
    mail = smtp.inbox.parsed(0)
    assert mail["Subject"] == f"[vulndesk] {key} invitation"
    raw = smtp.inbox.messages[0][1].decode("utf-8", "replace")
    body = mail.get_body()
    assert body is not None
    assert invitations.link(PUBLIC_URL, again.token) in body.get_content()
    assert first.token not in raw
    with desk.containers[0].engine.connect() as conn:
        sealed = conn.execute(select(coord_invitations.c.token_enc)).scalars().all()
    assert sealed == [None]  # the token is forgotten once mailed

    with pytest.raises(InvalidInput, match="password_again"):
        invitations.join(deps, HASHER, again.token, PASSWORD, PASSWORD + "x", "A" * 32, "1", "t")
    with pytest.raises(InvalidInput, match="code"):
        invitations.join(deps, HASHER, again.token, PASSWORD, PASSWORD, "A" * 32, "000000", "t")
    issued, secret = join(deps, again.token, clock)
    assert issued.user.roles == {"participant"}
    # used, unknown and expired links: one and the same NotFound
    errors = []
    for token in (again.token, "nope", "x" * 43):
        with pytest.raises(NotFound) as exc:
            invitations.join_info(deps, token)
        errors.append(str(exc.value))
    assert len(set(errors)) == 1

    # a later sign-in at the ordinary login needs password and a fresh one-time code
    clock.advance(dt.timedelta(minutes=2))
    with pytest.raises(signin.AuthFailed):
        signin.login(deps, HASHER, first.user, PASSWORD, None, "web:test")
    later = signin.login(
        deps, HASHER, first.user, PASSWORD, pyotp.TOTP(secret).at(clock.now()), "web:test"
    )
    me = principal_of(deps, later)

    # the desk writes: a private note to the maker, one to the supplier, an embargo
    threads.post(deps, LEAD, key, str(maker), PRIVATE_OTHER)
    threads.post(deps, LEAD, key, str(supplier), "for the supplier only")
    embargo.propose(deps, LEAD, key, "2026-12-01T09:00", "Asia/Shanghai", "internal reasons")

    cases = portal.my_cases(deps, me)
    assert [(c.case, c.participant) for c in cases] == [(key, supplier)]
    view = portal.case_view(deps, me, key)
    assert "summary" in view.view.fields and "proof_of_concept" in view.view.withheld
    # its unread markers: the desk's note in its own thread (never the maker's), then read
    assert (view.unread_shared, view.unread_private) == (0, 1)
    seen = portal.case_view(deps, me, key)
    assert (seen.unread_shared, seen.unread_private) == (0, 0)
    assert [m.body for m in view.private] == ["for the supplier only"]
    assert view.private[0].who == portal.CASE_TEAM
    assert view.embargo.state == "proposed" and view.embargo.proposed
    assert "Asia/Shanghai" in (view.embargo.in_zone or "")
    assert "(UTC, UTC+00:00)" in (view.embargo.in_my_zone or "")
    assert view.shared_with.startswith(f"Shared with {first.user} (")
    flat = repr(view)
    assert POC not in flat and PRIVATE_OTHER not in flat and "internal reasons" not in flat

    portal.answer_embargo(deps, me, key, True, "fine for us")
    shown = embargo.show(deps, LEAD, key, "UTC")
    last = shown.embargo.events[-1]
    assert (last.kind.value, last.participant, last.by) == ("accepted", supplier, first.user)

    # a shared post reaches the other participant through the guard and the ledger
    before = len(ledger.list_entries(deps, key))
    portal.post(deps, me, key, "shared", "we have a fix candidate")
    entries = ledger.list_entries(deps, key)
    assert [e.entry.recipient for e in entries[before:]] == ["cn-maker", "cn-oem"]
    assert worker.dispatch(deps, WORKER).failed == 0
    smtp.inbox.messages.clear()
    portal.post(deps, me, key, "private", "our release date is confidential, @lead")
    # mailed to the desk (here the coordinator it names), not back to the participant's people
    assert worker.dispatch(deps, WORKER).failed == 0
    told = [smtp.inbox.parsed(i) for i in range(len(smtp.inbox.messages))]
    assert told and {m["Subject"] for m in told} == {f"[vulndesk] {key} new coordination message"}
    assert not [m for m in told if "openssl.example" in str(m["To"])]
    assert len(ledger.list_entries(deps, key)) == len(entries)  # nothing left the desk
    assert [m.body for m in threads.read(deps, LEAD, key, supplier)][-1] == (
        "our release date is confidential, @lead"
    )
    with pytest.raises(InvalidInput, match="thread"):
        portal.post(deps, me, key, str(maker), "into the maker's thread")

    # a statement waits for the case team's approval, then is shared
    with pytest.raises(InvalidInput, match="product"):
        portal.state(deps, me, key, "camera", "affected", "x")
    said = portal.state(deps, me, key, "router", "fixed", "fixed in 2.0", fixed_versions=["2.0"])
    assert said.recorded_by == first.user and not said.approved
    assert ("openssl", "router", "fixed") not in portal.case_view(deps, me, key).view.statuses
    statuses.approve(deps, LEAD, key, said.id)
    assert ("openssl", "router", "fixed") in portal.case_view(deps, me, key).view.statuses

    document, name = portal.export(deps, me, key)
    assert name == f"{key}-shared-view.txt"
    head, _, rest = wm.clean(document).partition("\n")
    assert head.startswith(f"Shared with {first.user} (openssl) on ") and " · ref WM-" in head
    assert rest.lstrip().startswith(f"Shared with {first.user} (OpenSSL) on ")
    assert POC not in document and PRIVATE_OTHER not in document
    # statuses name each party by its name, its id beside it
    assert "status OpenSSL (openssl) router: fixed" in wm.clean(document)
    # the export carries the participant account's own invisible token: a copy of one
    # paragraph, its visible lines cut away, still names who got it
    paragraph = "\n".join(x for x in document.splitlines() if wm.clean(x).startswith("status "))
    assert paragraph and not wm.refs_in(paragraph)
    [traced] = watermark.trace(deps, LEAD, paragraph)
    assert (traced.how, traced.mark.recipient) == ("invisible", first.user)
    assert (traced.mark.participant, traced.mark.kind) == (supplier, "portal-export")

    with deps.uow() as uow:
        tags = [
            e.event.tag for e in uow.audit.for_object("case", key) if e.event.actor == first.user
        ]
    for tag in (
        AuditTag.CASE_COORD_ACCOUNT_JOINED,
        AuditTag.CASE_COORD_PORTAL_READ,
        AuditTag.CASE_COORD_PORTAL_EXPORTED,
        AuditTag.CASE_COORD_MESSAGE_POSTED,
        AuditTag.CASE_COORD_STATUS_RECORDED,
        AuditTag.CASE_COORD_EMBARGO_ACCEPTED,
    ):
        assert tag in tags

    # the participant is nobody on the desk's side
    with pytest.raises(NotFound):
        participants.participants(deps, me, key)
    with pytest.raises(NotFound):
        threads.read(deps, me, key, "shared")
    with pytest.raises(Forbidden):
        portal.my_cases(deps, LEAD)
    with pytest.raises(NotFound):
        portal.case_view(deps, LEAD, key)


def test_a_participant_of_another_case_gets_a_missing_cases_404(
    desk: Desk, smtp: Smtp, actor: Principal, clock: SettableClock
) -> None:
    deps = desk.deps()
    key, _, _ = _case(deps, actor)
    other = str(open_case(deps, actor, title="Another case").key)
    guest = participants.invite(deps, LEAD, other, "cn-maker", "downstream_maker", ["g@maker.cn"])
    invited = invitations.invite_person(deps, LEAD, other, guest.id, "g@maker.cn")
    issued, _ = join(deps, invited.token, clock)
    me = principal_of(deps, issued)
    missing = key[:-4] + "9999"
    errors = []
    for case in (key, missing):
        for call in (
            lambda c: portal.case_view(deps, me, c),
            lambda c: portal.export(deps, me, c),
            lambda c: portal.post(deps, me, c, "shared", "hi"),
            lambda c: portal.answer_embargo(deps, me, c, True, "ok"),
        ):
            with pytest.raises(NotFound) as exc:
                call(case)
            errors.append(str(exc.value).replace(case, "KEY"))
    assert len(set(errors)) == 1
    assert [c.case for c in portal.my_cases(deps, me)] == [other]


def test_a_link_waiting_for_the_worker_survives_key_rotation(
    keyed: Container, actor: Principal
) -> None:
    deps = keyed.deps()
    key, supplier, _ = _case(deps, actor)
    made = invitations.invite_person(deps, LEAD, key, supplier, "psirt@openssl.example")
    with keyed.uow() as uow:
        found = uow.coordination.invitation_by_token(invitations.digest(made.token))
    assert found is not None
    result = keys.rotate(deps, actor, str(keyed.settings.effective_key_file), drop_old=True)
    assert result.reencrypted["coord_invitations.token_enc"] == 1
    fresh = build(keyed.settings, keyed.clock)
    with fresh.uow() as uow:
        assert uow.coordination.invitation_token(found.id) == made.token
    fresh.close()
