"""The disclosure guard: one check of whatever is about to leave, on every way out.

Report submissions, ledger records, notices, publication shares (and advisories) describe what
leaves as an `Outgoing` and call `require` inside their transaction. Checks, in this order:

    check                basis                     lifted by a decision two people approved
    policy               the recipient's policy    `exception` naming the fields
    equal-dissemination  equal dissemination       `justification` (of the draft, or without one)
    cross-border         RMSV Art. 9(7)            `cross-border`, or an `overseas_exception`
                                                   publication decision naming the recipient
    two-person           two-person approval       an approved draft or advisory, or `release` (or
                                                   `cross-border`) covering the fields

Equal dissemination: a government gets no detail another government or a customer did not get
or will not get (an approved draft), and a government abroad gets no detail before a government
of the handling unit's country that is due it (approved, not yet sent). Two-person approval
applies wherever a regulator, a CSIRT or the public receives anything. A decision naming fields
covers only those fields.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from vulndesk.domain import drafts
from vulndesk.domain.cases import Case
from vulndesk.domain.decisions import Decision
from vulndesk.domain.disclosure import DETAIL_FIELDS, Sensitivity
from vulndesk.domain.drafts import DraftRecord, DraftStatus
from vulndesk.domain.errors import GuardFailed
from vulndesk.domain.ids import CaseKey, PartyId, parse_case_key
from vulndesk.domain.parties import Party, PartyKind
from vulndesk.domain.policy import allowed_fields, compare_disclosure, compare_timing
from vulndesk.rules.publication import DecisionKind
from vulndesk.services.access import approvers
from vulndesk.services.accounts.users import AccountRole
from vulndesk.services.context import Acts, Deps
from vulndesk.services.ports import UnitOfWork
from vulndesk.services.reports.drafts import (
    CROSS_BORDER,
    EXCEPTION,
    JUSTIFICATION,
    RELEASE,
    detail_fields_known,
    policy_for,
)

POLICY, EQUAL, CROSS, TWO = "policy", "equal-dissemination", "cross-border", "two-person"
# RMSV Art. 9(7) binds cases handled by a unit in this country.
HOME = "CN"
DECISION_APPROVERS = frozenset({AccountRole.APPROVER, AccountRole.ADMIN})
_TWO_PERSON_KINDS = (PartyKind.REGULATOR, PartyKind.CSIRT, PartyKind.PUBLIC)


@dataclass(frozen=True, slots=True)
class Recipient:
    """Who receives: a party, or a named outsider (a publication share) with its country."""

    id: str
    country: str
    party: Party | None = None
    is_provider: bool = False

    @property
    def label(self) -> str:
        kind = self.party.kind.value if self.party else "recipient"
        return f"{self.id} ({kind}, {self.country})"


def recipient_of(party: Party) -> Recipient:
    return Recipient(party.id, party.country, party)


@dataclass(frozen=True, slots=True)
class Outgoing:
    """What is about to leave: detail fields of `case` to `recipient`, by `way`, maybe a draft."""

    case: Case
    recipient: Recipient
    fields: frozenset[str] = frozenset()
    way: str = "ledger"
    draft: DraftRecord | None = None
    # The approver accounts of an advisory revision (not a report draft) being published.
    approved_by: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Failure:
    """One failed check: its basis, what is wrong, and the decision that lifts it."""

    check: str
    basis: str
    message: str
    fix: str

    @property
    def text(self) -> str:
        return f"{self.check} ({self.basis}): {self.message}; to lift it: {self.fix}"


@dataclass(frozen=True, slots=True)
class Verdict:
    """Every failed check (none: it may leave) and the approved decisions relied on."""

    outgoing: Outgoing
    failures: tuple[Failure, ...]
    decisions: tuple[int, ...]
    approvers: tuple[str, ...]

    @property
    def allowed(self) -> bool:
        return not self.failures

    @property
    def reason(self) -> str:
        return "; ".join(f.text for f in self.failures)

    def require(self) -> Verdict:
        """Raise GuardFailed naming the first failed check (the message names all of them)."""
        if self.failures:
            raise GuardFailed(self.failures[0].check, self.reason)
        return self


def _fix(kind: str, out: Outgoing, fields: Iterable[str] = ()) -> str:
    named = "".join(f" --field {f}" for f in fields)
    case, who = out.case.key, out.recipient.id
    return (
        f"record a {kind} decision (vulndesk report decide {case} --kind {kind} "
        f"--recipient {who}{named} --reason ...; API POST /api/v1/cases/{case}/decisions) "
        "and have a second person approve it (vulndesk report decision-approve ID)"
    )


def _overseas_fix(out: Outgoing) -> str:
    case = out.case.key
    return (
        f"record an overseas_exception decision (vulndesk publication decide {case} "
        f'overseas_exception --subject "{out.recipient.id}" --note ...) and have a second '
        f"person approve it (vulndesk publication decision-approve {case} ID)"
    )


def _covers(d: Decision, fields: frozenset[str]) -> bool:
    return not d.fields or fields <= set(d.fields)


def _find(decisions: list[Decision], kinds: tuple[str, ...], out: Outgoing) -> Decision | None:
    fields = frozenset(detail_fields_known(tuple(out.fields)))
    for d in decisions:
        if (
            d.kind in kinds
            and d.recipient == out.recipient.id
            and d.approved
            and _covers(d, fields)
        ):
            return d
    return None


def is_provider(uow: UnitOfWork, case: Case, recipient: Recipient) -> bool:
    """The product's provider: a supplier of an affected product or component, or the vendor
    of a third-party case. Art. 9(7) lets the provider be told in any country."""
    if recipient.is_provider:
        return True
    supplier = recipient.party is None or recipient.party.kind is PartyKind.UPSTREAM_SUPPLIER
    for affected in case.products if supplier else ():
        product = uow.products.get(affected.product)
        if recipient.id in {*product.suppliers, *(c.supplier for c in product.components)}:
            return True
    vendor = uow.publication.vendor(case.key)
    return vendor is not None and vendor.vendor == recipient.id


def cross_border_problem(uow: UnitOfWork, case: Case, recipient: Recipient) -> str | None:
    """Why RMSV Art. 9(7) forbids this recipient while the case is undisclosed, or None."""
    unit = uow.units.get(case.unit)
    if unit.country != HOME or case.published or recipient.country == HOME:
        return None
    if is_provider(uow, case, recipient):
        return None
    return (
        f"{case.key} is undisclosed and handled in {HOME}; {recipient.id} "
        f"({recipient.country}) is outside China and not the product's provider"
    )


def received_by_others(
    uow: UnitOfWork, case: CaseKey, recipient: PartyId
) -> dict[Party, frozenset[str]]:
    """Detail fields every other recipient got (ledger) or will get (approved drafts)."""
    got: dict[PartyId, set[str]] = {}
    for entry in uow.ledger.list(case):
        got.setdefault(entry.entry.recipient, set()).update(detail_fields_known(entry.entry.fields))
    for d in uow.reports.drafts_for_case(case):
        if d.status in drafts.SENDABLE:
            got.setdefault(d.draft.recipient, set()).update(d.draft.fields)
    got.pop(recipient, None)
    return {uow.parties.get(p): frozenset(f) for p, f in got.items()}


def due_to_others(
    uow: UnitOfWork, case: CaseKey, recipient: PartyId
) -> dict[Party, frozenset[str]]:
    """Detail fields other recipients' approved drafts carry and the ledger has not sent them."""
    sent: dict[PartyId, set[str]] = {}
    for entry in uow.ledger.list(case):
        sent.setdefault(entry.entry.recipient, set()).update(entry.entry.fields)
    due: dict[PartyId, set[str]] = {}
    for d in uow.reports.drafts_for_case(case):
        if d.status == DraftStatus.APPROVED and d.draft.recipient != recipient:
            pending = set(d.draft.fields) - sent.get(d.draft.recipient, set())
            due.setdefault(d.draft.recipient, set()).update(pending)
    return {uow.parties.get(p): frozenset(f) for p, f in due.items() if f}


