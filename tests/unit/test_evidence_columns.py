"""Every column of an evidence table is either bound or listed as not evidence, with a reason."""

from __future__ import annotations

import datetime as dt

from vulndesk.adapters.storage.evidence import EVIDENCE, NOT_EVIDENCE
from vulndesk.domain.evidence import row_digest


def test_every_column_of_an_evidence_table_is_classified() -> None:
    for table, bound in EVIDENCE.items():
        left_out = NOT_EVIDENCE.get(table, {})
        columns = {c.name for c in table.columns} - {"id"}
        assert set(bound) | set(left_out) == columns, table.name
        assert not set(bound) & set(left_out), table.name
        assert all(reason.strip() for reason in left_out.values()), table.name


def test_the_digest_is_independent_of_order_time_zone_and_absent_columns() -> None:
    utc = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    shanghai = utc.astimezone(dt.timezone(dt.timedelta(hours=8)))
    a = row_digest({"at": utc, "kind": "aware", "note": None})
    b = row_digest({"kind": "aware", "at": shanghai})
    assert a == b
    assert row_digest({"kind": "aware", "at": utc, "note": ""}) != a
    assert row_digest({"blob": b"\x00"}) != row_digest({"blob": b"\x01"})
