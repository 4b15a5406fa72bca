"""The tests carry no ignore comments for mypy: it checks them as written (issue #15, item 5).

`make lint` runs mypy on `tests/` with a relaxed profile; a test that needs to silence it should
instead say what it means (a narrowing `assert`, a typed helper such as `tests.builders.sql`,
`monkeypatch.setattr` for a replaced method).
"""

from __future__ import annotations

from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
MARK = "type" + ": ignore"  # spelled apart, so this file does not list itself


def test_no_test_silences_the_type_checker() -> None:
    found = [
        f"{path.relative_to(TESTS)}:{number}"
        for path in sorted(TESTS.rglob("*.py"))
        if "node_modules" not in path.parts
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if MARK in line
    ]
    assert found == []
