"""Mail for what needs a person, beside the console's bell: an approval waiting for them and a
reporter's new message, on the cases they own or are a member of (decision 0043).

The act that causes one (a draft or a waiver proposed, a reporter's message) queues one outbox
row per person in its own transaction, under `need.<kind>/<case>/<person>/<item>`, so a replay
never doubles one. Who gets it: an active account with an e-mail address that may read the
case (need-to-know), owns it or is a member, has not turned that kind off, and did not cause it
(the drafter, the proposer and anyone who approved already are never asked to approve).

Coalescing: a person is mailed once per case and kind while what they were told about still
waits: no new approval mail while an earlier approval on the case still waits for them (a new
version of a draft counts as the one it replaces), no new message mail while the reporter's
earlier message is still unanswered. The worker checks again when it sends: an item approved,
answered or out of the person's reach by then is not mailed.

Subjects are fixed: `[vulndesk] <case key>` and a label, as for escalations. Bodies, in English
and Chinese, name the case and link to its console page; never the case's own words.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Callable
from dataclasses import dataclass

from vulndesk.domain.accounts import User
from vulndesk.domain.audit_tags import AuditTag
from vulndesk.domain.drafts import DraftRecord, DraftStatus
from vulndesk.domain.errors import NotFound
from vulndesk.domain.ids import CaseKey, parse_case_key
from vulndesk.services.access import rights as access
from vulndesk.services.background.ports import OutboxMessage
from vulndesk.services.context import Acts
from vulndesk.services.notify.ports import NoticeSender, OutgoingMail
from vulndesk.services.ports import UnitOfWork

APPROVAL, MESSAGE = "need.approval", "need.message"
WAIVER = "waiver"
REPORTER = "reporter"
Handler = Callable[[UnitOfWork, OutboxMessage, dt.datetime, Acts], str | None]

# Fixed subject labels; the case key is the only variable part, as in escalation mail.
_LABELS = {APPROVAL: "approval waiting", MESSAGE: "new reporter message"}
_ANCHORS = {APPROVAL: "drafts", MESSAGE: "messages"}


def subject(kind: str, case: str) -> str:
    """`[vulndesk] VD-2026-0001 approval waiting`: the case key and a fixed label."""
    return f"[vulndesk] {parse_case_key(case)} {_LABELS[kind]}"


@dataclass(frozen=True, slots=True)
class Waiting:
    """One item awaiting approval: a draft version (`ref`) or a waiver (`waiver:<id>`)."""

    item: str
    asked_by: frozenset[str]  # who may not approve it: its drafter, its proposer, approvers


def may_read(uow: UnitOfWork, user: User, key: CaseKey) -> bool:
    """Need-to-know: an all-cases role, or a member role and membership of the case."""
    if user.roles & access.ALL_CASES:
        return True
    return bool(user.roles & access.MEMBER_CASES) and key in uow.accounts.member_cases(user.name)


def people(uow: UnitOfWork, key: CaseKey, kind: str) -> list[User]:
    """Active owners and members of the case with an address, case access and the kind on."""
    try:
        case = uow.cases.get(key)
    except NotFound:
        return []
    names = dict.fromkeys([*([case.owner] if case.owner else []), *case.members])
    found = []
    for name in names:
        user = uow.accounts.find_user(name)
        if user is None or user.disabled or not user.email:
            continue
        wanted = user.mail_approvals if kind == APPROVAL else user.mail_messages
        if wanted and may_read(uow, user, key):
            found.append(user)
    return found


def _draft_waiting(d: DraftRecord) -> Waiting:
    return Waiting(d.ref, frozenset({d.draft.created_by, *d.approvers}))


def waiting(uow: UnitOfWork, key: CaseKey) -> list[Waiting]:
    """Drafts and waivers of the case that still wait for approval."""
    out = [
        _draft_waiting(d) for d in uow.reports.drafts_for_case(key) if d.status is DraftStatus.DRAFT
    ]
    out += [
        Waiting(f"{WAIVER}:{d.id}", frozenset(d.approvers))
        for d in uow.reports.decisions_for(key)
        if d.kind == WAIVER and not d.approved
    ]
    return out


def _enqueue(
    uow: UnitOfWork, kind: str, key: CaseKey, user: User, item: str, now: dt.datetime
) -> bool:
    payload = {"case": str(key), "to": user.name, "item": item}
    return uow.outbox.enqueue(kind, f"{kind}/{key}/{user.name}/{item}", payload, now)


def queue_approval(
    uow: UnitOfWork,
    key: CaseKey,
    item: str,
    now: dt.datetime,
    replaced: DraftRecord | None = None,
) -> int:
    """In the transaction that stored `item` (a draft ref or `waiver:<id>`): queue a mail to
    each approver who may approve it and has nothing else waiting on the case. `replaced` is
    the waiting draft version this one supersedes: who was told about it is not told again."""
    items = {w.item: w for w in waiting(uow, key)}
    new = items.pop(item, None)
    if new is None:
        return 0
    earlier = [*items.values(), *([_draft_waiting(replaced)] if replaced else [])]
    queued = 0
    for user in people(uow, key, APPROVAL):
        if not user.roles & access.APPROVERS or user.name in new.asked_by:
            continue
        if any(user.name not in w.asked_by for w in earlier):
            continue  # an earlier approval on the case still waits for them: already told
        queued += _enqueue(uow, APPROVAL, key, user, item, now)
    return queued


def queue_message(uow: UnitOfWork, tracking: str, now: dt.datetime) -> int:
    """In the transaction that stored a reporter's message: queue a mail to each owner and
    member of its case, unless the reporter's previous message is still unanswered."""
    record = uow.intake.get(tracking)
    messages = uow.intake.messages(tracking)
    if not messages or messages[-1].author != REPORTER:
        return 0
    if len(messages) > 1 and messages[-2].author == REPORTER:
        return 0  # the mail about the earlier, still unanswered message covers this one
    key, index = CaseKey(record.case_key), len(messages) - 1
    return sum(
        _enqueue(uow, MESSAGE, key, u, f"{tracking}:{index}", now)
        for u in people(uow, key, MESSAGE)
    )


