"""The what-if core: a hypothetical rule file as if in force since each trigger, met duties left out."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from vulndesk.domain.cases import Role
from vulndesk.domain.facts import FactKind
from vulndesk.domain.ids import CaseKey, UnitId
from vulndesk.domain.obligations import Situation
from vulndesk.rules.loader import parse_rule_text
from vulndesk.rules.whatif import DUE_SOON, OVERDUE, CaseInput, assess, tally

EXAMPLE = Path(__file__).parents[3] / "docs" / "examples" / "what-if-cn-24h.toml"
RULES = parse_rule_text(EXAMPLE.read_text(encoding="utf-8"), EXAMPLE.name)
NOW = dt.datetime(2026, 12, 3, 12, tzinfo=dt.UTC)


def _case(
    key: str, aware: dt.datetime, unit: str = "cn", met: frozenset[str] = frozenset()
) -> CaseInput:
    situation = Situation(
        "CN", frozenset({Role.PRODUCT_PROVIDER}), {FactKind.AWARE: aware}, "Asia/Shanghai"
    )
    return CaseInput(CaseKey(key), UnitId(unit), situation, met)


def test_a_file_not_yet_in_force_counts_from_each_trigger_and_reports_overdue_and_due_soon() -> (
    None
):
    cases = [
        _case("VD-2026-0001", NOW - dt.timedelta(hours=30)),  # due 6 h ago
        _case("VD-2026-0002", NOW - dt.timedelta(hours=2)),  # due in 22 h
        _case(
            "VD-2026-0003", NOW - dt.timedelta(hours=30), met=frozenset({"disclosure:nvdb-report"})
        ),
        _case("VD-2026-0004", NOW - dt.timedelta(hours=30), unit="de"),
    ]
    found = {str(f.case): f for f in assess(RULES, cases, NOW)}
    assert found["VD-2026-0001"].status == OVERDUE
    assert found["VD-2026-0002"].status == DUE_SOON
    assert "VD-2026-0003" not in found  # already reported
    assert found["VD-2026-0001"].content == ("technical_characteristics", "trigger_location")
    assert found["VD-2026-0001"].obligation.due == NOW - dt.timedelta(hours=6)
    counts = [(t.unit, t.regulation, t.overdue, t.due_soon) for t in tally(found.values())]
    assert counts == [("cn", "cn-rmsv-2021", 1, 1), ("de", "cn-rmsv-2021", 1, 0)]


def test_a_deadline_beyond_the_window_is_not_reported() -> None:
    far = assess(RULES, [_case("VD-2026-0001", NOW)], NOW, window=dt.timedelta(hours=12))
    assert far == []
    near = assess(RULES, [_case("VD-2026-0001", NOW)], NOW, window=dt.timedelta(hours=24))
    assert [f.status for f in near] == [DUE_SOON]
