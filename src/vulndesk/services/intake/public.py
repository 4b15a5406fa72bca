"""Public intake: reports from people without accounts, and follow-up by secret token."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

from vulndesk.domain import values
from vulndesk.domain.audit import AuditEvent
from vulndesk.domain.audit_tags import AuditTag
from vulndesk.domain.errors import InvalidInput, NotFound, VulndeskError
from vulndesk.domain.ids import CaseKey, ProductId
from vulndesk.domain.intake import IntakeRecord
from vulndesk.domain.products import Product
from vulndesk.services.accounts.signin import Throttled
from vulndesk.services.cases import linking
from vulndesk.services.cases.lifecycle import acknowledge_reporter
from vulndesk.services.cases.opening import CasePlan, OpenCase, plan_open, store_open
from vulndesk.services.context import Actor, Acts, Deps
from vulndesk.services.intake import mail_replies
from vulndesk.services.intake.ports import IntakeMessage, Upload
from vulndesk.services.intake.receipts import Rate
from vulndesk.services.notify import need_mail
from vulndesk.services.ports import UnitOfWork

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
MAX_ATTACHMENTS = 5
LANGUAGES = ("en", "zh-CN")
CHANNELS = ("api", "web", "email")


class AttachmentTooLarge(InvalidInput):
    """An attachment exceeds the size limit (HTTP 413)."""


class AttachmentType(InvalidInput):
    """An attachment's content is not an allowed type (HTTP 415)."""


def sniff(field_: str, content: bytes) -> str:
    """The media type by magic bytes, from the allowlist: PDF, PNG, JPEG, ZIP, UTF-8 text."""
    if content.startswith(b"%PDF-"):
        return "application/pdf"
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if content.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if content.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return "application/zip"
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if text is not None and not any(c in text for c in "\x00\x01\x02\x03\x04\x05\x06\x07\x08"):
        return "text/plain"
    raise AttachmentType(field_, "content is not an allowed type", "text, PDF, PNG, JPEG, ZIP")


_UNSAFE = re.compile(r"[^\w.\- ]+")


def safe_name(name: str) -> str:
    """A display name with no directories, control characters or leading dots."""
    base = re.split(r"[\\/]", unicodedata.normalize("NFKC", name))[-1]
    base = _UNSAFE.sub("_", base).strip(" .")
    return (base or "attachment")[:120]


def check_upload(index: int, name: str, content: bytes) -> Upload:
    field_ = f"attachments[{index}]"
    if len(content) > MAX_ATTACHMENT_BYTES:
        raise AttachmentTooLarge(
            field_, f"is {len(content)} bytes", f"at most {MAX_ATTACHMENT_BYTES} bytes"
        )
    return Upload(safe_name(name), sniff(field_, content), content)


@dataclass(frozen=True, slots=True)
class IntakeRequest:
    """What a reporter sends; `source_address` is hashed before it is stored."""

    product: str
    description: str
    version: str = ""
    steps: str = ""
    impact: str = ""
    contact: str = ""
    language: str = "en"
    channel: str = "api"
    source_address: str = ""
    attachments: Sequence[Upload] = field(default_factory=tuple)


@dataclass(frozen=True, slots=True)
class IntakeReceipt:
    tracking: str
    token: str
    case_key: str


@dataclass(frozen=True, slots=True)
class ReportStatus:
    tracking: str
    state: str
    received_at: dt.datetime
    messages: list[IntakeMessage]
    # The acknowledgement the team owes the reporter (house-sla/acknowledge), when in force.
    acknowledge: Acknowledgement | None = None


@dataclass(frozen=True, slots=True)
class Acknowledgement:
    """What the reporter sees of the acknowledgement clock: due by, and when it was met."""

    due: dt.datetime | None
    status: str
    acknowledged_at: dt.datetime | None


ACKNOWLEDGE = "house-sla/acknowledge"


def _acknowledgement(uow: UnitOfWork, case_key: str | None) -> Acknowledgement | None:
    if case_key is None:
        return None
    for o in uow.obligations.for_case(CaseKey(case_key)):
        if o.id == ACKNOWLEDGE:
            due = o.due.astimezone(dt.UTC) if o.due else None
            met = o.met_at.astimezone(dt.UTC) if o.met_at else None
            return Acknowledgement(due, o.status.value, met)
    return None


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _intake_unit(uow: UnitOfWork, configured: str | None, product: Product | None) -> str:
    """The unit that owns the named product (its maker carries the duty to act), else the
    configured intake unit, else the headquarters."""
    if product is not None and product.owner_unit:
        return product.owner_unit
    if configured:
        return configured
    heads = [u for u in uow.units.list() if u.parent is None]
    if not heads:
        raise InvalidInput("INTAKE_UNIT", "no organisation unit exists", "a configured unit id")
    return str(min(heads, key=lambda u: u.id).id)


