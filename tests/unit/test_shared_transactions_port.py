"""The intake's speed machinery stays behind the SharedTransactions port (decision 0020)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from vulndesk.services.ports import SharedTransactions, UnitOfWork

SERVICES = Path(__file__).resolve().parents[2] / "src" / "vulndesk" / "services"


def test_the_unit_of_work_port_has_no_speed_machinery() -> None:
    for name in ("wait_turn", "savepoint", "reference_version"):
        assert not hasattr(UnitOfWork, name), name
    assert {"run", "planning", "unchanged"} <= set(dir(SharedTransactions))


def test_services_hold_no_group_commit_or_cached_views() -> None:
    assert importlib.util.find_spec("vulndesk.services.group_commit") is None
    words = ("GroupCommit", "ReferenceCache", "read_once", "_Joined", "_SharedMemo")
    found = [
        f"{path.name}: {word}"
        for path in sorted(SERVICES.rglob("*.py"))
        for word in words
        if word in path.read_text(encoding="utf-8")
    ]
    assert found == []
