"""Coordinated disclosure with many parties: participants, their statuses, the embargo.

A case invites outside organisations (participants) that each play a role: the upstream
supplier (RMSV Art. 7(1)), a downstream maker (Art. 7(3)), a coordinator (CNCERT, a national
CSIRT), the finder, a customer. Each says, per product, whether it is affected; the case team
approves a statement before it is shared. A participant that has said nothing is shown as
"no answer since <instant>", never as "under investigation".

The embargo of a case is in `vulndesk.domain.embargo`; the threads' messages in
`vulndesk.domain.threads`. Everything here is pure: no I/O, instants always aware.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from vulndesk.domain.errors import InvalidInput
from vulndesk.domain.ids import PartyId


class ParticipantRole(StrEnum):
    """The part an outside organisation plays in a coordinated case."""

    UPSTREAM_SUPPLIER = "upstream_supplier"  # RMSV Art. 7(1): told at once
    DOWNSTREAM_MAKER = "downstream_maker"  # RMSV Art. 7(3)
    COORDINATOR = "coordinator"  # CNCERT, a national CSIRT, CERT/CC
    FINDER = "finder"
    CUSTOMER = "customer"

    @classmethod
    def parse(cls, field_: str, value: str) -> ParticipantRole:
        try:
            return cls(value.strip().lower().replace("-", "_"))
        except ValueError:
            raise InvalidInput(
                field_, f"{value!r} is not a participant role", ", ".join(r.value for r in cls)
            ) from None


@dataclass(frozen=True, slots=True)
class Contact:
    """One person of a participant: a name and a mail address."""

    name: str
    address: str


@dataclass(frozen=True, slots=True)
class Participant:
    """An organisation invited to a case, with its people; `party` names its disclosure policy."""

    id: int
    case: str
    party: PartyId
    role: ParticipantRole
    people: tuple[Contact, ...]
    invited_at: dt.datetime
    invited_by: str


class ProductStatus(StrEnum):
    """What a participant says of one product (CSAF product_status / VEX). `NO_ANSWER` is
    never stated: it is what a participant with no approved statement shows."""

    AFFECTED = "affected"
    NOT_AFFECTED = "not_affected"
    UNDER_INVESTIGATION = "under_investigation"
    FIXED = "fixed"
    NO_ANSWER = "no_answer"

    @classmethod
    def parse(cls, field_: str, value: str) -> ProductStatus:
        found = value.strip().lower().replace("-", "_")
        stated = [s for s in cls if s is not cls.NO_ANSWER]
        for status in stated:
            if status.value == found:
                return status
        raise InvalidInput(
            field_, f"{value!r} is not a status one can state", ", ".join(s.value for s in stated)
        )


class VexJustification(StrEnum):
    """Why a product is not affected: the CSAF 2.0 flag labels (= CISA VEX justifications)."""

    COMPONENT_NOT_PRESENT = "component_not_present"
    VULNERABLE_CODE_NOT_PRESENT = "vulnerable_code_not_present"
    VULNERABLE_CODE_CANNOT_BE_CONTROLLED_BY_ADVERSARY = (
        "vulnerable_code_cannot_be_controlled_by_adversary"
    )
    VULNERABLE_CODE_NOT_IN_EXECUTE_PATH = "vulnerable_code_not_in_execute_path"
    INLINE_MITIGATIONS_ALREADY_EXIST = "inline_mitigations_already_exist"

    @classmethod
    def parse(cls, field_: str, value: str) -> VexJustification:
        try:
            return cls(value.strip().lower().replace("-", "_"))
        except ValueError:
            raise InvalidInput(
                field_, f"{value!r} is not a VEX justification", ", ".join(j.value for j in cls)
            ) from None


@dataclass(frozen=True, slots=True)
class StatusStatement:
    """A participant's status of one product, as recorded; shared only once approved."""

    id: int
    participant: int
    product: str
    status: ProductStatus
    statement: str
    recorded_at: dt.datetime
    recorded_by: str
    justification: VexJustification | None = None
    fixed_versions: tuple[str, ...] = ()
    approved_at: dt.datetime | None = None
    approved_by: str | None = None

    @property
    def approved(self) -> bool:
        return self.approved_at is not None