def _check(req: IntakeRequest) -> IntakeRequest:
    if req.language not in LANGUAGES:
        raise InvalidInput("language", f"{req.language!r} is not offered", ", ".join(LANGUAGES))
    if req.channel not in CHANNELS:
        raise InvalidInput("channel", f"{req.channel!r} is unknown", ", ".join(CHANNELS))
    if len(req.attachments) > MAX_ATTACHMENTS:
        raise InvalidInput(
            "attachments", f"{len(req.attachments)} files", f"at most {MAX_ATTACHMENTS}"
        )
    return IntakeRequest(
        product=values.text("product", req.product, max_len=200),
        description=values.long_text("description", req.description, max_len=50_000),
        version=values.text("version", req.version, max_len=100, required=False),
        steps=values.long_text("steps", req.steps, max_len=50_000),
        impact=values.long_text("impact", req.impact, max_len=20_000),
        contact=values.text("contact", req.contact, max_len=300, required=False),
        language=req.language,
        channel=req.channel,
        source_address=req.source_address,
        attachments=tuple(req.attachments),
    )


@dataclass(frozen=True, slots=True)
class PreparedReport:
    """A checked report with its case planned: what is left is to store it (`store_report`)."""

    request: IntakeRequest
    tracking: str
    token: str
    size: int
    plan: CasePlan


def prepare_report(deps: Deps, req: IntakeRequest, *, unit: str | None = None) -> PreparedReport:
    """Check a public report and plan its case, reading only (see `services.cases.opening.plan_open`).

    Run before the writing transaction, so the rules are evaluated outside the writer lock.
    """
    req = _check(req)
    if not req.description.strip():
        raise InvalidInput("description", "is empty", "a description of the vulnerability")
    now = deps.clock.now()
    tracking = "R-" + secrets.token_hex(6).upper()
    token = secrets.token_urlsafe(32)
    size = sum(len(a.content) for a in req.attachments) + len(
        (req.description + req.steps + req.impact + req.contact + req.product).encode()
    )
    with deps.transactions().planning() as planning:
        # Reference data may come from a cache kept while its stamp holds (see plan_open).
        uow = planning.uow
        try:
            product = uow.products.get(ProductId(req.product))
        except NotFound:
            product = None
        # A near miss names the unit that must look at it; a person links the product.
        near = None if product else linking.confident(req.product, uow.products.list())
        versions = [req.version] if product and req.version in product.versions else []
        details = {
            "technical_characteristics": req.description,
            "proof_of_concept": req.steps,
            "harm": req.impact,
            "reporter_identity": req.contact,
            "affected_versions_detail": f"{req.product} {req.version}".strip(),
        }
        opening = OpenCase(
            title=f"Report {tracking}: {req.product[:80]}",
            unit=_intake_unit(uow, unit, product or near),
            roles=("product_provider",),
            products={req.product: versions} if product else {},
            details=details,
            intake_id=tracking,
            evidence=f"public report {tracking} received via {req.channel}",
        )
        plan = plan_open(deps, uow, Actor("intake", req.channel), opening, now, planning.stamp)
    return PreparedReport(req, tracking, token, size, plan)


def store_report(deps: Deps, prepared: PreparedReport) -> IntakeReceipt:
    """Open the planned `received` case and log the receipt, in one transaction."""
    req, tracking, now = prepared.request, prepared.tracking, prepared.plan.now
    actor = prepared.plan.actor
    with deps.uow() as uow:

        def received(key: CaseKey) -> list[AuditEvent]:
            return [
                actor.event(
                    now,
                    AuditTag.INTAKE_REPORT_RECEIVED,
                    "intake",
                    tracking,
                    (),
                    case=key,
                    channel=req.channel,
                )
            ]

        # Both audit events (case opened, report received) go in with one move of the head.
        case = store_open(deps, uow, prepared.plan, also=received)
        uow.intake.add(
            IntakeRecord(
                tracking,
                case.key,
                token_hash(prepared.token),
                req.channel,
                req.language,
                req.product,
                now,
            )
        )
        for upload in req.attachments:
            uow.intake.add_attachment(tracking, upload, now)
        uow.intake.add_receipt(now, req.channel, req.source_address, prepared.size, tracking)
        uow.commit()
    return IntakeReceipt(tracking, prepared.token, case.key)


def submit_report(deps: Deps, req: IntakeRequest, *, unit: str | None = None) -> IntakeReceipt:
    """Open a `received` case from a public report, log the receipt; all in one transaction."""
    return store_report(deps, prepare_report(deps, req, unit=unit))


TOKEN_FAILURES = Rate(10, 900)
MESSAGES_PER_REPORT = Rate(20, 3600)
MESSAGES_PER_SOURCE = Rate(60, 3600)


@dataclass(frozen=True, slots=True)
class FollowUpLimits:
    """How much a reporter's follow-up may do, counted per client address.

    Wrong tokens (and unknown tracking ids) count against the address that sent them; once
    over, that address is refused even the right token until the window ends, while the
    reporter elsewhere is not affected. Messages count per report and per address.
    """

    token_failures: Rate = TOKEN_FAILURES
    messages_per_report: Rate = MESSAGES_PER_REPORT
    messages_per_source: Rate = MESSAGES_PER_SOURCE


LIMITS = FollowUpLimits()


