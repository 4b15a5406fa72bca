"""Request and response bodies for the publication gate, imports and third-party routes."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field


class CheckOut(BaseModel):
    id: str
    article: str
    result: str
    message: str


class GateOut(BaseModel):
    case: str
    kind: str
    result: Literal["pass", "needs-decision", "fail"]
    checks: list[CheckOut]


class BlackoutIn(BaseModel):
    name: str = Field(max_length=200)
    start: dt.datetime
    end: dt.datetime
    note: str = Field(default="", max_length=2000)


class BlackoutOut(BaseModel):
    name: str
    start: dt.datetime
    end: dt.datetime
    note: str


class ImportedOut(BaseModel):
    ref: str
    case: str | None = Field(description="The case opened or updated; null for no impact")
    action: str = Field(description="opened, updated or no-impact")
    products: list[str]


class ImportOut(BaseModel):
    imported: list[ImportedOut]


class SbomOut(BaseModel):
    product: str
    version: str | None
    components: int


class MatchOut(BaseModel):
    product: str
    product_version: str
    component: str
    purl: str
    range: str | None


class PublicationDecisionIn(BaseModel):
    kind: Literal[
        "early_publication",
        "mps_consent",
        "overseas_exception",
        "attachment_cleared",
        "no_operator_details",
        "embargo_early_publication",
    ]
    subject: str = Field(default="", max_length=200, description="Blackout, recipient or file")
    note: str = Field(max_length=10_000, description="The grounds of the decision")


class PublicationDecisionOut(BaseModel):
    id: int
    case: str
    kind: str
    subject: str
    by: str
    at: dt.datetime
    note: str
    approvers: list[str] = Field(description="Who approved it, the proposer first")
    approved: bool = Field(description="In effect: two different people approved it")


class ShareIn(BaseModel):
    recipient: str = Field(max_length=200)
    country: str = Field(min_length=2, max_length=2)
    at: dt.datetime | None = None
    is_provider: bool = False
    note: str = Field(default="", max_length=2000)


class ShareOut(BaseModel):
    case: str
    recipient: str
    country: str
    at: dt.datetime
    is_provider: bool


class VendorIn(BaseModel):
    vendor: str = Field(max_length=63, description="Party id of the vendor")


class VendorEventIn(BaseModel):
    at: dt.datetime | None = None
    evidence: str = Field(max_length=2000)


class VendorOut(BaseModel):
    case: str
    vendor: str
    notified_at: dt.datetime | None
    fixed_at: dt.datetime | None
