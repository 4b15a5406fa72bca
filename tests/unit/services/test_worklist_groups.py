"""The headquarters summary of the dashboard: overdue and running clocks per regulation and unit."""

from __future__ import annotations

import datetime as dt

from vulndesk.domain.clocks import CaseObligation
from vulndesk.domain.facts import FactKind
from vulndesk.domain.ids import CaseKey
from vulndesk.domain.obligations import Obligation, ObligationStatus, Satisfier, Timing
from vulndesk.services.clocks.worklist import UnitGroup, WorkItem, Worklist

DUE = dt.datetime(2026, 12, 4, tzinfo=dt.UTC)


def _item(regulation: str, unit: str, status: ObligationStatus) -> WorkItem:
    ob = Obligation(
        f"{regulation}/x",
        regulation,
        "Art. 1",
        "Act.",
        "regulator",
        FactKind.AWARE,
        DUE,
        Timing.DEADLINE,
        DUE,
        "48h",
        "UTC",
        Satisfier(disclosure="x"),
    )
    return WorkItem(CaseObligation(CaseKey("VD-2026-0001"), ob, status), "title", unit)


def test_counts_per_regulation_and_unit_in_unit_order() -> None:
    late, running = ObligationStatus.OVERDUE, ObligationStatus.OPEN
    cn = UnitGroup(
        "acme-cn",
        (
            (
                "cn-rmsv-2021",
                (_item("cn-rmsv-2021", "acme-cn", late), _item("cn-rmsv-2021", "acme-cn", running)),
            ),
            ("eu-cra-2024", (_item("eu-cra-2024", "acme-cn", running),)),
        ),
    )
    de = UnitGroup("acme-de", (("eu-cra-2024", (_item("eu-cra-2024", "acme-de", late),)),))
    work = Worklist((), (), (cn, de))
    assert work.by_regulation() == [
        ("cn-rmsv-2021", ((1, 1), (0, 0))),
        ("eu-cra-2024", ((0, 1), (1, 0))),
    ]
    assert Worklist((), (), ()).by_regulation() == []
