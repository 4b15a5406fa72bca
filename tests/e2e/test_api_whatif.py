"""`POST /api/v1/rules/what-if`: every role, need-to-know, nothing stored, a bad file named."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.e2e.test_api_authz import ALL_CASES, READERS, USERS
from tests.e2e.test_api_support import CANARY, World, world
from vulndesk.adapters.storage.schema import metadata

__all__ = ["world"]

PATH = "/api/v1/rules/what-if"
EXAMPLE = Path(__file__).parents[2] / "docs" / "examples" / "what-if-cn-24h.toml"
RULE_FILE = EXAMPLE.read_text(encoding="utf-8")


def _post(w: World, user: str, body: Any) -> Any:
    # Read-only: no Idempotency-Key is sent, and none is needed.
    return w.client.post(PATH, headers=w.headers(user), json=body)


def _rows(w: World) -> dict[str, int]:
    return {t.name: w.count(t.name) for t in metadata.sorted_tables}


def test_case_readers_see_their_own_open_cases_only_and_nothing_is_stored(world: World) -> None:
    before = _rows(world)
    for user in USERS:
        r = _post(world, user, {"rule_file": RULE_FILE})
        if user not in READERS:
            assert r.status_code == 403, (user, r.text)
            continue
        assert r.status_code == 200, (user, r.text)
        body = r.json()
        cases = {f["case"] for f in body["findings"]}
        if user in ALL_CASES:
            assert cases == {world.own, world.foreign}, user
        else:
            assert world.foreign not in r.text, user
            assert cases <= {world.own}, user
        assert CANARY not in r.text, user
        assert body["stored"] is False
    assert _rows(world) == before


def test_the_answer_counts_per_unit_and_shows_what_the_regulator_would_receive(
    world: World,
) -> None:
    body = _post(world, "analyst", {"rule_file": RULE_FILE}).json()
    assert body["rule_set"] == "cn-rmsv-2021" and body["replaces_loaded_rule_set"] is True
    (finding,) = body["findings"]
    assert (finding["case"], finding["status"]) == (world.own, "due_soon")
    assert finding["content"] == ["technical_characteristics", "trigger_location"]
    (tally,) = body["by_unit_and_regulation"]
    assert tally == {
        "unit": "cn",
        "regulation": "cn-rmsv-2021",
        "recipient": "regulator",
        "overdue": 0,
        "due_soon": 1,
    }
    nvdb = next(r for r in body["recipients"] if r["party"] == "nvdb")
    assert "secret" not in nvdb["today"] and "secret" in nvdb["then"]
    assert nvdb["added_fields"] == ["trigger_location"]


def test_a_bad_rule_file_is_refused_naming_the_field(world: World) -> None:
    bad = RULE_FILE.replace('content = ["technical_characteristics"', 'content = ["password"')
    r = _post(world, "analyst", {"rule_file": bad})
    assert r.status_code == 422
    assert "content" in r.json()["error"]["message"]
    assert "trigger_location" in r.json()["error"]["message"]
