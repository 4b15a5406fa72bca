"""Mail of coordinated disclosure (decision 0046): a new thread message, an embargo ended
early by a break, and an embargo that ends soon.

Who: on the desk's side the case's owner and members who may read the case and keep
`mail_messages` on (the choice that covers all message mail), never the author; an account
`@mentioned` in a message that may read the case is mailed even when it is neither owner nor
member nor wants message mail. On the participants' side the people listed on each
participant the mail concerns (the shared thread, a break and a reminder concern every
participant; a private thread its participant, and only when the desk wrote), each only
while the disclosure guard lets the case's coordination reach that participant.

Queued in the act's transaction, one outbox row per person; a thread's mails coalesce: at
most one pending mail per person, case and thread until the worker sends it. Recipients are
keyed `a:<account>` or `p<participant>:<sha256 of the address, 16 hex>`, so no address of a
participant's person is stored outside its sealed participant row. The worker checks again
when it sends (the person still listed or still with the case, the guard still passing, the
embargo still ending then) and audits each mail or skip naming the account or the
participant, never an address.

Subjects are fixed (`[vulndesk] <case key> <label>`). Bodies, in English and Chinese, name
the case, the thread or the instants of the embargo, and a link: the console's coordination
page for desk people, `<public URL>/shared/<case key>` for participants. A message's text,
where a break was seen and who reported it are never in the mail: no disclosure policy in
vulndesk says a recipient may receive case content by unencrypted mail.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from vulndesk.domain.accounts import User
from vulndesk.domain.audit_tags import AuditTag
from vulndesk.domain.coordination import Contact, Participant
from vulndesk.domain.embargo import EmbargoState, fold, show_instant
from vulndesk.domain.errors import NotFound
from vulndesk.domain.ids import CaseKey, parse_case_key
from vulndesk.services.background.ports import OutboxMessage
from vulndesk.services.context import Acts, Deps
from vulndesk.services.disclosure import guard
from vulndesk.services.notify import need_mail
from vulndesk.services.notify.ports import NoticeSender, OutgoingMail
from vulndesk.services.ports import UnitOfWork

MESSAGE, BREAK, REMINDER = "coord.message", "coord.break", "coord.reminder"
KINDS = (MESSAGE, BREAK, REMINDER)
SHARED = "shared"
REMINDER_DAYS = (7, 1)
Handler = Callable[[UnitOfWork, OutboxMessage, dt.datetime, Acts], str | None]

_LABELS = {
    MESSAGE: "new coordination message",
    BREAK: "embargo ended early",
    REMINDER: "embargo ends soon",
}
# `@name`: an account name after a space, a line start or punctuation (not inside an address).
MENTION = re.compile(r"(?<![\w@.+-])@([A-Za-z0-9][A-Za-z0-9._-]{0,99})")


def subject(kind: str, case: str) -> str:
    """`[vulndesk] VD-2026-0001 new coordination message`: the case key and a fixed label."""
    return f"[vulndesk] {parse_case_key(case)} {_LABELS[kind]}"


def mentions(text: str) -> tuple[str, ...]:
    """The account names `@mentioned` in a message, in order, each once."""
    return tuple(dict.fromkeys(m.group(1).rstrip("._-") for m in MENTION.finditer(text)))


def thread_name(thread: int | None) -> str:
    return SHARED if thread is None else str(thread)


def address_key(address: str) -> str:
    return hashlib.sha256(address.strip().lower().encode()).hexdigest()[:16]


def person_key(participant: int, person: Contact) -> str:
    return f"p{participant}:{address_key(person.address)}"


@dataclass(frozen=True, slots=True)
class Recipient:
    """One person to mail: a desk account (`account`) or a participant's listed person."""

    key: str
    account: User | None = None
    participant: Participant | None = None
    person: Contact | None = None
    mentioned: bool = False

    @property
    def label(self) -> str:
        """How the audit names them: the account, or the participant (never an address)."""
        if self.account is not None:
            return self.account.name
        return f"participant {self.participant.id if self.participant else '?'}"


