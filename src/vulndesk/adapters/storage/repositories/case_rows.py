"""A case read back from its row and its facts' and transitions' rows, decrypted."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from vulndesk.adapters.crypto import FieldCipher
from vulndesk.domain.cases import AffectedProduct, Case, CaseState, Role, Transition
from vulndesk.domain.facts import FactKind, FactRecord
from vulndesk.domain.ids import CaseKey, ProductId, UnitId, UserId
from vulndesk.domain.regimes import IncidentGrade
from vulndesk.domain.severity import CnGrade, Severity


def _facts(
    key: CaseKey, rows: Sequence[Mapping[str, Any]], cipher: FieldCipher
) -> tuple[FactRecord, ...]:
    """The fact rows (`src` 0), their evidence decrypted."""
    return tuple(
        FactRecord(
            FactKind(f["c_kind"]),
            f["c_at"],
            f["c_by"],
            f["c_recorded_at"],
            cipher.decrypt_text(
                f["c_blob"], evidence_ctx(key, FactKind(f["c_kind"]), f["c_revision"])
            )
            if f["c_blob"]
            else "",
            f["c_revision"],
        )
        for f in rows
        if f["src"] == 0
    )


def _transitions(rows: Sequence[Mapping[str, Any]]) -> tuple[Transition, ...]:
    """The transition rows (`src` 1)."""
    return tuple(
        Transition(
            CaseState(t["c_kind"]), CaseState(t["c_to"]), t["c_by"], t["c_at"], t["c_reason"]
        )
        for t in rows
        if t["src"] == 1
    )


def case_from_rows(key: CaseKey, rows: Sequence[Mapping[str, Any]], cipher: FieldCipher) -> Case:
    """The case of `GET_CASE`'s rows (the case's columns, one row per fact and transition)."""
    m = rows[0]
    facts = _facts(key, rows, cipher)
    steps = _transitions(rows)
    details = (
        json.loads(cipher.decrypt_text(m["details_enc"], f"cases.details:{key}"))
        if m["details_enc"]
        else {}
    )
    return Case(
        key=CaseKey(m["key"]),
        title=m["title"],
        unit=UnitId(m["unit_id"]),
        roles=frozenset(Role(r) for r in m["roles"]),
        created_at=m["created_at"],
        created_by=m["created_by"],
        state=CaseState(m["state"]),
        products=tuple(
            AffectedProduct(ProductId(p["product"]), tuple(p["versions"]), tuple(p["fixed"]))
            for p in m["products"]
        ),
        cwe=m["cwe"],
        severity=Severity(
            m["cvss31_vector"],
            m["cvss31_score"],
            m["cvss40_vector"],
            m["cvss40_score"],
            CnGrade(m["cn_grade"]) if m["cn_grade"] else None,
        ),
        upstream_component=bool(m["upstream_component"]),
        facts=facts,
        transitions=steps,
        details=details,
        members=tuple(UserId(u) for u in m["members"]),
        duplicate_of=CaseKey(m["duplicate_of"]) if m["duplicate_of"] else None,
        intake_id=m["intake_id"],
        options=dict(m["options"]),
        incident_grade=IncidentGrade(m["incident_grade"]) if m["incident_grade"] else None,
        owner=UserId(m["owner"]) if m["owner"] else None,
        version=int(m["version"]),
    )


def evidence_ctx(key: str, kind: FactKind, revision: int) -> str:
    return f"case_facts.evidence:{key}:{kind.value}:{revision}"
