"""Ports and records of advisories: revisions kept encrypted, and the site they publish to."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from vulndesk.domain.drafts import Approval
from vulndesk.domain.ids import CaseKey, UnitId
from vulndesk.exporters.advisories.provider import TreeEntry


@dataclass(frozen=True, slots=True)
class AdvisoryRecord:
    """One revision of a case's advisory; `content` is the edited JSON (encrypted at rest).

    `status`: draft, approved (two approvers), published, or superseded (a newer revision was
    drafted before this one was published). `csaf_version` is set when published.
    """

    id: int
    case: CaseKey
    unit: UnitId
    number: int
    content: str
    sha256: str
    tlp: str
    status: str
    created_at: dt.datetime
    created_by: str
    approvals: tuple[Approval, ...] = ()
    published_at: dt.datetime | None = None
    published_by: str | None = None
    csaf_version: str | None = None

    @property
    def approvers(self) -> tuple[str, ...]:
        return tuple(a.actor for a in self.approvals)

    @property
    def ref(self) -> str:
        return f"{self.case}/advisory/r{self.number}"


class AdvisoryRepository(Protocol):
    def add(
        self,
        case: CaseKey,
        unit: UnitId,
        content: str,
        sha256: str,
        tlp: str,
        at: dt.datetime,
        by: str,
        cve: str | None = None,
    ) -> AdvisoryRecord: ...
    def revisions(self, case: CaseKey) -> list[AdvisoryRecord]: ...
    def approve(self, revision_id: int, actor: str, unit: str | None, at: dt.datetime) -> None: ...
    def set_status(self, revision_id: int, status: str) -> None: ...
    def mark_published(
        self, revision_id: int, at: dt.datetime, by: str, csaf_version: str
    ) -> None: ...
    def published(self, limit: int = 1000) -> list[AdvisoryRecord]: ...


class AdvisorySite(Protocol):
    """Where published advisories go: the CSAF provider tree and the OSV and CVE files."""

    def publish(self, document: str, extra: Mapping[str, str], now: dt.datetime) -> TreeEntry: ...
