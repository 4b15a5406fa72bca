"""Deadline escalations to people: the case's members and the unit's on-call address.

The sweep queues one `escalation` outbox row per crossed threshold (`worker.py`). Its handler,
`fan_out`, finds the recipients when it runs (each member's account e-mail, the unit's on-call
e-mail and webhook) and queues one `escalation.mail` or `escalation.webhook` row per recipient
under `<escalation key>/to/<channel>/<hash of the address>`, so a restart or a second worker
never doubles one. `deliver` sends one of them and records it with its recipient. An
escalation with no recipient at all is recorded as `undeliverable: no recipient` and its outbox
row fails with that reason: nothing calls it delivered.

Messages carry the case key, the obligation, the due instant and the percentage: never the
case's own words.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
from collections.abc import Callable
from dataclasses import dataclass

from vulndesk.domain.audit_tags import AuditTag
from vulndesk.domain.errors import NotFound
from vulndesk.domain.ids import CaseKey, parse_case_key
from vulndesk.domain.units import OrgUnit
from vulndesk.services.access import rights as access
from vulndesk.services.access.rights import CASE_READERS, Principal
from vulndesk.services.background.ports import Escalation, OutboxMessage
from vulndesk.services.context import Acts, Deps
from vulndesk.services.notify.ports import NoticeSender, OutgoingMail
from vulndesk.services.ports import CaseFilter, UnitOfWork

ESCALATION = "escalation"
MAIL, WEBHOOK = "escalation.mail", "escalation.webhook"
DELIVERED, UNDELIVERABLE = "delivered", "undeliverable: no recipient"
Handler = Callable[[UnitOfWork, OutboxMessage, dt.datetime, Acts], str | None]


@dataclass(frozen=True, slots=True)
class Recipient:
    """Where one escalation goes: `channel` email or webhook; `who` names an account or unit."""

    channel: str
    address: str
    who: str


def subject(case: str) -> str:
    """`[vulndesk] VD-2026-0001 deadline escalation`: the case key and a fixed label."""
    return f"[vulndesk] {parse_case_key(case)} deadline escalation"


def recipients(uow: UnitOfWork, key: CaseKey) -> list[Recipient]:
    """Active members with an e-mail address who want escalations by mail, then the unit's
    on-call e-mail and webhook."""
    try:
        case = uow.cases.get(key)
        unit = uow.units.get(case.unit)
    except NotFound:
        return []
    found: list[Recipient] = []
    for name in case.members:
        user = uow.accounts.find_user(name)
        if user is not None and not user.disabled and user.email and user.mail_escalations:
            found.append(Recipient("email", user.email, f"member:{name}"))
    if unit.on_call_email:
        found.append(Recipient("email", unit.on_call_email, f"on-call:{unit.id}"))
    if unit.on_call_webhook:
        found.append(Recipient("webhook", unit.on_call_webhook, f"on-call:{unit.id}"))
    unique: dict[tuple[str, str], Recipient] = {}
    for r in found:
        unique.setdefault((r.channel, r.address.lower()), r)
    return list(unique.values())


def _record(msg: OutboxMessage, now: dt.datetime, actor: Acts, **how: str | None) -> Escalation:
    p = msg.payload
    return Escalation(
        msg.dedupe_key,
        CaseKey(str(p["case"])),
        str(p["obligation"]),
        dt.datetime.fromisoformat(str(p["due_at"])),
        int(p["threshold"]),
        now,
        actor.name,
        how.get("status") or DELIVERED,
        how.get("recipient"),
        how.get("channel"),
    )


def fan_out(uow: UnitOfWork, msg: OutboxMessage, now: dt.datetime, actor: Acts) -> str | None:
    """Queue the escalation once per recipient; the reason it fails when there is none."""
    p = msg.payload
    case = CaseKey(str(p["case"]))
    found = recipients(uow, case)
    obligation, threshold = str(p["obligation"]), str(p["threshold"])
    if not found:
        if uow.escalations.add(_record(msg, now, actor, status=UNDELIVERABLE)):
            uow.audit.append(
                actor.event(
                    now,
                    AuditTag.WORKER_ESCALATION_UNDELIVERABLE,
                    "case",
                    case,
                    obligation=obligation,
                    threshold=threshold,
                )
            )
        return UNDELIVERABLE
    for r in found:
        digest = hashlib.sha256(r.address.lower().encode()).hexdigest()[:16]
        payload = {**p, "channel": r.channel, "to": r.address, "who": r.who}
        kind = MAIL if r.channel == "email" else WEBHOOK
        uow.outbox.enqueue(kind, f"{msg.dedupe_key}/to/{r.channel}/{digest}", payload, now)
    uow.audit.append(
        actor.event(
            now,
            AuditTag.WORKER_ESCALATION_QUEUED,
            "case",
            case,
            obligation=obligation,
            threshold=threshold,
            recipients=str(len(found)),
        )
    )
    return None


def text(p: dict[str, object]) -> str:
    """Keys and instants in English and Chinese: nothing a case's reporter or analyst wrote."""
    due = dt.datetime.fromisoformat(str(p["due_at"])).astimezone(dt.UTC)
    return (
        f"Case / 案件: {parse_case_key(str(p['case']))}\n"
        f"Obligation / 义务: {p['obligation']}\n"
        f"Due (UTC) / 截止时间 (UTC): {due.isoformat(timespec='seconds')}\n"
        f"Elapsed / 已用时间: {int(str(p['threshold']))}%\n"
    )


