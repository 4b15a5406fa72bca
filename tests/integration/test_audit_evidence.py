"""Evidence rows are bound to the audit chain: changes made directly in SQL are found, naming
the row; the stored head and the newest signed checkpoint catch a truncated chain."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import text

from tests.builders import open_case, seed_reference
from vulndesk.adapters.clock import SettableClock
from vulndesk.bootstrap import Container
from vulndesk.domain.audit import VerifyResult
from vulndesk.domain.errors import InvalidInput
from vulndesk.services import (
    approvals,
    audit_tools,
    cases,
    ledger,
    publication,
    reference,
    reports,
    worker,
)
from vulndesk.services.context import Actor, Deps

A = Actor("analyst-a", "test", unit="cn")
B = Actor("analyst-b", "test", unit="cn")
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


def _seed(deps: Deps, actor: Actor) -> None:
    seed_reference(deps, actor)
    reference.add_party(deps, actor, id="cncert", name="CNCERT", kind="csirt", country="CN")


@pytest.fixture
def world(container: Container, actor: Actor, clock: SettableClock) -> World:
    """A case with one row of every kind of evidence."""
    deps = container.deps()
    _seed(deps, actor)
    case = open_case(deps, actor, details=DETAILS)
    cases.record_fact(deps, A, case.key, "verified", clock.now(), "Reproduced on R-1 1.0.")
    cases.transition(deps, A, case.key, "triage", "Looks real")
    draft = reports.draft_report(deps, A, case.key, "nvdb", "nvdb")
    approvals.approve(deps, A, draft.ref)
    approvals.approve(deps, B, draft.ref)
    entry = ledger.record_submission(deps, A, draft.ref, clock.now(), "NVDB-2026-0042")
    decision = approvals.record_decision(
        deps, A, "cross-border", case.key, "cncert", "Shared with the national CSIRT"
    )
    approvals.approve_decision(deps, B, decision.id)
    publication.decide(deps, A, case.key, "mps_consent", "window", "Consent by phone, ref 12")
    publication.record_share(deps, A, case.key, "Partner Ltd", "CN", note="NDA 7")
    clock.advance(dt.timedelta(days=4))
    worker.run_once(deps, Actor("worker-test", "worker"))
    result = audit_tools.verify(deps)
    assert result.ok, result.problem
    return World(container, case.key, entry.id)


def _sql(container: Container, *statements: str, **params: object) -> None:
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
