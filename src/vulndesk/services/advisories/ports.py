"""Ports and records of advisories: revisions kept encrypted, and the site they publish to."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

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


class CveState(StrEnum):
    """The state of a CVE id at CVE Services, as the case keeps it."""

    RESERVED = "reserved"
    PUBLISHED = "published"
    REJECTED = "rejected"


@dataclass(frozen=True, slots=True)
class CveIdRecord:
    """A CVE id reserved for a case, its state, who moved it and when, and the last answer
    CVE Services gave about it (JSON text, encrypted at rest)."""

    id: int
    cve_id: str
    case: CaseKey
    unit: UnitId
    year: int
    state: CveState
    reserved_at: dt.datetime
    reserved_by: str
    published_at: dt.datetime | None = None
    published_by: str | None = None
    updated_at: dt.datetime | None = None
    updated_by: str | None = None
    rejected_at: dt.datetime | None = None
    rejected_by: str | None = None
    reason: str | None = None
    answer: str = ""
    answered_at: dt.datetime | None = None


class CveIdRepository(Protocol):
    def add(
        self,
        case: CaseKey,
        unit: UnitId,
        cve_id: str,
        year: int,
        at: dt.datetime,
        by: str,
        answer: str,
    ) -> CveIdRecord: ...
    def for_case(self, case: CaseKey) -> list[CveIdRecord]: ...
    def get(self, cve_id: str) -> CveIdRecord | None: ...
    def mark(
        self,
        record_id: int,
        action: str,
        at: dt.datetime,
        by: str,
        answer: str,
        reason: str | None = None,
    ) -> None:
        """`action`: published, updated or rejected (the state follows)."""


@dataclass(frozen=True, slots=True)
class Reservation:
    """The ids CVE Services reserved (maybe fewer than asked: a partial reservation) and its
    answer about each id (JSON text), keyed by id."""

    ids: tuple[str, ...]
    answers: Mapping[str, str]
    partial: bool = False


class CveServices(Protocol):
    """The CNA's account at CVE Services (reserve ids; publish, update and reject records).

    Every method raises a domain error naming the fix: InvalidInput for bad credentials or a
    record CVE Services refuses, GuardFailed for quota and state refusals, Conflict for a
    record that already exists, Unavailable when the service cannot be reached.
    Each answer is CVE Services' JSON reply as text.
    """

    def reserve(self, amount: int, year: int) -> Reservation: ...
    def publish(self, cve_id: str, container: Mapping[str, Any]) -> str: ...
    def update(self, cve_id: str, container: Mapping[str, Any]) -> str: ...
    def reject(self, cve_id: str, container: Mapping[str, Any], published: bool) -> str: ...
