"""The fast verifier hashes stored rows exactly as the domain hashes events."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vulndesk.domain.audit import GENESIS, AuditEvent, ChainedEvent, chain_hash, verify_chain
from vulndesk.services.audit.verify import check_rows
from vulndesk.services.ports import AuditQuery

_text = st.text(max_size=20)
_events = st.builds(
    AuditEvent,
    at=st.datetimes(timezones=st.just(dt.UTC)),
    actor=_text,
    tag=_text,
    object_type=_text,
    object_id=_text,
    fields=st.lists(_text, max_size=3).map(tuple),
    source=_text,
    detail=st.dictionaries(_text, _text, max_size=4),
)


class _NoExactCheck:
    """Audit log whose exact re-read fails the test: every row must pass the fast check."""

    def events(self, start: int = 1, end: int | None = None) -> list[ChainedEvent]:
        raise AssertionError(f"seq {start} missed the fast check")

    def append(self, event: AuditEvent) -> ChainedEvent:
        raise NotImplementedError

    def append_many(self, events: list[AuditEvent]) -> list[ChainedEvent]:
        raise NotImplementedError

    def for_object(self, object_type: str, object_id: str, limit: int = 200) -> list[ChainedEvent]:
        raise NotImplementedError

    def search(self, query: AuditQuery) -> list[ChainedEvent]:
        raise NotImplementedError


def _stored(events: list[AuditEvent]) -> list[tuple[object, ...]]:
    """Rows as the storage reader hands them out: JSON as SQLAlchemy stores it, not canonical."""
    rows: list[tuple[object, ...]] = []
    prev = GENESIS
    for seq, e in enumerate(events, start=1):
        digest = chain_hash(seq, e, prev)
        at = e.at.astimezone(dt.UTC).isoformat(timespec="microseconds")
        fields, detail = json.dumps(list(e.fields)), json.dumps(dict(e.detail))
        head = (seq, at, e.actor, e.tag, e.object_type, e.object_id)
        rows.append((*head, fields, e.source, detail, prev, digest))
        prev = digest
    return rows


@given(st.lists(_events, min_size=1, max_size=5))
def test_stored_rows_pass_the_fast_check_with_the_domains_head(events: list[AuditEvent]) -> None:
    rows = _stored(events)
    result, after = check_rows(_NoExactCheck(), rows, GENESIS, 1)
    chained = [
        ChainedEvent(int(str(r[0])), e, str(r[9]), str(r[10]))
        for r, e in zip(rows, events, strict=True)
    ]
    assert result == verify_chain(chained)
    assert after == len(events) + 1


def test_unsorted_detail_and_escapes_pass_the_fast_check() -> None:
    event = AuditEvent(
        at=dt.datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=dt.UTC),
        actor='Zhang \u4e09 "q"',
        tag="case:case:opened",
        object_type="case",
        object_id="VD-2026-0001",
        fields=("b", "a"),
        detail={"z": "1", "a": "\n\x01"},
    )
    rows = _stored([event])
    assert rows[0][8] == '{"z": "1", "a": "\\n\\u0001"}'
    result, _ = check_rows(_NoExactCheck(), rows, GENESIS, 1)
    assert result.ok and result.head == rows[0][10]


def test_a_changed_row_goes_to_the_exact_check() -> None:
    event = AuditEvent(dt.datetime(2026, 1, 2, tzinfo=dt.UTC), "a", "t", "case", "VD-1")
    row = _stored([event])[0]
    forged = (*row[:2], "mallory", *row[3:])
    with pytest.raises(AssertionError, match="seq 1 missed the fast check"):
        check_rows(_NoExactCheck(), [forged], GENESIS, 1)
