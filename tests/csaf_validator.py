"""BSI's CSAF validator (`@secvisogram/csaf-validator-lib`, tests/js/validate.mjs) on node.

Installed by `(cd tests/js && npm ci)`; CI sets VULNDESK_REQUIRE_BROWSER, so there a missing
node or validator fails the test instead of skipping it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

HERE = Path(__file__).parent / "js"
SCRIPT = HERE / "validate.mjs"
REQUIRE = os.environ.get("VULNDESK_REQUIRE_BROWSER") == "1"


def node_or_skip() -> str:
    """The node binary, once the validator is installed; skips (or fails in CI) otherwise."""
    node = shutil.which("node")
    installed = (HERE / "node_modules" / "@secvisogram" / "csaf-validator-lib").is_dir()
    if node is None or not installed:
        if REQUIRE:
            pytest.fail("node and `npm ci` in tests/js are required here (BSI CSAF validator)")
        pytest.skip("node or tests/js/node_modules missing: BSI CSAF validation skipped")
    return node


def bsi_findings(node: str, document: bytes) -> tuple[int, str]:
    """Exit status of the schema and mandatory tests on `document`, and their findings."""
    done = subprocess.run(
        [node, str(SCRIPT)], input=document, cwd=HERE, capture_output=True, timeout=120
    )
    return done.returncode, (done.stderr + done.stdout).decode("utf-8", "replace")
