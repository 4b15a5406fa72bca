"""`vulndesk org set-regimes` and `vulndesk case incident-grade` (a subprocess, both engines)."""

from __future__ import annotations

from tests.e2e.cli import Cli
from tests.e2e.test_cli import _seed, cli

__all__ = ["cli"]


def test_set_regimes_shows_and_refuses_bad_values_by_name(cli: Cli) -> None:
    _seed(cli)
    done = cli.run(
        "org", "set-regimes", "cn",
        "--eu-main-establishment-timezone", "Europe/Helsinki",
        "--nis2-entity", "important", "--financial-entity", "true",
        "--cn-operator-class", "cii",
    )  # fmt: skip
    assert "unit cn:" in done.stdout and "cn_operator_class=cii" in done.stdout
    unit = cli.json("org", "show", "cn")
    assert (unit["eu_main_establishment_timezone"], unit["nis2_entity"]) == (
        "Europe/Helsinki",
        "important",
    )
    assert (unit["financial_entity"], unit["cn_operator_class"]) == (True, "cii")
    for option, value, field in (
        ("--eu-main-establishment-timezone", "America/New_York", "eu_main_establishment_timezone"),
        ("--nis2-entity", "vital", "nis2_entity"),
        ("--financial-entity", "perhaps", "financial_entity"),
        ("--cn-operator-class", "bank", "cn_operator_class"),
    ):
        bad = cli.run("org", "set-regimes", "cn", option, value, ok=False)
        assert bad.returncode == 2, option
        assert field in bad.stderr, bad.stderr
    cleared = cli.run("org", "set-regimes", "cn", "--nis2-entity", "")
    assert "nis2_entity=-" in cleared.stdout
    assert cli.json("org", "show", "cn")["cn_operator_class"] == "cii"


def test_incident_grade_is_recorded_and_checked(cli: Cli) -> None:
    _seed(cli)
    key = cli.json("case", "open", "--title", "Outage", "--unit", "cn")["key"]
    done = cli.run("case", "incident-grade", key, "relatively_major")
    assert f"{key}: incident_grade=relatively_major" in done.stdout
    bad = cli.run("case", "incident-grade", key, "catastrophic", ok=False)
    assert bad.returncode == 2 and "incident_grade" in bad.stderr
    assert "especially_major" in bad.stderr
