"""The console's applicability explanations: verdicts per unit, and every message translated."""

from __future__ import annotations

from vulndesk.domain.ids import UnitId
from vulndesk.domain.regimes import Nis2Entity
from vulndesk.domain.units import OrgUnit
from vulndesk.entrypoints.web import i18n
from vulndesk.rules import builtin_rule_sets
from vulndesk.rules.explain import explained, for_unit, trigger_facts

CN = OrgUnit(UnitId("cn"), "Acme CN", "CN", "Asia/Shanghai")
DE = OrgUnit(UnitId("de"), "Acme DE", "DE", "Europe/Berlin", nis2_entity=Nis2Entity.ESSENTIAL)
US = OrgUnit(UnitId("us"), "Acme US", "US", "America/New_York", financial_entity=True)


def test_verdicts_say_why() -> None:
    sets = builtin_rule_sets()
    assert for_unit(sets["cn-rmsv-2021"], CN).verdict == "applies"
    assert for_unit(sets["cn-rmsv-2021"], DE).verdict == "maybe"
    assert for_unit(sets["eu-nis2"], DE).verdict == "applies"
    nis2_cn = for_unit(sets["eu-nis2"], CN)
    assert (nis2_cn.verdict, "NIS2" in nis2_cn.reason.text) == ("no", True)
    assert for_unit(sets["eu-dora"], US).verdict == "applies"
    assert for_unit(sets["eu-dora"], DE).verdict == "no"
    assert trigger_facts(sets["cn-ndsm-2024"]) == ["aware", "endangers_national_security"]
    assert "materiality_determined" in trigger_facts(sets["us-sec-8k"])


def test_every_explanation_and_fact_is_translated() -> None:
    zh = i18n.catalogue("zh-CN")
    missing = set()
    for rule_set in builtin_rule_sets().values():
        ex = explained(rule_set, [CN, DE, US])
        for message in [*ex.scope, *(u.reason for u in ex.units)]:
            if message.text not in zh:
                missing.add(message.text)
            else:
                assert zh[message.text] % message.values  # the placeholders match
        missing |= {f for f in ex.facts if f not in zh}
    assert missing == set()