def _policy(uow: UnitOfWork, out: Outgoing, fields: frozenset[str]) -> Failure | None:
    party = out.recipient.party
    if party is None:
        return None
    beyond = sorted(fields - allowed_fields(policy_for(uow, out.case.key), party))
    if not beyond:
        return None
    secret = [f for f in beyond if DETAIL_FIELDS[f] is Sensitivity.SECRET]
    why = f" ({', '.join(secret)} secret: only by exception)" if secret else ""
    message = f"{out.recipient.label} may not receive {', '.join(beyond)}{why}"
    return Failure(POLICY, "disclosure policy", message, _fix(EXCEPTION, out, beyond))


def _equal(
    uow: UnitOfWork, out: Outgoing, fields: frozenset[str], decisions: list[Decision]
) -> tuple[Failure | None, Decision | None]:
    party = out.recipient.party
    if party is None or not party.kind.is_government:
        return None, None
    home = uow.units.get(out.case.unit).country
    findings = compare_disclosure(party, fields, received_by_others(uow, out.case.key, party.id))
    findings += compare_timing(party, fields, home, due_to_others(uow, out.case.key, party.id))
    if not findings:
        return None, None
    draft = out.draft.id if out.draft else None
    for d in decisions:
        if (
            d.kind == JUSTIFICATION
            and d.recipient == party.id
            and d.approved
            and d.draft_id == draft
        ):
            return None, d
    message = "; ".join(f.message for f in findings)
    fix = _fix(JUSTIFICATION, out)
    if out.draft is not None:
        fix = f"have two people justify {out.draft.ref} (vulndesk report justify {out.draft.ref})"
    return Failure(EQUAL, "equal dissemination", message, fix), None


