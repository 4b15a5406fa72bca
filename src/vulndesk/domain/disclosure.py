"""Sensitivity classes of case fields: what may leave, to whom, decided field by field."""

from __future__ import annotations

from enum import StrEnum


class Sensitivity(StrEnum):
    """Ordered from least to most sensitive."""

    PUBLIC = "public"
    RESTRICTED = "restricted"
    SECRET = "secret"  # noqa: S105 - a sensitivity class, not a password

    @property
    def rank(self) -> int:
        return {"public": 0, "restricted": 1, "secret": 2}[self.value]


# Every free-text detail of a case and its class. Regulators receive the RMSV Art. 7(2)
# minimum (product, model, version, technical characteristics, harm, scope of impact).
DETAIL_FIELDS: dict[str, Sensitivity] = {
    "summary": Sensitivity.PUBLIC,
    "harm": Sensitivity.PUBLIC,
    "remediation": Sensitivity.PUBLIC,
    "workaround": Sensitivity.PUBLIC,
    "technical_characteristics": Sensitivity.RESTRICTED,
    "scope_of_impact": Sensitivity.RESTRICTED,
    "affected_versions_detail": Sensitivity.RESTRICTED,
    "remediation_plan": Sensitivity.RESTRICTED,
    "threat_actors": Sensitivity.RESTRICTED,
    "root_cause": Sensitivity.RESTRICTED,
    "trigger_location": Sensitivity.SECRET,
    "proof_of_concept": Sensitivity.SECRET,
    "exploit": Sensitivity.SECRET,
    "reporter_identity": Sensitivity.SECRET,
    "operator_system_details": Sensitivity.SECRET,
}
