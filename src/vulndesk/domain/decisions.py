"""Recorded decisions: the two-person exceptions, permissions and justifications of a case."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from vulndesk.domain.drafts import two_persons
from vulndesk.domain.ids import CaseKey, PartyId


@dataclass(frozen=True, slots=True)
class Decision:
    """A recorded decision: an exception, a cross-border permission, a justification, a
    release, a backdate's justification, or an obligation's waiver (`obligation` names it)."""

    id: int
    kind: str
    case: CaseKey
    recipient: PartyId
    draft_id: int | None
    fields: tuple[str, ...]
    reason: str
    created_at: dt.datetime
    created_by: str
    approvers: tuple[str, ...]
    obligation: str | None = None

    @property
    def approved(self) -> bool:
        return two_persons(self.approvers)
