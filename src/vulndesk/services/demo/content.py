"""The demo organisation's content, read from a TOML file shipped with the package."""

from __future__ import annotations

import functools
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

DEFAULT = "acme.toml"


@dataclass(frozen=True, slots=True)
class CaseText:
    """What every demo case says about itself; `{title}` and `{cwe}` are the case's own."""

    evidence: str
    fact_source: str
    transition_reason: str
    # Why a closed demo case's remaining obligations do not apply (closing needs each resolved).
    closed_not_applicable: str
    details: Mapping[str, str]

    def details_of(self, title: str, cwe: str) -> dict[str, str]:
        return {k: v.format(title=title, cwe=cwe) for k, v in self.details.items()}


@dataclass(frozen=True, slots=True)
class CaseSeed:
    """One demo case: opened `aware_days_ago`, its facts (days ago) and its path of states."""

    title: str
    unit: str
    products: Mapping[str, tuple[str, ...]]
    severity: str
    cwe: str
    roles: tuple[str, ...]
    aware_days_ago: float
    facts: Mapping[str, float]
    path: tuple[str, ...]
    upstream_component: bool
    duplicate_of: str | None = None
    duplicate_reason: str = ""


@dataclass(frozen=True, slots=True)
class AccountSeed:
    """A demo account; `member` joins its unit's cases, `also_member_of` another unit's."""

    name: str
    role: str
    unit: str
    member: bool
    also_member_of: str | None = None

    @property
    def joins(self) -> str | None:
        return self.unit if self.member else self.also_member_of


@dataclass(frozen=True, slots=True)
class Filing:
    """A regulator report drafted, approved and recorded as submitted with the portal's receipt."""

    case: str
    report_kind: str
    recipient: str
    receipt: str


@dataclass(frozen=True, slots=True)
class DecisionSeed:
    """A decision (kind, fields, reason) recorded by one approver and approved by the other."""

    kind: str
    fields: tuple[str, ...]
    reason: str


@dataclass(frozen=True, slots=True)
class Notice:
    """A notice outside vulndesk's drafts and the decisions it needs first."""

    case: str
    recipient: str
    kind: str
    fields: tuple[str, ...]
    said: str
    channel: str
    decisions: tuple[DecisionSeed, ...] = ()


@dataclass(frozen=True, slots=True)
class History:
    """The disclosure history: who drafts and approves, the filings and the notices."""

    drafter: str
    approvers: tuple[str, str]
    filings: tuple[Filing, ...]
    notices: tuple[Notice, ...]


@dataclass(frozen=True, slots=True)
class AdvisorySeed:
    """The public advisory, its author, its two approvers and the decision it needs."""

    case: str
    author: str
    approvers: tuple[str, str]
    recipient: str
    decision: str
    reason: str
    content: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class CveSeed:
    """A CVE id of a case as CVE Services answered it: reserved, then maybe published or
    rejected (with the reason)."""

    case: str
    number: str
    reserved_by: str
    reserved_days_ago: float
    state: str = "reserved"
    by: str | None = None
    days_ago: float = 0.0
    reason: str = ""


@dataclass(frozen=True, slots=True)
class CveSeeds:
    """The CNA's short name and user at CVE Services, and the demo's CVE ids."""

    short_name: str
    user: str
    ids: tuple[CveSeed, ...]


@dataclass(frozen=True, slots=True)
class ParticipantSeed:
    """An invited party, its role, its people and what it said when accepting the embargo."""

    party: str
    role: str
    people: tuple[str, ...]
    accepts: str


@dataclass(frozen=True, slots=True)
class StatementSeed:
    """What a participant says of one product."""

    party: str
    product: str
    status: str
    statement: str
    justification: str | None = None
    fixed_versions: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class MessageSeed:
    """A message in the shared thread or in a participant's (its party's) private thread."""

    thread: str
    body: str


@dataclass(frozen=True, slots=True)
class DecisionFor:
    """A decision the disclosure guard needs before a recipient is told."""

    kind: str
    recipient: str
    fields: tuple[str, ...]
    reason: str


@dataclass(frozen=True, slots=True)
class PortalSeed:
    """One participant's person who signs in with an account of their own (decision 0045):
    invited by the lead, joined through the link; as that account it accepts the embargo,
    answers in its private thread and states a product (waiting for the case team's approval).
    `shared_to` is the party the lead then sends the shared view (a watermarked copy)."""

    party: str
    email: str
    name: str
    message: str
    product: str
    status: str
    statement: str
    shared_to: str
    justification: str | None = None
    fixed_versions: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class CoordinationSeed:
    """A coordinated case: its lead and second person, embargo, participants, statements
    and messages."""

    case: str
    lead: str
    second: str
    embargo_days: int
    embargo_time: str
    embargo_zone: str
    embargo_reason: str
    embargo_agreed: str
    deciders: tuple[str, str]
    decisions: tuple[DecisionFor, ...]
    participants: tuple[ParticipantSeed, ...]
    statements: tuple[StatementSeed, ...]
    messages: tuple[MessageSeed, ...]
    portal: PortalSeed