def check_statement(
    status: ProductStatus,
    justification: VexJustification | None,
    fixed_versions: Sequence[str],
    statement: str,
) -> tuple[str, ...]:
    """The rules of one statement; returns the cleaned fixed versions or raises InvalidInput."""
    if status is ProductStatus.NO_ANSWER:
        raise InvalidInput("status", "no_answer is shown, never stated", "affected, ...")
    if status is ProductStatus.NOT_AFFECTED and justification is None:
        raise InvalidInput(
            "justification",
            "not_affected needs a VEX justification",
            ", ".join(j.value for j in VexJustification),
        )
    if status is not ProductStatus.NOT_AFFECTED and justification is not None:
        raise InvalidInput("justification", f"only not_affected takes one, not {status.value}")
    versions = tuple(dict.fromkeys(v.strip() for v in fixed_versions if v.strip()))
    if status is ProductStatus.FIXED and not versions:
        raise InvalidInput("fixed_versions", "fixed needs the versions that fix it", "e.g. 2.4.1")
    if status is not ProductStatus.FIXED and versions:
        raise InvalidInput("fixed_versions", f"only fixed takes versions, not {status.value}")
    if not statement.strip():
        raise InvalidInput("statement", "must not be empty", "what the participant said")
    return versions


@dataclass(frozen=True, slots=True)
class StatusCell:
    """What the board shows for one participant and product: the approved status (or
    `NO_ANSWER` since the invitation), and a newer statement still waiting for approval."""

    participant: int
    product: str
    status: ProductStatus
    since: dt.datetime
    current: StatusStatement | None = None
    pending: StatusStatement | None = None

    @property
    def silent(self) -> bool:
        return self.status is ProductStatus.NO_ANSWER


def board(
    participants: Iterable[Participant],
    products: Sequence[str],
    statements: Iterable[StatusStatement],
) -> list[StatusCell]:
    """One cell per participant and product (products stated but not listed included).

    The latest approved statement decides the status; a participant that never had one
    approved shows `NO_ANSWER` since it was invited, whatever it may have sent since."""
    latest: dict[tuple[int, str], StatusStatement] = {}
    waiting: dict[tuple[int, str], StatusStatement] = {}
    stated: dict[int, list[str]] = {}
    for s in sorted(statements, key=lambda s: (s.recorded_at, s.id)):
        key = (s.participant, s.product)
        stated.setdefault(s.participant, [])
        if s.product not in stated[s.participant]:
            stated[s.participant].append(s.product)
        if s.approved:
            latest[key] = s
            waiting.pop(key, None)
        else:
            waiting[key] = s
    cells: list[StatusCell] = []
    for p in participants:
        names = list(dict.fromkeys([*products, *stated.get(p.id, [])]))
        for product in names:
            found = latest.get((p.id, product))
            pending = waiting.get((p.id, product))
            if (
                pending is not None
                and found is not None
                and pending.recorded_at < found.recorded_at
            ):
                pending = None
            if found is None:
                cells.append(
                    StatusCell(p.id, product, ProductStatus.NO_ANSWER, p.invited_at, None, pending)
                )
            else:
                since = found.approved_at or found.recorded_at
                cells.append(StatusCell(p.id, product, found.status, since, found, pending))
    return cells


# --- participants' own accounts (decision 0045) ----------------------------------------


@dataclass(frozen=True, slots=True)
class Binding:
    """An account that speaks for one participant of one case (decision 0045)."""

    user: str
    case: str
    participant: int
    created_at: dt.datetime
    created_by: str


@dataclass(frozen=True, slots=True)
class Invitation:
    """A one-time invitation link, known by the SHA-256 of its token."""

    id: int
    user: str
    case: str
    participant: int
    created_by: str
    created_at: dt.datetime
    expires_at: dt.datetime
    used_at: dt.datetime | None
