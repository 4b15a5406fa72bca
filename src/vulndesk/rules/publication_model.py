"""What the publication gate judges: the publication, its attachments, the decisions, shares
and blackouts around it, and the result of one check."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from vulndesk.domain.cases import Role
from vulndesk.domain.errors import InvalidInput
from vulndesk.domain.facts import FactKind
from vulndesk.domain.severity import SeverityLevel


class PublicationKind(StrEnum):
    """What is made public: the chapeau of Art. 9 names platforms, media and conferences."""

    ADVISORY = "advisory"
    BLOG = "blog"
    TALK = "talk"

    @classmethod
    def parse(cls, field_: str, value: str) -> PublicationKind:
        try:
            return cls(value.strip().lower())
        except ValueError as exc:
            raise InvalidInput(
                field_, f"{value!r} is not a publication kind", ", ".join(k.value for k in cls)
            ) from exc


class Result(StrEnum):
    """Outcome of one check; the overall result is the worst of them."""

    PASS = "pass"  # noqa: S105 - an outcome, not a password
    NEEDS_DECISION = "needs-decision"
    FAIL = "fail"

    @property
    def rank(self) -> int:
        return {"pass": 0, "needs-decision": 1, "fail": 2}[self.value]


class DecisionKind(StrEnum):
    """Recorded human decisions that lift a check; each names its article."""

    EARLY_PUBLICATION = "early_publication"  # 9(1): joint assessment, reported to MIIT and MPS
    MPS_CONSENT = "mps_consent"  # 9(6): subject is the blackout window's name
    OVERSEAS_EXCEPTION = "overseas_exception"  # 9(7): subject is the recipient
    ATTACHMENT_CLEARED = "attachment_cleared"  # 9(4): subject is the attachment's file name
    NO_OPERATOR_DETAILS = "no_operator_details"  # 9(2): reviewed, no live-system details
    # 9(1) with a coordinated embargo: publishing before its end, and why (subject: the end)
    EMBARGO_EARLY_PUBLICATION = "embargo_early_publication"

    @classmethod
    def parse(cls, field_: str, value: str) -> DecisionKind:
        try:
            return cls(value.strip().lower().replace("-", "_"))
        except ValueError as exc:
            raise InvalidInput(
                field_, f"{value!r} is not a decision kind", ", ".join(k.value for k in cls)
            ) from exc


# A decision lifts a check only once this many different people have approved it.
MIN_DECISION_APPROVERS = 2


@dataclass(frozen=True, slots=True)
class Decision:
    """A recorded decision; `by` recorded it (its first approver), `approvers` in order."""

    kind: DecisionKind
    subject: str
    by: str
    at: dt.datetime
    note: str
    approvers: tuple[str, ...] = ()
    id: int = 0

    @property
    def approved(self) -> bool:
        return len(set(self.approvers)) >= MIN_DECISION_APPROVERS


@dataclass(frozen=True, slots=True)
class Blackout:
    """A major-event window kept by administrators (Art. 9(6)); `end` is exclusive."""

    name: str
    start: dt.datetime
    end: dt.datetime
    note: str = ""

    def covers(self, at: dt.datetime) -> bool:
        return self.start <= at < self.end


@dataclass(frozen=True, slots=True)
class Share:
    """Vulnerability information given to a named recipient before it was public."""

    recipient: str
    country: str
    at: dt.datetime
    is_provider: bool = False


@dataclass(frozen=True, slots=True)
class Attachment:
    name: str
    flagged_exploit: bool = False
    head: str = ""  # the first few kilobytes as text, for content heuristics


@dataclass(frozen=True, slots=True)
class Check:
    id: str
    article: str
    result: Result
    message: str


@dataclass(frozen=True, slots=True)
class VendorStatus:
    """Third-party mode: what the case's tracked vendor, invited as a participant, states of
    one product, as approved by a second person; `no_answer` while nothing is approved.
    `since` is the approval (or, for no answer, the invitation)."""

    party: str
    product: str
    status: str
    since: dt.datetime
    fixed_versions: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PublicationInput:
    """Everything the gate looks at, gathered by the service. `home` is the publisher's country."""

    case: str
    kind: PublicationKind
    at: dt.datetime
    roles: frozenset[Role]
    facts: frozenset[FactKind]
    included: dict[str, str]
    home: str = "CN"
    attachments: tuple[Attachment, ...] = ()
    blackouts: tuple[Blackout, ...] = ()
    decisions: tuple[Decision, ...] = ()
    shares: tuple[Share, ...] = ()
    event_type: bool = False
    stated_level: SeverityLevel | None = None
    cvss_score: float | None = None
    # The end of the coordinated embargo in force (active or being revised), with its zone.
    embargo_end: dt.datetime | None = None
    embargo_zone: str | None = None
    # Third-party mode: the tracked vendor's statuses on the coordination board (empty when the
    # case is not third-party, no vendor is tracked, or the vendor takes no part).
    vendor: tuple[VendorStatus, ...] = ()

    def decided(self, kind: DecisionKind, subject: str = "") -> bool:
        """An approved decision of `kind` (on `subject`): one person's proposal lifts nothing."""
        return any(
            d.kind is kind and d.approved and (not subject or d.subject == subject)
            for d in self.decisions
        )
