"""Roles on the routes not about one case: oversight, blackouts, imports, lookups, admin, audit."""

from __future__ import annotations

import itertools
import json
from typing import Any

import pytest

from tests.e2e.test_api_support import CANARY, World, world

__all__ = ["world"]

USERS = (
    "admin",
    "coordinator",
    "analyst",
    "approver",
    "hqoversight",
    "auditor",
    "reporter",
    "outsider",
)
ALL_CASES = {"admin", "coordinator", "hqoversight"}
READERS = {"admin", "coordinator", "analyst", "approver", "hqoversight", "outsider"}
OVERSIGHT = {"admin", "hqoversight"}
ADMIN = {"admin"}
FILING = {
    "platform_name": "Acme PSIRT",
    "homepage_url": "https://psirt.example.org",
    "sponsor_name": "Acme Inc.",
    "sponsor_id_number": "ID-12345",
    "contact_name": "Li Na",
    "contact_details": "psirt@example.org",
}
ENDPOINTS: list[tuple[str, str, Any, set[str]]] = [
    ("GET", "/api/v1/oversight/submissions", None, OVERSIGHT),
    ("GET", "/api/v1/oversight/notices?limit=50", None, OVERSIGHT),
    ("GET", "/api/v1/oversight/subscribers", None, OVERSIGHT),
    (
        "POST",
        "/api/v1/oversight/subscribers",
        {"name": "HQ", "email": "hq{n}@example.org"},
        OVERSIGHT,
    ),
    ("GET", "/api/v1/oversight/hq-approver", None, OVERSIGHT),
    ("PUT", "/api/v1/oversight/hq-approver", {"required": False}, OVERSIGHT),
    ("GET", "/api/v1/blackouts", None, READERS),
    (
        "POST",
        "/api/v1/blackouts",
        {"name": "Summit {n}", "start": "2026-12-01T00:00:00Z", "end": "2026-12-03T00:00:00Z"},
        ADMIN,
    ),
    ("GET", "/api/v1/affected?purl=pkg:generic/openssl@3.0.13", None, READERS),
    ("GET", "/api/v1/admin/options", None, ADMIN),
    ("PUT", "/api/v1/admin/options/cn-rmsv-2021.report_window", {"value": "2d"}, ADMIN),
    ("DELETE", "/api/v1/admin/options/cn-rmsv-2021.report_window", None, ADMIN),
    ("GET", "/api/v1/admin/calendar?country=CN", None, ADMIN),
    ("GET", "/api/v1/admin/sso/role-map", None, ADMIN),
    ("PUT", "/api/v1/admin/sso/role-map/psirt/analyst", {"unit": "cn"}, ADMIN),
    ("DELETE", "/api/v1/admin/sso/role-map/auditors/auditor", None, ADMIN),
    ("PUT", "/api/v1/admin/calendar/CN/2026-12-05", {"working": True, "note": "make-up"}, ADMIN),
    ("GET", "/api/v1/audit/verify", None, {"admin", "auditor"}),
    ("PUT", "/api/v1/admin/policies/openssl", {"classes": ["public"]}, ADMIN),
    ("PUT", "/api/v1/admin/filing", FILING, ADMIN),
    ("GET", "/api/v1/admin/filing", None, ADMIN),
    ("GET", "/api/v1/ledger", None, READERS | {"auditor"}),
    ("GET", "/api/v1/ledger/export", None, READERS | {"auditor"}),
    ("GET", "/api/v1/suppliers", None, READERS),
    (
        "POST",
        "/api/v1/suppliers",
        {"name": "s-{n}", "url": "s{n}.example", "fingerprint": "A" * 40, "unit": "cn"},
        {"admin", "coordinator"},
    ),
]
REFERENCE_WRITERS = {"admin", "coordinator"}


def _filing(w: World) -> None:
    from vulndesk.services.publication import thirdparty

    thirdparty.set_filing(w.container.deps(), w.admin_actor, FILING)


def _stored_row(w: World) -> None:
    from vulndesk.services.accounts import sso_map

    admin = w.container.deps()
    sso_map.set_row(admin, _admin(w), "test", "auditors", "auditor", None)


def _admin(w: World) -> Any:
    from vulndesk.services.accounts import signin as accounts_auth

    found = accounts_auth.token_principal(w.container.deps(), w.tokens["admin"])
    assert found is not None
    return found


# Routes whose success needs a record first (a read of the filing needs a filing, a removal
# of a stored role mapping a stored row).
SETUP = {
    "/api/v1/admin/filing": _filing,
    "/api/v1/admin/sso/role-map/auditors/auditor": _stored_row,
}
_keys = itertools.count()


