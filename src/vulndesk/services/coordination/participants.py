"""Use cases: invite an outside organisation to a case, list the participants, declare the
package URLs a party makes, and send a participant the case's shared view."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from vulndesk.domain import values
from vulndesk.domain.audit_tags import AuditTag
from vulndesk.domain.coordination import Contact, Participant, ParticipantRole, board
from vulndesk.domain.embargo import fold, show_instant
from vulndesk.domain.errors import InvalidInput
from vulndesk.domain.ids import PartyId, parse_case_key
from vulndesk.domain.ledger import LedgerEntry
from vulndesk.rules.matching import parse_purl
from vulndesk.services.access import rights as access
from vulndesk.services.access.rights import (
    CASE_READERS,
    CASE_WRITERS,
    REFERENCE_WRITERS,
    Principal,
)
from vulndesk.services.context import Deps
from vulndesk.services.coordination import sharing, watermark
from vulndesk.services.ports import UnitOfWork

MAX_PEOPLE = 20


def parse_person(field: str, text: str) -> Contact:
    """`Name <address>` or a bare address."""
    raw = text.strip()
    if raw.endswith(">") and "<" in raw:
        name, _, rest = raw.rpartition("<")
        address = values.email(field, rest[:-1])
        return Contact(values.text(field, name.strip() or address, max_len=200), address)
    address = values.email(field, raw)
    return Contact(address, address)


def invite(
    deps: Deps,
    principal: Principal,
    case: str,
    party: str,
    role: str,
    people: Sequence[str],
) -> Participant:
    """Add a party to a coordinated case with one or more people; nothing is sent yet."""
    key = access.check_case(deps, principal, case)
    principal.require(CASE_WRITERS, "write")
    chosen = ParticipantRole.parse("role", role)
    if not people:
        raise InvalidInput("person", "name at least one person", "Name <psirt@example.com>")
    if len(people) > MAX_PEOPLE:
        raise InvalidInput("person", f"{len(people)} people", f"at most {MAX_PEOPLE}")
    contacts = tuple(parse_person("person", p) for p in people)
    now = deps.clock.now()
    with deps.uow() as uow:
        found = uow.parties.get(PartyId(party.strip()))
        added = uow.coordination.add_participant(
            key, found.id, chosen, contacts, now, principal.name
        )
        uow.audit.append(
            principal.event(
                now,
                AuditTag.CASE_COORD_PARTICIPANT_INVITED,
                "case",
                key,
                (),
                participant=str(added.id),
                party=found.id,
                role=chosen.value,
            )
        )
        uow.commit()
    return added


@dataclass(frozen=True, slots=True)
class ParticipantRow:
    participant: Participant
    party_name: str
    party_kind: str
    country: str


def participants(deps: Deps, principal: Principal, case: str) -> list[ParticipantRow]:
    key = access.check_case(deps, principal, case)
    principal.require(CASE_READERS)
    with deps.reader() as uow:
        rows = []
        for p in uow.coordination.participants(key):
            party = uow.parties.get(p.party)
            rows.append(ParticipantRow(p, party.name, party.kind.value, party.country))
        return rows


def set_party_purls(
    deps: Deps, principal: Principal, party: str, purls: Sequence[str]
) -> tuple[str, ...]:
    """Record the package URLs `party` makes (replacing the earlier list)."""
    principal.require(REFERENCE_WRITERS, "write")
    cleaned = tuple(dict.fromkeys(parse_purl("purl", p).to_string() for p in purls))
    now = deps.clock.now()
    with deps.uow() as uow:
        found = uow.parties.get(PartyId(party.strip()))
        uow.coordination.set_party_purls(found.id, cleaned)
        uow.audit.append(
            principal.event(
                now,
                AuditTag.REF_PARTY_PURLS_SET,
                "party",
                found.id,
                (),
                purls=str(len(cleaned)),
            )
        )
        uow.commit()
    return cleaned


@dataclass(frozen=True, slots=True)
class SharedView:
    """What one participant sees: title, the fields its policy allows, approved statuses, the
    embargo; `withheld` names the fields its policy keeps from it (never their content)."""

    case: str
    participant: int
    party: str
    title: str
    fields: dict[str, str]
    withheld: tuple[str, ...]
    statuses: tuple[tuple[str, str, str], ...]  # (party, product, status)
    embargo: str | None
    # The document as the recipient gets it, watermarked for them (decision 0047), and its ref.
    stamped: str = ""
    ref: str = ""

    def export(self) -> dict[str, Any]:
        """The view as a JSON export (before its watermark)."""
        return {
            "case": self.case,
            "participant": self.participant,
            "party": self.party,
            "title": self.title,
            "fields": dict(self.fields),
            "withheld": list(self.withheld),
            "statuses": [list(s) for s in self.statuses],
            "embargo": self.embargo,
        }

    def text(self) -> str:
        lines = [f"{self.case}: {self.title}", ""]
        lines += [f"{name}: {value}" for name, value in sorted(self.fields.items())]
        if self.withheld:
            lines.append(f"withheld by your disclosure policy: {', '.join(self.withheld)}")
        for party, product, status in self.statuses:
            lines.append(f"status {party} {product}: {status}")
        if self.embargo:
            lines.append(f"embargo until {self.embargo}")
        return "\n".join(lines) + "\n"


def view_in(deps: Deps, u: UnitOfWork, case_key: str, participant_id: int) -> SharedView:
    found = u.cases.get(parse_case_key(case_key))
    p = sharing.participant_of(u, found.key, participant_id)
    fields = sharing.visible_fields(u, found, p)
    everyone = u.coordination.participants(found.key)
    names = {x.id: str(x.party) for x in everyone}
    approved = [s for s in u.coordination.statements(found.key) if s.approved]
    cells = board(everyone, (), approved)
    statuses = tuple((names[c.participant], c.product, c.status.value) for c in cells)
    embargo = fold(u.coordination.embargo_events(found.key))
    shown = (
        show_instant(embargo.end, embargo.zone)
        if embargo.end is not None
        and embargo.zone is not None
        and embargo.in_force(deps.clock.now())
        else None
    )
    have = {n for n, t in found.details.items() if t.strip()}
    return SharedView(
        found.key,
        p.id,
        str(p.party),
        found.title,
        {n: found.details[n] for n in sorted(fields)},
        tuple(sorted(have - fields)),
        statuses,
        shown,
    )


def recipient_of(participant: Participant) -> str:
    """Whom a participant's copy is watermarked for: its people, `Name <address>` each."""
    return ", ".join(
        c.address if c.name == c.address else f"{c.name} <{c.address}>" for c in participant.people
    )