@dataclass(frozen=True, slots=True)
class Refused:
    """A follow-up turned away: an unknown report or a wrong token, or (with `retry_after`) a
    client over its limit. Returned rather than raised where the refusal's own count must be
    kept by a shared transaction (a raising piece of a group commit is undone)."""

    tracking: str
    retry_after: int = 0
    reason: str = ""

    def error(self) -> VulndeskError:
        if self.retry_after:
            return Throttled(self.retry_after, self.reason)
        return NotFound("intake report", self.tracking)


def _authorised_with_state(
    uow: UnitOfWork,
    tracking: str,
    token: str,
    source: str,
    limits: FollowUpLimits,
    now: dt.datetime,
) -> tuple[IntakeRecord, str] | Refused:
    """The report and its case's state if the token matches (one read when it does).

    Unknown tracking ids and wrong tokens look the same, and each counts against `source`.
    """
    rate = limits.token_failures
    counter, window = f"intake-token:{source}", rate.window(now)
    record, state, failures = uow.intake.for_reporter(tracking, counter, window)
    wait = Refused(tracking, rate.retry_after(now), "too many wrong follow-up tokens")
    if failures >= rate.limit:
        return wait
    expected = record.token_hash if record else "0" * 64
    if not hmac.compare_digest(expected, token_hash(token)) or record is None:
        return wait if uow.intake.hit(counter, window) > rate.limit else Refused(tracking)
    return record, state


def read_status(
    deps: Deps,
    tracking: str,
    token: str,
    source: str = "",
    limits: FollowUpLimits = LIMITS,
) -> ReportStatus | Refused:
    """The reporter's view of their report; a refusal is returned, its count committed."""
    now = deps.clock.now()
    with deps.uow() as uow:
        found = _authorised_with_state(uow, tracking, token, source, limits, now)
        if isinstance(found, Refused):
            uow.commit()
            return found
        record, state = found
        messages = uow.intake.messages(tracking)
        acknowledge = _acknowledgement(uow, record.case_key)
        uow.audit.append(
            Actor("reporter", "intake").event(
                now, AuditTag.INTAKE_MESSAGES_READ, "intake", tracking
            )
        )
        uow.commit()
    return ReportStatus(tracking, state, record.received_at, messages, acknowledge)


def report_status(
    deps: Deps,
    tracking: str,
    token: str,
    source: str = "",
    limits: FollowUpLimits = LIMITS,
) -> ReportStatus:
    """As `read_status`, raising NotFound or Throttled for a refusal."""
    got = read_status(deps, tracking, token, source, limits)
    if isinstance(got, Refused):
        raise got.error()
    return got


def post_message(
    deps: Deps,
    tracking: str,
    token: str,
    body: str,
    source: str = "",
    limits: FollowUpLimits = LIMITS,
) -> None:
    """The reporter writes to the team; limited per report and per client address."""
    text = values.long_text("body", body, max_len=20_000)
    if not text.strip():
        raise InvalidInput("body", "is empty", "a message")
    now = deps.clock.now()
    with deps.uow() as uow:
        found = _authorised_with_state(uow, tracking, token, source, limits, now)
        refused = found if isinstance(found, Refused) else None
        refused = refused or _count_message(uow, tracking, source, limits, now)
        if refused is not None:
            uow.commit()  # the refused attempt still counts
            raise refused.error()
        uow.intake.add_message(tracking, "reporter", text, now)
        uow.audit.append(
            Actor("reporter", "intake").event(
                now, AuditTag.INTAKE_MESSAGE_POSTED, "intake", tracking
            )
        )
        need_mail.queue_message(uow, tracking, now)
        uow.commit()


def _count_message(
    uow: UnitOfWork, tracking: str, source: str, limits: FollowUpLimits, now: dt.datetime
) -> Refused | None:
    """Count a message against its report and its sender's address; a refusal if over."""
    wait = 0
    for counter, rate in (
        (f"intake-message-report:{tracking}", limits.messages_per_report),
        (f"intake-message-source:{source}", limits.messages_per_source),
    ):
        if uow.intake.hit(counter, rate.window(now)) > rate.limit:
            wait = max(wait, rate.retry_after(now))
    return Refused(tracking, wait, "too many follow-up messages") if wait else None


def reply(deps: Deps, actor: Acts, tracking: str, body: str) -> None:
    """The team writes to the reporter: in the thread, and by mail when they have an address."""
    text = values.long_text("body", body, max_len=20_000)
    now = deps.clock.now()
    with deps.uow() as uow:
        record = uow.intake.get(tracking)
        uow.intake.add_message(tracking, "team", text, now)
        mailed = mail_replies.queue(uow, tracking, now)  # to the reporter's address, if any
        uow.audit.append(
            actor.event(
                now,
                AuditTag.INTAKE_MESSAGE_REPLIED,
                "intake",
                tracking,
                by_mail="yes" if mailed else "no",
            )
        )
        if record.case_key is not None:  # the first reply meets house-sla/acknowledge
            acknowledge_reporter(deps, uow, actor, CaseKey(record.case_key), now)
        uow.commit()