def call(w: World, user: str | None, method: str, path: str, body: Any) -> Any:
    n = next(_keys)
    headers = w.headers(user) if user else {}
    if method == "POST":
        headers["Idempotency-Key"] = f"akey-{n}"
    if isinstance(body, dict):
        body = {k: v.format(n=n) if isinstance(v, str) else v for k, v in body.items()}
    return w.client.request(method, path, headers=headers, json=body)


def check_route(world: World, method: str, path: str, body: Any, allowed: set[str]) -> None:
    """Every user: the allowed succeed, the others get 403; raises AssertionError on any miss."""
    if path in SETUP:
        SETUP[path](world)
    for user in USERS:
        r = call(world, user, method, path, body)
        expected = (201 if method == "POST" else 200) if user in allowed else 403
        assert r.status_code == expected, (user, r.text)
        if user not in ALL_CASES:
            assert CANARY not in r.text, user
            assert world.foreign not in r.text, user
    assert call(world, None, method, path, body).status_code == 401


@pytest.mark.parametrize(("method", "path", "body", "allowed"), ENDPOINTS)
def test_roles_and_no_canaries(
    world: World, method: str, path: str, body: Any, allowed: set[str]
) -> None:
    check_route(world, method, path, body, allowed)


def _sbom_form(n: int) -> dict[str, Any]:
    return {
        "files": {"file": ("bom.json", _sbom(f"pkg:npm/x{n}@1"), "application/json")},
        "data": {"product": "router"},
    }


def _csaf_form(n: int, shared_dir: Any) -> dict[str, Any]:
    path = shared_dir / "samples" / "csaf-2.0" / "2022-evd-uc-01-a-001.json"
    return {
        "files": {"file": ("advisory.json", path.read_bytes(), "application/json")},
        "data": {"unit": "cn"},
    }


@pytest.mark.parametrize("kind", ["sbom", "csaf"])
def test_imports_follow_roles(world: World, shared_dir: Any, kind: str) -> None:
    """Both upload routes as every role: reference writers only."""
    for n, user in enumerate(USERS):
        form = _sbom_form(n) if kind == "sbom" else _csaf_form(n, shared_dir)
        headers = world.headers(user, **{"Idempotency-Key": f"imp-{kind}-{n}"})
        r = world.client.post(f"/api/v1/imports/{kind}", headers=headers, **form)
        expected = 201 if user in REFERENCE_WRITERS else 403
        assert r.status_code == expected, (user, r.text)
        assert CANARY not in r.text, user


def _sbom(*purls: str) -> bytes:
    doc = {
        "bomFormat": "CycloneDX",
        "specVersion": "1.5",
        "version": 1,
        "metadata": {"component": {"type": "firmware", "name": "router", "version": "2.0"}},
        "components": [{"type": "library", "name": "x", "purl": p} for p in purls],
    }
    return json.dumps(doc).encode()


def _upload(w: World, user: str, key: str, data: bytes, **form: str) -> Any:
    return w.client.post(
        "/api/v1/imports/sbom",
        headers=w.headers(user, **{"Idempotency-Key": key}),
        files={"file": ("bom.json", data, "application/json")},
        data=form,
    )


def test_sbom_upload_then_affected_lookup(world: World) -> None:
    data = _sbom("pkg:npm/lodash@4.17.20", "pkg:generic/openssl@3.0.13")
    for user in ("analyst", "approver", "hqoversight", "auditor", "reporter"):
        assert _upload(world, user, f"s-{user}", data, product="router").status_code == 403
    r = _upload(world, "coordinator", "sbom-1", data, product="router")
    assert r.status_code == 201, r.text
    assert r.json() == {"product": "router", "version": None, "components": 2}
    again = _upload(world, "coordinator", "sbom-1", data, product="router")
    assert again.headers.get("Idempotent-Replayed") == "true"
    other = _upload(world, "coordinator", "sbom-1", _sbom("pkg:npm/x@1"), product="router")
    assert other.status_code == 422
    found = world.client.get(
        "/api/v1/affected",
        headers=world.headers("analyst"),
        params={"purl": "pkg:npm/lodash", "range": "vers:npm/<4.17.21"},
    )
    assert found.status_code == 200, found.text
    assert [(m["product"], m["product_version"]) for m in found.json()] == [("router", "2.0")]
    bad = _upload(world, "coordinator", "sbom-2", b"{not json", product="router")
    assert bad.status_code == 422 and bad.json()["error"]["field"]
    unknown = _upload(world, "admin", "sbom-3", data, product="toaster")
    assert unknown.status_code == 422 and unknown.json()["error"]["field"] == "product"


