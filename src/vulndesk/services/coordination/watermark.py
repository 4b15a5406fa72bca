"""Use cases: watermark a document for one recipient, and trace a leaked copy back to it.

`stamp` is what every export to a participant calls (the desk's shared view and its downloads,
the participant portal's exports): it issues a random token for that recipient, records who got
which token in which document (`coord_watermarks`, the recipient sealed) and returns the
document with a visible line and the invisible mark (domain/watermark.py, decision 0047).
`trace` finds the tokens or visible refs in a pasted text and names the recipient, for case
readers who may see that case only: for anyone else a watermark of a case they do not see is
"no watermark found", exactly as none.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
from dataclasses import dataclass

from vulndesk.domain import watermark as wm
from vulndesk.domain.audit_tags import AuditTag
from vulndesk.domain.errors import Conflict, InvalidInput
from vulndesk.domain.ids import CaseKey, parse_case_key
from vulndesk.domain.watermark import Watermark
from vulndesk.services.access import rights as access
from vulndesk.services.access.rights import CASE_READERS, Principal
from vulndesk.services.context import Deps
from vulndesk.services.coordination import sharing
from vulndesk.services.ports import UnitOfWork

FORMATS = ("text", "json")
MAX_TRACE_CHARS = 300_000
MAX_KIND = 40
_ATTEMPTS = 8


@dataclass(frozen=True, slots=True)
class Stamped:
    """A watermarked document and the short ref shown on its visible line."""

    text: str
    ref: str
    sha256: str


def _format_kind_recipient(format: str, kind: str, recipient: str) -> tuple[str, str]:
    """The checked format, the trimmed kind and the recipient's name on one line."""
    if format not in FORMATS:
        raise InvalidInput("format", f"{format!r}", "text or json")
    kind = kind.strip()
    if not kind or len(kind) > MAX_KIND:
        raise InvalidInput("kind", f"{kind[:60]!r}", f"a name of at most {MAX_KIND} characters")
    who = " ".join(recipient.split())
    if not who:
        raise InvalidInput("recipient", "empty", "the name of the person or account")
    return kind, who


def _check_document(format: str, document: str) -> None:
    """A JSON export must be a JSON text."""
    if format == "json":
        try:
            json.loads(document)
        except ValueError as exc:
            raise InvalidInput("document", "not JSON", "a JSON text, or format text") from exc


def _audit_issued(uow: UnitOfWork, actor: Principal, mark: Watermark) -> None:
    uow.audit.append(
        actor.event(
            mark.at,
            AuditTag.CASE_COORD_WATERMARK_ISSUED,
            "case",
            mark.case,
            (),
            participant=str(mark.participant),
            ref=mark.ref,
            kind=mark.kind,
            sha256=mark.document_sha256,
        )
    )


def issue(
    deps: Deps,
    actor: Principal,
    uow: UnitOfWork,
    case: str,
    participant_id: int,
    recipient: str,
    document: str,
    kind: str,
    format: str = "text",
) -> Stamped:
    """Watermark `document` for `recipient` of participant `participant_id` inside the caller's
    transaction (the caller commits): a fresh token, the row that traces it, an audit event."""
    kind, who = _format_kind_recipient(format, kind, recipient)
    key = parse_case_key(case)
    participant = sharing.participant_of(uow, key, participant_id)
    _check_document(format, document)
    now = deps.clock.now()
    for _ in range(_ATTEMPTS):
        token = secrets.token_bytes(wm.TOKEN_BYTES)
        line = wm.visible_line(who, str(participant.party), now, token)
        text = wm.stamper(format)(document, token, line)
        digest = hashlib.sha256(text.encode()).hexdigest()
        mark = Watermark(
            token=token.hex(),
            ref=wm.ref_of(token),
            case=str(key),
            participant=participant.id,
            party=str(participant.party),
            recipient=who,
            kind=kind,
            at=now,
            by=actor.name,
            document_sha256=digest,
        )
        try:
            uow.coordination.add_watermark(mark)
        except Conflict:
            continue  # the short ref of another token: draw again
        _audit_issued(uow, actor, mark)
        return Stamped(text, mark.ref, digest)
    raise Conflict("no free watermark reference; try again")  # pragma: no cover


def stamp(
    deps: Deps,
    actor: Principal,
    case: str,
    participant_id: int,
    recipient: str,
    document: str,
    kind: str,
    format: str = "text",
    uow: UnitOfWork | None = None,
) -> str:
    """The document watermarked for `recipient` (a person's name and address, or an account
    name) of participant `participant_id` of `case`: a visible line `Shared with ... · ref
    WM-...` and the invisible per-recipient token. `format` is `text` or `json` (a JSON text;
    every string carries the mark and the object a `watermark` field). Inside the caller's
    transaction when `uow` is given (the caller commits), else in one of its own. Rights are
    the caller's to check: this records and audits, it does not decide who may export."""
    if uow is not None:
        return issue(deps, actor, uow, case, participant_id, recipient, document, kind, format).text
    with deps.uow() as own:
        done = issue(deps, actor, own, case, participant_id, recipient, document, kind, format)
        own.commit()
    return done.text


@dataclass(frozen=True, slots=True)
class Found:
    """A watermark found in a text, and how: `invisible` (the token) or `ref` (visible only)."""

    mark: Watermark
    how: str


def _ordered(
    rows: list[Watermark], tokens: list[str], refs: list[str], seen: tuple[CaseKey, ...] | None
) -> list[Found]:
    """The rows of cases in `seen` (None: all): invisible tokens first, then refs, each in the
    order the text holds them."""
    found = [
        Found(m, "invisible" if m.token in tokens else "ref")
        for m in rows
        if seen is None or m.case in seen
    ]
    order = {t: i for i, t in enumerate(tokens)}
    order_ref = {r: i for i, r in enumerate(refs)}
    found.sort(
        key=lambda f: (
            f.how != "invisible",
            order.get(f.mark.token, order_ref.get(f.mark.ref, 0)),
        )
    )
    return found


def _audit_trace(
    uow: UnitOfWork, principal: Principal, now: dt.datetime, text: str, found: list[Found]
) -> None:
    """One event for the search, found or not, and one per case whose watermark was found."""
    uow.audit.append(
        principal.event(
            now,
            AuditTag.COORD_TRACE_SEARCHED,
            "coordination",
            "trace",
            (),
            found=str(len(found)),
            sha256=hashlib.sha256(text.encode()).hexdigest(),
        )
    )
    for f in found:
        uow.audit.append(
            principal.event(
                now,
                AuditTag.CASE_COORD_WATERMARK_TRACED,
                "case",
                f.mark.case,
                ("recipient",),
                participant=str(f.mark.participant),
                ref=f.mark.ref,
                how=f.how,
            )
        )


def trace(deps: Deps, principal: Principal, text: str) -> list[Found]:
    """The watermarks in a leaked text, of cases the principal may see (audited, found or not)."""
    principal.require(CASE_READERS)
    if len(text) > MAX_TRACE_CHARS:
        raise InvalidInput("text", f"{len(text)} characters", f"at most {MAX_TRACE_CHARS}")
    tokens = [t.hex() for t in wm.tokens_in(text)]
    refs = wm.refs_in(text)
    now = deps.clock.now()
    with deps.uow() as uow:
        rows = uow.coordination.watermarks(tokens, refs)
        seen = access.visible_cases(uow, principal)
        found = _ordered(rows, tokens, refs, seen)
        _audit_trace(uow, principal, now, text, found)
        uow.commit()
    return found
