"""The `rules.in_force` setting: which rule sets hold live cases to their clocks."""

from __future__ import annotations

import pytest

from tests.builders import as_person, open_case, seed_reference
from vulndesk.bootstrap import Container
from vulndesk.domain.errors import InvalidInput
from vulndesk.domain.ids import CaseKey
from vulndesk.domain.obligations import ObligationStatus
from vulndesk.services.access import rights as access
from vulndesk.services.access.rights import Principal
from vulndesk.services.clocks import live as clocks
from vulndesk.services.clocks import rules_in_force
from vulndesk.services.context import Deps


def _rule_sets_of(deps: Deps, key: CaseKey) -> set[str]:
    """Rule sets with a live obligation on the case (a dropped one stays, not applicable)."""
    return {
        o.id.partition("/")[0]
        for o in access.case_obligations(deps, as_person("reader"), key)
        if o.status is not ObligationStatus.NOT_APPLICABLE
    }


def test_default_leaves_out_the_2019_draft_and_a_choice_applies_to_open_cases(
    deps: Deps, actor: Principal, container: Container
) -> None:
    seed_reference(deps, actor)
    case = open_case(deps, actor)
    assert "cn-rmsv-2021" in _rule_sets_of(deps, case.key)
    assert "cn-draft-2019" not in _rule_sets_of(deps, case.key)
    views = {v.rule_set.id: v for v in rules_in_force.rule_sets(deps, actor, container.rule_sets)}
    assert views["cn-draft-2019"].in_force is False
    assert views["cn-rmsv-2021"].in_force is True

    recomputed = rules_in_force.set_in_force(
        deps, actor, container.rule_sets, ["cn-draft-2019", "cn-rmsv-2021"]
    )
    assert recomputed == 1
    assert _rule_sets_of(deps, case.key) == {"cn-draft-2019", "cn-rmsv-2021"}
    views = {v.rule_set.id: v for v in rules_in_force.rule_sets(deps, actor, container.rule_sets)}
    assert views["cn-draft-2019"].in_force is True
    assert views["house-sla"].in_force is False


def test_unknown_rule_set_is_refused_and_nothing_changes(
    deps: Deps, actor: Principal, container: Container
) -> None:
    with pytest.raises(InvalidInput) as err:
        rules_in_force.set_in_force(deps, actor, container.rule_sets, ["cn-rmsv-2021", "nope"])
    assert err.value.field == "rules"
    with deps.uow() as uow:
        assert clocks.IN_FORCE not in uow.org_settings.options()


def test_in_force_reads_the_setting() -> None:
    assert clocks.in_force("cn-rmsv-2021", {}) is True
    assert clocks.in_force("cn-draft-2019", {}) is False
    chosen = {clocks.IN_FORCE: "cn-draft-2019, eu-cra-2024"}
    assert clocks.in_force("cn-draft-2019", chosen) is True
    assert clocks.in_force("cn-rmsv-2021", chosen) is False
