"""`vulndesk supplier` as a user runs it: a supplier added with its pinned key, fetched by name
through `import csaf-provider NAME`, its documents listed; a changed signature and a one-off
run with another fingerprint are refused and named; the pin changed with a reason, removed."""

from __future__ import annotations

import json
from pathlib import Path

import gnupg

from tests.e2e.test_cli_provider_import import signed_in_with_sbom
from tests.integration.test_csaf_provider_import import (  # noqa: F401 - fixtures
    MATCHING,
    PURL,
    _key,
    _tree,
    served,
    signing,
)


def test_suppliers_from_the_command_line(
    tmp_path: Path,
    db_url: str,
    shared_dir: Path,
    served: tuple[str, Path],  # noqa: F811 - the fixture
    signing: tuple[Path, str],  # noqa: F811 - the fixture
) -> None:
    cli = signed_in_with_sbom(tmp_path, db_url, "cli-supplier")
    name = f"clisup-{tmp_path.name}"
    base = _tree(served, signing, name, shared_dir)
    out = cli.run(
        "supplier", "add", "acme", "--url", base, "--fingerprint", signing[1], "--unit", "cn"
    ).stdout
    assert "pinned to " + signing[1] in out
    [listed] = cli.json("supplier", "list")
    assert listed["fingerprint"] == signing[1] and listed["last_fetch_at"] is None

    done = json.loads(cli.run("import", "csaf-provider", "acme", "--json").stdout)
    assert done["supplier"] == "acme" and {d["status"] for d in done["documents"]} == {"imported"}
    docs = cli.json("supplier", "documents", "acme")
    assert len(docs) == 6 and {d["status"] for d in docs} == {"imported"}
    assert all(len(d["sha256"]) == 64 for d in docs)
    assert cli.json("supplier", "list")[0]["last_fetch_at"]
    again = cli.json("supplier", "fetch", "acme")
    assert {d["status"] for d in again["documents"]} == {"already-imported"}

    # Another key's signature on one document: refused, and the record says so.
    [path] = (served[1] / name).rglob(f"{MATCHING.lower()}.json")
    other = tmp_path / "other-gnupg"
    fpr = _key(other)
    sig = gnupg.GPG(gnupghome=str(other)).sign(path.read_bytes(), keyid=fpr, detach=True)
    path.with_name(path.name + ".asc").write_text(str(sig))
    out = cli.run("supplier", "fetch", "acme").stdout
    assert "refused" in out and path.name in out
    table = cli.run("supplier", "documents", "acme").stdout
    assert "refused" in table and "provider-signature" in table

    # A one-off run of acme's provider with another fingerprint than its pin.
    r = cli.run("import", "csaf-provider", base, "--unit", "cn", "--fingerprint", fpr, ok=False)
    err = r.stderr + r.stdout
    assert r.returncode == 2 and "fingerprint" in err and "vulndesk supplier pin acme" in err
    r = cli.run("import", "csaf-provider", base, "--unit", "cn", ok=False)
    assert r.returncode == 2 and "fingerprint: is needed" in r.stderr
    r = cli.run("supplier", "pin", "acme", "--fingerprint", fpr, ok=False)
    assert r.returncode == 2 and "--justification" in r.stderr
    out = cli.run(
        "supplier", "pin", "acme", "--fingerprint", fpr, "--justification", "rotated"
    ).stdout
    assert fpr in out
    admin = cli.sign_in("cli-sup-admin", "admin")
    trail = admin.json("audit", "list", "--limit", "10000")
    [pinned] = [e["event"] for e in trail if e["event"]["tag"] == "import:supplier:pinned"]
    assert pinned["detail"]["old_fingerprint"] == signing[1]
    assert pinned["detail"]["new_fingerprint"] == fpr and pinned["actor"] == "cli-supplier"

    analyst = cli.sign_in("cli-sup-analyst", "analyst")
    assert analyst.json("supplier", "list")[0]["name"] == "acme"
    r = analyst.run("supplier", "remove", "acme", ok=False)
    assert r.returncode != 0 and "role" in (r.stderr + r.stdout).lower()
    r = cli.run("supplier", "documents", "nobody", ok=False)
    assert r.returncode == 2 and r.stderr == "error: supplier not found\n"
    cli.run("supplier", "remove", "acme")
    assert cli.json("supplier", "list") == []