def team(uow: UnitOfWork, key: CaseKey) -> list[User]:
    """Owners and members with the case, an address and message mail on (need_mail's rule)."""
    return need_mail.people(uow, key, need_mail.MESSAGE)


def mentioned_accounts(uow: UnitOfWork, key: CaseKey, names: Iterable[str]) -> list[User]:
    """Active desk accounts with an address among `names` that may read the case."""
    found = []
    for name in names:
        user = uow.accounts.find_user(name)
        if user is None or user.disabled or not user.email:
            continue
        if need_mail.may_read(uow, user, key):
            found.append(user)
    return found


def reachable(uow: UnitOfWork, key: CaseKey, participant: Participant) -> bool:
    """The disclosure guard lets the case's coordination reach this participant now."""
    case = uow.cases.get(key)
    party = uow.parties.get(participant.party)
    out = guard.Outgoing(case, guard.recipient_of(party), frozenset(), "coordination")
    return guard.check(uow, out).allowed


def _participant_people(
    uow: UnitOfWork, key: CaseKey, participants: Iterable[Participant]
) -> list[Recipient]:
    return [
        Recipient(person_key(p.id, c), participant=p, person=c)
        for p in participants
        if reachable(uow, key, p)
        for c in dict.fromkeys(p.people)
    ]


def _desk(users: Iterable[User], mentioned: Iterable[User], author: str) -> list[Recipient]:
    out: dict[str, Recipient] = {}
    for u in users:
        if u.name != author:
            out[u.name] = Recipient(f"a:{u.name}", account=u)
    for u in mentioned:
        if u.name != author and u.name not in out:
            out[u.name] = Recipient(f"a:{u.name}", account=u, mentioned=True)
    return list(out.values())


def message_recipients(
    uow: UnitOfWork,
    key: CaseKey,
    thread: int | None,
    author: str,
    *,
    from_participant: int | None = None,
    mentioned: Sequence[str] = (),
) -> list[Recipient]:
    """Who a new message in `thread` is mailed to (see the module docstring)."""
    desk = _desk(team(uow, key), mentioned_accounts(uow, key, mentioned), author)
    everyone = uow.coordination.participants(key)
    if thread is None:
        outside = [p for p in everyone if p.id != from_participant]
    elif from_participant is None:
        outside = [p for p in everyone if p.id == thread]
    else:
        outside = []
    return [*desk, *_participant_people(uow, key, outside)]


def queue_message(
    uow: UnitOfWork,
    case: str,
    thread: int | None,
    author: str,
    message_id: int,
    now: dt.datetime,
    *,
    from_participant: int | None = None,
    text: str = "",
) -> int:
    """In the transaction that stored message `message_id` of `thread` (None: shared): queue
    one mail per recipient unless one about this thread still waits for them. `author` is the
    account that wrote it (never mailed); `from_participant` the participant it came from
    (the portal), None when the desk wrote; `text` is read for `@mentions` only."""
    key = parse_case_key(case)
    name = thread_name(thread)
    queued = 0
    for r in message_recipients(
        uow, key, thread, author, from_participant=from_participant, mentioned=mentions(text)
    ):
        prefix = f"{MESSAGE}/{key}/{name}/{r.key}/"
        if uow.outbox.pending(prefix):
            continue  # coalesced: the mail still waiting tells them of this thread
        payload = {
            "case": str(key),
            "thread": name,
            "to": r.key,
            "message": message_id,
            "mentioned": r.mentioned,
        }
        queued += uow.outbox.enqueue(MESSAGE, f"{prefix}{message_id}", payload, now)
    return queued


def _everyone(uow: UnitOfWork, key: CaseKey, only: Iterable[int] | None = None) -> list[Recipient]:
    wanted = None if only is None else set(only)
    outside = [p for p in uow.coordination.participants(key) if wanted is None or p.id in wanted]
    return [*_desk(team(uow, key), (), ""), *_participant_people(uow, key, outside)]


