"""Run the real `vulndesk` command in a subprocess with its own home directory."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.conftest import TEST_KEYS

VULNDESK = Path(sys.executable).parent / "vulndesk"


class Cli:
    def __init__(self, home: Path, database_url: str | None = None) -> None:
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("VULNDESK_")}
        self.env |= {
            "VULNDESK_HOME": str(home),
            "VULNDESK_KEYS": TEST_KEYS,
            "VULNDESK_ACTOR": "cli-tester",
            "COLUMNS": "200",
            "NO_COLOR": "1",
        }
        if database_url:
            self.env["VULNDESK_DATABASE_URL"] = database_url

    def run(
        self, *args: str, ok: bool = True, input_text: str | None = None
    ) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run(
            [str(VULNDESK), *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
            input=input_text,
        )
        if ok and proc.returncode != 0:
            raise AssertionError(
                f"vulndesk {' '.join(args)} failed ({proc.returncode}): {proc.stderr}"
            )
        return proc

    def json(self, *args: str) -> Any:
        return json.loads(self.run(*args, "--json").stdout)
