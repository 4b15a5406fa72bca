"""The audit chain's head moves once per transaction, also across savepoints, on both engines."""

from __future__ import annotations

from typing import Any, cast

import pytest
from sqlalchemy import select

from tests.builders import open_case, seed_reference, statements_sent
from vulndesk.adapters.storage.tables.core import audit_head
from vulndesk.bootstrap import Container
from vulndesk.domain.audit_tags import AuditTag
from vulndesk.services.audit import checkpoints as audit_tools
from vulndesk.services.context import Actor

ACTOR = Actor("auditor-test", "test")


@pytest.fixture
def chain(container: Container) -> int:
    deps = container.deps()
    seed_reference(deps, ACTOR)
    open_case(deps, ACTOR, title="Overflow")
    result = audit_tools.verify(deps)
    assert result.ok
    return result.checked


def _moves(statements: list[str]) -> list[str]:
    return [s for s in statements if s.lstrip().upper().startswith("UPDATE AUDIT_HEAD")]


def _events(container: Container, n: int, name: str) -> list[Any]:
    at = container.clock.now()
    return [
        ACTOR.event(at, cast(AuditTag, "test:event:head"), "case", f"{name}-{i}") for i in range(n)
    ]


def _append_and_fail(uow: Any, events: list[Any]) -> None:
    """Append `events` in a savepoint, then fail: the savepoint is rolled back."""
    with uow.savepoint():
        uow.audit.append_many(events)
        raise RuntimeError("the piece of work fails")


def _stored_head(container: Container) -> tuple[int, str]:
    with container.engine.connect() as conn:
        row = conn.execute(select(audit_head.c.seq, audit_head.c.hash)).one()
    return int(row[0]), str(row[1])


def test_many_appends_in_one_transaction_move_the_head_row_once(
    container: Container, chain: int
) -> None:
    with statements_sent(container.engine) as sent, container.uow() as uow:
        appended = [
            c for n in range(5) for c in uow.audit.append_many(_events(container, 2, f"a{n}"))
        ]
        assert len(_moves(sent)) == 1  # the first append claimed the head; the others chain on
        uow.commit()
    assert len(_moves(sent)) == 2  # and the head was written once more, before COMMIT
    assert [c.seq for c in appended] == list(range(chain + 1, chain + 11))
    assert _stored_head(container) == (appended[-1].seq, appended[-1].hash)
    result = audit_tools.verify(container.deps())
    assert result.ok and result.checked == chain + 10


def test_a_rolled_back_savepoint_takes_its_events_and_its_head_with_it(
    container: Container, chain: int
) -> None:
    with container.uow() as uow:
        before = uow.audit.append_many(_events(container, 2, "before"))
        with pytest.raises(RuntimeError, match="fails"):
            _append_and_fail(uow, _events(container, 3, "undone"))
        after = uow.audit.append_many(_events(container, 2, "after"))
        with uow.savepoint():
            kept = uow.audit.append_many(_events(container, 1, "kept"))
        uow.commit()
    got = [*before, *after, *kept]
    assert [c.seq for c in got] == list(range(chain + 1, chain + 6))
    assert after[0].prev_hash == before[-1].hash
    assert _stored_head(container) == (kept[-1].seq, kept[-1].hash)
    result = audit_tools.verify(container.deps())
    assert result.ok and result.checked == chain + 5
    with container.uow() as uow:
        ids = [c.event.object_id for c in uow.audit.events(chain + 1)]
    assert not any(i.startswith("undone") for i in ids)


def test_a_head_first_moved_inside_a_rolled_back_savepoint_is_claimed_again(
    container: Container, chain: int
) -> None:
    with container.uow() as uow:
        with pytest.raises(RuntimeError, match="fails"):
            _append_and_fail(uow, _events(container, 2, "undone"))
        with statements_sent(container.engine) as sent:
            after = uow.audit.append_many(_events(container, 2, "after"))
        assert _moves(sent), "the head was moved (and locked) again after the rollback"
        uow.commit()
    assert [c.seq for c in after] == [chain + 1, chain + 2]
    assert _stored_head(container) == (after[-1].seq, after[-1].hash)
    assert audit_tools.verify(container.deps()).ok


def test_a_transaction_left_uncommitted_leaves_the_head_where_it_was(
    container: Container, chain: int
) -> None:
    head = _stored_head(container)
    with container.uow() as uow:
        uow.audit.append_many(_events(container, 3, "dropped"))
        uow.audit.append_many(_events(container, 3, "dropped"))
    assert _stored_head(container) == head
    with container.uow() as uow:
        again = uow.audit.append_many(_events(container, 1, "next"))
        uow.commit()
    assert again[0].seq == chain + 1  # the stale guess of the head costs a read, no gap
    assert audit_tools.verify(container.deps()).ok
