"""The console's Administration, Supplier advisories page: an administrator imports a signed
CSAF provider tree; the result names the case opened, the no-impact documents and a refusal;
in Chinese too."""

from __future__ import annotations

import json
from pathlib import Path

from tests.e2e.test_console_authz import ConsoleWorld, cworld  # noqa: F401 - the fixture
from tests.e2e.test_console_forms_authz import post
from tests.integration.test_csaf_provider_import import (  # noqa: F401 - fixtures
    MATCHING,
    PURL,
    _tree,
    served,
    signing,
)
from vulndesk.services.publication import imports


def test_an_administrator_imports_a_provider_from_the_console(
    cworld: ConsoleWorld,  # noqa: F811 - the fixture
    shared_dir: Path,
    served: tuple[str, Path],  # noqa: F811 - the fixture
    signing: tuple[Path, str],  # noqa: F811 - the fixture
) -> None:
    w = cworld.world
    sbom = {
        "bomFormat": "CycloneDX",
        "specVersion": "1.5",
        "version": 1,
        "components": [{"type": "library", "name": "openssl", "purl": PURL}],
    }
    c = w.container
    imports.import_sbom(
        c.deps(), w.admin_actor, c.document_readers, "router", json.dumps(sbom).encode(), "1.1"
    )
    page = w.client.get("/admin/imports", headers=cworld.cookies["admin"])
    assert page.status_code == 200 and 'id="import-provider"' in page.text
    name = f"console-{id(cworld)}"
    base = _tree(served, signing, name, shared_dir)
    [path] = (served[1] / name).rglob("2022-evd-uc-02-na-001.json")
    path.write_bytes(path.read_bytes().replace(b"Example", b"Exampl3", 1))
    body = {"url": base, "unit": "cn", "fingerprint": signing[1]}
    status, text = post(cworld, "admin", "/admin/imports", body)
    assert status == 200, text
    assert text.count('class="provider-imported"') == 5
    assert text.count('class="provider-refused"') == 1 and "sha256" in text
    assert "no-impact" in text and 'href="/cases/VD-' in text
    # A coordinator imports from the CLI or API; the admin page is not theirs.
    status, _ = post(cworld, "coordinator", "/admin/imports", body)
    assert status == 404
