"""Notifications: who must be told of a case, notices queued per channel, delivered once, in the ledger.

`send` freezes each notice (the recipient's redacted view, in its language) and queues one outbox
row per recipient and channel under `<case>/notice/<kind>/<party>/<channel>/<sha256>`. The worker's
handler sends it, then records the ledger entry, marks the outbox row sent and recomputes the
case's clocks in one transaction. A crash after the SMTP or webhook call and before that commit
resends once (at-least-once); the Message-ID and X-Vulndesk-Delivery header (mail) and the signed
`delivery` field (webhook) carry the dedupe key so the receiver can drop the duplicate.

Approval: when a notice draft exists for that kind and recipient (`vulndesk report draft CASE
notice.users PARTY`), its newest version must be approved and still match what would be sent
now. Every notice then passes the disclosure guard (`services.disclosure_guard`): the
recipient's policy, equal dissemination, RMSV Art. 9(7) for an undisclosed case handled in
China, and two people's approval (the draft's, or a `release` decision) for a CSIRT.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass

from vulndesk.domain import drafts
from vulndesk.domain.audit_tags import AuditTag
from vulndesk.domain.cases import Case
from vulndesk.domain.drafts import DraftRecord
from vulndesk.domain.errors import GuardFailed, InvalidInput
from vulndesk.domain.ids import CaseKey
from vulndesk.domain.ledger import NewLedgerEntry
from vulndesk.domain.obligations import ObligationStatus
from vulndesk.domain.parties import Channel, ChannelKind, Party, PartyKind
from vulndesk.domain.policy import allowed_fields
from vulndesk.exporters.reports.model import ReportContext, contact_of, to_json
from vulndesk.exporters.reports.notices import Notice, build_notice
from vulndesk.exporters.reports.redaction import redact
from vulndesk.services.access import rights as access
from vulndesk.services.access.rights import (
    CASE_READERS,
    CASE_WRITERS,
    Principal,
)
from vulndesk.services.background.ports import OutboxMessage
from vulndesk.services.clocks import live as clocks
from vulndesk.services.context import Acts, Deps
from vulndesk.services.disclosure import exposure_alerts
from vulndesk.services.disclosure import guard as disclosure_guard
from vulndesk.services.disclosure.guard import recipient_of
from vulndesk.services.disclosure.ledger import DISCLOSURE_KINDS, classes_of
from vulndesk.services.notify.hq_notices import HQ_NOTICE as HQ_NOTICE
from vulndesk.services.notify.hq_notices import deliver_hq_notice
from vulndesk.services.notify.hq_notices import queue_hq_notices as queue_hq_notices
from vulndesk.services.notify.ports import NoticeMessage, NoticeSender, OutgoingMail
from vulndesk.services.notify.ports import ProductRecipient as ProductRecipient
from vulndesk.services.notify.recipients import ROLES as ROLES
from vulndesk.services.notify.recipients import Target, targets
from vulndesk.services.notify.recipients import parse_kind as parse_kind
from vulndesk.services.notify.recipients import recipients as recipients
from vulndesk.services.notify.recipients import subscribe as subscribe
from vulndesk.services.ports import UnitOfWork
from vulndesk.services.reports.drafts import load_draft, policy_for, sha256
from vulndesk.services.reports.rendering import field_values

NOTICE = "notice"
_CHANNELS = (ChannelKind.EMAIL, ChannelKind.WEBHOOK)
_LIVE = (ObligationStatus.OPEN, ObligationStatus.OVERDUE)
Handler = Callable[[UnitOfWork, OutboxMessage, dt.datetime, Acts], None]


@dataclass(frozen=True, slots=True)
class Planned:
    """One line of a plan: recipient, channel, notice kind, obligations met, or what blocks it."""

    kind: str
    party: str
    party_kind: str
    language: str
    channel: str | None
    address: str | None
    disclosure_kind: str
    obligations: tuple[str, ...]
    why: str
    blocked: str | None


@dataclass(frozen=True, slots=True)
class Queued:
    """What `send` did for one recipient and channel; `new` is False when queued before."""

    kind: str
    party: str
    channel: str | None
    key: str | None
    new: bool
    blocked: str | None = None


def _draft(uow: UnitOfWork, case: Case, t: Target) -> DraftRecord | None:
    """The approved notice draft that governs this notice, or None; raises when one blocks it."""
    kind = f"notice.{t.kind.value}"
    latest = uow.reports.latest_version(case.key, kind, t.party.id)
    if not latest:
        return None
    record = uow.reports.get_draft(case.key, kind, t.party.id, latest)
    drafts.check_sendable(record)
    return record


def _guarded(
    uow: UnitOfWork, builder: _Builder, case: Case, t: Target
) -> tuple[DraftRecord | None, Notice, disclosure_guard.Verdict]:
    """The governing draft and the notice, once the disclosure guard lets the notice leave."""
    draft = _draft(uow, case, t)
    notice = builder.notice(t, draft)
    fields = frozenset(notice.report.detail_fields)
    out = disclosure_guard.Outgoing(case, recipient_of(t.party), fields, "notice", draft)
    return draft, notice, disclosure_guard.require(uow, out)


class _Builder:
    """Builds each party's notice from the case redacted by that party's policy."""

    def __init__(self, uow: UnitOfWork, case: Case, now: dt.datetime) -> None:
        self.case, self.now = case, now
        self.unit = uow.units.get(case.unit)
        self.products = {a.product: uow.products.get(a.product) for a in case.products}
        self.policy = policy_for(uow, case.key)
        self.contact = contact_of(self.unit)

    def notice(self, t: Target, draft: DraftRecord | None) -> Notice:
        view = redact(self.case, allowed_fields(self.policy, t.party))
        ctx = ReportContext(view, self.products, self.unit, self.contact, t.party, self.now)
        notice = build_notice(ctx, t.kind)
        if draft is not None and field_values(draft.draft.content) != field_values(
            to_json(notice.report)
        ):
            raise GuardFailed("current", f"{draft.ref} no longer matches the case; draft again")
        return notice


def _content(notice: Notice, channel: ChannelKind, case: CaseKey) -> str:
    """The canonical JSON frozen and hashed: what the channel carries, without the build time."""
    if channel is ChannelKind.EMAIL:
        body: dict[str, object] = {
            "subject": notice.subject,
            "text": notice.text,
            "html": notice.html,
        }
    else:
        report = json.loads(to_json(notice.report))
        report.pop("generated_at", None)
        body = {
            "case": case,
            "kind": notice.kind.value,
            "language": notice.language,
            "subject": notice.subject,
            "text": notice.text,
            "report": report,
        }
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _channels(party: Party) -> list[Channel]:
    return [c for c in party.channels if c.kind in _CHANNELS]


def _selected(uow: UnitOfWork, case: Case, kind: str | None, party: str | None) -> list[Target]:
    wanted = parse_kind(kind) if kind else None
    found = [
        t
        for t in targets(uow, case)
        if (wanted is None or t.kind is wanted) and (party is None or t.party.id == party)
    ]
    if not found:
        raise InvalidInput(
            "recipient", f"no one to notify on {case.key} with these filters", "see notify plan"
        )
    return found


def plan(deps: Deps, principal: Principal, case: str) -> list[Planned]:
    """Who would be told, how, what each notice would meet, and what blocks it."""
    key = access.check_case(deps, principal, case)
    principal.require(CASE_READERS)
    now = deps.clock.now()
    with deps.uow() as uow:
        found = uow.cases.get(key)
        builder = _Builder(uow, found, now)
        obligations = uow.obligations.for_case(key)
        out = []
        for t in targets(uow, found):
            disclosure = DISCLOSURE_KINDS[f"notice.{t.kind.value}"]
            meets = tuple(
                o.id
                for o in obligations
                if o.status in _LIVE and o.obligation.satisfied_by.disclosure == disclosure
            )
            blocked = None
            try:
                _guarded(uow, builder, found, t)
            except GuardFailed as exc:
                blocked = exc.detail
            channels: list[Channel | None] = [*_channels(t.party)] or [None]
            blocked = blocked or (None if channels != [None] else "no email or webhook channel")
            out += [
                Planned(
                    t.kind.value,
                    t.party.id,
                    t.party.kind.value,
                    t.party.language,
                    c.kind.value if c else None,
                    c.address if c else None,
                    disclosure,
                    meets,
                    t.why,
                    blocked,
                )
                for c in channels
            ]
    return out


def send(
    deps: Deps,
    principal: Principal,
    case: str,
    kind: str | None = None,
    recipient: str | None = None,
) -> list[Queued]:
    """Freeze and queue the notices; blocked recipients are reported, the others queued."""
    key = access.check_case(deps, principal, case)
    principal.require(CASE_WRITERS, "write")
    actor = principal.acting()
    now = deps.clock.now()
    with deps.uow() as uow:
        found = uow.cases.get(key)
        builder = _Builder(uow, found, now)
        out: list[Queued] = []
        for t in _selected(uow, found, kind, recipient):
            try:
                draft, notice, verdict = _guarded(uow, builder, found, t)
            except GuardFailed as exc:
                out.append(Queued(t.kind.value, t.party.id, None, None, False, exc.detail))
                continue
            channels = _channels(t.party)
            if not channels:
                blocked = "no email or webhook channel"
                out.append(Queued(t.kind.value, t.party.id, None, None, False, blocked))
            approvers = verdict.approvers or (draft.approvers if draft else (actor.name,))
            out += [
                _queue(uow, actor, found, t, notice, c, draft, approvers, now) for c in channels
            ]
        if not any(q.key for q in out):
            raise GuardFailed("notify", "; ".join(f"{q.party}: {q.blocked}" for q in out))
        uow.commit()
    return out


def _queue(
    uow: UnitOfWork,
    actor: Acts,
    case: Case,
    t: Target,
    notice: Notice,
    channel: Channel,
    draft: DraftRecord | None,
    approvers: tuple[str, ...],
    now: dt.datetime,
) -> Queued:
    content = _content(notice, channel.kind, case.key)
    digest = sha256(content)
    dkey = f"{case.key}/notice/{t.kind.value}/{t.party.id}/{channel.kind.value}/{digest}"
    fields = tuple(sorted(notice.report.detail_fields))
    message = NoticeMessage(
        dkey,
        case.key,
        case.unit,
        t.kind.value,
        t.party.id,
        t.party.kind.value,
        channel.kind.value,
        channel.address,
        notice.language,
        content,
        digest,
        fields,
        classes_of(fields),
        draft.ref if draft else None,
        approvers,
        now,
        actor.name,
    )
    new = uow.notifications.add_message(message)
    if new:
        uow.outbox.enqueue(NOTICE, dkey, {"delivery": dkey}, now)
        uow.audit.append(
            actor.event(now, AuditTag.CASE_NOTICE_QUEUED, "notice", dkey, fields, case=case.key)
        )
    return Queued(t.kind.value, t.party.id, channel.kind.value, dkey, new)


def messages(deps: Deps, principal: Principal, case: str) -> list[NoticeMessage]:
    """The notices queued for a case the principal may see."""
    key = access.check_case(deps, principal, case)
    principal.require(CASE_READERS)
    with deps.uow() as uow:
        return uow.notifications.messages(key)


def deliver_notice(
    deps: Deps,
    sender: NoticeSender,
    uow: UnitOfWork,
    msg: OutboxMessage,
    now: dt.datetime,
    actor: Acts,
) -> None:
    """Send one frozen notice, then ledger entry, clocks and (by the caller) outbox sent: one commit."""
    m = uow.notifications.get_message(str(msg.payload["delivery"]))
    if m.sent_at is not None or m.content is None:
        return
    doc = json.loads(m.content)
    if m.channel == ChannelKind.EMAIL.value:
        unit = uow.units.get(m.unit)  # the reporting entity names itself in From
        mail = OutgoingMail(
            m.address, m.case, m.kind, m.language, doc["text"], doc["html"], m.key,
            f"{unit.entity_name} PSIRT", unit.contact_email or "",
        )  # fmt: skip
        receipt = sender.mail(mail)
    else:
        receipt = f"HTTP {sender.webhook(m.party, m.address, {**doc, 'delivery': m.key}, now)}"
    entry = NewLedgerEntry(
        m.case, m.unit, DISCLOSURE_KINDS[f"notice.{m.kind}"], m.party, m.party_kind, m.channel,
        now, m.draft_ref, receipt[:200], None, None, m.content, m.sha256, m.fields, m.classes,
        m.approvers, now, actor.name,
    )  # fmt: skip
    saved = uow.ledger.add(entry)
    exposure_alerts.after_disclosure(uow, saved)
    uow.notifications.mark_sent(m.key, now, saved.id)
    uow.audit.append(
        actor.event(
            now, AuditTag.CASE_LEDGER_RECORDED, "ledger", saved.ref, m.fields,
            case=m.case, kind=entry.disclosure_kind, sha256=m.sha256, delivery=m.key,
        )
    )  # fmt: skip
    if m.draft_ref:
        record = load_draft(uow, m.draft_ref)
        delivered = drafts.sent(record)
        if delivered.status != record.status:
            uow.reports.set_status(record.id, delivered.status)
    if m.party_kind in (PartyKind.REGULATOR.value, PartyKind.CSIRT.value):
        ref = m.draft_ref or f"{m.case}/notice.{m.kind}/{m.party}"
        uow.oversight.add_notice(now, m.case, "submitted", ref, m.party)
    clocks.recompute(deps, uow, uow.cases.get(m.case), now)


def handlers(deps: Callable[[], Deps], sender: Callable[[], NoticeSender]) -> dict[str, Handler]:
    """Outbox handlers by kind; dependencies are fetched when a message is handled."""

    def notice(uow: UnitOfWork, msg: OutboxMessage, now: dt.datetime, actor: Acts) -> None:
        deliver_notice(deps(), sender(), uow, msg, now, actor)

    def hq(uow: UnitOfWork, msg: OutboxMessage, now: dt.datetime, actor: Acts) -> None:
        deliver_hq_notice(sender(), uow, msg, now, actor)

    return {NOTICE: notice, HQ_NOTICE: hq}
