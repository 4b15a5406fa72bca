"""Audit-chain tampering done directly in SQL is found, at the right first bad position."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import cast

import pytest
from sqlalchemy import text

from tests.builders import open_case, seed_reference
from vulndesk.bootstrap import Container
from vulndesk.domain.audit import ChainedEvent
from vulndesk.domain.audit_tags import AuditTag
from vulndesk.services.audit import checkpoints as audit_tools
from vulndesk.services.context import Actor


@pytest.fixture
def chain(container: Container, actor: Actor) -> int:
    """A chain of a dozen or more events; returns its length."""
    deps = container.deps()
    seed_reference(deps, actor)
    for n in range(6):
        open_case(deps, actor, title=f"Overflow {n}")
    result = audit_tools.verify(deps)
    assert result.ok
    assert result.checked >= 12
    return result.checked


def _sql(container: Container, *statements: str, n: int = 0) -> None:
    with container.engine.begin() as conn:
        for stmt in statements:
            conn.execute(text(stmt), {"n": n} if ":n" in stmt else {})


def test_intact_chain_verifies_in_small_batches(container: Container, chain: int) -> None:
    whole = audit_tools.verify(container.deps())
    batched = audit_tools.verify(container.deps(), batch=3)
    assert whole == batched
    assert batched.checked == chain


def test_modified_field(container: Container, chain: int) -> None:
    _sql(container, "UPDATE audit_events SET actor = 'mallory' WHERE seq = 5")
    result = audit_tools.verify(container.deps(), batch=3)
    assert (result.ok, result.first_bad) == (False, 5)
    assert "does not match its hash" in result.problem


def test_deleted_row(container: Container, chain: int) -> None:
    _sql(container, "DELETE FROM audit_events WHERE seq = 4")
    result = audit_tools.verify(container.deps(), batch=3)
    assert (result.ok, result.first_bad) == (False, 4)
    assert "missing" in result.problem


def test_deleted_batch_longer_than_a_batch(container: Container, chain: int) -> None:
    _sql(container, "DELETE FROM audit_events WHERE seq BETWEEN 4 AND 8")
    result = audit_tools.verify(container.deps(), batch=3)
    assert (result.ok, result.first_bad) == (False, 4)


def test_inserted_row(container: Container, chain: int) -> None:
    # Make room at seq 3 and insert a forged copy of event 2 there.
    _sql(
        container,
        "UPDATE audit_events SET seq = seq + 1000 WHERE seq >= 3",
        "UPDATE audit_events SET seq = seq - 999 WHERE seq >= 1003",
        "INSERT INTO audit_events (seq, at, actor, tag, object_type, object_id, fields, source,"
        " detail, prev_hash, hash) SELECT 3, at, actor, tag, object_type, object_id, fields,"
        " source, detail, hash, hash FROM audit_events WHERE seq = 2",
    )
    result = audit_tools.verify(container.deps(), batch=3)
    assert (result.ok, result.first_bad) == (False, 3)


def test_reordered_rows(container: Container, chain: int) -> None:
    _sql(
        container,
        "UPDATE audit_events SET seq = -6 WHERE seq = 6",
        "UPDATE audit_events SET seq = 6 WHERE seq = 7",
        "UPDATE audit_events SET seq = 7 WHERE seq = -6",
    )
    result = audit_tools.verify(container.deps(), batch=4)
    assert (result.ok, result.first_bad) == (False, 6)


def test_truncated_tail_is_found_only_with_a_checkpoint(
    container: Container, chain: int, tmp_path: Path
) -> None:
    # Two events that bind no evidence row, so only the chain's end tells they are gone.
    at = container.clock.now()
    with container.uow() as uow:
        uow.audit.append_many(
            [Actor("t", "test").event(at, cast(AuditTag, "test:event:tail"), "case", "x")] * 2
        )
        uow.commit()
    key = tmp_path / "checkpoint.key"
    trusted = audit_tools.init_signing_key(key)
    cp = audit_tools.checkpoint(container.deps(), key)
    assert cp.seq == chain + 2
    assert key.stat().st_mode & 0o777 == 0o600
    assert audit_tools.verify_checkpoint(container.deps(), cp, trusted).ok
    # The tail deleted and the head row moved back with it: an honest-looking shorter chain.
    _sql(
        container,
        "DELETE FROM audit_events WHERE seq > :n",
        "UPDATE audit_head SET seq = :n, hash = (SELECT hash FROM audit_events WHERE seq = :n)",
        n=chain,
    )
    assert audit_tools.verify(container.deps()).ok
    result = audit_tools.verify_checkpoint(container.deps(), cp, trusted)
    assert (result.ok, result.first_bad) == (False, chain + 1)
    assert f"before checkpoint seq {chain + 2}" in result.problem
    assert "truncated" in result.problem


def test_rewritten_history_after_checkpoint(
    container: Container, chain: int, tmp_path: Path
) -> None:
    key = tmp_path / "checkpoint.key"
    trusted = audit_tools.init_signing_key(key)
    cp = audit_tools.checkpoint(container.deps(), key)
    forged = audit_tools.Checkpoint(cp.seq, "f" * 64, cp.at, cp.key_id, cp.public_key, cp.signature)
    result = audit_tools.verify_checkpoint(container.deps(), forged, trusted)
    assert not result.ok
    assert "signature" in result.problem


def test_cli_verify_exit_codes_and_checkpoint(
    container: Container, chain: int, tmp_path: Path, db_url: str
) -> None:
    if not db_url.startswith("sqlite"):
        pytest.skip("the CLI run needs only one engine")
    env = os.environ | {
        "VULNDESK_HOME": str(tmp_path),
        "VULNDESK_CHECKPOINT_KEY": str(tmp_path / "checkpoint.key"),
        "VULNDESK_DATABASE_URL": db_url,
        "VULNDESK_KEYS": container.settings.keys_json or "",
    }
    cli = [str(Path(sys.executable).parent / "vulndesk")]

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*cli, *args], env=env, capture_output=True, text=True, check=False, timeout=60
        )

    assert run("keys", "checkpoint-init").returncode == 0
    ok = run("audit", "verify", "--no-checkpoint")
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.startswith(f"OK: {chain} events")
    cp = run("audit", "checkpoint")
    assert cp.returncode == 0, cp.stderr
    assert {"seq", "hash", "at", "key_id", "signature"} <= set(json.loads(cp.stdout))
    cp_file = tmp_path / "cp.json"
    cp_file.write_text(cp.stdout, encoding="utf-8")
    # By default the newest checkpoint in the directory: none stored yet is a failure.
    none = run("audit", "verify")
    assert none.returncode == 1
    assert "no checkpoint in" in none.stderr
    _sql(container, "DELETE FROM audit_events WHERE seq = :n", n=chain)
    bad = run("audit", "verify", "--checkpoint", str(cp_file))
    assert bad.returncode == 1
    assert f"FAILED at seq {chain}" in bad.stderr


def test_equivalent_stored_forms_still_verify(container: Container, chain: int) -> None:
    # Rewritten JSON spacing and, on SQLite, a "T" in the stored instant change the stored
    # text but not the event: the fast check misses, the exact check accepts.
    with container.engine.begin() as conn:
        spaced = conn.execute(
            text(
                "UPDATE audit_events SET fields = '[ ]' WHERE seq = (SELECT MIN(seq)"
                " FROM audit_events WHERE CAST(fields AS TEXT) = '[]')"
            )
        )
        assert spaced.rowcount == 1
    if container.engine.dialect.name == "sqlite":
        _sql(container, "UPDATE audit_events SET at = replace(at, ' ', 'T') WHERE seq = 6")
    result = audit_tools.verify(container.deps(), batch=4)
    assert (result.ok, result.checked) == (True, chain)


def test_shifted_instant_is_found(container: Container, chain: int) -> None:
    if container.engine.dialect.name == "sqlite":
        _sql(container, "UPDATE audit_events SET at = at || '+08:00' WHERE seq = 6")
    else:
        _sql(container, "UPDATE audit_events SET at = at + interval '1 microsecond' WHERE seq = 6")
    result = audit_tools.verify(container.deps(), batch=4)
    assert (result.ok, result.first_bad) == (False, 6)
    assert "does not match its hash" in result.problem


def test_fast_and_exact_walks_agree(container: Container, chain: int) -> None:
    from vulndesk.domain.audit import verify_chain

    with container.uow() as uow:
        exact = verify_chain(uow.audit.events(1, None))
    assert audit_tools.verify(container.deps(), batch=5) == exact


def test_events_the_application_writes_pass_the_fast_check(
    container: Container, chain: int
) -> None:
    # A row that misses the fast check is re-read and checked the slow way: correct, but a
    # reader that made every row miss (JSON parsed by the driver, say) would be slow.
    from vulndesk.adapters.storage.repositories.audit import SqlAuditLog
    from vulndesk.domain.audit import GENESIS
    from vulndesk.services.audit.verify import check_rows

    class NoExactCheck(SqlAuditLog):
        def events(self, start: int = 1, end: int | None = None) -> list[ChainedEvent]:
            raise AssertionError(f"seq {start} missed the fast check")

    with container.engine.connect() as conn:
        log = NoExactCheck(conn)
        result, after = check_rows(log, log.chain_rows(1, chain), GENESIS, 1)
    assert (result.ok, result.checked, after) == (True, chain, chain + 1)


def test_events_appended_together_chain_like_single_ones_whoever_moved_the_head(
    container: Container, chain: int
) -> None:
    from vulndesk.adapters.storage.repositories import audit as audit_adapter
    from vulndesk.domain.audit import chain_hash

    actor = Actor("auditor-test", "test")
    at = container.clock.now()
    batch = [
        actor.event(at, cast(AuditTag, "test:event:many"), "case", f"VD-{n}") for n in range(3)
    ]
    with container.uow() as uow:
        first = uow.audit.append_many(batch)
        uow.commit()
    # Another process appended meanwhile: this process's guess of the head is stale.
    audit_adapter._LAST_HEAD[container.engine] = (1, "0" * 64)
    with container.uow() as uow:
        second = uow.audit.append_many(batch[:2])
        assert uow.audit.append_many([]) == []
        uow.commit()
    got = [*first, *second]
    assert [c.seq for c in got] == list(range(chain + 1, chain + 6))
    for earlier, later in itertools.pairwise(got):
        assert later.prev_hash == earlier.hash
        assert later.hash == chain_hash(later.seq, later.event, earlier.hash)
    with container.uow() as uow:
        stored = uow.audit.events(chain + 1)
    assert [(c.seq, c.hash) for c in stored] == [(c.seq, c.hash) for c in got]
    result = audit_tools.verify(container.deps())
    assert result.ok and result.checked == chain + 5
