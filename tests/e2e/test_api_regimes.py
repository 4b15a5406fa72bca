"""Regime attributes through the API: set by field, refused by name, audited, and the clocks follow."""

from __future__ import annotations

import datetime as dt

from tests.e2e.test_api_support import World, world
from vulndesk.domain.ids import CaseKey
from vulndesk.services.access import rights as access

__all__ = ["world"]
ALL = ("admin", "coordinator", "analyst", "approver", "auditor", "hqoversight", "reporter")


def obligations(w: World, key: str) -> dict[str, dict[str, object]]:
    r = w.client.get(f"/api/v1/cases/{key}/obligations", headers=w.headers("admin"))
    assert r.status_code == 200, r.text
    return {o["id"]: o for o in r.json()}


def fact(w: World, key: str, kind: str, at: dt.datetime) -> None:
    r = w.client.post(
        f"/api/v1/cases/{key}/facts",
        headers=w.headers("analyst", **{"Idempotency-Key": f"{key}-{kind}"}),
        json={"kind": kind, "at": at.isoformat(), "evidence": "triage call"},
    )
    assert r.status_code == 201, r.text


def test_unit_regimes_are_recorded_audited_and_bind_the_clocks(world: World) -> None:
    aware = world.clock.now() - dt.timedelta(hours=1)
    fact(world, world.own, "incident_aware", aware)
    assert not any(i.startswith("eu-nis2/") for i in obligations(world, world.own))
    r = world.client.patch(
        "/api/v1/units/cn/regimes",
        headers=world.headers("coordinator"),
        json={"nis2_entity": "essential", "eu_main_establishment_timezone": "Europe/Helsinki"},
    )
    assert r.status_code == 200, r.text
    assert r.json() == {
        "unit": "cn",
        "eu_main_establishment_timezone": "Europe/Helsinki",
        "nis2_entity": "essential",
        "financial_entity": False,
        "cn_operator_class": None,
    }
    shown = world.client.get("/api/v1/units/cn/regimes", headers=world.headers("analyst"))
    assert shown.json()["nis2_entity"] == "essential"
    early = obligations(world, world.own)["eu-nis2/early-warning"]
    assert dt.datetime.fromisoformat(str(early["due"])) == aware + dt.timedelta(hours=24)
    # A missing field is kept, "" clears one; the audit names what changed.
    r = world.client.patch(
        "/api/v1/units/cn/regimes", headers=world.headers("admin"), json={"nis2_entity": ""}
    )
    assert r.json()["nis2_entity"] is None
    assert r.json()["eu_main_establishment_timezone"] == "Europe/Helsinki"
    assert "eu-nis2/early-warning" not in {
        k for k, v in obligations(world, world.own).items() if v["status"] != "not_applicable"
    }
    with world.container.deps().uow() as uow:
        trail = uow.audit.for_object("unit", "cn")
    sets = [c.event for c in trail if c.event.tag == "ref:unit:regimes-set"]
    assert sorted((e.actor, e.fields) for e in sets) == [
        ("admin", ("nis2_entity",)),
        ("coordinator", ("eu_main_establishment_timezone", "nis2_entity")),
    ]


def test_bad_regime_values_are_refused_naming_the_field(world: World) -> None:
    bad = {
        "eu_main_establishment_timezone": "Asia/Shanghai",
        "nis2_entity": "critical",
        "financial_entity": "maybe",
        "cn_operator_class": "bank",
    }
    for name, value in bad.items():
        r = world.client.patch(
            "/api/v1/units/cn/regimes", headers=world.headers("admin"), json={name: value}
        )
        assert r.status_code == 422, (name, r.text)
        assert r.json()["error"]["field"] == name
    r = world.client.patch("/api/v1/units/cn/regimes", headers=world.headers("admin"), json={})
    assert r.status_code == 422 and r.json()["error"]["field"] == "regimes"
    r = world.client.put(
        f"/api/v1/cases/{world.own}/incident-grade",
        headers=world.headers("analyst"),
        json={"incident_grade": "huge"},
    )
    assert r.status_code == 422 and r.json()["error"]["field"] == "incident_grade"


def test_only_reference_writers_may_set_unit_regimes(world: World) -> None:
    for user in ALL:
        r = world.client.patch(
            "/api/v1/units/cn/regimes",
            headers=world.headers(user),
            json={"cn_operator_class": "cii"},
        )
        assert r.status_code == (200 if user in {"admin", "coordinator"} else 403), user
        read = world.client.get("/api/v1/units/cn/regimes", headers=world.headers(user))
        readers = {r.value.replace("-", "") for r in access.REFERENCE_READERS}
        assert read.status_code == (200 if user in readers else 403), user
    assert world.client.get("/api/v1/units/cn/regimes").status_code == 401


def test_the_incident_grade_needs_a_case_writer_who_sees_the_case(world: World) -> None:
    writers = {r.value.replace("-", "") for r in access.CASE_WRITERS}
    assert "auditor" not in writers and "hqoversight" not in writers
    for user in ALL:
        r = world.client.put(
            f"/api/v1/cases/{world.own}/incident-grade",
            headers=world.headers(user),
            json={"incident_grade": "major"},
        )
        # A role that may not see the case gets the 404 of a missing one.
        assert r.status_code in ({200} if user in writers else {403, 404}), (user, r.text)
    # An analyst who is not a member gets the same 404 as for a missing case.
    hidden = world.client.put(
        f"/api/v1/cases/{world.foreign}/incident-grade",
        headers=world.headers("analyst"),
        json={"incident_grade": "major"},
    )
    missing = world.client.put(
        "/api/v1/cases/VD-2026-99999/incident-grade",
        headers=world.headers("analyst"),
        json={"incident_grade": "major"},
    )
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json()["error"]["code"] == missing.json()["error"]["code"]
    case = world.client.get(f"/api/v1/cases/{world.own}", headers=world.headers("analyst"))
    assert case.json()["incident_grade"] == "major"


def test_a_determination_is_a_recorded_fact_that_starts_the_24_hour_report(world: World) -> None:
    with world.container.deps().uow() as uow:
        aware = uow.cases.get(CaseKey(world.own)).instants
    start = aware[next(k for k in aware if k.value == "aware")]
    assert "cn-ndsm-2024/report-national-security" not in obligations(world, world.own)
    fact(world, world.own, "endangers_national_security", world.clock.now())
    report = obligations(world, world.own)["cn-ndsm-2024/report-national-security"]
    # Counted from discovery by default (Art. 10), not from the determination.
    assert dt.datetime.fromisoformat(str(report["due"])) == start + dt.timedelta(hours=24)
    facts = world.client.get(f"/api/v1/cases/{world.own}", headers=world.headers("admin"))
    recorded = [f for f in facts.json()["facts"] if f["kind"] == "endangers_national_security"]
    assert [(f["recorded_by"], f["evidence"]) for f in recorded] == [("analyst", "triage call")]
