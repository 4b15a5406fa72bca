"""Files attached to coordination thread messages on SQLite and PostgreSQL (decision 0046):
sealed at rest, limited and typed as intake attachments, the ledger entry of each recipient's
copy names every file's SHA-256, downloads audited; a desk reader of the case downloads from
any thread, a participant only from the shared thread and its own private thread; anything
else is the missing file's 404."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select

from tests.builders import as_person
from tests.integration.test_escalation_recipients import Desk, desk_for
from tests.integration.test_notify_flow import Smtp, smtp
from tests.integration.test_participant_portal import LEAD, PUBLIC_URL, _case, join, principal_of
from vulndesk.adapters.clock import SettableClock
from vulndesk.adapters.storage.tables.coordination import coord_attachments
from vulndesk.domain.audit_tags import AuditTag
from vulndesk.domain.errors import InvalidInput, NotFound
from vulndesk.services.access.rights import Principal
from vulndesk.services.coordination import invitations, portal, threads
from vulndesk.services.disclosure import ledger

__all__ = ["smtp"]

CANARY = b"CANARY-COORD-FILE-7e1d"
PNG = b"\x89PNG\r\n\x1a\n" + CANARY + b"-png"
TEXT = b"steps to reproduce " + CANARY + b"-private"
FROM_SUPPLIER = b"patch for " + CANARY + b"-supplier"


def sha(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


@pytest.fixture
def desk(db_url: str, tmp_path: Path, clock: SettableClock, smtp: Smtp) -> Iterator[Desk]:
    d = desk_for(db_url, tmp_path, clock, smtp, public_url=PUBLIC_URL)
    yield d
    for c in d.containers:
        c.close()


def test_files_sealed_recorded_and_downloaded_by_those_who_may(
    desk: Desk, actor: Principal, clock: SettableClock, db_url: str
) -> None:
    deps = desk.deps()
    key, supplier, maker = _case(deps, actor)
    sup_user = invitations.invite_person(deps, LEAD, key, supplier, "psirt@openssl.example")
    mak_user = invitations.invite_person(deps, LEAD, key, maker, "m@maker.cn")
    sup = principal_of(deps, join(deps, sup_user.token, clock)[0])
    mak = principal_of(deps, join(deps, mak_user.token, clock)[0])

    before = len(ledger.list_entries(deps, key))
    shared = threads.post(deps, LEAD, key, "shared", "the crash", [("poc.png", PNG)])
    [f] = shared.message.files
    assert (f.name, f.media_type, f.size, f.sha256) == ("poc.png", "image/png", len(PNG), sha(PNG))
    # each recipient's ledger entry names the file and its SHA-256: what left
    entries = ledger.list_entries(deps, key)[before:]
    assert sorted(e.entry.recipient for e in entries) == ["cn-maker", "openssl"]
    for e in entries:
        content = ledger.show_entry(deps, LEAD, e.id).entry.content
        assert content.startswith("the crash") and f"poc.png sha256:{sha(PNG)}" in content
    private = threads.post(deps, LEAD, key, supplier, "for you only", [("steps.txt", TEXT)])
    pm = private.message.id

    # sealed at rest: no plaintext bytes in any row, nor in the SQLite file
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(select(coord_attachments)).all()
    finally:
        engine.dispose()
    assert len(rows) == 2 and all(CANARY not in bytes(r.content_enc) for r in rows)
    assert {r.sha256 for r in rows} == {sha(PNG), sha(TEXT)}
    if db_url.startswith("sqlite"):
        assert CANARY not in Path(db_url.split("///", 1)[1]).read_bytes()

    # the desk reads every thread; each participant the shared thread and its own
    assert threads.file(deps, LEAD, key, "shared", shared.message.id, sha(PNG))[1] == PNG
    assert threads.file(deps, LEAD, key, str(supplier), pm, sha(TEXT))[1] == TEXT
    assert portal.file(deps, sup, key, "shared", shared.message.id, sha(PNG))[1] == PNG
    assert portal.file(deps, mak, key, "shared", shared.message.id, sha(PNG))[1] == PNG
    assert portal.file(deps, sup, key, "private", pm, sha(TEXT))[1] == TEXT
    shown = portal.case_view(deps, sup, key)
    assert [x.sha256 for m in shown.private for x in m.files] == [sha(TEXT)]

    refused = []
    outsider = as_person("stranger", roles={"analyst"}, unit="cn")
    for call in (
        lambda: portal.file(deps, mak, key, "private", pm, sha(TEXT)),  # another's thread
        lambda: portal.file(deps, mak, key, "shared", pm, sha(TEXT)),  # not in this thread
        lambda: portal.file(deps, sup, key, "private", pm, "0" * 64),  # missing
        lambda: threads.file(deps, LEAD, key, "shared", pm, sha(TEXT)),
    ):
        with pytest.raises(NotFound) as exc:
            call()
        refused.append(str(exc.value).replace(sha(TEXT), "X").replace("0" * 64, "X"))
    assert len(set(refused)) == 1
    with pytest.raises(NotFound):
        threads.file(deps, outsider, key, "shared", shared.message.id, sha(PNG))
    with pytest.raises(NotFound):
        portal.file(deps, LEAD, key, "shared", shared.message.id, sha(PNG))

    # a participant attaches too: the other participant's ledger entry names it
    before = len(ledger.list_entries(deps, key))
    said = portal.post(deps, sup, key, "shared", "here is a patch", [("fix.txt", FROM_SUPPLIER)])
    assert [x.sha256 for x in said.files] == [sha(FROM_SUPPLIER)]
    [told] = ledger.list_entries(deps, key)[before:]
    assert told.entry.recipient == "cn-maker"
    assert sha(FROM_SUPPLIER) in ledger.show_entry(deps, LEAD, told.id).entry.content
    got = threads.file(deps, LEAD, key, "shared", said.id, sha(FROM_SUPPLIER))
    assert got[0].name == "fix.txt" and got[1] == FROM_SUPPLIER

    with deps.uow() as uow:
        reads = [
            (e.event.actor, e.event.detail.get("attachment"))
            for e in uow.audit.for_object("case", key)
            if e.event.tag == AuditTag.CASE_COORD_ATTACHMENT_READ
        ]
    assert ("lead", sha(PNG)) in reads and (sup_user.user, sha(TEXT)) in reads
    assert (mak_user.user, sha(PNG)) in reads and len(reads) == 6


def test_file_limits_are_the_intake_limits(desk: Desk, actor: Principal) -> None:
    deps = desk.deps()
    key, supplier, _ = _case(deps, actor)
    with pytest.raises(InvalidInput, match="attachments"):
        threads.post(deps, LEAD, key, "shared", "many", [(f"{i}.txt", b"x") for i in range(6)])
    with pytest.raises(InvalidInput, match=r"attachments\[1\]"):
        threads.post(deps, LEAD, key, supplier, "odd", [("a.txt", b"x"), ("b.bin", b"\x00\x01")])
    with pytest.raises(InvalidInput, match=r"attachments\[0\]"):
        threads.post(deps, LEAD, key, "shared", "big", [("a.txt", b"x" * (10 * 1024 * 1024 + 1))])
    assert threads.read(deps, LEAD, key, "shared") == []
    # a name with directories is kept as its last part only
    posted = threads.post(deps, LEAD, key, "shared", "ok", [("../../etc/passwd", b"root")])
    assert [f.name for f in posted.message.files] == ["passwd"]