@dataclass(frozen=True, slots=True)
class Demo:
    """A whole demo organisation; units, parties and products are the use cases' arguments."""

    vendor: str
    email_domain: str
    cvss31: Mapping[str, str]
    case_text: CaseText
    units: tuple[Mapping[str, Any], ...]
    parties: tuple[Mapping[str, Any], ...]
    products: tuple[Mapping[str, Any], ...]
    cases: tuple[CaseSeed, ...]
    users: tuple[AccountSeed, ...]
    history: History
    advisory: AdvisorySeed
    cve: CveSeeds
    coordination: CoordinationSeed


def _tuples(table: Mapping[str, Any]) -> dict[str, Any]:
    """The table with its lists as tuples (and lists of lists as tuples of tuples)."""
    return {
        k: tuple(tuple(x) if isinstance(x, list) else x for x in v) if isinstance(v, list) else v
        for k, v in table.items()
    }


def _pair(names: list[str]) -> tuple[str, str]:
    """The two approvers a demo act needs (two people approve)."""
    if len(names) != 2:
        raise ValueError(f"the demo names {len(names)} approvers where two approve")
    return names[0], names[1]


def _case(table: Mapping[str, Any]) -> CaseSeed:
    products = {p: tuple(v) for p, v in table["products"].items()}
    return CaseSeed(**(_tuples(table) | {"products": products}))


def _notice(table: Mapping[str, Any]) -> Notice:
    decisions = tuple(DecisionSeed(**_tuples(d)) for d in table.get("decisions", ()))
    return Notice(**(_tuples(table) | {"decisions": decisions}))


def _history(table: Mapping[str, Any]) -> History:
    return History(
        drafter=table["drafter"],
        approvers=_pair(table["approvers"]),
        filings=tuple(Filing(**f) for f in table["filings"]),
        notices=tuple(_notice(n) for n in table["notices"]),
    )


def _advisory(table: Mapping[str, Any]) -> AdvisorySeed:
    content = dict(table["content"])
    content["statuses"] = tuple(tuple(s) for s in content.get("statuses", ()))
    content["references"] = tuple(tuple(r) for r in content.get("references", ()))
    return AdvisorySeed(
        **(_tuples(table) | {"content": content, "approvers": _pair(table["approvers"])})
    )


def _cve(table: Mapping[str, Any]) -> CveSeeds:
    return CveSeeds(
        short_name=table["short_name"],
        user=table["user"],
        ids=tuple(CveSeed(**i) for i in table["ids"]),
    )


def _coordination(table: Mapping[str, Any]) -> CoordinationSeed:
    return CoordinationSeed(
        **{
            k: v
            for k, v in table.items()
            if k
            not in ("participants", "statements", "messages", "deciders", "decisions", "portal")
        },
        deciders=_pair(table["deciders"]),
        decisions=tuple(DecisionFor(**_tuples(d)) for d in table["decisions"]),
        participants=tuple(ParticipantSeed(**_tuples(p)) for p in table["participants"]),
        statements=tuple(StatementSeed(**_tuples(s)) for s in table["statements"]),
        messages=tuple(MessageSeed(**m) for m in table["messages"]),
        portal=PortalSeed(**_tuples(table["portal"])),
    )


def parse(raw: Mapping[str, Any]) -> Demo:
    """The demo described by a parsed TOML document."""
    return Demo(
        vendor=raw["vendor"],
        email_domain=raw["email_domain"],
        cvss31=dict(raw["cvss31"]),
        case_text=CaseText(**raw["case_text"]),
        units=tuple(raw["units"]),
        parties=tuple(raw["parties"]),
        products=tuple(raw["products"]),
        cases=tuple(_case(c) for c in raw["cases"]),
        users=tuple(AccountSeed(**u) for u in raw["users"]),
        history=_history(raw["history"]),
        advisory=_advisory(raw["advisory"]),
        cve=_cve(raw["cve"]),
        coordination=_coordination(raw["coordination"]),
    )


@functools.cache
def read(name: str = DEFAULT) -> Demo:
    """The demo in the package's data file `name`."""
    text = resources.files(__package__).joinpath(name).read_text("utf-8")
    return parse(tomllib.loads(text))