def _still_needed(uow: UnitOfWork, kind: str, key: CaseKey, user: User, item: str) -> str | None:
    """None when the mail is still due; otherwise why it is no longer sent."""
    if user.name not in {u.name for u in people(uow, key, kind)}:
        return "the person no longer receives this mail or may not see the case"
    if kind == APPROVAL:
        found = next((w for w in waiting(uow, key) if w.item == item), None)
        if found is None or user.name in found.asked_by:
            return "no longer waiting for this person"
        return None
    tracking = item.rpartition(":")[0]
    messages = uow.intake.messages(tracking)
    if not messages or messages[-1].author != REPORTER:
        return "already answered"
    return None


def text(kind: str, case: str, item: str, link: str) -> str:
    """English and Chinese: the case key, what waits and the console link; no case content."""
    key = parse_case_key(case)
    if kind == APPROVAL:
        what = item.replace(f"{WAIVER}:", "waiver / 豁免 #") if item.startswith(WAIVER) else item
        return (
            f"An approval waits for you on case {key}.\n"
            f"案件 {key} 有一项待您审批的事项。\n\n"
            f"Item / 事项: {what}\n"
            f"Open / 打开: {link}\n"
        )
    return (
        f"The reporter wrote a new message on case {key}.\n"
        f"报告者在案件 {key} 中发送了新消息。\n\n"
        f"Read and answer it in the console / 请在控制台中阅读并回复: {link}\n"
    )


def deliver(
    sender: NoticeSender,
    public_url: str,
    uow: UnitOfWork,
    msg: OutboxMessage,
    now: dt.datetime,
    actor: Acts,
) -> None:
    """Send one person's mail if it is still due; audit either way (same transaction)."""
    p = msg.payload
    key, name, item = CaseKey(str(p["case"])), str(p["to"]), str(p["item"])
    user = uow.accounts.find_user(name)
    why = "the account is gone" if user is None else _still_needed(uow, msg.kind, key, user, item)
    if why is not None or user is None:
        uow.audit.append(
            actor.event(
                now,
                AuditTag.WORKER_NEED_MAIL_SKIPPED,
                "case",
                key,
                kind=msg.kind,
                recipient=name,
                reason=why or "",
            )
        )
        return
    link = f"{public_url.rstrip('/')}/cases/{key}#{_ANCHORS[msg.kind]}"
    body = text(msg.kind, key, item, link)
    sender.mail(
        OutgoingMail(
            user.email, key, msg.kind, user.language or "en", body,
            f"<pre>{html.escape(body)}</pre>", msg.dedupe_key,
        )
    )  # fmt: skip
    uow.audit.append(
        actor.event(now, AuditTag.WORKER_NEED_MAILED, "case", key, kind=msg.kind, recipient=name)
    )


def handlers(sender: Callable[[], NoticeSender], public_url: str) -> dict[str, Handler]:
    """The outbox handlers; the sender is fetched when a message is handled."""

    def send(uow: UnitOfWork, msg: OutboxMessage, now: dt.datetime, actor: Acts) -> None:
        deliver(sender(), public_url, uow, msg, now, actor)

    return {APPROVAL: send, MESSAGE: send}
