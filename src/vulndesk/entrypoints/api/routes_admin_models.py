"""Request and response bodies for the administration and audit routes."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from vulndesk.domain.errors import InvalidInput


class WaiverIn(BaseModel):
    """A waiver's proposal; the second person approves it with their own account."""

    model_config = ConfigDict(extra="forbid")

    obligation: str = Field(max_length=200, description="e.g. cn-rmsv-2021/report-to-nvdb")
    reason: str = Field(max_length=10_000, description="Why the obligation does not apply")

    @model_validator(mode="before")
    @classmethod
    def _no_named_approvers(cls, data: Any) -> Any:
        if isinstance(data, dict) and "approvers" in data:
            raise InvalidInput(
                "approvers",
                "a waiver no longer names its approvers",
                "leave it out; the second person approves with their own account: "
                "POST /api/v1/cases/{key}/waivers/{waiver}/approvals",
            )
        return data


class WaiverOut(BaseModel):
    id: int = Field(description="The waiver's decision id")
    case: str
    obligation: str
    reason: str
    status: Literal["pending", "approved"] = Field(
        description="pending until a second, different approver approves it"
    )
    proposed_by: str
    proposed_at: dt.datetime
    approvers: list[str] = Field(description="Its proposer first, then who approved it")
    obligation_status: str | None = Field(
        description="The obligation's status now: open or overdue while the waiver is pending"
    )


class OptionIn(BaseModel):
    value: str = Field(max_length=200)


class OptionOut(BaseModel):
    key: str
    value: str | None
    updated_at: dt.datetime | None
    updated_by: str | None


class OptionChangeOut(BaseModel):
    key: str
    value: str | None
    recomputed: int


class CalendarIn(BaseModel):
    working: bool
    note: str = Field(default="", max_length=2000)


class CalendarOut(BaseModel):
    country: str
    day: dt.date
    working: bool
    note: str
    updated_at: dt.datetime
    updated_by: str


class CalendarChangeOut(BaseModel):
    country: str
    day: dt.date
    working: bool
    recomputed: int


class VerifyOut(BaseModel):
    ok: bool
    checked: int
    first_bad: int | None
    problem: str
    head: str


class AuditEventOut(BaseModel):
    seq: int
    at: dt.datetime
    actor: str
    tag: str
    object_type: str
    object_id: str
    fields: list[str]
    source: str
    detail: dict[str, str]
    hash: str


class PolicyIn(BaseModel):
    classes: list[str] = Field(max_length=3, description="public, restricted")
    fields: list[str] = Field(default=[], max_length=30, description="Single detail fields")


class PolicyOut(BaseModel):
    party: str
    classes: list[str]
    fields: list[str]


class FilingOut(BaseModel):
    format: str
    basis: str
    fields: dict[str, str]
    missing: list[str]
    updated_by: str
    updated_at: str
