"""`vulndesk backup` and `vulndesk restore`: a round trip on each engine through the real command.

The source desk holds a canary in every secret field of a case, a fact's evidence, an
intake report, its attachment and a follow-up message, and a signed audit checkpoint. The
backup file holds none of them in clear (nor UTF-16, base64, hex); restored into an empty
database it passes `audit verify` against the checkpoint, and the desk reads every canary back.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.builders import open_case, seed_reference
from tests.canary import found_anywhere
from tests.conftest import TEST_KEYS
from tests.e2e.cli import Cli
from tests.pg import PgServer
from vulndesk.bootstrap import Container, build
from vulndesk.config import Settings
from vulndesk.domain.disclosure import DETAIL_FIELDS, Sensitivity
from vulndesk.domain.ids import CaseKey
from vulndesk.services.context import Actor
from vulndesk.services.intake import public as intake
from vulndesk.services.intake.ports import Upload

CANARY = "CANARY-" + secrets.token_hex(6) + "-backup"
SECRET_FIELDS = [f for f, c in DETAIL_FIELDS.items() if c is Sensitivity.SECRET]


@pytest.fixture
def empty_url(db_url: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """A second database on the same engine with no schema at all."""
    if db_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'restored' / 'vulndesk.db'}"
        return
    server: PgServer = request.getfixturevalue("pg_server")
    name = f"r{os.getpid()}_{secrets.token_hex(4)}"
    admin = create_engine(server.url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield server.url(name)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _fill(container: Container) -> tuple[str, str, str]:
    """Canaries everywhere secret; the case key, intake tracking id and follow-up token."""
    deps, actor = container.deps(), Actor("setup", "test")
    seed_reference(deps, actor)
    case = open_case(
        deps,
        actor,
        details={f: f"{f} {CANARY}" for f in SECRET_FIELDS},
        evidence=f"aware via {CANARY}",
    )
    got = intake.submit_report(
        deps,
        intake.IntakeRequest(
            product="router",
            description=f"overflow {CANARY}",
            steps=f"steps {CANARY}",
            impact=f"impact {CANARY}",
            contact=f"{CANARY}@example.org",
            source_address="198.51.100.7",
            attachments=(Upload("poc.txt", "text/plain", f"poc {CANARY}".encode()),),
        ),
    )
    intake.post_message(deps, got.tracking, got.token, f"follow-up {CANARY}")
    return str(case.key), got.tracking, got.token


def _read_back(container: Container, key: str, tracking: str) -> None:
    with container.uow() as uow:
        case = uow.cases.get(CaseKey(key))
        for f in SECRET_FIELDS:
            assert case.details[f] == f"{f} {CANARY}"
        [attachment] = uow.intake.attachments(tracking)
        assert (
            uow.intake.attachment_content(tracking, attachment.sha256) == f"poc {CANARY}".encode()
        )
        assert [m.body for m in uow.intake.messages(tracking)] == [f"follow-up {CANARY}"]
        reported = uow.intake.get(tracking)
        assert reported.case_key is not None
        assert f"overflow {CANARY}" in str(uow.cases.get(CaseKey(reported.case_key)).details)


def test_backup_and_restore_round_trip(
    container: Container, db_url: str, empty_url: str, tmp_path: Path
) -> None:
    key, tracking, token = _fill(container)
    source = Cli(tmp_path / "source", db_url)
    signing_key = tmp_path / "checkpoint.pem"
    source.run("keys", "checkpoint-init", "--out", str(signing_key))
    source.env["VULNDESK_CHECKPOINT_KEY"] = str(signing_key)
    source.run("audit", "checkpoint", "--write")
    file = tmp_path / "out" / "desk.vdbackup"
    made = source.run("backup", str(file))
    assert "audit checkpoint included: seq" in made.stdout
    assert file.stat().st_mode & 0o777 == 0o600
    data = file.read_bytes()
    assert found_anywhere({"backup": data}, [CANARY, token]) == []
    assert tracking.encode() in data and b"details_enc" in data  # it holds the data, sealed
    again = source.run("backup", str(file), ok=False)
    assert again.returncode == 2 and "already exists" in again.stderr

    target = Cli(tmp_path / "target", empty_url)
    target.env["VULNDESK_CHECKPOINT_KEY"] = str(signing_key)
    restored = target.run("restore", str(file))
    assert "audit checkpoint restored" in restored.stdout
    source_ok = source.run("audit", "verify").stdout
    verified = target.run("audit", "verify")
    assert verified.stdout == source_ok and verified.stdout.startswith("OK: ")
    c = build(Settings(home=tmp_path / "target", database_url=empty_url, keys_json=TEST_KEYS))
    try:
        _read_back(c, key, tracking)
        # New rows continue after the restored ones (PostgreSQL's sequences were moved on).
        open_case(c.deps(), Actor("setup", "test"), details={"exploit": "after restore"})
        assert target.run("audit", "verify").returncode == 0
    finally:
        c.close()

    twice = target.run("restore", str(file), ok=False)
    assert twice.returncode == 4 and "not empty" in twice.stderr


def test_a_truncated_or_edited_backup_is_refused(
    container: Container, db_url: str, empty_url: str, tmp_path: Path
) -> None:
    _fill(container)
    source = Cli(tmp_path / "source", db_url)
    file = tmp_path / "desk.vdbackup"
    made = source.run("backup", str(file))
    assert "no audit checkpoint" in made.stderr
    lines = file.read_bytes().splitlines(keepends=True)
    broken = {
        "truncated": b"".join(lines[:-3]),
        "edited": b"".join(lines).replace(b'"router"', b'"ROUTER"', 1),
    }
    target = Cli(tmp_path / "target", empty_url)
    for name, content in broken.items():
        bad = tmp_path / f"{name}.vdbackup"
        bad.write_bytes(content)
        r = target.run("restore", str(bad), ok=False)
        assert r.returncode == 2 and "not a complete vulndesk backup" in r.stderr, (name, r.stderr)
    # Nothing was created by a refused restore: the real file still restores.
    assert target.run("restore", str(file)).returncode == 0