def _cross_border(
    uow: UnitOfWork, out: Outgoing, decisions: list[Decision]
) -> tuple[Failure | None, Decision | None]:
    problem = cross_border_problem(uow, out.case, out.recipient)
    if problem is None:
        return None, None
    found = _find(decisions, (CROSS_BORDER,), out)
    if found is not None:
        return None, found
    names = {out.recipient.id, *((out.recipient.party.name,) if out.recipient.party else ())}
    for p in uow.publication.decisions(out.case.key):
        if p.kind is DecisionKind.OVERSEAS_EXCEPTION and p.approved and p.subject in names:
            return None, None
    fix = _fix(CROSS_BORDER, out) if out.recipient.party else _overseas_fix(out)
    return Failure(CROSS, "RMSV Art. 9(7)", problem, fix), None


def _two_person(
    out: Outgoing, decisions: list[Decision]
) -> tuple[Failure | None, tuple[str, ...], Decision | None]:
    party = out.recipient.party
    if party is None or party.kind not in _TWO_PERSON_KINDS:
        return None, (), None
    draft = out.draft
    if (
        draft is not None
        and draft.status in drafts.SENDABLE
        and drafts.two_persons(draft.approvers)
    ):
        return None, draft.approvers, None
    if drafts.two_persons(out.approved_by):
        return None, out.approved_by, None
    found = _find(decisions, (RELEASE, CROSS_BORDER), out)
    if found is not None:
        return None, found.approvers, found
    fields = sorted(detail_fields_known(tuple(out.fields)))
    message = (
        f"{out.recipient.label} is a government or the public: what it receives "
        f"({', '.join(fields) or 'no detail field'}) needs two different people's approval "
        "(an approved draft, or an approved release decision covering these fields)"
    )
    return Failure(TWO, "two-person approval", message, _fix(RELEASE, out, fields)), (), None


def check(uow: UnitOfWork, out: Outgoing) -> Verdict:
    """Apply every check to `out`; nothing is refused here (see `Verdict.require`)."""
    fields = frozenset(detail_fields_known(tuple(out.fields)))
    decisions = uow.reports.decisions_for(out.case.key)
    equal, justified = _equal(uow, out, fields, decisions)
    cross, permitted = _cross_border(uow, out, decisions)
    two, approvers, released = _two_person(out, decisions)
    failures = tuple(f for f in (_policy(uow, out, fields), equal, cross, two) if f is not None)
    used = tuple(sorted({d.id for d in (justified, permitted, released) if d is not None}))
    return Verdict(out, failures, used, approvers)


def require(uow: UnitOfWork, out: Outgoing) -> Verdict:
    """`check`, refusing with GuardFailed when any check fails."""
    return check(uow, out).require()


def require_approver(uow: UnitOfWork, actor: Acts) -> None:
    """The second person of a decision is a stored, active account with an approver role."""
    approvers.approving_account(uow, actor.name, DECISION_APPROVERS)


def check_party(
    deps: Deps, case: str, party: str, fields: frozenset[str], way: str = "advisory"
) -> Verdict:
    """The verdict on telling `party` these fields of `case` now, in a transaction of its own."""
    with deps.reader() as uow:
        found = uow.cases.get(parse_case_key(case))
        recipient = recipient_of(uow.parties.get(PartyId(party)))
        return check(uow, Outgoing(found, recipient, fields, way))
