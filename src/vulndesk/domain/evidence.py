"""Evidence rows bound to the audit chain: the digest of a row's evidential columns.

The storage adapter appends one audit event per transaction that names every evidence row
the transaction wrote, with the digest of each (`BOUND_TAG`, detail `"<table>:<pk>"` ->
digest). The verifier recomputes the digests of the stored rows and compares: the newest
binding of a row must match it, every bound row must exist, and every row must be bound.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass

from vulndesk.domain.audit_tags import AuditTag

BOUND_TAG = AuditTag.STORAGE_EVIDENCE_BOUND


def _plain(value: object) -> object:
    """One column value as JSON, the same on every engine."""
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat(timespec="microseconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bytes | bytearray | memoryview):
        # Ciphertext: bound by its hash, so verifying needs no key.
        return "sha256:" + hashlib.sha256(bytes(value)).hexdigest()
    return value


def row_digest(values: Mapping[str, object]) -> str:
    """SHA-256 of the canonical JSON of a row's evidential columns.

    NULL columns are left out, so a nullable column added later leaves the digests of the
    rows that do not use it unchanged.
    """
    body = {k: _plain(v) for k, v in values.items() if v is not None}
    text = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class RowMismatch:
    """The first evidence row that does not match the chain; `seq` is its binding event's."""

    table: str
    pk: str
    what: str
    seq: int | None

    def describe(self) -> str:
        where = f" (bound at seq {self.seq})" if self.seq is not None else ""
        return f"{self.table} id {self.pk}: {self.what}{where}"


MODIFIED = "modified: its columns differ from the digest its audit event holds"
UNBOUND = "inserted: the row has no audit event (row without event)"
DELETED = "deleted: its audit event names a row that is gone (event without row)"
