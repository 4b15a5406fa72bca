"""Equal dissemination at a glance: which detail fields each recipient of a case got or would get."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from vulndesk.domain.audit_tags import AuditTag
from vulndesk.domain.disclosure import DETAIL_FIELDS, Sensitivity
from vulndesk.domain.drafts import DraftRecord, DraftStatus
from vulndesk.domain.ledger import LedgerEntry
from vulndesk.services.access import rights as access
from vulndesk.services.access.rights import Principal
from vulndesk.services.context import Deps
from vulndesk.services.reports.drafts import load_draft, visible_ref

# Columns are ordered by the kind of recipient, as the equal-dissemination rules read them.
KIND_ORDER = ("regulator", "csirt", "customer", "downstream_maker", "upstream_supplier", "public")


@dataclass(frozen=True, slots=True)
class Column:
    """One recipient: what it got (`sent`, from the ledger) or would get (from a draft)."""

    recipient: str
    recipient_kind: str
    disclosure_kind: str
    fields: frozenset[str]
    sent: bool
    at: dt.datetime | None = None
    ref: str | None = None  # the draft's ref, or `ledger:<id>`
    current: bool = False  # the draft this page shows


@dataclass(frozen=True, slots=True)
class Row:
    """One detail field; `cells[i]` says whether column i carries it; `differs` when not all do."""

    field: str
    sensitivity: Sensitivity
    cells: tuple[bool, ...]

    @property
    def differs(self) -> bool:
        return len(set(self.cells)) > 1


@dataclass(frozen=True, slots=True)
class Comparison:
    """The table: recipients across, detail fields down (grouped by class, least sensitive first)."""

    columns: tuple[Column, ...]
    rows: tuple[Row, ...]

    def by_class(self) -> list[tuple[Sensitivity, list[Row]]]:
        order = sorted(Sensitivity, key=lambda s: s.rank)
        return [(s, [r for r in self.rows if r.sensitivity is s]) for s in order]


def _rank(column: Column) -> tuple[int, int, str, str]:
    kind = column.recipient_kind
    order = KIND_ORDER.index(kind) if kind in KIND_ORDER else len(KIND_ORDER)
    return (0 if column.current else 1, order, column.recipient, column.disclosure_kind)


def build(columns: Iterable[Column]) -> Comparison:
    """A row for every detail field (also those nobody got: that is worth seeing too)."""
    cols = tuple(sorted(columns, key=_rank))
    names = list(DETAIL_FIELDS)
    fields = sorted(names, key=lambda f: (DETAIL_FIELDS[f].rank, names.index(f)))
    rows = tuple(Row(f, DETAIL_FIELDS[f], tuple(f in c.fields for c in cols)) for f in fields)
    return Comparison(cols, rows)


def _draft_column(record: DraftRecord, current: bool = False) -> Column:
    """What a draft would give its recipient."""
    d = record.draft
    return Column(
        d.recipient,
        d.recipient_kind,
        d.kind,
        frozenset(d.fields),
        False,
        d.created_at,
        record.ref,
        current=current,
    )


def _entry_column(e: LedgerEntry) -> Column:
    """What a ledger entry gave its recipient."""
    x = e.entry
    return Column(
        x.recipient, x.recipient_kind, x.disclosure_kind, frozenset(x.fields), True, x.at, e.ref
    )


def _newest_unsent(record: DraftRecord, drafts: Sequence[DraftRecord]) -> list[DraftRecord]:
    """The newest version of each unsent draft (by kind and recipient) to other recipients."""
    newest: dict[tuple[str, str], DraftRecord] = {}
    for other in drafts:
        o = other.draft
        if o.recipient == record.draft.recipient or other.status is DraftStatus.SUPERSEDED:
            continue
        if other.status is DraftStatus.SUBMITTED:
            continue  # its ledger entry is the column
        key = (o.kind, o.recipient)
        if key not in newest or newest[key].draft.version < o.version:
            newest[key] = other
    return list(newest.values())


def _columns(
    record: DraftRecord, drafts: Sequence[DraftRecord], entries: Sequence[LedgerEntry]
) -> list[Column]:
    """The current draft, every ledger entry, and the newest unsent draft to each other recipient."""
    cols = [_draft_column(record, current=True)]
    # This draft, already sent, has its column first.
    cols.extend(_entry_column(e) for e in entries if e.entry.draft_ref != record.ref)
    cols.extend(_draft_column(other) for other in _newest_unsent(record, drafts))
    return cols


def compare_recipients(deps: Deps, principal: Principal, ref: str) -> Comparison:
    """What each recipient of the draft's case got or would get, field by field."""
    visible_ref(deps, principal, ref)
    principal.require(access.CASE_READERS)
    now = deps.clock.now()
    with deps.uow() as uow:
        record = load_draft(uow, ref)
        drafts = uow.reports.drafts_for_case(record.draft.case)
        entries = uow.ledger.list(record.draft.case)
        table = build(_columns(record, drafts, entries))
        uow.audit.append(principal.event(now, AuditTag.CASE_REPORT_DIFFED, "report", record.ref))
        uow.commit()
    return table
