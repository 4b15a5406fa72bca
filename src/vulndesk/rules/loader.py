"""Load rule files: the built-in regulations (package data) and an organisation's own files."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from functools import lru_cache
from importlib import resources
from pathlib import Path
from types import MappingProxyType

from vulndesk.rules.errors import RuleFileError
from vulndesk.rules.model import RuleSet, option_ref
from vulndesk.rules.parse import parse_rule_set

BUILTIN_PACKAGE = "vulndesk.regulations"


def parse_rule_text(text: str, source: str) -> RuleSet:
    """A rule set from TOML text; `source` names the file in error messages."""
    rule_set = parse_rule_set(_toml(text, source), source)
    assert rule_set is not None  # noqa: S101 - without a problems list, problems raise
    return rule_set


def load_rule_file(path: Path) -> RuleSet:
    """A rule set from one TOML file."""
    return parse_rule_text(_read(path), path.name)


@lru_cache(maxsize=1)
def builtin_rule_sets() -> Mapping[str, RuleSet]:
    """The rule sets shipped with vulndesk, by id (read once per process)."""
    found: dict[str, RuleSet] = {}
    for entry in sorted(resources.files(BUILTIN_PACKAGE).iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            rule_set = parse_rule_text(entry.read_text(encoding="utf-8"), entry.name)
            _add(found, rule_set)
    return MappingProxyType(found)


def load_rule_sets(directory: Path | None = None, *, builtins: bool = True) -> dict[str, RuleSet]:
    """Built-ins, then the organisation's rule files in `directory` (`*.toml`).

    An organisation file whose id matches a built-in replaces it; ids must be unique within
    the directory.
    """
    catalogue = dict(builtin_rule_sets()) if builtins else {}
    if directory is None:
        return catalogue
    if not directory.is_dir():
        raise RuleFileError(
            str(directory), "", "is not a directory", "a directory of *.toml rule files"
        )
    own: dict[str, RuleSet] = {}
    for path in sorted(directory.glob("*.toml")):
        _add(own, load_rule_file(path))
    catalogue.update(own)
    return catalogue


def lint_rule_file(path: Path) -> list[str]:
    """Every problem found in a rule file (an empty list when it is sound)."""
    try:
        data = _toml(_read(path), path.name)
    except RuleFileError as exc:
        return [str(exc)]
    problems: list[str] = []
    rule_set = parse_rule_set(data, path.name, problems)
    if rule_set is not None:
        used = {name for rule in rule_set.obligations for name in rule.option_names}
        used.add(option_ref(rule_set.timezone) or "")
        problems.extend(
            f"{path.name}: options.{name}: is declared but no obligation uses it (accepted: "
            f"remove it, or refer to it as {{{name}}} in a trigger, period or timezone)"
            for name in rule_set.options
            if name not in used
        )
    return problems


def _add(found: dict[str, RuleSet], rule_set: RuleSet) -> None:
    earlier = found.get(rule_set.id)
    if earlier is not None:
        raise RuleFileError(
            rule_set.origin,
            "id",
            f"{rule_set.id!r} is already defined by {earlier.origin}",
            "one file per rule-set id in a directory",
        )
    found[rule_set.id] = rule_set


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RuleFileError(
            str(path), "", f"cannot be read: {exc}", "a readable UTF-8 TOML file"
        ) from exc


def _toml(text: str, source: str) -> dict[str, object]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RuleFileError(
            source, "", f"is not valid TOML: {exc}", "TOML 1.0, see docs/rules.md"
        ) from exc
