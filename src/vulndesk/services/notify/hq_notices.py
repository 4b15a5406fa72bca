"""Headquarters notices: one mail per new notice and subscriber, with keys and what happened
in English and Chinese, never the case's own words."""

from __future__ import annotations

import datetime as dt

from vulndesk.domain.audit_tags import AuditTag
from vulndesk.services.background.ports import OutboxMessage
from vulndesk.services.context import Acts, Deps
from vulndesk.services.notify.ports import NoticeSender, OutgoingMail
from vulndesk.services.ports import UnitOfWork
from vulndesk.services.reports.oversight import address_ref

HQ_NOTICE = "hq-notice"


def queue_hq_notices(deps: Deps, actor: Acts, batch: int = 200) -> int:
    """Queue one mail per new headquarters notice and subscriber (the worker runs this)."""
    now = deps.clock.now()
    queued = 0
    with deps.uow() as uow:
        subscribers = uow.oversight.subscribers()
        last = start = uow.notifications.hq_cursor()
        while True:
            items = uow.notifications.hq_notices_after(last, batch)
            for n in items:
                for s in subscribers:
                    payload = {"notice": n.id, "email": s.email}
                    queued += uow.outbox.enqueue(
                        HQ_NOTICE, f"hq-notice/{n.id}/{s.email}", payload, now
                    )
            last = items[-1].id if items else last
            if len(items) < batch:
                break
        if last != start:
            uow.notifications.set_hq_cursor(last)
            uow.commit()
    return queued


def hq_text(case: str, event: str, draft: str, recipient: str, at: dt.datetime) -> str:
    """Keys and what happened, in English and Chinese: never the case's own words."""
    when = at.astimezone(dt.UTC).isoformat(timespec="seconds")
    return (
        f"Case / 案件: {case}\nEvent / 事件: {event}\nDocument / 文件: {draft}\n"
        f"Recipient / 接收方: {recipient}\nAt / 时间 (UTC): {when}\n"
    )


def deliver_hq_notice(
    sender: NoticeSender, uow: UnitOfWork, msg: OutboxMessage, now: dt.datetime, actor: Acts
) -> None:
    n = uow.notifications.hq_notice(int(msg.payload["notice"]))
    text = hq_text(n.case, n.event, n.draft_ref, n.recipient, n.created_at)
    html = "<pre>" + text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") + "</pre>"
    to = str(msg.payload["email"])
    sender.mail(OutgoingMail(to, n.case, HQ_NOTICE, "en", text, html, msg.dedupe_key))
    uow.audit.append(
        actor.event(
            now,
            AuditTag.WORKER_HQ_NOTICE_MAILED,
            "hq_notice",
            str(n.id),
            to=address_ref(to),
            case=n.case,
        )
    )
