"""`obligations evaluate` and `rules lint|list` through Typer's test runner."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from vulndesk.entrypoints.cli.obligations import app, rules_app

SCENARIOS = Path(__file__).resolve().parents[3] / ".." / "shared" / "scenarios"
REGULATIONS = Path(__file__).resolve().parents[3] / "src" / "vulndesk" / "regulations"
runner = CliRunner()


def test_evaluate_json_is_one_object_with_the_documented_fields() -> None:
    result = runner.invoke(app, ["evaluate", str(SCENARIOS / "cn-rmsv-basic.json"), "--json"])
    assert result.exit_code == 0, result.output
    output = json.loads(result.stdout)
    assert list(output) == ["obligations"]
    report = next(o for o in output["obligations"] if o["id"] == "cn-rmsv-2021/report-to-nvdb")
    assert report["regulation"] == "cn-rmsv-2021"
    assert report["article"] == "Art. 7(2)"
    assert report["recipient"] == "regulator"
    assert report["trigger"] == "aware"
    assert report["timing"] == "deadline"
    assert report["due"] == "2026-03-12T15:00:00+08:00"
    assert report["interpretation"] == {"report_window": "48h", "report_clock_start": "aware"}
    assert report["flags"] == []


def test_evaluate_prints_a_table_by_default() -> None:
    result = runner.invoke(
        app, ["evaluate", str(SCENARIOS / "cn-rmsv-working-days.json")], env={"COLUMNS": "160"}
    )
    assert result.exit_code == 0, result.output
    assert "cn-rmsv-2021/report-to-nvdb" in result.stdout
    assert "2026-10-10 00:00 +0800" in result.stdout


def test_evaluate_reads_organisation_rule_files(tmp_path: Path) -> None:
    text = (
        (REGULATIONS / "house-sla.toml")
        .read_text(encoding="utf-8")
        .replace('high = "30d"', 'high = "14d"')
    )
    (tmp_path / "house.toml").write_text(text, encoding="utf-8")
    result = runner.invoke(
        app,
        [
            "evaluate",
            str(SCENARIOS / "house-sla-high.json"),
            "--json",
            "--rules-dir",
            str(tmp_path),
        ],
    )
    assert result.exit_code == 0, result.output
    (remediate,) = json.loads(result.stdout)["obligations"]
    assert remediate["due"] == "2026-03-17T00:00:00-04:00"


def test_a_malformed_file_gets_one_line_on_stderr_and_exit_2(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text(
        json.dumps(
            {
                "organisation": {"country": "CN", "roles": ["product_provider"]},
                "events": {"aware": "noon"},
            }
        ),
        encoding="utf-8",
    )
    result = runner.invoke(app, ["evaluate", str(path), "--json"])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith(
        "error: bad.json: events.aware: 'noon' is not an ISO 8601 instant"
    )


def test_a_missing_file_exits_2(tmp_path: Path) -> None:
    result = runner.invoke(app, ["evaluate", str(tmp_path / "absent.json")])
    assert result.exit_code == 2
    assert "cannot be read" in result.stderr


def test_lint_says_ok_for_a_sound_file() -> None:
    result = runner.invoke(rules_app, ["lint", str(REGULATIONS / "cn-rmsv-2021.toml")])
    assert result.exit_code == 0
    assert result.stdout.strip() == "ok"


def test_lint_lists_problems_on_stderr_and_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    text = (REGULATIONS / "house-sla.toml").read_text(encoding="utf-8")
    path.write_text(
        text.replace('timezone = "organisation"', 'timezone = "Moon"').replace(
            'critical = "7d"', 'critical = "7days"'
        ),
        encoding="utf-8",
    )
    result = runner.invoke(rules_app, ["lint", str(path)])
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("error: bad.toml: timezone:")
    assert lines[1].startswith(
        "error: bad.toml: obligations[0].period_by.severity.critical: '7days' is not a period"
    )


def test_list_shows_the_rule_sets_and_their_options() -> None:
    result = runner.invoke(rules_app, ["list", "--json"])
    assert result.exit_code == 0, result.output
    listing = {r["id"]: r for r in json.loads(result.stdout)["rule_sets"]}
    assert sorted(listing) == [
        "cn-draft-2019",
        "cn-incident-2025",
        "cn-ndsm-2024",
        "cn-rmsv-2021",
        "eu-cra-2024",
        "eu-dora",
        "eu-gdpr-breach",
        "eu-nis2",
        "house-sla",
        "in-certin",
        "us-sec-8k",
    ]
    window = listing["cn-rmsv-2021"]["options"]["cn-rmsv-2021.report_window"]
    assert (window["default"], window["allowed"]) == ("48h", ["48h", "2d", "2dr", "2wd"])
    assert listing["house-sla"]["obligations"][0]["period_by"]["severity"]["critical"] == "7d"
    table = runner.invoke(rules_app, ["list"])
    assert table.exit_code == 0
    assert "report_window" in table.stdout
