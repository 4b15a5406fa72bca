"""Errors of the rules layer: a rule file or a facts file that cannot be read as written."""

from __future__ import annotations

from vulndesk.domain.errors import InvalidInput


class RuleFileError(InvalidInput):
    """A rule file is malformed; the message names the file, the key path and what is accepted."""

    def __init__(self, source: str, key: str, problem: str, accepted: str | None = None) -> None:
        self.source = source
        self.key = key
        where = f"{source}: {key}" if key else source
        super().__init__(where, problem, accepted)


class ScenarioError(InvalidInput):
    """A facts (scenario) file is malformed; the message names the file and the key path."""

    def __init__(self, source: str, key: str, problem: str, accepted: str | None = None) -> None:
        self.source = source
        self.key = key
        where = f"{source}: {key}" if key else source
        super().__init__(where, problem, accepted)
