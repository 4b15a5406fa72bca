"""The rules engine: rule files, period arithmetic, calendars and evaluation."""

from vulndesk.rules.calendars import (
    Calendars,
    CalendarSource,
    HolidaysCalendar,
    WorkingDayCalendar,
    default_calendars,
)
from vulndesk.rules.engine import check_options, evaluate
from vulndesk.rules.errors import RuleFileError, ScenarioError
from vulndesk.rules.loader import (
    builtin_rule_sets,
    lint_rule_file,
    load_rule_file,
    load_rule_sets,
    parse_rule_text,
)
from vulndesk.rules.model import ObligationRule, OptionSpec, RuleSet
from vulndesk.rules.periods import Period, Unit, due_instant, parse_period

__all__ = [
    "CalendarSource",
    "Calendars",
    "HolidaysCalendar",
    "ObligationRule",
    "OptionSpec",
    "Period",
    "RuleFileError",
    "RuleSet",
    "ScenarioError",
    "Unit",
    "WorkingDayCalendar",
    "builtin_rule_sets",
    "check_options",
    "default_calendars",
    "due_instant",
    "evaluate",
    "lint_rule_file",
    "load_rule_file",
    "load_rule_sets",
    "parse_period",
    "parse_rule_text",
]