def _unit(uow: UnitOfWork, case: CaseKey) -> OrgUnit | None:
    try:
        return uow.units.get(uow.cases.get(case).unit)
    except NotFound:
        return None


def deliver(
    sender: NoticeSender, uow: UnitOfWork, msg: OutboxMessage, now: dt.datetime, actor: Acts
) -> None:
    """Send one recipient's escalation, then record it with its recipient (same transaction)."""
    p = dict(msg.payload)
    case, to, channel = CaseKey(str(p["case"])), str(p["to"]), str(p["channel"])
    unit = _unit(uow, case)
    body = text(p)
    if channel == "email":
        name = f"{unit.entity_name} PSIRT" if unit else ""
        sender.mail(
            OutgoingMail(
                to, case, ESCALATION, "en", body, f"<pre>{html.escape(body)}</pre>",
                msg.dedupe_key, name, (unit.contact_email or "") if unit else "",
            )
        )  # fmt: skip
    else:
        keys = ("case", "obligation", "due_at", "threshold")
        signed = {k: p[k] for k in keys} | {"event": ESCALATION, "delivery": msg.dedupe_key}
        sender.webhook(f"unit:{unit.id if unit else ''}", to, signed, now)
    if uow.escalations.add(_record(msg, now, actor, recipient=to, channel=channel)):
        uow.audit.append(
            actor.event(
                now, AuditTag.WORKER_ESCALATION_DELIVERED, "case", case,
                obligation=str(p["obligation"]), threshold=str(p["threshold"]),
                channel=channel, recipient=str(p["who"]),
            )
        )  # fmt: skip


def handlers(sender: Callable[[], NoticeSender]) -> dict[str, Handler]:
    """The per-recipient outbox handlers; the sender is fetched when a message is handled."""

    def send(uow: UnitOfWork, msg: OutboxMessage, now: dt.datetime, actor: Acts) -> None:
        deliver(sender(), uow, msg, now, actor)

    return {MAIL: send, WEBHOOK: send}


def recorded(deps: Deps, principal: Principal, limit: int = 100) -> list[Escalation]:
    """Escalations the worker recorded in the cases the principal may see, newest first."""
    principal.require(CASE_READERS)
    keys = access.case_filter(deps, principal, CaseFilter()).keys
    with deps.uow() as uow:
        return [e for e in uow.escalations.list(limit) if keys is None or e.case in keys]
