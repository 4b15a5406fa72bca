"""The disclosure comparison on real storage: this draft, then what each recipient got or
would get, field by field; the read is audited."""

from __future__ import annotations

import pytest

from tests.builders import demo_with_history, reader
from vulndesk.bootstrap import Container
from vulndesk.domain.audit_tags import AuditTag
from vulndesk.domain.disclosure import DETAIL_FIELDS
from vulndesk.domain.errors import NotFound
from vulndesk.domain.ids import CaseKey
from vulndesk.services.context import Deps
from vulndesk.services.reports import comparison

DRAFT = "VD-2026-0001/nvdb/miit-nvdb/v1"


@pytest.fixture
def demo_org(container: Container, deps: Deps) -> Deps:
    return demo_with_history(container, deps)


def test_columns_are_this_draft_then_the_ledger(demo_org: Deps) -> None:
    analyst = reader("analyst-cn", "analyst", "acme-cn")
    table = comparison.compare_recipients(demo_org, analyst, DRAFT)
    first, *others = table.columns
    assert first.current and first.recipient == "miit-nvdb" and first.ref == DRAFT
    with demo_org.uow() as uow:
        entries = uow.ledger.list(CaseKey("VD-2026-0001"))
    sent = [c for c in others if c.sent]
    assert {(c.recipient, c.disclosure_kind) for c in sent} == {
        (e.entry.recipient, e.entry.disclosure_kind) for e in entries if e.entry.draft_ref != DRAFT
    }
    assert [r.field for r in table.rows] == sorted(
        DETAIL_FIELDS, key=lambda f: (DETAIL_FIELDS[f].rank, list(DETAIL_FIELDS).index(f))
    )
    for row in table.rows:
        assert row.cells == tuple(row.field in c.fields for c in table.columns)
        assert row.differs == (len(set(row.cells)) > 1)
    assert any(r.differs for r in table.rows)


def test_a_case_the_viewer_may_not_see_is_missing(demo_org: Deps) -> None:
    outsider = reader("approver-de", "approver", "acme-de")
    with pytest.raises(NotFound):
        comparison.compare_recipients(demo_org, outsider, DRAFT)


def test_the_comparison_is_an_audited_read(demo_org: Deps) -> None:
    analyst = reader("analyst-cn", "analyst", "acme-cn")
    comparison.compare_recipients(demo_org, analyst, DRAFT)
    with demo_org.uow() as uow:
        events = uow.audit.for_object("report", DRAFT)
    read = [e.event for e in events if e.event.tag == AuditTag.CASE_REPORT_DIFFED]
    assert read and read[-1].actor == "analyst-cn"
