"""`/api/v1/suppliers`: stored CSAF suppliers over the API. Each route as every role (reference
writers change them, reference readers read them, others 403, a missing supplier 404); a real
signed provider fetched now, its documents listed; a changed signature refused and recorded."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import gnupg

from tests.e2e.test_api_admin_authz import READERS, REFERENCE_WRITERS, USERS
from tests.e2e.test_api_provider_import import import_sbom
from tests.e2e.test_api_support import CANARY, World, world  # noqa: F401 - the fixture
from tests.integration.test_csaf_provider_import import (  # noqa: F401 - fixtures
    MATCHING,
    PURL,
    _key,
    _tree,
    served,
    signing,
)
from vulndesk.services.publication import suppliers

_keys = itertools.count()


def _call(w: World, user: str | None, method: str, path: str, body: Any = None) -> Any:
    headers = w.headers(user) if user else {}
    if method == "POST":
        headers["Idempotency-Key"] = f"sup-{next(_keys)}"
    return w.client.request(method, f"/api/v1{path}", headers=headers, json=body)


def _empty_provider(root: tuple[str, Path], name: str) -> str:
    """A provider with no documents under /NAME/ of the served root."""
    meta: dict[str, Any] = {"distributions": [], "public_openpgp_keys": [], "publisher": {}}
    path = root[1] / name / "provider-metadata.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(meta))
    return f"{root[0]}/{name}/provider-metadata.json"


def test_supplier_routes_follow_roles(
    world: World,  # noqa: F811 - the fixture
    served: tuple[str, Path],  # noqa: F811 - the fixture
) -> None:
    """Each {name} route as every user: allowed roles succeed on a supplier of their own,
    others get 403; a missing supplier is 404 for the allowed; signed out is 401."""
    url = _empty_provider(served, f"empty-{id(world)}")
    deps = world.container.deps()
    fpr = "A" * 40
    for n, user in enumerate(USERS):
        name = f"s{n}"
        suppliers.add(deps, world.admin_actor, name, url + f"?{n}", fpr, "cn")
        writer = user in REFERENCE_WRITERS
        runs: list[tuple[str, str, Any, int, bool]] = [
            ("GET", f"/suppliers/{name}/documents", None, 200, user in READERS),
            ("POST", f"/suppliers/{name}/fetches", None, 201, writer),
            (
                "PUT",
                f"/suppliers/{name}/fingerprint",
                {"fingerprint": "B" * 40, "justification": "rotated"},
                200,
                writer,
            ),
            ("DELETE", f"/suppliers/{name}", None, 200, writer),
        ]
        for method, path, body, ok, allowed in runs:
            r = _call(world, user, method, path, body)
            assert r.status_code == (ok if allowed else 403), (user, method, path, r.text)
            assert CANARY not in r.text
            missing = _call(world, user, method, path.replace(name, "nobody"), body)
            assert missing.status_code == (404 if allowed else 403), (user, method, missing.text)
            assert _call(world, None, method, path, body).status_code == 401
    left = {s.name for s in suppliers.suppliers(deps, world.admin_actor)}
    assert left == {f"s{n}" for n, u in enumerate(USERS) if u not in REFERENCE_WRITERS}


def test_suppliers_over_the_api(
    world: World,  # noqa: F811 - the fixture
    shared_dir: Path,
    served: tuple[str, Path],  # noqa: F811 - the fixture
    signing: tuple[Path, str],  # noqa: F811 - the fixture
    tmp_path: Path,
) -> None:
    import_sbom(world, "sbom-s")
    base = _tree(served, signing, f"apisup-{id(world)}", shared_dir)
    body = {"name": "acme", "url": base, "fingerprint": signing[1], "unit": "cn"}
    headers = world.headers("coordinator", **{"Idempotency-Key": "add-acme"})
    r = world.client.post("/api/v1/suppliers", headers=headers, json=body)
    assert r.status_code == 201, r.text
    assert r.json()["metadata_url"].endswith("/.well-known/csaf/provider-metadata.json")
    again = world.client.post("/api/v1/suppliers", headers=headers, json=body)
    assert again.headers.get("Idempotent-Replayed") == "true"
    r = world.client.post(
        "/api/v1/suppliers",
        headers=world.headers("coordinator", **{"Idempotency-Key": "add-bad"}),
        json={**body, "name": "bad", "fingerprint": "1234"},
    )
    assert r.status_code == 422 and "fingerprint" in r.text

    r = _call(world, "coordinator", "POST", "/suppliers/acme/fetches")
    assert r.status_code == 201, r.text
    assert r.json()["supplier"] == "acme"
    assert {d["status"] for d in r.json()["documents"]} == {"imported"}
    docs = _call(world, "analyst", "GET", "/suppliers/acme/documents").json()
    assert len(docs) == 6 and all(d["sha256"] and d["tracking_id"] for d in docs)
    [listed] = _call(world, "analyst", "GET", "/suppliers").json()
    assert listed["last_fetch_at"] and listed["fingerprint"] == signing[1]

    # Another key's signature on one document: refused, and the record says so.
    [path] = (served[1] / f"apisup-{id(world)}").rglob(f"{MATCHING.lower()}.json")
    other = tmp_path / "other-gnupg"
    fpr = _key(other)
    sig = gnupg.GPG(gnupghome=str(other)).sign(path.read_bytes(), keyid=fpr, detach=True)
    path.with_name(path.name + ".asc").write_text(str(sig))
    r = _call(world, "admin", "POST", "/suppliers/acme/fetches")
    statuses = {d["url"].rsplit("/", 1)[-1]: d["status"] for d in r.json()["documents"]}
    assert statuses.pop(path.name) == "refused"
    assert set(statuses.values()) == {"already-imported"}
    docs = {d["url"]: d for d in _call(world, "admin", "GET", "/suppliers/acme/documents").json()}
    refused = [d for d in docs.values() if d["status"] == "refused"]
    assert len(refused) == 1 and refused[0]["detail"].startswith("provider-signature")

    # A one-off import of acme's provider with another fingerprint: refused, naming the pin.
    r = world.client.post(
        "/api/v1/imports/csaf-provider",
        headers=world.headers("admin", **{"Idempotency-Key": "oneoff"}),
        json={"url": base, "unit": "cn", "fingerprint": fpr},
    )
    assert r.status_code == 422 and "vulndesk supplier pin acme" in r.text
    r = _call(
        world,
        "admin",
        "PUT",
        "/suppliers/acme/fingerprint",
        {"fingerprint": fpr, "justification": " "},
    )
    assert r.status_code == 422 and "justification" in r.text
    r = _call(
        world,
        "admin",
        "PUT",
        "/suppliers/acme/fingerprint",
        {"fingerprint": fpr, "justification": "rotated"},
    )
    assert r.status_code == 200 and r.json()["fingerprint"] == fpr
    assert _call(world, "admin", "DELETE", "/suppliers/acme").status_code == 200
    assert _call(world, "admin", "GET", "/suppliers").json() == []
