"""Secrets written through intake and open_case never appear in plaintext at rest or in logs.

Searched in clear, UTF-16, base64 and hex (tests/canary.py). The same search through every
entry point of a served desk, with its log file, is tests/e2e/test_canary_at_rest.py.
"""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import select, update
from sqlalchemy.engine import make_url

from tests.builders import open_case, seed_reference
from tests.canary import database_rows, found_anywhere
from vulndesk.adapters.crypto import KeyringError
from vulndesk.adapters.storage.tables.core import cases
from vulndesk.bootstrap import Container
from vulndesk.domain.ids import CaseKey
from vulndesk.services.context import Actor
from vulndesk.services.intake import public as intake
from vulndesk.services.intake.ports import Upload

CANARY = "CANARY-7f3a9e21-do-not-leak"


def _flow(container: Container, actor: Actor) -> str:
    """Write the canary through intake and open_case; the reporter's follow-up token."""
    deps = container.deps()
    seed_reference(deps, actor)
    got = intake.submit_report(
        deps,
        intake.IntakeRequest(
            product="router",
            description=f"overflow {CANARY} description",
            steps=f"steps {CANARY}",
            impact=f"impact {CANARY}",
            contact=f"{CANARY}@example.org",
            source_address="198.51.100.7",
            attachments=(Upload("poc.txt", "text/plain", f"poc {CANARY}".encode()),),
        ),
    )
    intake.post_message(deps, got.tracking, got.token, f"follow-up {CANARY}")
    open_case(
        deps,
        actor,
        details={"proof_of_concept": CANARY, "reporter_identity": CANARY},
        evidence=f"aware via {CANARY}",
    )
    return got.token


def test_canary_absent_from_sqlite_files_wal_backup_and_logs(
    container: Container,
    actor: Actor,
    db_url: str,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    if not db_url.startswith("sqlite"):
        pytest.skip("file-level checks read SQLite's main and WAL files")
    db = Path(str(make_url(db_url).database))
    # An open connection keeps SQLite from folding the WAL back and deleting it at the end.
    keeper = sqlite3.connect(db)
    keeper.execute("SELECT count(*) FROM sqlite_master").fetchall()
    with caplog.at_level(logging.DEBUG):
        token = _flow(container, actor)
    assert found_anywhere({"log": caplog.text.encode()}, [CANARY, token]) == []
    wal = db.with_name(db.name + "-wal")
    assert wal.exists() and wal.stat().st_size > 0  # the check below reads real WAL frames
    backup = tmp_path / "backup.db"
    with sqlite3.connect(db) as src, sqlite3.connect(backup) as dst:
        src.backup(dst)
    src.close()
    dst.close()
    files = {path.name: path.read_bytes() for path in (db, wal, backup)}
    assert found_anywhere(files, [CANARY, token]) == []
    at_rest = db.read_bytes() + wal.read_bytes()
    assert b"Report R-" in at_rest  # non-secret intake data is there in plain view
    assert b"198.51.100.7" not in at_rest
    keeper.close()


def test_canary_and_token_absent_from_every_table(
    container: Container, actor: Actor, db_url: str
) -> None:
    """Every table through SQL, on both engines (PostgreSQL casts each row to text)."""
    token = _flow(container, actor)
    rows = database_rows(container.engine)
    assert {"intake_reports", "idempotency_keys", "intake_attachments"} <= set(rows)
    assert found_anywhere(rows, [CANARY, token]) == []
    assert b"Report R-" in rows["cases"]  # the search sees what is not secret


def test_secret_fields_decrypt_for_the_desk(container: Container, actor: Actor) -> None:
    _flow(container, actor)
    with container.uow() as uow:
        [record] = uow.intake.recent(1)
        case = uow.cases.get(CaseKey(record.case_key))
        assert CANARY in case.details["proof_of_concept"]
        assert uow.intake.messages(record.tracking)[0].body == f"follow-up {CANARY}"


@pytest.mark.parametrize("position", [0, 2, 3, 4, 5, 6, 10, 17, 18, 24, 40, -17, -16, -8, -1])
def test_flipping_any_ciphertext_byte_fails_decryption(
    container: Container, actor: Actor, position: int
) -> None:
    seed_reference(container.deps(), actor)
    case = open_case(container.deps(), actor, details={"proof_of_concept": CANARY})
    with container.engine.begin() as conn:
        blob = bytearray(conn.execute(select(cases.c.details_enc)).scalar_one())
        blob[position] ^= 0x01
        conn.execute(update(cases).values(details_enc=bytes(blob)))
    with container.uow() as uow, pytest.raises(KeyringError):
        uow.cases.get(case.key)
