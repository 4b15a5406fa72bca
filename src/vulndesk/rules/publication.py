"""The RMSV Art. 9 publication gate: pure checks of what a publication would make public."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from vulndesk.domain.cases import Role
from vulndesk.domain.facts import FactKind
from vulndesk.domain.severity import SeverityLevel
from vulndesk.rules.publication_model import MIN_DECISION_APPROVERS as MIN_DECISION_APPROVERS
from vulndesk.rules.publication_model import Attachment as Attachment
from vulndesk.rules.publication_model import Blackout as Blackout
from vulndesk.rules.publication_model import Check as Check
from vulndesk.rules.publication_model import Decision as Decision
from vulndesk.rules.publication_model import DecisionKind as DecisionKind
from vulndesk.rules.publication_model import PublicationInput as PublicationInput
from vulndesk.rules.publication_model import PublicationKind as PublicationKind
from vulndesk.rules.publication_model import Result as Result
from vulndesk.rules.publication_model import Share as Share
from vulndesk.rules.publication_model import VendorStatus as VendorStatus

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


def _vendor_says(p: PublicationInput) -> str:
    """The tracked vendor's approved statuses, product by product, for the gate's message."""
    said = []
    for v in p.vendor:
        if v.status == "fixed":
            said.append(f"{v.product} fixed in {', '.join(v.fixed_versions)}")
        elif v.status == "no_answer":
            said.append(f"{v.product}: no answer since {v.since:%Y-%m-%d %H:%M} UTC")
        else:
            said.append(f"{v.product}: {v.status.replace('_', ' ')}")
    return f"the vendor {p.vendor[0].party} states (approved): " + "; ".join(said)


def _vendor_fixed(p: PublicationInput) -> bool:
    """Every product the vendor speaks of is fixed or not affected, and one is fixed."""
    statuses = {v.status for v in p.vendor}
    return "fixed" in statuses and statuses <= {"fixed", "not_affected"}


def fix_or_assessment(p: PublicationInput) -> Check:
    art, cid = "RMSV 9(1)", "fix-before-publication"
    if p.facts & {FactKind.FIX_AVAILABLE, FactKind.MEASURES_TAKEN}:
        return Check(cid, art, Result.PASS, "a fix or preventive measure exists")
    if p.vendor and _vendor_fixed(p):
        return Check(cid, art, Result.PASS, _vendor_says(p))
    if p.decided(DecisionKind.EARLY_PUBLICATION):
        return Check(
            cid, art, Result.PASS, "early publication: joint assessment recorded, MIIT and MPS told"
        )
    told = f"; {_vendor_says(p)}" if p.vendor else ""
    return Check(
        cid,
        art,
        Result.FAIL,
        "no fix yet: record fix_available or measures_taken, or an early_publication decision "
        f"(joint assessment with the provider, reported to MIIT and MPS){told}",
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


def embargo_respected(p: PublicationInput) -> Check:
    art, cid = "RMSV 9(1) embargo", "coordinated-embargo-respected"
    if p.embargo_end is None or p.at >= p.embargo_end:
        return Check(cid, art, Result.PASS, "no coordinated embargo in force at that instant")
    ends = f"{p.embargo_end.isoformat()} ({p.embargo_zone or 'UTC'})"
    if p.decided(DecisionKind.EMBARGO_EARLY_PUBLICATION):
        return Check(
            cid, art, Result.PASS, f"before the embargo's end {ends}: two people decided why"
        )
    return Check(
        cid,
        art,
        Result.FAIL,
        f"the coordinated embargo runs until {ends}: wait, end or extend it, or record an "
        "embargo_early_publication decision saying why, approved by two people",
    )


CHECKS: tuple[Callable[[PublicationInput], Check], ...] = (
    fix_or_assessment,
    no_operator_details,
    severity_not_exaggerated,
    no_exploit,
    remediation_published,
    outside_blackout,
    no_overseas_leak,
    embargo_respected,
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
