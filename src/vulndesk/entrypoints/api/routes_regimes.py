"""Regime attribute routes: what the rule sets bind a unit on, and a case's incident grade."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel, Field

from vulndesk.domain.cases import Case
from vulndesk.domain.units import OrgUnit
from vulndesk.entrypoints.api.auth import CurrentDeps, CurrentPrincipal
from vulndesk.entrypoints.api.errors import ERROR_RESPONSES
from vulndesk.services.cases import reference, regimes

router = APIRouter(prefix="/api/v1", tags=["regimes"], responses=ERROR_RESPONSES)


class UnitRegimesPatch(BaseModel):
    """A missing field is kept; "" clears it."""

    eu_main_establishment_timezone: str | None = Field(
        default=None, max_length=64, description="Zone of the main establishment in the EU"
    )
    nis2_entity: str | None = Field(default=None, max_length=16, description="essential|important")
    financial_entity: str | None = Field(
        default=None, max_length=8, description="true|false (DORA)"
    )
    cn_operator_class: str | None = Field(
        default=None, max_length=16, description="cii|state_organ|other"
    )


class UnitRegimesOut(BaseModel):
    unit: str
    eu_main_establishment_timezone: str | None
    nis2_entity: str | None
    financial_entity: bool
    cn_operator_class: str | None

    @classmethod
    def of(cls, u: OrgUnit) -> UnitRegimesOut:
        return cls(
            unit=u.id,
            eu_main_establishment_timezone=u.eu_main_establishment_timezone,
            nis2_entity=u.nis2_entity.value if u.nis2_entity else None,
            financial_entity=u.financial_entity,
            cn_operator_class=u.cn_operator_class.value if u.cn_operator_class else None,
        )


class IncidentGradeIO(BaseModel):
    incident_grade: str = Field(
        max_length=24, description='especially_major|major|relatively_major|general, "" clears'
    )


class IncidentGradeOut(BaseModel):
    case: str
    incident_grade: str | None

    @classmethod
    def of(cls, c: Case) -> IncidentGradeOut:
        grade = c.incident_grade
        return cls(case=c.key, incident_grade=grade.value if grade else None)


@router.get("/units/{unit_id}/regimes", response_model=UnitRegimesOut)
def get_unit_regimes(unit_id: str, who: CurrentPrincipal, d: CurrentDeps) -> UnitRegimesOut:
    """The unit's EU main establishment zone, NIS2 status, DORA flag and CAC operator class."""
    return UnitRegimesOut.of(reference.unit(d, who, unit_id))


@router.patch("/units/{unit_id}/regimes", response_model=UnitRegimesOut)
def set_unit_regimes(
    unit_id: str, body: UnitRegimesPatch, who: CurrentPrincipal, d: CurrentDeps
) -> UnitRegimesOut:
    """Record what the rule sets bind the unit on; open cases are recomputed."""
    change = regimes.UnitRegimes(**body.model_dump())
    return UnitRegimesOut.of(regimes.set_unit_regimes(d, who, unit_id, change, "api"))


@router.put("/cases/{key}/incident-grade", response_model=IncidentGradeOut)
def set_incident_grade(
    key: Annotated[str, Path(max_length=32)],
    body: IncidentGradeIO,
    who: CurrentPrincipal,
    d: CurrentDeps,
) -> IncidentGradeOut:
    """Record or clear the case's incident grade (CAC grading guide); its clocks are recomputed."""
    return IncidentGradeOut.of(regimes.set_incident_grade(d, who, key, body.incident_grade, "api"))