def queue_break(
    uow: UnitOfWork, case: str, event_id: int, told: Iterable[int], now: dt.datetime
) -> int:
    """In the break's transaction: mail the case team and the people of every participant
    that was told of the break (those the guard refused are not mailed either)."""
    key = parse_case_key(case)
    return sum(
        uow.outbox.enqueue(
            BREAK,
            f"{BREAK}/{key}/{event_id}/{r.key}",
            {"case": str(key), "to": r.key, "event": event_id},
            now,
        )
        for r in _everyone(uow, key, told)
    )


def queue_reminders(
    uow: UnitOfWork, key: CaseKey, now: dt.datetime, days: Sequence[int] = REMINDER_DAYS
) -> int:
    """Queue the reminder of the nearest threshold crossed before an embargo in force ends:
    once per end and threshold (a new end arms them again); a threshold crossed together with
    a nearer one is skipped, so a short embargo is reminded once."""
    embargo = fold(uow.coordination.embargo_events(key))
    end = embargo.end
    if embargo.state not in (EmbargoState.ACTIVE, EmbargoState.REVISE) or end is None:
        return 0
    if now >= end:
        return 0
    crossed = [d for d in days if end - dt.timedelta(days=d) <= now]
    if not crossed:
        return 0
    nearest = min(crossed)
    stamp = end.astimezone(dt.UTC).isoformat()
    return sum(
        int(
            uow.outbox.enqueue(
                REMINDER,
                f"{REMINDER}/{key}/{stamp}/{nearest}/{r.key}",
                {"case": str(key), "to": r.key, "end": stamp, "days": nearest},
                now,
            )
        )
        for r in _everyone(uow, key)
    )


def sweep_reminders(deps: Deps, actor: Acts, days: Sequence[int] = REMINDER_DAYS) -> int:
    """The worker's producer: reminders for every case whose embargo in force ends within the
    largest threshold."""
    del actor  # queued work is audited when it is sent
    if not days:
        return 0
    now = deps.clock.now()
    with deps.uow() as uow:
        # Only cases with an end in the reminder window can be due: one read of the events.
        cases = uow.coordination.embargo_cases(now, now + dt.timedelta(days=max(days)))
        queued = sum(queue_reminders(uow, parse_case_key(k), now, days) for k in cases)
        uow.commit()
    return queued


# --- sending --------------------------------------------------------------------------------


def _resolve(uow: UnitOfWork, key: CaseKey, to: str, mentioned: bool) -> Recipient | str:
    """The recipient as they stand now, or why they are no longer mailed."""
    if to.startswith("a:"):
        user = uow.accounts.find_user(to[2:])
        if user is None:
            return "the account is gone"
        if user.name in {u.name for u in team(uow, key)}:
            return Recipient(to, account=user)
        if mentioned and mentioned_accounts(uow, key, [user.name]):
            return Recipient(to, account=user, mentioned=True)
        return "the person no longer receives this mail or may not see the case"
    pid, _, digest = to[1:].partition(":")
    try:
        participant = uow.coordination.participant(key, int(pid))
    except (NotFound, ValueError):
        return "the participant is gone"
    person = next((c for c in participant.people if address_key(c.address) == digest), None)
    if person is None:
        return "the person is no longer listed on the participant"
    if not reachable(uow, key, participant):
        return "the disclosure guard no longer lets coordination reach the participant"
    return Recipient(to, participant=participant, person=person)


def link(public_url: str, key: CaseKey, r: Recipient) -> str:
    base = public_url.rstrip("/")
    if r.account is not None:
        return f"{base}/cases/{key}/coordination"
    return f"{base}/shared/{key}"


def message_text(key: CaseKey, thread: str, mentioned: bool, url: str) -> str:
    where = (
        ("the shared thread", "共享讨论")
        if thread == SHARED
        else (f"the private thread of participant {thread}", f"参与方 {thread} 的私密讨论")
    )
    named = "You are mentioned in it.\n其中提到了您。\n" if mentioned else ""
    return (
        f"A new message was posted in {where[0]} of case {key}.\n"
        f"案件 {key} 的{where[1]}中有一条新消息。\n{named}\n"
        "The message itself is not in this mail. / 消息内容不随本邮件发送。\n"
        f"Read it / 阅读: {url}\n"
    )


