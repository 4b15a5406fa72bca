"""The console's Administration, CSAF suppliers page: an administrator adds a supplier with its
pinned key, fetches it now, reads its documents; a changed signature shows refused; the pin is
changed with a justification and the supplier removed. In Chinese too; others get 404."""

from __future__ import annotations

import json
from pathlib import Path

import gnupg

from tests.e2e.test_console_authz import ConsoleWorld, cworld  # noqa: F401 - the fixture
from tests.e2e.test_console_forms_authz import post
from tests.integration.test_csaf_provider_import import (  # noqa: F401 - fixtures
    MATCHING,
    PURL,
    _key,
    _tree,
    served,
    signing,
)
from vulndesk.services.publication import imports, suppliers


def test_an_administrator_keeps_suppliers_in_the_console(
    cworld: ConsoleWorld,  # noqa: F811 - the fixture
    shared_dir: Path,
    served: tuple[str, Path],  # noqa: F811 - the fixture
    signing: tuple[Path, str],  # noqa: F811 - the fixture
    tmp_path: Path,
) -> None:
    w = cworld.world
    c = w.container
    sbom = {
        "bomFormat": "CycloneDX",
        "specVersion": "1.5",
        "version": 1,
        "components": [{"type": "library", "name": "openssl", "purl": PURL}],
    }
    imports.import_sbom(
        c.deps(), w.admin_actor, c.document_readers, "router", json.dumps(sbom).encode(), "1.1"
    )
    admin = cworld.cookies["admin"]
    page = w.client.get("/admin/suppliers", headers=admin)
    assert page.status_code == 200 and 'id="add-supplier"' in page.text
    assert "No supplier is stored yet." in page.text
    name = f"consup-{id(cworld)}"
    base = _tree(served, signing, name, shared_dir)

    bad = {"name": "acme", "url": base, "fingerprint": "1234", "unit": "cn"}
    status, text = post(cworld, "admin", "/admin/suppliers", bad)
    assert status == 422 and "fingerprint" in text
    body = {"name": "acme", "url": base, "fingerprint": signing[1], "unit": "cn"}
    status, _ = post(cworld, "admin", "/admin/suppliers", body)
    assert status == 303
    page = w.client.get("/admin/suppliers", headers=admin)
    assert signing[1] in page.text and 'id="fetch-acme"' in page.text

    status, text = post(cworld, "admin", "/admin/suppliers/fetch", {"name": "acme"})
    assert status == 200, text
    assert text.count('class="provider-imported"') == 6
    assert text.count('class="document-imported"') == 6 and 'href="/cases/VD-' in text

    # Another key's signature on one document: the next fetch refuses it, the record shows it.
    [path] = (served[1] / name).rglob(f"{MATCHING.lower()}.json")
    other = tmp_path / "other-gnupg"
    fpr = _key(other)
    sig = gnupg.GPG(gnupghome=str(other)).sign(path.read_bytes(), keyid=fpr, detach=True)
    path.with_name(path.name + ".asc").write_text(str(sig))
    status, text = post(cworld, "admin", "/admin/suppliers/fetch", {"name": "acme"})
    assert status == 200
    assert text.count('class="provider-refused"') == 1
    assert text.count('class="provider-already-imported"') == 5
    page = w.client.get("/admin/suppliers?documents=acme", headers=admin)
    assert page.text.count('class="document-refused"') == 1
    assert "provider-signature" in page.text and 'id="pin-supplier"' in page.text
    zh = w.client.get(
        "/admin/suppliers?documents=acme", headers={**admin, "Accept-Language": "zh-CN"}
    )
    assert "acme 的文档" in zh.text and "被拒绝" in zh.text and "更改指纹" in zh.text
    missing = w.client.get("/admin/suppliers?documents=nobody", headers=admin)
    assert missing.status_code == 404

    pin = {"name": "acme", "fingerprint": fpr, "justification": ""}
    status, text = post(cworld, "admin", "/admin/suppliers/pin", pin)
    assert status == 422 and "justification" in text
    status, _ = post(cworld, "admin", "/admin/suppliers/pin", {**pin, "justification": "rotated"})
    assert status == 303
    assert suppliers.supplier(c.deps(), w.admin_actor, "acme").fingerprint == fpr
    # The page is the administrators': a coordinator gets the page of a missing address.
    assert post(cworld, "coordinator", "/admin/suppliers/remove", {"name": "acme"})[0] == 404
    assert (
        w.client.get("/admin/suppliers", headers=cworld.cookies["coordinator"]).status_code == 404
    )
    status, _ = post(cworld, "admin", "/admin/suppliers/remove", {"name": "acme"})
    assert status == 303
    assert suppliers.suppliers(c.deps(), w.admin_actor) == []
