"""Penalty provisions in rule files: parsed with citations, checked, and named on bad input."""

from __future__ import annotations

import pytest

from vulndesk.rules.errors import RuleFileError
from vulndesk.rules.loader import builtin_rule_sets, parse_rule_text

BASE = """
id = "x-test"
title = "Test"
jurisdiction = "CN"
timezone = "Asia/Shanghai"
sources = ["test"]
[applicability]
roles = ["product_provider"]
countries = ["CN"]
[[obligations]]
id = "report"
article = "Art. 1"
action = "Report"
recipient = "regulator"
roles = ["product_provider"]
trigger = "aware"
period = "2d"
satisfied_by = "verified"
"""


def penalty(**overrides: object) -> str:
    values: dict[str, object] = {
        "id": '"p"',
        "applies_to": '["report"]',
        "law": '"Law"',
        "article": '"Art. 9"',
        "currency": '"CNY"',
        "minimum": "10",
        "maximum": "100",
        "basis": '"why"',
    } | overrides
    body = "\n".join(f"{k} = {v}" for k, v in values.items() if v is not None)
    return BASE + "\n[[penalties]]\n" + body + "\n"


def test_builtin_penalties_cite_their_law_and_cover_the_reporting_duties() -> None:
    sets = builtin_rule_sets()
    rmsv = sets["cn-rmsv-2021"]
    [nvdb] = rmsv.penalties_for("report-to-nvdb")
    assert (nvdb.currency, nvdb.minimum, nvdb.maximum) == ("CNY", 50_000, 500_000)
    assert nvdb.article == "Art. 60" and nvdb.basis_zh
    [cra] = sets["eu-cra-2024"].penalties_for("early-warning")
    assert (cra.maximum, cra.turnover_percent) == (15_000_000, 2.5)
    assert "2.5% of worldwide turnover" in cra.label
    assert sets["house-sla"].penalties == ()


def test_a_valid_penalty_parses() -> None:
    rule_set = parse_rule_text(penalty(), "t.toml")
    [p] = rule_set.penalties_for("report")
    assert (p.minimum, p.maximum, p.law) == (10, 100, "Law")


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"applies_to": '["nope"]'}, "applies_to"),
        ({"currency": '"yuan"'}, "currency"),
        ({"minimum": "500"}, "minimum"),
        ({"maximum": "-1"}, "maximum"),
        ({"turnover_percent": "250"}, "turnover_percent"),
        ({"colour": '"red"'}, "colour"),
    ],
)
def test_a_bad_penalty_names_the_field(overrides: dict[str, object], field: str) -> None:
    with pytest.raises(RuleFileError) as exc:
        parse_rule_text(penalty(**overrides), "t.toml")
    assert field in str(exc.value)
