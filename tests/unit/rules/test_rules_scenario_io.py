"""Facts files: parsing into a Situation with precise errors, and the JSON rendering."""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path
from typing import Any, cast

import pytest

from vulndesk.domain.cases import Role
from vulndesk.domain.facts import FactKind
from vulndesk.domain.obligations import Timing
from vulndesk.domain.products import ProductKind
from vulndesk.domain.severity import SeverityLevel
from vulndesk.rules.errors import ScenarioError
from vulndesk.rules.loader import builtin_rule_sets
from vulndesk.rules.scenario import load_scenario, parse_scenario, render_obligations, run_scenario

BASE: dict[str, Any] = {
    "id": "sample",
    "description": "A sample.",
    "organisation": {
        "country": "cn",
        "roles": ["product_provider", "network_operator"],
        "timezone": "Asia/Shanghai",
    },
    "product": {"kind": "service", "markets": ["CN", "fr"], "users_must_act": True},
    "vulnerability": {"upstream_component": True, "severity": "High"},
    "events": {
        "aware": "2026-03-10T15:00:00+08:00",
        "verified": None,
        "exploitation_aware": "2026-10-01T07:00:00Z",
    },
    "regulations": ["cn-rmsv-2021", "eu-cra-2024"],
    "options": {"cn-rmsv-2021.report_window": "2d"},
    "expected": [
        {
            "id": "cn-rmsv-2021/report-to-nvdb",
            "timing": "deadline",
            "due": "2026-03-13T00:00:00+08:00",
        }
    ],
    "expected_absent": ["cn-rmsv-2021/notify-users"],
}


def parse(data: object) -> Any:
    return parse_scenario(data, "case.json", builtin_rule_sets())


def test_a_full_file_becomes_a_situation() -> None:
    scenario = parse(BASE)
    s = scenario.situation
    assert s.org_country == "CN"
    assert s.roles == {Role.PRODUCT_PROVIDER, Role.NETWORK_OPERATOR}
    assert s.org_timezone == "Asia/Shanghai"
    assert s.product_kind is ProductKind.SERVICE
    assert s.markets == {"CN", "FR"}
    assert s.users_must_act
    assert s.upstream_component
    assert s.severity is SeverityLevel.HIGH
    assert s.events == {
        FactKind.AWARE: dt.datetime(2026, 3, 10, 7, tzinfo=dt.UTC),
        FactKind.EXPLOITATION_AWARE: dt.datetime(2026, 10, 1, 7, tzinfo=dt.UTC),
    }
    assert scenario.regulations == ("cn-rmsv-2021", "eu-cra-2024")
    assert scenario.options == {"cn-rmsv-2021.report_window": "2d"}
    assert scenario.expected[0].timing is Timing.DEADLINE
    assert scenario.expected_absent == ("cn-rmsv-2021/notify-users",)


def test_defaults_for_the_optional_sections() -> None:
    scenario = parse({"organisation": {"country": "DE", "roles": []}})
    s = scenario.situation
    assert (s.org_timezone, s.product_kind, s.markets, s.users_must_act, s.severity) == (
        "UTC",
        ProductKind.PRODUCT,
        frozenset(),
        False,
        None,
    )
    assert s.events == {}
    assert scenario.regulations is None
    assert run_scenario(scenario, builtin_rule_sets()) == []