def break_text(key: CaseKey, seen: str, recorded: str, url: str) -> str:
    return (
        f"The embargo on case {key} ended early: the information was seen outside it.\n"
        f"案件 {key} 的保密期已提前结束：相关信息已在保密范围之外出现。\n\n"
        f"Seen at / 发现时间: {seen}\n"
        f"Recorded at / 记录时间: {recorded}\n"
        "Where it was seen and who reported it: in the shared thread. / "
        "发现地点和报告人：见共享讨论。\n"
        "Publication is no longer held for the embargo. / 发布不再受保密期限制。\n"
        f"Open / 打开: {url}\n"
    )


def reminder_text(key: CaseKey, days: int, in_zone: str, in_utc: str, url: str) -> str:
    unit = "day" if days == 1 else "days"
    return (
        f"The embargo on case {key} ends in less than {days} {unit}.\n"
        f"案件 {key} 的保密期将在 {days} 天内结束。\n\n"
        f"Ends / 结束时间: {in_zone}\n"
        f"           UTC: {in_utc}\n"
        f"Open / 打开: {url}\n"
    )


def _body(uow: UnitOfWork, msg: OutboxMessage, key: CaseKey, r: Recipient, url: str) -> str:
    """The mail's text, or raises LookupError with why it is no longer due."""
    p = msg.payload
    if msg.kind == MESSAGE:
        return message_text(key, str(p["thread"]), r.mentioned, url)
    embargo = fold(uow.coordination.embargo_events(key))
    zone = embargo.zone or "UTC"
    if msg.kind == BREAK:
        event = next((e for e in embargo.events if e.id == int(p["event"])), None)
        if event is None or event.seen_at is None:
            raise LookupError("the break is not recorded")
        seen = f"{show_instant(event.seen_at, zone)} / {show_instant(event.seen_at, 'UTC')}"
        return break_text(key, seen, show_instant(event.at, "UTC"), url)
    end = embargo.end
    binding = embargo.state in (EmbargoState.ACTIVE, EmbargoState.REVISE)
    if not binding or end is None or end.astimezone(dt.UTC).isoformat() != p["end"]:
        raise LookupError("the embargo no longer ends then")
    return reminder_text(
        key, int(p["days"]), show_instant(end, zone), show_instant(end, "UTC"), url
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
    key = CaseKey(str(p["case"]))
    to = str(p["to"])
    found = _resolve(uow, key, to, bool(p.get("mentioned")))
    body = ""
    if isinstance(found, Recipient):
        try:
            body = _body(uow, msg, key, found, link(public_url, key, found))
        except LookupError as exc:
            found = str(exc)
    if not isinstance(found, Recipient):
        who = to if to.startswith("a:") else f"participant {to[1:].partition(':')[0]}"
        uow.audit.append(
            actor.event(
                now, AuditTag.WORKER_COORD_MAIL_SKIPPED, "case", key,
                kind=msg.kind, recipient=who.removeprefix("a:"), reason=found,
            )
        )  # fmt: skip
        return
    if found.account is not None:
        address, language = found.account.email or "", found.account.language or "en"
    elif found.person is not None and found.participant is not None:
        address = found.person.address
        language = uow.parties.get(found.participant.party).language or "en"
    else:
        raise LookupError(f"recipient {to!r} is neither an account nor a person")
    sender.mail(
        OutgoingMail(
            address, key, msg.kind, language, body, f"<pre>{html.escape(body)}</pre>",
            msg.dedupe_key,
        )
    )  # fmt: skip
    uow.audit.append(
        actor.event(
            now, AuditTag.WORKER_COORD_MAILED, "case", key, kind=msg.kind, recipient=found.label
        )
    )


def handlers(sender: Callable[[], NoticeSender], public_url: str) -> dict[str, Handler]:
    """The outbox handlers; the sender is fetched when a message is handled."""

    def send(uow: UnitOfWork, msg: OutboxMessage, now: dt.datetime, actor: Acts) -> None:
        deliver(sender(), public_url, uow, msg, now, actor)

    return dict.fromkeys(KINDS, send)
