"""Field readers shared by the rule-file parsers: ids, enums, roles, and problem collection."""

from __future__ import annotations

import re
from collections.abc import Callable
from enum import StrEnum
from typing import TypeVar

from vulndesk.domain.cases import Role
from vulndesk.domain.errors import InvalidInput
from vulndesk.rules.reader import Node

T = TypeVar("T")
S = TypeVar("S", bound=StrEnum)
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
ROLES = ", ".join(r.value for r in Role)


class Collector:
    """Runs one section's parser; raises, or records the problem and goes on (lint)."""

    def __init__(self, problems: list[str] | None) -> None:
        self.problems = problems

    def __call__(self, parse: Callable[[], T], fallback: T) -> T:
        if self.problems is None:
            return parse()
        try:
            return parse()
        except InvalidInput as exc:
            self.problems.append(str(exc))
            return fallback


def slug(node: Node, key: str) -> str:
    value = node.text(key, max_len=63)
    if not SLUG.match(value):
        node.fail(
            key,
            f"{value!r} is not a valid id",
            "lowercase letters, digits and '-', 1-63 characters",
        )
    return value


def enum_value(node: Node, key: str, kind: type[S], default: str | None = None) -> S:
    value = node.text(key, default)
    try:
        return kind(value)
    except ValueError:
        node.fail(key, f"{value!r} is not allowed", ", ".join(m.value for m in kind))


def parse_roles(node: Node) -> frozenset[Role]:
    values = node.texts("roles")
    if not values:
        node.fail("roles", "must name at least one role", ROLES)
    found = set()
    for index, value in enumerate(values):
        try:
            found.add(Role(value))
        except ValueError:
            node.fail(f"roles[{index}]", f"{value!r} is not a role", ROLES)
    return frozenset(found)
