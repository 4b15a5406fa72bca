"""Evidence rows are bound to the audit chain: changes made directly in SQL are found, naming
the row; the stored head and the newest signed checkpoint catch a truncated chain."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy
from sqlalchemy import text

from tests.builders import accounts_for, as_person, open_case, seed_reference
from vulndesk.adapters.clock import SettableClock
from vulndesk.bootstrap import Container
from vulndesk.domain.audit import VerifyResult
from vulndesk.domain.errors import InvalidInput
from vulndesk.services.access.rights import Principal
from vulndesk.services.audit import checkpoints as audit_tools
from vulndesk.services.background import worker
from vulndesk.services.cases import lifecycle as cases
from vulndesk.services.cases import reference
from vulndesk.services.clocks import waivers
from vulndesk.services.context import Deps
from vulndesk.services.disclosure import ledger
from vulndesk.services.notify import notices as notifications
from vulndesk.services.publication import gate as publication
from vulndesk.services.reports import approvals
from vulndesk.services.reports import drafts as reports

A = as_person("analyst-a", "test", unit="cn")
B = as_person("analyst-b", "test", unit="cn")
LEAD = as_person("lead-c", "test", unit="cn")
DETAILS = {
    "summary": "Heap overflow in the web server.",
    "harm": "Remote code execution.",
    "technical_characteristics": "Unchecked length in the header parser.",
    "scope_of_impact": "All R-1 routers with remote management.",
}


@dataclass(frozen=True, slots=True)
class World:
    container: Container
    case: str
    ledger_id: int


def _seed(deps: Deps, actor: Principal) -> None:
    seed_reference(deps, actor)
    reference.add_party(deps, actor, id="cncert", name="CNCERT", kind="csirt", country="CN")
    reference.add_party(
        deps, actor, id="bank-cn", name="Bank", kind="customer", country="CN",
        channels=["email:ops@bank.example"], language="zh-CN",
    )  # fmt: skip
    notifications.subscribe(deps, actor, "router", "bank-cn", ["1.0"])


@pytest.fixture
def world(container: Container, actor: Principal, clock: SettableClock) -> World:
    """A case with one row of every kind of evidence."""
    deps = container.deps()
    _seed(deps, actor)
    # Approvals and waivers count only for real accounts that may approve (or propose).
    accounts_for(deps, A)
    accounts_for(deps, B, role="admin")  # sees every case, so it may approve the waiver
    accounts_for(deps, LEAD, role="coordinator")
    case = open_case(deps, actor, details=DETAILS)
    cases.record_fact(deps, A, case.key, "verified", clock.now(), "Reproduced on R-1 1.0.")
    cases.transition(deps, A, case.key, "triage", "Looks real")
    cases.transition(deps, A, case.key, "verified", "Reproduced")
    draft = reports.draft_report(deps, A, case.key, "nvdb", "nvdb")
    approvals.approve(deps, A, draft.ref)
    approvals.approve(deps, B, draft.ref)
    entry = ledger.record_submission(deps, A, draft.ref, clock.now(), "NVDB-2026-0042")
    decision = approvals.record_decision(
        deps, A, "cross-border", case.key, "cncert", "Shared with the national CSIRT"
    )
    approvals.approve_decision(deps, B, decision.id)
    waiver = waivers.propose(deps, LEAD, case.key, "cn-rmsv-2021/remediate", "Fixed upstream")
    waivers.approve(deps, B, case.key, str(waiver.id))
    publication.decide(deps, A, case.key, "mps_consent", "window", "Consent by phone, ref 12")
    publication.record_share(deps, A, case.key, "Partner Ltd", "CN", note="NDA 7")
    notifications.send(deps, A, case.key, kind="users")
    clock.advance(dt.timedelta(days=4))
    worker.run_once(deps, as_person("worker-test", "worker"))
    result = audit_tools.verify(deps)
    assert result.ok, result.problem
    return World(container, case.key, entry.id)


def _sql(container: Container, *statements: str, **params: Any) -> None:
    with container.engine.begin() as conn:
        for stmt in statements:
            conn.execute(text(stmt), params)


def _verify(world: World) -> VerifyResult:
    return audit_tools.verify(world.container.deps(), batch=7)


# -- the observations of issue 14 (4 and 16b), as they were seen


def test_ledger_instant_rewritten_in_sql_fails_verify(world: World) -> None:
    sqlite = world.container.engine.dialect.name == "sqlite"
    _sql(
        world.container,
        "UPDATE ledger_entries SET at = '2020-01-01 00:00:00.000000' WHERE id = :id"
        if sqlite
        else "UPDATE ledger_entries SET at = at - interval '1 day' WHERE id = :id",
        id=world.ledger_id,
    )
    result = _verify(world)
    assert not result.ok
    assert f"ledger_entries id {world.ledger_id}: modified" in result.problem


def test_deleting_the_newest_audit_rows_fails_plain_verify(world: World) -> None:
    head = _verify(world).checked
    _sql(world.container, "DELETE FROM audit_events WHERE seq > :n", n=head - 2)
    result = _verify(world)
    assert not result.ok
    assert f"stored head names seq {head} but the chain ends at seq {head - 2}" in result.problem


def test_an_emptied_chain_fails_plain_verify(world: World) -> None:
    _sql(world.container, "DELETE FROM audit_events")
    result = _verify(world)
    assert not result.ok
    assert result.checked == 0
    assert "head" in result.problem


def test_the_checkpoint_key_is_configured_not_derived_from_the_data_directory(
    container: Container, tmp_path: Path
) -> None:
    key = tmp_path / "elsewhere" / "checkpoint.key"
    audit_tools.init_signing_key(key)
    assert key.stat().st_mode & 0o777 == 0o600
    before = audit_tools.public_key_text(key)
    moved = tmp_path / "moved-home"
    moved.mkdir()
    assert audit_tools.public_key_text(key) == before
    assert not list(moved.iterdir())  # nothing is created beside the data
    with pytest.raises(InvalidInput, match="checkpoint-init"):
        audit_tools.public_key_text(moved / "missing.key")
    assert not (moved / "missing.key").exists()


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    cli = str(Path(sys.executable).parent / "vulndesk")
    return subprocess.run(
        [cli, *args], env=os.environ | env, capture_output=True, text=True, check=False, timeout=60
    )


def test_cli_public_key_stays_when_the_data_directory_moves(
    container: Container, db_url: str, tmp_path: Path
) -> None:
    if not db_url.startswith("sqlite"):
        pytest.skip("the CLI run needs only one engine")
    key = tmp_path / "keys" / "checkpoint.key"
    env = {
        "VULNDESK_DATABASE_URL": db_url,
        "VULNDESK_KEYS": container.settings.keys_json or "",
        "VULNDESK_CHECKPOINT_KEY": str(key),
    }
    made = _cli(env | {"VULNDESK_HOME": str(tmp_path / "a")}, "keys", "checkpoint-init")
    assert made.returncode == 0, made.stderr
    first = _cli(env | {"VULNDESK_HOME": str(tmp_path / "a")}, "audit", "public-key")
    second = _cli(env | {"VULNDESK_HOME": str(tmp_path / "b")}, "audit", "public-key")
    assert first.returncode == second.returncode == 0, first.stderr + second.stderr
    assert first.stdout == second.stdout


# -- every kind of evidence row: modified, deleted, inserted, reordered, truncated

# The column each tamper touches, and how (also keeps an inserted copy clear of unique keys).
TOUCH = {
    "case_facts": ("revision", "revision + 100"),
    "case_transitions": ("reason", "reason || 'x'"),
    "obligations": ("obligation_id", "obligation_id || 'x'"),
    "report_drafts": ("version", "version + 100"),
    "report_approvals": ("actor", "actor || 'x'"),
    "decision_records": ("reason", "reason || 'x'"),
    "decision_approvals": ("actor", "actor || 'x'"),
    "ledger_entries": ("recorded_by", "recorded_by || 'x'"),
    "escalations": ("dedupe_key", "dedupe_key || 'x'"),
    "notify_messages": ("dedupe_key", "dedupe_key || 'x'"),
    "publication_decisions": ("note", "note || 'x'"),
    "publication_approvals": ("actor", "actor || 'x'"),
    "case_shares": ("note", "note || 'x'"),
}
# Rows other tables point at: deleted with the rows pointing at them.
CHILDREN = {
    "report_drafts": ("report_approvals", "draft_id"),
    "decision_records": ("decision_approvals", "decision_id"),
    "publication_decisions": ("publication_approvals", "decision_id"),
}


def _ids(world: World, table: str) -> list[int]:
    with world.container.engine.connect() as conn:
        rows = conn.execute(text(f"SELECT id FROM {table} ORDER BY id"))  # noqa: S608 (a constant)
        return [int(r[0]) for r in rows]


def _columns(world: World, table: str) -> list[str]:
    from vulndesk.adapters.storage.schema import metadata

    return [c.name for c in metadata.tables[table].columns if c.name != "id"]


def _assert_named(world: World, table: str, pk: int, what: str) -> None:
    result = _verify(world)
    assert not result.ok
    assert f"{table} id {pk}: {what}" in result.problem, result.problem


@pytest.mark.parametrize("table", sorted(TOUCH))
def test_every_kind_of_evidence_row_is_bound(world: World, table: str) -> None:
    assert _ids(world, table), f"the world has no {table} row"


@pytest.mark.parametrize("table", sorted(TOUCH))
def test_a_modified_row_is_named(world: World, table: str) -> None:
    pk = _ids(world, table)[-1]
    column, change = TOUCH[table]
    _sql(world.container, f"UPDATE {table} SET {column} = {change} WHERE id = :id", id=pk)  # noqa: S608 (constants)
    _assert_named(world, table, pk, "modified")


@pytest.mark.parametrize("table", sorted(TOUCH))
def test_a_deleted_row_is_named(world: World, table: str) -> None:
    pk = _ids(world, table)[-1]
    child = CHILDREN.get(table)
    if child:
        _sql(world.container, f"DELETE FROM {child[0]} WHERE {child[1]} = :id", id=pk)  # noqa: S608 (constants)
    _sql(world.container, f"DELETE FROM {table} WHERE id = :id", id=pk)  # noqa: S608 (a constant)
    if child:  # the rows that pointed at it went first, and are named first
        result = _verify(world)
        assert not result.ok
        named = (f"{child[0]} id ", f"{table} id {pk}: deleted")
        assert any(n in result.problem for n in named), result.problem
        assert "deleted" in result.problem
        return
    _assert_named(world, table, pk, "deleted")


@pytest.mark.parametrize("table", sorted(TOUCH))
def test_an_inserted_row_is_named(world: World, table: str) -> None:
    pk = _ids(world, table)[-1]
    column, change = TOUCH[table]
    names = _columns(world, table)
    picked = ", ".join(change if c == column else c for c in names)
    _sql(
        world.container,
        f"INSERT INTO {table} ({', '.join(names)}) SELECT {picked} FROM {table} WHERE id = :id",  # noqa: S608 (constants)
        id=pk,
    )
    _assert_named(world, table, _ids(world, table)[-1], "inserted")


@pytest.mark.parametrize("table", ["case_facts", "obligations", "case_transitions"])
def test_reordered_rows_are_named(world: World, table: str) -> None:
    first, second = _ids(world, table)[:2]
    _sql(
        world.container,
        f"UPDATE {table} SET id = -1 WHERE id = :a",  # noqa: S608 (a constant)
        f"UPDATE {table} SET id = :a WHERE id = :b",  # noqa: S608 (a constant)
        f"UPDATE {table} SET id = :b WHERE id = -1",  # noqa: S608 (a constant)
        a=first,
        b=second,
    )
    _assert_named(world, table, first, "modified")


@pytest.mark.parametrize("table", ["ledger_entries", "obligations", "case_shares"])
def test_a_truncated_table_is_named(world: World, table: str) -> None:
    first = _ids(world, table)[0]
    _sql(world.container, f"DELETE FROM {table}")  # noqa: S608 (a constant)
    _assert_named(world, table, first, "deleted")


def test_an_encrypted_column_is_bound_by_its_ciphertext(world: World) -> None:
    pk = _ids(world, "case_facts")[-1]
    _sql(
        world.container,
        "UPDATE case_facts SET evidence_enc = (SELECT evidence_enc FROM case_facts WHERE id = :o)"
        " WHERE id = :id",
        id=pk,
        o=_ids(world, "case_facts")[0],
    )
    _assert_named(world, "case_facts", pk, "modified")


def test_the_upgrade_step_binds_every_stored_row_as_it_stands(world: World) -> None:
    from vulndesk.adapters.storage import evidence
    from vulndesk.adapters.storage.repositories.audit import SqlAuditLog

    before = _verify(world).checked
    with world.container.engine.begin() as conn:
        conn.info[evidence.MIGRATING] = True  # as migration 0013 runs it
        evidence.note_all_present(conn)
        SqlAuditLog(conn).flush()
        conn.info.pop(evidence.MIGRATING)
    result = _verify(world)
    assert (result.ok, result.checked) == (True, before + 1)
    with world.container.uow() as uow:
        last = uow.audit.events(before + 1)[0].event
    assert last.tag == "storage:evidence:bound"
    assert f"ledger_entries:{world.ledger_id}" in last.detail
    assert len(last.detail) == sum(len(_ids(world, t)) for t in TOUCH)


def test_cli_worker_checkpoint_then_verify_a_copy_elsewhere(
    world: World, db_url: str, tmp_path: Path
) -> None:
    if not db_url.startswith("sqlite"):
        pytest.skip("the CLI run needs only one engine")
    import shutil

    key, folder = tmp_path / "keys" / "cp.key", tmp_path / "checkpoints"
    public = tmp_path / "cp.pub"
    public.write_text(audit_tools.init_signing_key(key), encoding="utf-8")
    env = {
        "VULNDESK_HOME": str(tmp_path / "home"),
        "VULNDESK_DATABASE_URL": db_url,
        "VULNDESK_KEYS": world.container.settings.keys_json or "",
        "VULNDESK_CHECKPOINT_KEY": str(key),
        "VULNDESK_CHECKPOINT_DIR": str(folder),
    }
    ran = _cli(env, "worker", "--once")
    assert ran.returncode == 0, ran.stderr
    assert "checkpoint: seq" in ran.stdout
    assert len(list(folder.glob("checkpoint-*.json"))) == 1
    world.container.engine.dispose()
    copy = tmp_path / "elsewhere" / "copy.db"
    copy.parent.mkdir()
    shutil.copy(db_url.removeprefix("sqlite:///"), copy)
    elsewhere = {
        "VULNDESK_HOME": str(tmp_path / "elsewhere"),
        "VULNDESK_DATABASE_URL": f"sqlite:///{copy}",
        "VULNDESK_CHECKPOINT_KEY": "",
    }
    args = ("audit", "verify", "--public-key", str(public), "--checkpoints", str(folder))
    ok = _cli(elsewhere, *args)
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.startswith("OK: ")
    with sqlalchemy.create_engine(f"sqlite:///{copy}").begin() as conn:
        conn.execute(
            text("UPDATE ledger_entries SET receipt = 'forged' WHERE id = :id"),
            {"id": world.ledger_id},
        )
    bad = _cli(elsewhere, *args)
    assert bad.returncode == 1
    assert f"ledger_entries id {world.ledger_id}: modified" in bad.stderr


def test_checkpoints_are_written_when_due_and_the_newest_is_checked(
    world: World, clock: SettableClock, tmp_path: Path
) -> None:
    deps = world.container.deps()
    key, folder = tmp_path / "cp.key", tmp_path / "checkpoints"
    trusted = audit_tools.init_signing_key(key)
    every = dt.timedelta(minutes=10)
    first = audit_tools.checkpoint_if_due(deps, key, folder, every)
    assert first is not None
    assert audit_tools.checkpoint_if_due(deps, key, folder, every) is None  # not due yet
    publication.record_share(deps, A, world.case, "Second Partner", "CN", note="NDA 8")
    clock.advance(every)
    second = audit_tools.checkpoint_if_due(deps, key, folder, every)
    assert second is not None
    assert second.seq > first.seq
    assert audit_tools.newest_checkpoint(folder) == second
    assert len(list(folder.glob("checkpoint-*.json"))) == 2
    assert audit_tools.verify_checkpoint(deps, second, trusted).ok
    # The newest rows deleted and the head moved back to match: only the checkpoint knows.
    _sql(
        world.container,
        "DELETE FROM case_shares WHERE recipient = 'Second Partner'",
        "DELETE FROM audit_events WHERE seq > :n",
        "UPDATE audit_head SET seq = :n, hash = (SELECT hash FROM audit_events WHERE seq = :n)",
        n=first.seq,
    )
    assert audit_tools.verify(deps).ok
    result = audit_tools.verify_checkpoint(deps, second, trusted)
    assert (result.ok, result.first_bad) == (False, first.seq + 1)
    assert f"before checkpoint seq {second.seq}" in result.problem


def test_cli_worker_posts_each_new_checkpoint_to_the_webhook(
    container: Container, actor: Principal, db_url: str, tmp_path: Path
) -> None:
    if not db_url.startswith("sqlite"):
        pytest.skip("the CLI run needs only one engine")
    import http.server
    import json
    import threading

    seed_reference(container.deps(), actor)
    received: list[dict[str, object]] = []

    class Hook(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["content-length"]))
            received.append(json.loads(body))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *_args: object) -> None:
            return

    server = http.server.HTTPServer(("127.0.0.1", 0), Hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    key = tmp_path / "cp.key"
    public = audit_tools.init_signing_key(key)
    try:
        ran = _cli(
            {
                "VULNDESK_HOME": str(tmp_path / "home"),
                "VULNDESK_DATABASE_URL": db_url,
                "VULNDESK_KEYS": container.settings.keys_json or "",
                "VULNDESK_CHECKPOINT_KEY": str(key),
                "VULNDESK_CHECKPOINT_WEBHOOK": f"http://127.0.0.1:{server.server_port}/cp",
            },
            "worker",
            "--once",
        )
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
    assert ran.returncode == 0, ran.stderr
    assert len(received) == 1
    posted = audit_tools.load_checkpoint(json.dumps(received[0]))
    assert posted.public_key == public
    assert audit_tools.verify_checkpoint(container.deps(), posted, public).ok
    stored = audit_tools.newest_checkpoint(tmp_path / "home" / "checkpoints")
    assert stored == posted
