"""`POST /api/v1/imports/csaf-provider`: reference writers only; a real signed provider tree
imported end to end; a tampered document refused."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.e2e.test_api_admin_authz import REFERENCE_WRITERS, USERS
from tests.e2e.test_api_support import CANARY, World, world  # noqa: F401 - the fixture
from tests.integration.test_csaf_provider_import import (  # noqa: F401 - fixtures
    MATCHING,
    PURL,
    _tree,
    served,
    signing,
)

ROUTE = "/api/v1/imports/csaf-provider"


def import_sbom(w: World, key: str) -> None:
    """The router 1.1 ships openssl (PURL): the provider's advisory matches it."""
    sbom = {
        "bomFormat": "CycloneDX",
        "specVersion": "1.5",
        "version": 1,
        "components": [{"type": "library", "name": "openssl", "purl": PURL}],
    }
    r = w.client.post(
        "/api/v1/imports/sbom",
        headers=w.headers("coordinator", **{"Idempotency-Key": key}),
        files={"file": ("bom.json", json.dumps(sbom).encode(), "application/json")},
        data={"product": "router", "version": "1.1"},
    )
    assert r.status_code == 201, r.text


def _post(w: World, user: str, key: str, body: dict[str, str]) -> Any:
    return w.client.post(ROUTE, headers=w.headers(user, **{"Idempotency-Key": key}), json=body)


def test_provider_import_follows_roles(world: World) -> None:  # noqa: F811 - the fixture
    """Allowed roles reach the provider (here unreachable: 422 naming the URL); others 403."""
    body = {"url": "http://127.0.0.1:9/", "unit": "cn", "fingerprint": "A" * 40}
    for n, user in enumerate(USERS):
        r = _post(world, user, f"prov-{n}", body)
        if user in REFERENCE_WRITERS:
            assert r.status_code == 422 and "could not be read" in r.text, (user, r.text)
        else:
            assert r.status_code == 403, (user, r.text)
        assert CANARY not in r.text, user


def test_provider_import_over_the_api(
    world: World,  # noqa: F811 - the fixture
    shared_dir: Path,
    served: tuple[str, Path],  # noqa: F811 - the fixture
    signing: tuple[Path, str],  # noqa: F811 - the fixture
) -> None:
    import_sbom(world, "sbom-p")
    base = _tree(served, signing, "api", shared_dir)
    r = _post(
        world, "coordinator", "prov-ok", {"url": base, "unit": "cn", "fingerprint": signing[1]}
    )
    assert r.status_code == 201, r.text
    docs = r.json()["documents"]
    assert {d["status"] for d in docs} == {"imported"}
    opened = [c for d in docs for c in d["cases"] if c["action"] == "opened"]
    assert [c["products"] for c in opened] == [["router"]]
    shown = world.client.get(f"/api/v1/cases/{opened[0]['case']}", headers=world.headers("admin"))
    assert shown.json()["upstream_component"] is True

    [path] = (served[1] / "api").rglob(f"{MATCHING.lower()}.json")
    path.write_bytes(path.read_bytes().replace(b"Example", b"Exampl3", 1))
    r = _post(world, "admin", "prov-bad", {"url": base, "unit": "cn", "fingerprint": signing[1]})
    assert r.status_code == 201, r.text
    [refused] = [d for d in r.json()["documents"] if d["status"] == "refused"]
    assert refused["url"].endswith(f"{MATCHING.lower()}.json") and refused["cases"] == []
