"""Command-line text the terminal could not decode is refused by name, not a traceback.

Python hands undecodable bytes of an argument over as lone surrogates (surrogateescape);
they have no UTF-8 encoding, so the database or the cipher would fail on them.
"""

from __future__ import annotations

import os
from pathlib import Path

from tests.e2e.cli import Cli


def test_an_undecodable_argument_is_refused_naming_the_field(tmp_path: Path) -> None:
    operator = Cli(tmp_path)
    operator.run("init")
    cli = operator.sign_in("text-tester", "admin")
    bad = os.fsdecode(b"trigger_location=at \xff offset")
    out = cli.run("case", "open", "--title", "t", "--unit", "cn", "--detail", bad, ok=False)
    assert out.returncode == 2, out.stderr
    assert "details.trigger_location" in out.stderr and "surrogate" in out.stderr
    assert "Traceback" not in out.stderr
