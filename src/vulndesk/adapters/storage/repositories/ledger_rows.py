"""Many ledger rows read at once into `LedgerEntry`s, by position and without content.

A whole-ledger read (the exposure report reads 100,000 rows) spends most of its time per
row: this read takes the instants as stored and converts them itself (the same conversion as
`types.UtcDateTime`, without the dialect's own pass before it), reads each column by
position rather than through a row mapping, and parses each distinct JSON list once (a
ledger repeats the same few field, class and approver lists).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from typing import Any

from sqlalchemy import String, Text, cast, type_coerce
from sqlalchemy.sql.elements import ColumnElement

from vulndesk.adapters.storage.tables.reports import ledger_entries
from vulndesk.domain.ids import CaseKey, PartyId, UnitId
from vulndesk.domain.ledger import LedgerEntry, NewLedgerEntry

_LISTS = ("fields", "classes", "approvers")
_INSTANTS = ("at", "recorded_at")
_SCALARS = [c for c in ledger_entries.c if c.name not in (*_LISTS, "content_enc")]
# The columns of a list read: the instants as stored, the three lists as their JSON text.
COLUMNS: list[ColumnElement[Any]] = [
    *(type_coerce(c, String).label(c.name) if c.name in _INSTANTS else c for c in _SCALARS),
    *(cast(ledger_entries.c[name], Text).label(f"{name}_json") for name in _LISTS),
]
_AT = {c.name: n for n, c in enumerate(_SCALARS)}
_UTC = dt.UTC
_NAIVE_LENGTHS = (19, 26)  # "YYYY-MM-DD HH:MM:SS" and with ".ffffff": no zone written


def _instant(value: Any) -> dt.datetime:
    """A stored instant as an aware UTC datetime (SQLite text, or the driver's datetime)."""
    if isinstance(value, str) and len(value) in _NAIVE_LENGTHS:
        # SQLite holds naive UTC text: parsed with its zone in one step (`replace` costs more)
        return dt.datetime.fromisoformat(value + "+00:00")
    parsed: dt.datetime = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=_UTC)
    return parsed.astimezone(_UTC)


def _parse(parsed: dict[str, tuple[str, ...]], text: str) -> tuple[str, ...]:
    found = parsed[text] = tuple(json.loads(text))
    return found


def entries(rows: Iterable[Any]) -> list[LedgerEntry]:
    """`rows` of `COLUMNS` as ledger entries without content (backdates not yet attached)."""
    parsed: dict[str, tuple[str, ...]] = {}
    i = _AT
    n_id, n_case, n_unit, n_kind = i["id"], i["case_key"], i["unit_id"], i["disclosure_kind"]
    n_to, n_to_kind, n_channel, n_at = i["recipient_id"], i["recipient_kind"], i["channel"], i["at"]
    n_draft, n_receipt, n_shot = i["draft_ref"], i["receipt"], i["screenshot"]
    n_shot_sha, n_sha, n_rec_at = i["screenshot_sha256"], i["sha256"], i["recorded_at"]
    n_rec_by, n_backdate = i["recorded_by"], i["backdate_decision_id"]
    lists = len(_SCALARS)
    out = []
    for r in rows:
        got = [parsed.get(text) or _parse(parsed, text) for text in r[lists : lists + 3]]
        backdate = r[n_backdate]
        entry = NewLedgerEntry(
            case=CaseKey(r[n_case]),
            unit=UnitId(r[n_unit]),
            disclosure_kind=r[n_kind],
            recipient=PartyId(r[n_to]),
            recipient_kind=r[n_to_kind],
            channel=r[n_channel],
            at=_instant(r[n_at]),
            draft_ref=r[n_draft],
            receipt=r[n_receipt],
            screenshot=r[n_shot],
            screenshot_sha256=r[n_shot_sha],
            content="",
            sha256=r[n_sha],
            fields=got[0],
            classes=got[1],
            approvers=got[2],
            recorded_at=_instant(r[n_rec_at]),
            recorded_by=r[n_rec_by],
            backdate_decision=None if backdate is None else int(backdate),
        )
        out.append(LedgerEntry(int(r[n_id]), entry))
    return out
