"""The RMSV Art. 9 publication gate: pure checks of what a publication would make public."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
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

    def decided(self, kind: DecisionKind, subject: str = "") -> bool:
        """An approved decision of `kind` (on `subject`): one person's proposal lifts nothing."""
        return any(
            d.kind is kind and d.approved and (not subject or d.subject == subject)
            for d in self.decisions
        )


REMEDIATION_FIELDS = ("remediation", "workaround")
EXPLOIT_FIELDS = ("proof_of_concept", "exploit")
_CODE_SUFFIXES = (".py", ".sh", ".c", ".cpp", ".rb", ".pl", ".ps1", ".js", ".exe", ".elf", ".bin")
_EXPLOIT_NAME = re.compile(r"(exploit|poc|payload|shellcode|rce|metasploit|msf)", re.IGNORECASE)
_EXPLOIT_CONTENT = re.compile(
    r"(#!/|\\x90\\x90|shellcode|import socket|pwntools|from pwn import|msfvenom|"
    r"/bin/sh|struct\.pack\(|reverse.?shell)",
    re.IGNORECASE,
)
_RANK = {
    SeverityLevel.NONE: 0,
    SeverityLevel.LOW: 1,
    SeverityLevel.MEDIUM: 2,
    SeverityLevel.HIGH: 3,
    SeverityLevel.CRITICAL: 4,
}


def fix_or_assessment(p: PublicationInput) -> Check:
    art, cid = "RMSV 9(1)", "fix-before-publication"
    if p.facts & {FactKind.FIX_AVAILABLE, FactKind.MEASURES_TAKEN}:
        return Check(cid, art, Result.PASS, "a fix or preventive measure exists")
    if p.decided(DecisionKind.EARLY_PUBLICATION):
        return Check(
            cid, art, Result.PASS, "early publication: joint assessment recorded, MIIT and MPS told"
        )
    return Check(
        cid,
        art,
        Result.FAIL,
        "no fix yet: record fix_available or measures_taken, or an early_publication decision "
        "(joint assessment with the provider, reported to MIIT and MPS)",
    )


def remediation_published(p: PublicationInput) -> Check:
    art, cid = "RMSV 9(5)", "remediation-published-together"
    present = [f for f in REMEDIATION_FIELDS if p.included.get(f, "").strip()]
    if present:
        return Check(
            cid, art, Result.PASS, f"publishes {', '.join(present)} with the vulnerability"
        )
    return Check(cid, art, Result.FAIL, "the publication carries no remediation or workaround text")


def _attachment_problem(a: Attachment) -> Result:
    if a.flagged_exploit:
        return Result.FAIL
    if _EXPLOIT_CONTENT.search(a.head) or _EXPLOIT_NAME.search(a.name):
        return Result.FAIL
    if a.name.lower().endswith(_CODE_SUFFIXES):
        return Result.NEEDS_DECISION
    return Result.PASS


def no_exploit(p: PublicationInput) -> Check:
    art, cid = "RMSV 9(4)", "no-exploit-or-poc"
    fields = [f for f in EXPLOIT_FIELDS if p.included.get(f, "").strip()]
    if fields:
        return Check(
            cid,
            art,
            Result.FAIL,
            f"includes {', '.join(fields)}: exploit detail is never published",
        )
    if any(_EXPLOIT_CONTENT.search(t) for t in p.included.values()):
        return Check(cid, art, Result.FAIL, "the published text looks like exploit code")
    worst, named = Result.PASS, ""
    for a in p.attachments:
        found = _attachment_problem(a)
        if found is Result.NEEDS_DECISION and p.decided(DecisionKind.ATTACHMENT_CLEARED, a.name):
            found = Result.PASS
        if found.rank > worst.rank:
            worst, named = found, a.name
    if worst is Result.FAIL:
        return Check(cid, art, worst, f"attachment {named!r} is or looks like an exploit or PoC")
    if worst is Result.NEEDS_DECISION:
        return Check(
            cid,
            art,
            worst,
            f"attachment {named!r} is code: review it and record attachment_cleared",
        )
    return Check(cid, art, Result.PASS, "no exploit, PoC or exploit-like attachment")