def test_csaf_upload_opens_upstream_cases_only_for_matching_products(
    world: World, shared_dir: Any
) -> None:
    path = shared_dir / "samples" / "csaf-2.0" / "2022-evd-uc-01-a-001.json"
    headers = world.headers("coordinator", **{"Idempotency-Key": "csaf-0"})
    files = {"file": ("advisory.json", path.read_bytes(), "application/json")}
    r = world.client.post("/api/v1/imports/csaf", headers=headers, files=files, data={"unit": "cn"})
    assert r.status_code == 201, r.text
    assert [(i["action"], i["case"]) for i in r.json()["imported"]] == [("no-impact", None)]
    purl = "pkg:generic/openssl@3.0.13"
    assert _upload(world, "coordinator", "sbom-c", _sbom(purl), product="router").status_code == 201
    doc = json.loads(path.read_text())
    product = doc["product_tree"]["branches"][0]["branches"][0]["branches"][0]["product"]
    product["product_identification_helper"] = {"purl": purl}
    doc["document"]["tracking"]["id"] = "2022-EVD-UC-01-A-001-PURL"
    headers = world.headers("coordinator", **{"Idempotency-Key": "csaf-1"})
    files = {"file": ("advisory.json", json.dumps(doc).encode(), "application/json")}
    r = world.client.post("/api/v1/imports/csaf", headers=headers, files=files, data={"unit": "cn"})
    assert r.status_code == 201, r.text
    imported = r.json()["imported"]
    assert imported and {i["action"] for i in imported} == {"opened"}
    assert imported[0]["products"] == ["router"]
    shown = world.client.get(f"/api/v1/cases/{imported[0]['case']}", headers=world.headers("admin"))
    assert shown.json()["upstream_component"] is True
    refused = world.client.post(
        "/api/v1/imports/csaf",
        headers=world.headers("analyst", **{"Idempotency-Key": "csaf-2"}),
        files=files,
        data={"unit": "cn"},
    )
    assert refused.status_code == 403


def test_admin_changes_take_effect_and_are_audited(world: World) -> None:
    admin = world.headers("admin")
    r = world.client.put(
        "/api/v1/admin/options/cn-rmsv-2021.report_window", headers=admin, json={"value": "9d"}
    )
    assert r.status_code == 422 and "report_window" in r.text
    r = world.client.put(
        "/api/v1/admin/options/cn-rmsv-2021.report_window", headers=admin, json={"value": "2wd"}
    )
    assert r.status_code == 200 and r.json()["recomputed"] >= 2
    options = world.client.get("/api/v1/admin/options", headers=admin).json()
    assert [(o["key"], o["value"], o["updated_by"]) for o in options] == [
        ("cn-rmsv-2021.report_window", "2wd", "admin")
    ]
    day = world.client.put(
        "/api/v1/admin/calendar/ZZ/2026-12-05", headers=admin, json={"working": True}
    )
    assert day.status_code == 422 and day.json()["error"]["field"] == "country"
    verify = world.client.get("/api/v1/audit/verify", headers=world.headers("auditor")).json()
    assert verify["ok"] is True and verify["checked"] > 10 and verify["first_bad"] is None


def test_hq_rule_and_subscribers(world: World) -> None:
    hq = world.headers("hqoversight")
    r = world.client.put("/api/v1/oversight/hq-approver", headers=hq, json={"required": True})
    assert r.json() == {"required": True}
    assert world.client.get("/api/v1/oversight/hq-approver", headers=hq).json()["required"]
    bad = world.client.post(
        "/api/v1/oversight/subscribers",
        headers=world.headers("hqoversight", **{"Idempotency-Key": "sub-1"}),
        json={"name": "HQ", "email": "not-an-address"},
    )
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "email"
    missing_key = world.client.post(
        "/api/v1/oversight/subscribers", headers=hq, json={"name": "HQ", "email": "a@b.org"}
    )
    assert missing_key.status_code == 422


def test_filing_and_policy_round_trip(world: World) -> None:
    admin = world.headers("admin")
    assert world.client.get("/api/v1/admin/filing", headers=admin).status_code == 404
    r = world.client.put("/api/v1/admin/filing", headers=admin, json=FILING | {"fax": "1"})
    assert r.status_code == 422 and r.json()["error"]["field"] == "filing.fax"
    assert world.client.put("/api/v1/admin/filing", headers=admin, json=FILING).status_code == 200
    shown = world.client.get("/api/v1/admin/filing", headers=admin).json()
    assert shown["fields"]["sponsor_id_number"] == "ID-12345" and "icp_number" in shown["missing"]
    with world.container.uow() as uow:
        reads = uow.audit.for_object("filing", "platform")
    assert [e.event.actor for e in reads if e.event.tag == "thirdparty:filing:read"] == ["admin"]
    secret = {"classes": ["public", "secret"]}
    r = world.client.put("/api/v1/admin/policies/openssl", headers=admin, json=secret)
    assert r.status_code == 422
    ok = {"classes": ["restricted", "public"], "fields": ["root_cause"]}
    r = world.client.put("/api/v1/admin/policies/openssl", headers=admin, json=ok)
    assert r.json() == {
        "party": "openssl",
        "classes": ["public", "restricted"],
        "fields": ["root_cause"],
    }
