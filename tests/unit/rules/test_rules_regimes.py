"""The zone readings and the unit and case attributes the newer rule sets bind on."""

from __future__ import annotations

import datetime as dt

import pytest

from vulndesk.domain.cases import Role
from vulndesk.domain.errors import InvalidInput
from vulndesk.domain.facts import FactKind as F
from vulndesk.domain.obligations import Situation
from vulndesk.domain.regimes import CnOperatorClass, IncidentGrade, Nis2Entity, eu_zone
from vulndesk.rules import builtin_rule_sets, evaluate

FIX = dt.datetime(2026, 10, 5, 8, tzinfo=dt.UTC)
EXPLOITED = dt.datetime(2026, 10, 1, 8, tzinfo=dt.UTC)


def cra(zone: str | None, options: dict[str, str] | None = None) -> dict[str, object]:
    situation = Situation(
        org_country="US",
        roles=frozenset({Role.PRODUCT_PROVIDER}),
        events={F.AWARE: EXPLOITED, F.EXPLOITATION_AWARE: EXPLOITED, F.FIX_AVAILABLE: FIX},
        markets=frozenset({"DE"}),
        eu_main_establishment_timezone=zone,
    )
    found = evaluate(situation, [builtin_rule_sets()["eu-cra-2024"]], options)
    final = next(o for o in found if o.id == "eu-cra-2024/final-report")
    return {"due": final.due, "zone": final.timezone, **final.interpretation}


def test_the_establishment_zone_is_recorded_as_the_reading_used() -> None:
    got = cra("Europe/Helsinki")
    assert got["due"] == dt.datetime(2026, 10, 19, 21, tzinfo=dt.UTC)
    assert got["zone"] == "Europe/Helsinki"
    assert got["day_zone"] == "eu-main-establishment"
    assert got["zone_reason"] == "main establishment in the EU (Art. 14(7))"


def test_without_an_establishment_the_default_is_the_contract_zone() -> None:
    got = cra(None)
    assert got["due"] == dt.datetime(2026, 10, 19, 22, tzinfo=dt.UTC)
    assert got["zone"] == "Europe/Brussels"
    assert "contract" in str(got["zone_reason"])


def test_the_strictest_reading_names_the_zone_whose_midnight_came_first() -> None:
    got = cra(None, {"eu-cra-2024.day_zone": "eu-main-establishment-or-strictest"})
    assert got["due"] == dt.datetime(2026, 10, 19, 20, tzinfo=dt.UTC)
    assert got["zone"] == "Indian/Reunion"
    assert "strictest" in str(got["zone_reason"])


def test_a_fixed_zone_records_no_zone_reason() -> None:
    got = cra("Europe/Helsinki", {"eu-cra-2024.day_zone": "Europe/Brussels"})
    assert got["zone"] == "Europe/Brussels"
    assert "zone_reason" not in got


def test_unit_attributes_gate_nis2_and_dora() -> None:
    aware = dt.datetime(2027, 2, 1, 8, tzinfo=dt.UTC)
    base = Situation(
        org_country="IE",
        roles=frozenset({Role.NETWORK_OPERATOR}),
        events={F.INCIDENT_AWARE: aware, F.MAJOR_INCIDENT_CLASSIFIED: aware},
    )
    sets = [builtin_rule_sets()[i] for i in ("eu-nis2", "eu-dora")]
    assert evaluate(base, sets) == []
    from dataclasses import replace

    both = replace(base, nis2_entity=Nis2Entity.IMPORTANT, financial_entity=True)
    assert {o.regulation for o in evaluate(both, sets)} == {"eu-nis2", "eu-dora"}


def test_the_cac_clock_follows_the_operator_class_and_grade() -> None:
    aware = dt.datetime(2026, 12, 1, 1, tzinfo=dt.UTC)
    rule_set = [builtin_rule_sets()["cn-incident-2025"]]

    def report(cls: CnOperatorClass | None, grade: IncidentGrade | None) -> dt.timedelta | None:
        s = Situation(
            org_country="CN",
            roles=frozenset({Role.NETWORK_OPERATOR}),
            events={F.INCIDENT_AWARE: aware},
            cn_operator_class=cls,
            incident_grade=grade,
        )
        found = [o for o in evaluate(s, rule_set) if o.id == "cn-incident-2025/report"]
        return None if not found or found[0].due is None else found[0].due - aware

    hour = dt.timedelta(hours=1)
    assert report(CnOperatorClass.CII, IncidentGrade.MAJOR) == hour
    assert report(CnOperatorClass.STATE_ORGAN, IncidentGrade.RELATIVELY_MAJOR) == 2 * hour
    assert report(CnOperatorClass.OTHER, IncidentGrade.ESPECIALLY_MAJOR) == 4 * hour
    assert report(None, None) == hour
    assert report(CnOperatorClass.OTHER, IncidentGrade.GENERAL) is None


def test_an_establishment_zone_must_be_an_eu_zone() -> None:
    assert eu_zone("eu_main_establishment_timezone", "Europe/Helsinki") == "Europe/Helsinki"
    with pytest.raises(InvalidInput, match="not a time zone of an EU member state"):
        eu_zone("eu_main_establishment_timezone", "Asia/Shanghai")
    with pytest.raises(InvalidInput, match="not a known time zone"):
        eu_zone("eu_main_establishment_timezone", "Mars/Base")