def _stamped(
    deps: Deps,
    principal: Principal,
    uow: UnitOfWork,
    view: SharedView,
    kind: str,
    format: str,
) -> SharedView:
    p = sharing.participant_of(uow, view.case, view.participant)
    plain = view.text()
    document = json.dumps(view.export(), ensure_ascii=False) if format == "json" else plain
    done = watermark.issue(
        deps, principal, uow, view.case, p.id, recipient_of(p), document, kind, format
    )
    return replace(view, stamped=done.text, ref=done.ref)


def shared_view(
    deps: Deps, principal: Principal, case: str, participant: int, format: str = "text"
) -> SharedView:
    """Preview or download what a participant would be sent (nothing leaves; the read is
    audited and the copy watermarked for the participant, `format` text or json)."""
    key = access.check_case(deps, principal, case)
    principal.require(CASE_READERS)
    now = deps.clock.now()
    with deps.uow() as uow:
        view = view_in(deps, uow, key, participant)
        kind = "preview" if format == "text" else f"preview-{format}"
        view = _stamped(deps, principal, uow, view, kind, format)
        uow.audit.append(
            principal.event(
                now,
                AuditTag.CASE_DETAILS_READ,
                "case",
                key,
                tuple(sorted(view.fields)),
                participant=str(participant),
                watermark=view.ref,
            )
        )
        uow.commit()
    return view


def share(
    deps: Deps, principal: Principal, case: str, participant: int
) -> tuple[SharedView, LedgerEntry]:
    """Send a participant the shared view: the disclosure guard judges it, the ledger keeps it
    (an upstream supplier's is the Art. 7(1) `upstream-notice`)."""
    key = access.check_case(deps, principal, case)
    principal.require(CASE_WRITERS, "write")
    now = deps.clock.now()
    with deps.uow() as uow:
        view = _stamped(deps, principal, uow, view_in(deps, uow, key, participant), "share", "text")
        found = uow.cases.get(key)
        p = sharing.participant_of(uow, key, participant)
        entry = sharing.tell(
            deps,
            principal,
            uow,
            found,
            p,
            view.stamped,
            tuple(view.fields),
            sharing.notice_kind(p),
        )
        uow.audit.append(
            principal.event(
                now,
                AuditTag.CASE_COORD_VIEW_SHARED,
                "case",
                key,
                tuple(sorted(view.fields)),
                participant=str(participant),
                ledger=entry.ref,
                watermark=view.ref,
            )
        )
        uow.commit()
    return view, entry
