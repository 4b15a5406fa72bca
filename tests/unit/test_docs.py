"""The documentation names every module, and the README keeps its two promised commands."""

from __future__ import annotations

from pathlib import Path

from tools.architecture_doc import modules

ROOT = Path(__file__).resolve().parents[2]


def test_every_module_is_listed_in_architecture_doc() -> None:
    doc = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    missing = [name for name, _ in modules() if f"`{name}`" not in doc]
    assert missing == [], "run: python tools/architecture_doc.py"


def test_every_module_opens_with_a_docstring() -> None:
    assert [name for name, text in modules() if text == "(no docstring)"] == []


def test_readme_gives_the_two_commands() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make run" in readme
    assert "make test" in readme
