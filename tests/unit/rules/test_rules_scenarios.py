"""Every scenario file (the shared acceptance set and our own) evaluated against its expectation."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from vulndesk.entrypoints.cli.obligations import app
from vulndesk.rules.loader import builtin_rule_sets
from vulndesk.rules.scenario import Scenario, load_scenario, run_scenario

REPO = Path(__file__).resolve().parents[3]
SHARED = REPO / ".." / "shared" / "scenarios"
OWN = Path(__file__).parent / "scenarios"
FILES = sorted(SHARED.glob("*.json")) + sorted(OWN.glob("*.json"))


def _name(path: Path) -> str:
    return f"{'own' if path.parent == OWN else 'shared'}/{path.stem}"


def test_the_shared_scenarios_are_found() -> None:
    assert len(sorted(SHARED.glob("*.json"))) >= 10
    assert len(sorted(OWN.glob("*.json"))) >= 20


def _check(scenario: Scenario, found: dict[str, tuple[str, dt.datetime | None]]) -> None:
    for expected in scenario.expected:
        assert expected.id in found, f"{expected.id} missing; got {sorted(found)}"
        timing, due = found[expected.id]
        assert timing == expected.timing.value, expected.id
        # Compared as instants: the offsets written in the file need not match the output's.
        assert due == expected.due, f"{expected.id}: due {due}, expected {expected.due}"
    for absent in scenario.expected_absent:
        assert absent not in found, f"{absent} must not appear"


@pytest.mark.parametrize("path", FILES, ids=_name)
def test_scenario_through_the_engine(path: Path) -> None:
    catalogue = builtin_rule_sets()
    scenario = load_scenario(path, catalogue)
    found = {o.id: (o.timing.value, o.due) for o in run_scenario(scenario, catalogue)}
    _check(scenario, found)


@pytest.mark.parametrize("path", FILES, ids=_name)
def test_scenario_through_the_command(path: Path) -> None:
    result = CliRunner().invoke(app, ["evaluate", str(path), "--json"])
    assert result.exit_code == 0, result.output
    output = json.loads(result.stdout)
    found = {
        o["id"]: (o["timing"], None if o["due"] is None else dt.datetime.fromisoformat(o["due"]))
        for o in output["obligations"]
    }
    _check(load_scenario(path, builtin_rule_sets()), found)
    ids = [o["id"] for o in output["obligations"]]
    assert ids == sorted(ids)