def mutate(path: str, value: object) -> dict[str, Any]:
    data = copy.deepcopy(BASE)
    *parents, last = path.split("/")
    node: Any = data
    for key in parents:
        node = node[int(key)] if isinstance(node, list) else node[key]
    if value is KeyError:
        del node[last]
    else:
        node[last] = value
    return data


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        ("organisation", KeyError, r"^case\.json: organisation: is missing"),
        (
            "organisation/country",
            "China",
            r"organisation\.country: 'China' is not a country code \(accepted: ISO 3166-1 alpha-2",
        ),
        (
            "organisation/roles",
            "product_provider",
            r"organisation\.roles: is a string \(accepted: a list of strings\)",
        ),
        (
            "organisation/roles",
            ["maker"],
            r"organisation\.roles\[0\]: 'maker' is not a role \(accepted: product_provider",
        ),
        (
            "organisation/timezone",
            "Beijing",
            r"organisation\.timezone: 'Beijing' is not a known time zone",
        ),
        (
            "organisation/name",
            "ACME",
            (
                r"organisation\.name: is not a known key \(accepted: country, roles, timezone, "
                r"eu_main_establishment_timezone, nis2_entity, financial_entity, cn_operator_class\)"
            ),
        ),
        (
            "product/kind",
            "firmware",
            r"product\.kind: 'firmware' is not a product kind \(accepted: product, service, system\)",
        ),
        (
            "product/markets",
            ["CN", 7],
            r"product\.markets\[1\]: is a number \(accepted: a string\)",
        ),
        (
            "product/users_must_act",
            "yes",
            r"product\.users_must_act: is a string \(accepted: true or false\)",
        ),
        (
            "vulnerability/severity",
            "severe",
            r"vulnerability\.severity: 'severe' is not a severity",
        ),
        ("events/aware", "2026-03-10 15:00", r"events\.aware: the instant has no UTC offset"),
        ("events/aware", "yesterday", r"events\.aware: 'yesterday' is not an ISO 8601 instant"),
        (
            "events/noticed",
            "2026-03-10T15:00:00+08:00",
            r"events\.noticed: is not an event \(accepted: aware, verified",
        ),
        (
            "regulations",
            ["cn-rmsv-2022"],
            r"regulations\[0\]: 'cn-rmsv-2022' is not a loaded rule set \(accepted: cn-draft-2019",
        ),
        (
            "options",
            {"cn-rmsv-2021.report_window": "3d"},
            r'options\["cn-rmsv-2021\.report_window"\]: \'3d\' is not allowed \(accepted: 48h, 2d, 2dr, 2wd\)',
        ),
        (
            "options",
            {"cn-rmsv-2021.report_window": 2},
            r"options\.cn-rmsv-2021\.report_window: is a number",
        ),
        (
            "options",
            {"cn-rmsv-2021.window": "2d"},
            r'options\["cn-rmsv-2021\.window"\]: is not an option of this rule set',
        ),
        (
            "expected/0/timing",
            "soon",
            r"expected\[0\]\.timing: 'soon' is not a timing \(accepted: deadline, immediately, promptly\)",
        ),
        ("expected/0/due", "2026-03-13", r"expected\[0\]\.due: the instant has no UTC offset"),
        (
            "regulation",
            ["cn-rmsv-2021"],
            r"^case\.json: regulation: is not a known key \(accepted: id, description",
        ),
    ],
)
def test_bad_files_name_the_key_and_what_is_accepted(
    path: str, value: object, message: str
) -> None:
    with pytest.raises(ScenarioError, match=message):
        parse(mutate(path, value))


def test_a_document_that_is_not_an_object() -> None:
    with pytest.raises(ScenarioError, match=r"case\.json: the document is a list"):
        parse([])


def test_load_reports_json_syntax_with_its_position(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{"organisation": {\n  "country": "CN",\n}', encoding="utf-8")
    with pytest.raises(
        ScenarioError, match=r"broken\.json: is not valid JSON: .* at line 3 column 1"
    ):
        load_scenario(path, builtin_rule_sets())


def test_rendering_shows_instants_in_the_rule_sets_zone() -> None:
    scenario = parse(mutate("events/exploitation_aware", "2026-10-24T22:30:00Z"))
    output = render_obligations(run_scenario(scenario, builtin_rule_sets()))
    rows = {row["id"]: row for row in cast(list[dict[str, Any]], output["obligations"])}
    report = rows["cn-rmsv-2021/report-to-nvdb"]
    assert report["due"] == "2026-03-13T00:00:00+08:00"
    assert report["trigger_at"] == "2026-03-10T15:00:00+08:00"
    assert report["interpretation"] == {"report_window": "2d", "report_clock_start": "aware"}
    assert report["satisfied_by"] == "nvdb-report"
    # 22:30 UTC on 24 October is 00:30 CEST; 24 real hours later Brussels is on CET.
    assert rows["eu-cra-2024/early-warning"]["due"] == "2026-10-25T23:30:00+01:00"
    assert rows["eu-cra-2024/inform-users"]["due"] is None
    assert json.loads(json.dumps(output)) == output
