"""What-if over the rules: a hypothetical rule file evaluated against the caller's open cases.

`POST /api/v1/rules/what-if` is read-only: it stores nothing and changes nothing, so it takes
no `Idempotency-Key` (a retry simply evaluates again). POST only because the rule file travels
in the body.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from vulndesk.entrypoints.api.auth import CurrentDeps, CurrentPrincipal, container
from vulndesk.entrypoints.api.errors import ERROR_RESPONSES
from vulndesk.services.clocks import whatif

router = APIRouter(prefix="/api/v1", tags=["rules"], responses=ERROR_RESPONSES)


class WhatIfIn(BaseModel):
    """The text of a hypothetical rule file (TOML, as `vulndesk rules lint` checks it)."""

    model_config = ConfigDict(extra="forbid")

    rule_file: str = Field(max_length=whatif.MAX_TEXT, description="The rule file's TOML text")
    within_hours: int = Field(72, ge=1, le=24 * 90, description="The due-soon window")


class FindingOut(BaseModel):
    case: str
    unit: str
    obligation: str
    regulation: str
    article: str
    recipient: str
    trigger_at: str
    due: str | None
    status: Literal["overdue", "due_soon"]
    content: list[str] = Field(description="Detail fields the rule demands in the report")


class TallyOut(BaseModel):
    unit: str
    regulation: str
    recipient: str
    overdue: int
    due_soon: int


class RecipientOut(BaseModel):
    party: str
    kind: str
    today: list[str] = Field(description="Information classes the party receives today")
    then: list[str] = Field(description="... and with the content the rule demands")
    added_fields: list[str]


class WhatIfOut(BaseModel):
    rule_set: str
    title: str
    replaces_loaded_rule_set: bool
    now: dt.datetime
    window_hours: int
    cases_evaluated: int = Field(description="Open cases the caller may see")
    stored: Literal[False] = Field(description="Nothing is ever stored")
    findings: list[FindingOut]
    by_unit_and_regulation: list[TallyOut]
    recipients: list[RecipientOut]


@router.post("/rules/what-if", response_model=WhatIfOut)
def what_if(
    body: WhatIfIn, request: Request, who: CurrentPrincipal, d: CurrentDeps
) -> dict[str, Any]:
    """Which obligations would be overdue or due within the window if the file had been in force
    since each case's trigger, per unit and regulation, and what each recipient would then
    receive. Only the caller's visible open cases are evaluated; nothing is stored."""
    result = whatif.what_if(
        d,
        who,
        body.rule_file,
        "what-if.toml",
        dt.timedelta(hours=body.within_hours),
        container(request).rule_sets,
    )
    return whatif.as_dict(result)
