"""`vulndesk import csaf-provider` as a user runs it: a signed provider tree served over HTTP,
imported against an SBOM; a tampered document is refused and named."""

from __future__ import annotations

import json
from pathlib import Path

from tests.e2e.cli import Cli
from tests.e2e.test_cli import _seed
from tests.integration.test_csaf_provider_import import (  # noqa: F401 - fixtures
    MATCHING,
    PURL,
    _tree,
    served,
    signing,
)


def signed_in_with_sbom(tmp_path: Path, db_url: str, name: str) -> Cli:
    """A fresh desk, a coordinator signed in, the router's SBOM naming the provider's package."""
    cli = Cli(tmp_path, db_url)
    cli.run("init")
    cli = cli.sign_in(name, "coordinator")
    _seed(cli)
    bom = tmp_path / "bom.json"
    components = [{"type": "library", "name": "openssl", "purl": PURL}]
    bom.write_text(
        json.dumps(
            {"bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1, "components": components}
        )
    )
    cli.run("import", "sbom", "router", str(bom), "--version", "1.1")
    return cli


def test_import_csaf_provider_from_the_command_line(
    tmp_path: Path,
    db_url: str,
    shared_dir: Path,
    served: tuple[str, Path],  # noqa: F811 - the fixture
    signing: tuple[Path, str],  # noqa: F811 - the fixture
) -> None:
    cli = signed_in_with_sbom(tmp_path, db_url, "cli-importer")
    name = f"cli-{tmp_path.name}"
    base = _tree(served, signing, name, shared_dir)
    args = ("import", "csaf-provider", base, "--unit", "cn", "--fingerprint", signing[1])
    done = json.loads(cli.run(*args, "--json").stdout)
    assert {d["status"] for d in done["documents"]} == {"imported"}
    opened = [c for d in done["documents"] for c in d["cases"] if c["action"] == "opened"]
    assert [c["products"] for c in opened] == [["router"]]

    [path] = (served[1] / name).rglob(f"{MATCHING.lower()}.json")
    path.write_bytes(path.read_bytes().replace(b"Example", b"Exampl3", 1))
    out = cli.run(*args).stdout
    assert "refused" in out and f"{MATCHING.lower()}.json" in out
    analyst = cli.sign_in("cli-analyst", "analyst")
    refused = analyst.run(*args, ok=False)
    assert refused.returncode != 0 and "role" in (refused.stderr + refused.stdout).lower()
