"""The demo organisation shows a regulator filing on time and a late one, on the record."""

from __future__ import annotations

from vulndesk.bootstrap import Container
from vulndesk.domain.obligations import ObligationStatus
from vulndesk.services.audit import checkpoints as audit_tools
from vulndesk.services.cases import lifecycle as cases
from vulndesk.services.context import Deps
from vulndesk.services.demo import history as demo_history
from vulndesk.services.demo import organisation as demo

NVDB = "cn-rmsv-2021/report-to-nvdb"


def test_the_demo_files_one_nvdb_report_on_time_and_one_late(
    container: Container, deps: Deps
) -> None:
    assert demo.load(deps) > 20
    demo.users(deps, demo.ACTOR, container.passwords)
    assert demo_history.load(deps) == len(demo_history.FILINGS)
    with deps.uow() as uow:
        entries = [e for e in uow.ledger.list() if e.entry.disclosure_kind == "nvdb-report"]
    assert len(entries) == len(demo_history.FILINGS)
    statuses = {}
    for entry in entries:
        assert entry.entry.recipient == "miit-nvdb"
        assert sorted(entry.entry.approvers) == ["approver-cn", "approver-hq"]
        [clock] = [
            o
            for o in cases.show_case(deps, demo.LOADER, entry.entry.case).obligations
            if o.id == NVDB
        ]
        statuses[entry.entry.case] = clock
    assert sorted(c.status for c in statuses.values()) == [
        ObligationStatus.MET,
        ObligationStatus.MET_LATE,
    ]
    [late] = [c for c in statuses.values() if c.status is ObligationStatus.MET_LATE]
    assert late.late_by is not None and late.late_by.days >= 15
    assert audit_tools.verify(deps).ok
