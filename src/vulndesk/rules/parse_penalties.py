"""Parse the optional `[[penalties]]` of a rule file: statutory ranges a missed duty exposes to."""

from __future__ import annotations

import re
from collections.abc import Iterable

from vulndesk.rules.model import Penalty
from vulndesk.rules.reader import Node

PENALTY_KEYS = (
    "id",
    "applies_to",
    "law",
    "article",
    "currency",
    "minimum",
    "maximum",
    "basis",
    "basis_zh",
    "turnover_percent",
)
_CURRENCY = re.compile(r"^[A-Z]{3}$")


def parse_penalties(root: Node, obligation_ids: Iterable[str]) -> tuple[Penalty, ...]:
    """Penalties naming only obligations of this rule set, with a range minimum <= maximum."""
    items = root.data.get("penalties", [])
    if not isinstance(items, list):
        root.fail("penalties", "must be an array of tables", "[[penalties]] entries")
    known = set(obligation_ids)
    listing = root.child("penalties", {})
    out = []
    for index, item in enumerate(items):
        node = listing.child(index, item)
        node.only(PENALTY_KEYS)
        applies = tuple(node.texts("applies_to"))
        unknown = sorted(set(applies) - known)
        if not applies or unknown:
            node.fail(
                "applies_to",
                f"names no obligation of this rule set: {', '.join(unknown) or 'empty'}",
                "a list of obligation ids from [[obligations]]",
            )
        currency = node.text("currency", max_len=3)
        if not _CURRENCY.match(currency):
            node.fail("currency", f"{currency!r} is not a currency code", "ISO 4217, e.g. CNY, EUR")
        low, high = _amount(node, "minimum"), _amount(node, "maximum")
        if low > high:
            node.fail("minimum", f"{low} is above the maximum {high}", "minimum <= maximum")
        percent = node.data.get("turnover_percent")
        if percent is not None and (not isinstance(percent, int | float) or not 0 < percent <= 100):
            node.fail(
                "turnover_percent", f"{percent!r} is not a percentage", "a number in (0, 100]"
            )
        out.append(
            Penalty(
                id=node.text("id", max_len=63),
                applies_to=applies,
                law=node.text("law", max_len=200),
                article=node.text("article", max_len=80),
                currency=currency,
                minimum=low,
                maximum=high,
                basis=node.text("basis", max_len=500),
                basis_zh=node.text("basis_zh", "", max_len=500),
                turnover_percent=float(percent) if percent is not None else None,
            )
        )
    return tuple(out)


def _amount(node: Node, key: str) -> int:
    value = node.data.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        node.fail(key, f"{value!r} is not an amount", "a whole number of currency units, >= 0")
    return value
