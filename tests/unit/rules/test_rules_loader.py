"""Rule files: the built-ins, organisation directories, and precise errors for bad files."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from vulndesk.domain.cases import Role
from vulndesk.domain.errors import InvalidInput
from vulndesk.domain.facts import FactKind
from vulndesk.domain.obligations import Situation
from vulndesk.domain.severity import SeverityLevel
from vulndesk.rules.engine import evaluate
from vulndesk.rules.errors import RuleFileError
from vulndesk.rules.loader import (
    builtin_rule_sets,
    lint_rule_file,
    load_rule_file,
    load_rule_sets,
    parse_rule_text,
)
from vulndesk.rules.model import ORGANISATION, Status

REGULATIONS = Path(__file__).resolve().parents[3] / "src" / "vulndesk" / "regulations"

GOOD = """
id = "acme-policy"
title = "ACME policy"
jurisdiction = "CN"
timezone = "Asia/Shanghai"
sources = ["ACME handbook, chapter 4"]

[applicability]
roles = ["product_provider"]
countries = ["CN"]
markets = ["EU"]
in_force_from = 2026-01-01

[options.window]
default = "3wd"
allowed = ["3wd", "72h"]

[[obligations]]
id = "tell-the-board"
article = "§ 4.2"
action = "Tell the board."
recipient = "internal"
roles = ["product_provider"]
trigger = "aware"
period = "{window}"
satisfied_by = "board-notice"
when.severity = ["critical", "high"]
"""

BUILT_INS = [
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


def replace_line(text: str, old: str, new: str) -> str:
    assert old in text
    return text.replace(old, new, 1)


def test_the_built_ins_load_and_lint_clean() -> None:
    catalogue = builtin_rule_sets()
    assert sorted(catalogue) == BUILT_INS
    assert catalogue["cn-rmsv-2021"].options["report_window"].allowed == ("48h", "2d", "2dr", "2wd")
    assert catalogue["cn-draft-2019"].status is Status.DRAFT
    assert catalogue["house-sla"].timezone == ORGANISATION
    # 11 September 2026, 00:00 Brussels (CEST), whatever zone days are counted in.
    assert catalogue["eu-cra-2024"].applicability.in_force_from == dt.datetime(
        2026, 9, 10, 22, 0, tzinfo=dt.UTC
    )
    for path in sorted(REGULATIONS.glob("*.toml")):
        assert lint_rule_file(path) == [], path.name


def test_every_built_in_obligation_cites_an_article_in_both_languages() -> None:
    for rule_set in builtin_rule_sets().values():
        assert rule_set.sources
        for rule in rule_set.obligations:
            assert all((rule.article, rule.action, rule.action_zh)), rule.id


def test_a_good_file_parses_with_eu_expanded() -> None:
    rule_set = parse_rule_text(GOOD, "acme.toml")
    assert rule_set.id == "acme-policy"
    assert rule_set.calendar == "CN"  # defaults to the jurisdiction when it has a calendar
    assert {"DE", "FR", "SE"} <= rule_set.applicability.markets
    assert rule_set.obligations[0].option_names == ("window",)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            'id = "acme-policy"',
            'id = "ACME policy"',
            r"acme\.toml: id: 'ACME policy' is not a valid id \(accepted: lowercase",
        ),
        (
            'timezone = "Asia/Shanghai"',
            'timezone = "Asia/Peking"',
            r"timezone: 'Asia/Peking' is not a known time zone",
        ),
        (
            'sources = ["ACME handbook, chapter 4"]',
            "sources = []",
            r"sources: must list at least one citation",
        ),
        (
            'roles = ["product_provider"]\ncountries',
            'roles = ["vendor"]\ncountries',
            r"applicability\.roles\[0\]: 'vendor' is not a role \(accepted: product_provider",
        ),
        (
            'countries = ["CN"]',
            'countries = ["China"]',
            r"applicability\.countries: 'China' is not a place",
        ),
        (
            "in_force_from = 2026-01-01",
            'in_force_from = "soon"',
            r"applicability\.in_force_from: is a string \(accepted: a TOML date",
        ),
        (
            'default = "3wd"',
            'default = "4wd"',
            r"options\.window\.default: '4wd' is not among the allowed values \(accepted: 3wd, 72h\)",
        ),
        (
            'allowed = ["3wd", "72h"]',
            'allowed = ["3wd", "3x"]',
            r"obligations\[0\]\.period: '3x' \(allowed value of option 'window'\) is not a period",
        ),
        (
            'period = "{window}"',
            'period = "{span}"',
            r"obligations\[0\]\.period: refers to option 'span', which the rule set does not declare",
        ),
        (
            'period = "{window}"',
            'period = "2 weeks"',
            r"obligations\[0\]\.period: '2 weeks' is not a period \(accepted: Nh, Nd, Ndr, Nwd or Nmo",
        ),
        (
            'trigger = "aware"',
            'trigger = "noticed"',
            r"obligations\[0\]\.trigger: 'noticed' is not a fact \(accepted: aware, verified",
        ),
        (
            'recipient = "internal"',
            'recipient = "boss"',
            r"obligations\[0\]\.recipient: 'boss' is not allowed \(accepted: regulator",
        ),
        (
            'roles = ["product_provider"]\ntrigger',
            'roles = ["network_operator"]\ntrigger',
            r"obligations\[0\]\.roles: network_operator is not among the rule set's applicability roles",
        ),
        (
            'satisfied_by = "board-notice"',
            'satisfied_by = "Board Notice"',
            r"obligations\[0\]\.satisfied_by: 'Board Notice' is neither a fact nor a disclosure kind",
        ),
        (
            'when.severity = ["critical", "high"]',
            'when.severity = ["huge"]',
            r"obligations\[0\]\.when\.severity: 'huge' is not allowed \(accepted: critical",
        ),
        (
            'when.severity = ["critical", "high"]',
            "when.colour = true",
            r"obligations\[0\]\.when\.colour: is not a known key \(accepted: product_kind",
        ),
        (
            'period = "{window}"',
            'period = "1d"\nperiod_by.severity = { high = "2d" }',
            r"obligations\[0\]\.period: give exactly one of period and period_by",
        ),
        (
            'period = "{window}"',
            'period_by.colour = { red = "2d" }',
            r"obligations\[0\]\.period_by\.colour: is not an attribute a period can be chosen by",
        ),
        (
            'period = "{window}"',
            'period_by.severity = { huge = "2d" }',
            r"obligations\[0\]\.period_by\.severity\.huge: is not a known key \(accepted: critical",
        ),
        (
            'title = "ACME policy"',
            'title = "ACME policy"\ncolour = "red"',
            r"acme\.toml: colour: is not a known key \(accepted: id, title",
        ),
        (
            'title = "ACME policy"',
            "title = 7",
            r"acme\.toml: title: is a number \(accepted: a string\)",
        ),
        ('title = "ACME policy"\n', "", r"acme\.toml: title: is missing"),
    ],
)
def test_bad_files_name_the_file_the_key_and_what_is_accepted(
    old: str, new: str, message: str
) -> None:
    with pytest.raises(RuleFileError, match=message) as caught:
        parse_rule_text(replace_line(GOOD, old, new), "acme.toml")
    assert isinstance(caught.value, InvalidInput)


def test_invalid_toml_is_a_rule_file_error() -> None:
    with pytest.raises(RuleFileError, match=r"acme\.toml: is not valid TOML"):
        parse_rule_text("id = ", "acme.toml")


def test_duplicate_obligation_ids_are_refused() -> None:
    doubled = GOOD + GOOD[GOOD.index("[[obligations]]") :]
    with pytest.raises(
        RuleFileError, match=r"obligations\[1\]: id 'tell-the-board' repeats an earlier obligation"
    ):
        parse_rule_text(doubled, "acme.toml")


def test_an_organisation_file_replaces_the_built_in_with_its_id(tmp_path: Path) -> None:
    text = (REGULATIONS / "house-sla.toml").read_text(encoding="utf-8")
    (tmp_path / "house.toml").write_text(
        replace_line(text, 'critical = "7d"', 'critical = "3d"'), encoding="utf-8"
    )
    (tmp_path / "acme.toml").write_text(GOOD, encoding="utf-8")
    (tmp_path / "notes.txt").write_text("ignored", encoding="utf-8")
    catalogue = load_rule_sets(tmp_path)
    assert sorted(catalogue) == sorted(["acme-policy", *BUILT_INS])
    assert catalogue["house-sla"].origin == "house.toml"
    verified = dt.datetime(2026, 5, 4, 9, tzinfo=dt.UTC)
    situation = Situation(
        "CN",
        frozenset({Role.PRODUCT_PROVIDER}),
        {FactKind.VERIFIED: verified},
        severity=SeverityLevel.CRITICAL,
    )
    (remediate,) = evaluate(situation, [catalogue["house-sla"]])
    assert remediate.period == "3d"
    assert builtin_rule_sets()["house-sla"] is not catalogue["house-sla"]


def test_ids_must_be_unique_within_a_directory(tmp_path: Path) -> None:
    (tmp_path / "a.toml").write_text(GOOD, encoding="utf-8")
    (tmp_path / "b.toml").write_text(GOOD, encoding="utf-8")
    with pytest.raises(
        RuleFileError, match=r"b\.toml: id: 'acme-policy' is already defined by a\.toml"
    ):
        load_rule_sets(tmp_path)


def test_a_missing_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(RuleFileError, match="is not a directory"):
        load_rule_sets(tmp_path / "absent")


def test_load_rule_file_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text(replace_line(GOOD, 'trigger = "aware"', 'trigger = "soon"'), encoding="utf-8")
    with pytest.raises(RuleFileError, match=r"^broken\.toml: obligations\[0\]\.trigger"):
        load_rule_file(path)


def test_lint_collects_problems_from_several_sections(tmp_path: Path) -> None:
    text = replace_line(GOOD, 'timezone = "Asia/Shanghai"', 'timezone = "Nowhere"')
    text = replace_line(text, 'recipient = "internal"', 'recipient = "boss"')
    path = tmp_path / "acme.toml"
    path.write_text(text, encoding="utf-8")
    problems = lint_rule_file(path)
    assert len(problems) == 2
    assert problems[0].startswith("acme.toml: timezone:")
    assert problems[1].startswith("acme.toml: obligations[0].recipient:")


def test_lint_reports_unused_options_and_unreadable_files(tmp_path: Path) -> None:
    path = tmp_path / "acme.toml"
    path.write_text(GOOD + '\n[options.spare]\ndefault = "a"\nallowed = ["a"]\n', encoding="utf-8")
    assert lint_rule_file(path) == [
        "acme.toml: options.spare: is declared but no obligation uses it (accepted: remove it, or refer to it as {spare} in a trigger, period or timezone)"
    ]
    assert lint_rule_file(tmp_path / "absent.toml")[0].endswith(
        "(accepted: a readable UTF-8 TOML file)"
    )


def test_the_documented_example_loads_and_gives_the_documented_result() -> None:
    text = (Path(__file__).resolve().parents[3] / "docs" / "rules.md").read_text(encoding="utf-8")
    example = text.split("```toml\n", 1)[1].split("```", 1)[0]
    rule_set = parse_rule_text(example, "rules.md")
    aware = dt.datetime(2026, 9, 30, 20, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    situation = Situation(
        "CN",
        frozenset({Role.PRODUCT_PROVIDER}),
        {FactKind.AWARE: aware},
        severity=SeverityLevel.HIGH,
    )
    (brief,) = evaluate(situation, [rule_set])
    assert brief.id == "acme-board-policy/brief-the-board"
    assert brief.due == dt.datetime(2026, 10, 11, tzinfo=aware.tzinfo)
    assert dict(brief.interpretation) == {"board_window": "3wd", "board_clock_start": "aware"}