def no_operator_details(p: PublicationInput) -> Check:
    art, cid = "RMSV 9(2)", "no-live-system-details"
    if p.included.get("operator_system_details", "").strip():
        return Check(cid, art, Result.FAIL, "includes details of an operator's live systems")
    if p.event_type:
        return Check(
            cid,
            art,
            Result.FAIL,
            "an event-type vulnerability in systems in use is never published",
        )
    if Role.NETWORK_OPERATOR in p.roles and not p.decided(DecisionKind.NO_OPERATOR_DETAILS):
        return Check(
            cid,
            art,
            Result.NEEDS_DECISION,
            "the case concerns systems the organisation operates: record no_operator_details after review",
        )
    return Check(cid, art, Result.PASS, "no details of live operator systems")


def outside_blackout(p: PublicationInput) -> Check:
    art, cid = "RMSV 9(6)", "outside-major-event-blackout"
    for b in p.blackouts:
        if b.covers(p.at):
            if p.decided(DecisionKind.MPS_CONSENT, b.name):
                return Check(cid, art, Result.PASS, f"inside {b.name!r}, with MPS consent recorded")
            return Check(
                cid,
                art,
                Result.FAIL,
                f"{p.at.isoformat()} falls in the major-event window {b.name!r} "
                f"({b.start.isoformat()} to {b.end.isoformat()}); MPS consent is needed",
            )
    return Check(cid, art, Result.PASS, "outside every major-event window")


def no_overseas_leak(p: PublicationInput) -> Check:
    art, cid = "RMSV 9(7)", "no-undisclosed-overseas-sharing"
    leaks = [
        s
        for s in p.shares
        if not s.is_provider
        and s.country.upper() != p.home.upper()
        and s.at < p.at
        and not p.decided(DecisionKind.OVERSEAS_EXCEPTION, s.recipient)
    ]
    if leaks:
        names = ", ".join(sorted({f"{s.recipient} ({s.country})" for s in leaks}))
        return Check(
            cid,
            art,
            Result.FAIL,
            f"undisclosed details went overseas before publication: {names}; record an "
            "overseas_exception decision naming each, approved by two people",
        )
    return Check(cid, art, Result.PASS, "nothing undisclosed went to overseas recipients")


def severity_not_exaggerated(p: PublicationInput) -> Check:
    art, cid = "RMSV 9(3)", "severity-not-exaggerated"
    if p.cvss_score is None:
        if p.stated_level is None:
            return Check(cid, art, Result.PASS, "no severity is stated")
        return Check(
            cid,
            art,
            Result.NEEDS_DECISION,
            "a severity is stated but there is no CVSS score to support it",
        )
    scored = SeverityLevel.from_score(p.cvss_score)
    stated = p.stated_level or scored
    if _RANK[stated] > _RANK[scored]:
        return Check(
            cid,
            art,
            Result.FAIL,
            f"states {stated.value} but CVSS {p.cvss_score} is {scored.value}",
        )
    return Check(
        cid, art, Result.PASS, f"states {stated.value}; CVSS {p.cvss_score} is {scored.value}"
    )


CHECKS: tuple[Callable[[PublicationInput], Check], ...] = (
    fix_or_assessment,
    no_operator_details,
    severity_not_exaggerated,
    no_exploit,
    remediation_published,
    outside_blackout,
    no_overseas_leak,
)


@dataclass(frozen=True, slots=True)
class GateResult:
    checks: tuple[Check, ...]

    @property
    def result(self) -> Result:
        return max((c.result for c in self.checks), key=lambda r: r.rank, default=Result.PASS)


def check_publication(p: PublicationInput) -> GateResult:
    """Run every Art. 9 check; the service refuses to publish unless the result is pass."""
    return GateResult(tuple(check(p) for check in CHECKS))
