"""The reporting entity and on-call address through the API: create, update, refuse by field."""

from __future__ import annotations

from tests.e2e.test_api_support import World, world

__all__ = ["world"]
CONTACT = {
    "legal_name": "Acme (Shenzhen) Technology Co., Ltd.",
    "contact_person": "Li Na",
    "contact_email": "psirt-cn@acme.example",
    "contact_phone": "+86 755 5555 0100",
    "on_call_email": "oncall-cn@acme.example",
}


def test_patch_sets_the_contact_and_get_shows_it(world: World) -> None:
    r = world.client.patch("/api/v1/units/cn", headers=world.headers("admin"), json=CONTACT)
    assert r.status_code == 200, r.text
    assert {k: r.json()[k] for k in CONTACT} == CONTACT
    shown = world.client.get("/api/v1/units/cn", headers=world.headers("analyst")).json()
    assert {k: shown[k] for k in CONTACT} == CONTACT
    assert shown["on_call_webhook"] is None
    # A missing field is kept; "" clears one.
    r = world.client.patch(
        "/api/v1/units/cn", headers=world.headers("coordinator"), json={"contact_phone": ""}
    )
    assert r.status_code == 200
    assert (r.json()["contact_phone"], r.json()["contact_email"]) == (
        None,
        CONTACT["contact_email"],
    )


def test_only_reference_writers_may_patch(world: World) -> None:
    for user in ("analyst", "approver", "auditor", "hqoversight", "reporter"):
        r = world.client.patch("/api/v1/units/cn", headers=world.headers(user), json=CONTACT)
        assert r.status_code == 403, user
    assert world.client.patch("/api/v1/units/cn", json=CONTACT).status_code == 401
    shown = world.client.get("/api/v1/units/cn", headers=world.headers("admin")).json()
    assert shown["contact_email"] is None


def test_bad_values_are_refused_naming_the_field(world: World) -> None:
    cases = {
        "contact_phone": "0755 5555 0100",
        "contact_email": "psirt at acme",
        "on_call_webhook": "https://169.254.169.254/latest/meta-data",
    }
    for name, value in cases.items():
        r = world.client.patch(
            "/api/v1/units/cn", headers=world.headers("admin"), json={name: value}
        )
        assert r.status_code == 422, (name, r.text)
        assert r.json()["error"]["field"] == name
    r = world.client.patch("/api/v1/units/cn", headers=world.headers("admin"), json={})
    assert r.status_code == 422 and r.json()["error"]["field"] == "contact"


def test_create_with_contact_and_openapi(world: World) -> None:
    body = {"id": "sg", "name": "Acme SG", "country": "SG", "timezone": "Asia/Singapore"}
    r = world.client.post(
        "/api/v1/units",
        headers=world.headers("admin", **{"Idempotency-Key": "unit-sg"}),
        json=body | CONTACT,
    )
    assert r.status_code == 201, r.text
    assert {k: r.json()[k] for k in CONTACT} == CONTACT
    bad = world.client.post(
        "/api/v1/units",
        headers=world.headers("admin", **{"Idempotency-Key": "unit-sg2"}),
        json=body | {"id": "sg2", "contact_phone": "12"},
    )
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "contact_phone"
    spec = world.client.get("/api/v1/openapi.json").json()
    assert "patch" in spec["paths"]["/api/v1/units/{unit_id}"]
    props = spec["components"]["schemas"]["UnitContactIO"]["properties"]
    assert set(CONTACT) | {"on_call_webhook"} == set(props)
