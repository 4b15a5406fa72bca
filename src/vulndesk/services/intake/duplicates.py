"""Likely duplicates of a public report among existing cases, by product and text similarity."""

from __future__ import annotations

import re
from dataclasses import dataclass

from vulndesk.domain.audit_tags import AuditTag
from vulndesk.domain.ids import CaseKey, ProductId
from vulndesk.domain.intake import IntakeRecord
from vulndesk.services.access.rights import ALL_CASES, Principal
from vulndesk.services.context import Deps
from vulndesk.services.ports import CaseFilter

MIN_SIMILARITY = 0.4  # a shared product alone (0.3) is not enough to call a duplicate


_WORD = re.compile(r"\w+", re.UNICODE)


def tokens(text: str) -> set[str]:
    return {w.lower() for w in _WORD.findall(text) if len(w) > 1}


def jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


@dataclass(frozen=True, slots=True)
class Suggestion:
    case: str
    title: str
    score: float


def suggest_duplicates(
    deps: Deps, principal: Principal, tracking: str, *, candidates: int = 50, limit: int = 5
) -> list[Suggestion]:
    """Existing cases with a similar product and text; bounded to the newest `candidates`
    (triage sees every case: coordinators, headquarters, administrators)."""
    principal.require(ALL_CASES)
    now = deps.clock.now()
    with deps.uow() as uow:
        record = uow.intake.get(tracking)
        own = uow.cases.get(CaseKey(record.case_key))
        own_text = tokens(" ".join(own.details.get(k, "") for k in _TEXT_FIELDS))
        known = {str(p.id) for p in uow.products.list()}
        flt = CaseFilter(
            product=ProductId(record.product) if record.product in known else None, limit=candidates
        )
        out: list[Suggestion] = []
        product_words = tokens(record.product)
        for row in uow.cases.list(flt):
            if row.key == own.key:
                continue
            title_score = jaccard(product_words, tokens(row.title + " " + " ".join(row.products)))
            if flt.product is None and title_score == 0:
                continue
            other = uow.cases.get(row.key)
            text_score = jaccard(
                own_text, tokens(" ".join(other.details.get(k, "") for k in _TEXT_FIELDS))
            )
            product_score = 1.0 if flt.product else title_score
            score = round(0.3 * product_score + 0.7 * text_score, 3)
            if score >= MIN_SIMILARITY:
                out.append(Suggestion(row.key, row.title, score))
        uow.audit.append(
            principal.event(
                now, AuditTag.INTAKE_DUPLICATES_COMPARED, "intake", tracking, _TEXT_FIELDS
            )
        )
        uow.commit()
    return sorted(out, key=lambda s: -s.score)[:limit]


_TEXT_FIELDS = ("summary", "technical_characteristics", "harm")


def triage(
    deps: Deps, principal: Principal, limit: int = 50
) -> list[tuple[IntakeRecord, list[Suggestion]]]:
    """The newest public reports, each with its likely duplicates among existing cases."""
    principal.require(ALL_CASES)
    with deps.uow() as uow:
        items = uow.intake.recent(limit)
    return [(r, suggest_duplicates(deps, principal, r.tracking)) for r in items]
