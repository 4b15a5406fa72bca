"""Request and response bodies for the case routes."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, Field

from vulndesk.domain.cases import AffectedProduct, Case, Transition
from vulndesk.domain.clocks import CaseObligation
from vulndesk.domain.facts import FactRecord
from vulndesk.services.ports import CaseSummary

Short = Field(max_length=300)
Detail = dict[str, str]


class CaseIn(BaseModel):
    title: str = Short
    unit: str = Field(max_length=63)
    roles: list[str] = Field(default=["product_provider"], max_length=3)
    products: dict[str, list[str]] = Field(default={}, max_length=100)
    aware: dt.datetime | None = None
    cwe: str | None = Field(default=None, max_length=16)
    cvss31: str | None = Field(default=None, max_length=200)
    cvss40: str | None = Field(default=None, max_length=300)
    cn_grade: str | None = Field(default=None, max_length=8)
    upstream_component: bool = False
    details: Detail = Field(default={}, max_length=20)
    members: list[str] = Field(default=[], max_length=100)


class CasePatch(BaseModel):
    title: str | None = Field(default=None, max_length=300)
    cwe: str | None = Field(default=None, max_length=16)
    cvss31: str | None = Field(default=None, max_length=200)
    cvss40: str | None = Field(default=None, max_length=300)
    cn_grade: str | None = Field(default=None, max_length=8)
    details: Detail | None = Field(default=None, max_length=20)


class FactIn(BaseModel):
    kind: str = Field(max_length=40)
    at: dt.datetime | None = None
    evidence: str = Field(max_length=10_000)
    mode: Literal["record", "correct", "retract"] = "record"


class TransitionIn(BaseModel):
    to: str = Field(max_length=16)
    reason: str = Field(max_length=10_000)
    duplicate_of: str | None = Field(default=None, max_length=32)
    # When closing: open obligations marked not applicable, obligation id -> reason.
    not_applicable: dict[str, str] = Field(default={}, max_length=100)


class CaseSummaryOut(BaseModel):
    key: str
    title: str
    unit: str
    state: str
    cwe: str | None
    cvss31_score: float | None
    cn_grade: str | None
    products: list[str]
    created_at: dt.datetime
    updated_at: dt.datetime


class CaseListOut(BaseModel):
    total: int
    cases: list[CaseSummaryOut]


class AffectedOut(BaseModel):
    product: str
    versions: list[str]
    fixed_versions: list[str]


class FactOut(BaseModel):
    kind: str
    at: dt.datetime | None
    recorded_by: str
    recorded_at: dt.datetime
    evidence: str
    revision: int


class TransitionOut(BaseModel):
    from_state: str
    to_state: str
    by: str
    at: dt.datetime
    reason: str


class ObligationOut(BaseModel):
    case: str
    id: str
    regulation: str
    article: str
    action: str
    recipient: str
    trigger: str
    trigger_at: dt.datetime
    timing: str
    due: dt.datetime | None
    period: str | None
    timezone: str
    status: Literal["open", "overdue", "met", "met_late", "waived", "not_applicable"]
    met_at: dt.datetime | None = Field(
        description="When it was met: the instant of the fact, or the instant a disclosure claims"
    )
    met_ref: str | None
    late_by_seconds: int | None = Field(
        description="For met_late: the met instant minus the due instant, in seconds"
    )
    waived_reason: str | None


class CaseOut(BaseModel):
    key: str
    title: str
    unit: str
    roles: list[str]
    state: str
    products: list[AffectedOut]
    cwe: str | None
    cvss31_vector: str | None
    cvss31_score: float | None
    cvss40_vector: str | None
    cvss40_score: float | None
    cn_grade: str | None
    upstream_component: bool
    incident_grade: str | None = None
    owner: str | None = None
    details: dict[str, str]
    members: list[str]
    duplicate_of: str | None
    intake_id: str | None
    created_at: dt.datetime
    created_by: str
    version: int
    facts: list[FactOut]
    transitions: list[TransitionOut]
    obligations: list[ObligationOut]


class MembersOut(BaseModel):
    case: str
    members: list[str]


def summary_out(c: CaseSummary) -> dict[str, Any]:
    return {
        "key": c.key,
        "title": c.title,
        "unit": c.unit,
        "state": c.state.value,
        "cwe": c.cwe,
        "cvss31_score": c.cvss31_score,
        "cn_grade": c.cn_grade,
        "products": list(c.products),
        "created_at": c.created_at,
        "updated_at": c.updated_at,
    }


def obligation_out(o: CaseObligation) -> dict[str, Any]:
    ob = o.obligation
    return {
        "case": o.case,
        "id": ob.id,
        "regulation": ob.regulation,
        "article": ob.article,
        "action": ob.action,
        "recipient": ob.recipient,
        "trigger": ob.trigger.value,
        "trigger_at": ob.trigger_at,
        "timing": ob.timing.value,
        "due": ob.due,
        "period": ob.period,
        "timezone": ob.timezone,
        "status": o.status.value,
        "met_at": o.met_at,
        "met_ref": o.met_ref,
        "late_by_seconds": o.late_by_seconds,
        "waived_reason": o.waived_reason,
    }


def case_out(case: Case, obligations: list[CaseObligation]) -> dict[str, Any]:
    sev = case.severity
    return {
        "key": case.key,
        "title": case.title,
        "unit": case.unit,
        "roles": sorted(r.value for r in case.roles),
        "state": case.state.value,
        "products": [_product_out(p) for p in case.products],
        "cwe": case.cwe,
        "cvss31_vector": sev.cvss31_vector,
        "cvss31_score": sev.cvss31_score,
        "cvss40_vector": sev.cvss40_vector,
        "cvss40_score": sev.cvss40_score,
        "cn_grade": sev.cn_grade.value if sev.cn_grade else None,
        "upstream_component": case.upstream_component,
        "incident_grade": case.incident_grade.value if case.incident_grade else None,
        "owner": case.owner,
        "details": dict(case.details),
        "members": list(case.members),
        "duplicate_of": case.duplicate_of,
        "intake_id": case.intake_id,
        "created_at": case.created_at,
        "created_by": case.created_by,
        "version": case.version,
        "facts": [_fact_out(f) for f in case.facts],
        "transitions": [_transition_out(t) for t in case.transitions],
        "obligations": [obligation_out(o) for o in obligations],
    }


def _product_out(p: AffectedProduct) -> dict[str, Any]:
    return {
        "product": p.product,
        "versions": list(p.versions),
        "fixed_versions": list(p.fixed_versions),
    }


def _fact_out(f: FactRecord) -> dict[str, Any]:
    return {
        "kind": f.kind.value,
        "at": f.at,
        "recorded_by": f.recorded_by,
        "recorded_at": f.recorded_at,
        "evidence": f.evidence,
        "revision": f.revision,
    }


def _transition_out(t: Transition) -> dict[str, Any]:
    return {
        "from_state": t.from_state.value,
        "to_state": t.to_state.value,
        "by": t.by,
        "at": t.at,
        "reason": t.reason,
    }
