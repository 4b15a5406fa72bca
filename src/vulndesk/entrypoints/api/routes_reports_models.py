"""Request and response bodies for report drafts, approvals, decisions and the ledger."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, Field

from vulndesk.domain.decisions import Decision
from vulndesk.domain.drafts import DraftRecord
from vulndesk.domain.ledger import LedgerEntry
from vulndesk.services.reports import drafts as reports
from vulndesk.services.reports.approvals import CaseConflict
from vulndesk.services.reports.rendering import DraftDiff

Reason = Field(max_length=10_000)
AT = (
    "The instant claimed: when it was sent or said. Refused in the future (5 minutes of clock "
    "skew allowed), before the case's aware fact, before the trigger of the obligation it meets, "
    "or before the draft's approval"
)


class DraftIn(BaseModel):
    kind: str = Field(max_length=40, description="A report kind: " + ", ".join(reports.KINDS))
    recipient: str = Field(
        max_length=63, description="Party id; its kind must be one the report kind is written for"
    )
    stage: Literal["initial", "update", "final"] | None = Field(
        default=None, description="initial or update (NVDB, notices, GDPR); final: CAC summary"
    )


class ApprovalIn(BaseModel):
    justification: str | None = Field(
        default=None,
        max_length=10_000,
        description="Record (or second) why a government gets more than others",
    )


class SubmissionIn(BaseModel):
    at: dt.datetime = Field(description=AT)
    receipt: str = Field(max_length=200, description="The portal's receipt number")
    screenshot_name: str | None = Field(default=None, max_length=200)
    screenshot_sha256: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")
    justification: str | None = Field(
        default=None,
        max_length=2000,
        description=(
            "Needed when `at` lies more than the backdate limit (24 h by default) before now: "
            "why it is recorded late. The entry meets no obligation until a second person "
            "approves it (POST /api/v1/ledger/{entry}/backdate-approval)."
        ),
    )


class JustificationIn(BaseModel):
    reason: str = Reason


class DecisionIn(BaseModel):
    kind: Literal["exception", "cross-border", "justification", "release"]
    recipient: str = Field(max_length=63)
    reason: str = Reason
    fields: list[str] = Field(default=[], max_length=30)


class DisclosureIn(BaseModel):
    recipient: str = Field(max_length=63)
    kind: str = Field(max_length=60)
    at: dt.datetime = Field(description=AT)
    said: str = Field(max_length=20_000, description="What was disclosed")
    channel: str = Field(default="phone", max_length=16)
    fields: list[str] = Field(default=[], max_length=30)
    justification: str | None = Field(
        default=None,
        max_length=2000,
        description=(
            "Needed when `at` lies more than the backdate limit (24 h by default) before now: "
            "why it is recorded late. The entry meets no obligation until a second person "
            "approves it (POST /api/v1/ledger/{entry}/backdate-approval)."
        ),
    )


class ApprovalOut(BaseModel):
    actor: str
    unit: str | None
    at: dt.datetime


class DraftOut(BaseModel):
    ref: str
    case: str
    kind: str
    stage: str
    recipient: str
    recipient_kind: str
    version: int
    status: str
    sha256: str
    fields: list[str]
    approvals: list[ApprovalOut]
    created_at: dt.datetime
    created_by: str


class DiffOut(BaseModel):
    left: str
    right: str
    unified: str
    added: list[str]
    removed: list[str]
    changed: list[str]


class DecisionOut(BaseModel):
    id: int
    kind: str
    case: str
    recipient: str
    draft_id: int | None
    fields: list[str]
    reason: str
    created_at: dt.datetime
    created_by: str
    approvers: list[str]
    approved: bool


class ConflictOut(BaseModel):
    rule: str
    recipient: str
    draft: str
    message: str
    resolved_by: int | None


class LedgerRowOut(BaseModel):
    """A disclosure without its content: metadata and the SHA-256 of what was sent."""

    id: int
    case: str
    unit: str
    disclosure_kind: str
    recipient: str
    recipient_kind: str
    channel: str
    at: dt.datetime = Field(description="The instant claimed: when it was sent or said")
    draft: str | None
    receipt: str | None
    screenshot_sha256: str | None
    sha256: str
    fields: list[str]
    classes: list[str]
    approvers: list[str]
    recorded_at: dt.datetime = Field(description="The server's clock when it was recorded")
    recorded_by: str
    backdated: bool = Field(description="Claimed more than the backdate limit before recording")
    backdate_status: Literal["pending", "approved"] | None = Field(
        description="A pending backdated entry meets no obligation until a second person approves"
    )
    backdate_approvers: list[str] = Field(description="Its recorder first, then the second person")


class LedgerEntryOut(LedgerRowOut):
    """`content` is the exact text sent and `backdate_justification` why a backdated entry was
    recorded late; both null for callers without need-to-know on the case."""

    content: str | None
    backdate_justification: str | None


def draft_out(r: DraftRecord) -> dict[str, Any]:
    d = r.draft
    return {
        "ref": r.ref,
        "case": d.case,
        "kind": d.kind,
        "stage": d.stage,
        "recipient": d.recipient,
        "recipient_kind": d.recipient_kind,
        "version": d.version,
        "status": r.status,
        "sha256": d.sha256,
        "fields": list(d.fields),
        "approvals": [{"actor": a.actor, "unit": a.unit, "at": a.at} for a in r.approvals],
        "created_at": d.created_at,
        "created_by": d.created_by,
    }


def diff_out(d: DraftDiff) -> dict[str, Any]:
    return {
        "left": d.left,
        "right": d.right,
        "unified": d.unified,
        "added": list(d.added),
        "removed": list(d.removed),
        "changed": list(d.changed),
    }


def decision_out(d: Decision) -> dict[str, Any]:
    return {
        "id": d.id,
        "kind": d.kind,
        "case": d.case,
        "recipient": d.recipient,
        "draft_id": d.draft_id,
        "fields": list(d.fields),
        "reason": d.reason,
        "created_at": d.created_at,
        "created_by": d.created_by,
        "approvers": list(d.approvers),
        "approved": d.approved,
    }


def conflict_out(c: CaseConflict) -> dict[str, Any]:
    return {
        "rule": c.rule,
        "recipient": c.recipient,
        "draft": c.draft,
        "message": c.message,
        "resolved_by": c.resolved_by,
    }


def ledger_row(e: LedgerEntry) -> dict[str, Any]:
    x = e.entry
    return {
        "id": e.id,
        "case": x.case,
        "unit": x.unit,
        "disclosure_kind": x.disclosure_kind,
        "recipient": x.recipient,
        "recipient_kind": x.recipient_kind,
        "channel": x.channel,
        "at": x.at,
        "draft": x.draft_ref,
        "receipt": x.receipt,
        "screenshot_sha256": x.screenshot_sha256,
        "sha256": x.sha256,
        "fields": list(x.fields),
        "classes": list(x.classes),
        "approvers": list(x.approvers),
        "recorded_at": x.recorded_at,
        "recorded_by": x.recorded_by,
        "backdated": e.backdated,
        "backdate_status": e.backdate_status,
        "backdate_approvers": list(e.backdate_approvers),
    }
