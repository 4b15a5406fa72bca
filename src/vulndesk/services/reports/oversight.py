"""Headquarters oversight: every government submission across units, notices, and the HQ rule."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass

from vulndesk.domain.audit_tags import AuditTag
from vulndesk.domain.errors import InvalidInput
from vulndesk.services.access.rights import OVERSIGHT, Principal
from vulndesk.services.background.ports import OrgSetting
from vulndesk.services.context import Deps
from vulndesk.services.reports.approvals import REQUIRE_HQ, require_hq
from vulndesk.services.reports.ports import HqNotice, Subscriber

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True, slots=True)
class Submission:
    """One disclosure to a regulator or CSIRT, as headquarters sees it (no content)."""

    at: dt.datetime
    case: str
    unit: str
    recipient: str
    recipient_kind: str
    disclosure_kind: str
    classes: tuple[str, ...]
    approvers: tuple[str, ...]
    receipt: str | None
    sha256: str
    recorded_at: dt.datetime | None = None
    # None, `pending` or `approved`: see `services.ledger` on backdated claims.
    backdate_status: str | None = None
    # How late the obligation this submission met was met (None: on time or meets none).
    late_by: dt.timedelta | None = None


def government_submissions(deps: Deps, principal: Principal) -> list[Submission]:
    """Every disclosure to a government, with its backdate flag and how late it met its clock."""
    principal.require(OVERSIGHT)
    with deps.uow() as uow:
        entries = uow.ledger.list(government_only=True)
        late: dict[str, dt.timedelta] = {}
        for case in sorted({e.entry.case for e in entries}):
            for o in uow.obligations.for_case(case):
                if o.met_ref is not None and o.late_by is not None:
                    late[o.met_ref] = max(late.get(o.met_ref, o.late_by), o.late_by)
        return [
            Submission(
                e.entry.at,
                e.entry.case,
                e.entry.unit,
                e.entry.recipient,
                e.entry.recipient_kind,
                e.entry.disclosure_kind,
                e.entry.classes,
                e.entry.approvers,
                e.entry.receipt,
                e.entry.sha256,
                e.entry.recorded_at,
                e.backdate_status,
                late.get(e.ref),
            )
            for e in entries
        ]


def notices(deps: Deps, principal: Principal, limit: int = 200) -> list[HqNotice]:
    """Notices to headquarters, newest first."""
    principal.require(OVERSIGHT)
    with deps.uow() as uow:
        return uow.oversight.notices(limit)


def address_ref(address: str) -> str:
    """How the audit trail names a mail address: the first 16 hex digits of its SHA-256."""
    return "sha256:" + hashlib.sha256(address.strip().lower().encode()).hexdigest()[:16]


def subscribe(deps: Deps, principal: Principal, name: str, email: str) -> Subscriber:
    """Add a headquarters subscriber to draft and submission notices."""
    principal.require(OVERSIGHT, "write")
    if not name.strip():
        raise InvalidInput("name", "is empty", "the subscriber's name")
    address = email.strip().lower()
    if not _EMAIL.match(address):
        raise InvalidInput("email", f"{email!r} is not a mail address", "name@example.org")
    now = deps.clock.now()
    subscriber = Subscriber(name.strip(), address)
    with deps.uow() as uow:
        uow.oversight.add_subscriber(subscriber, now)
        # The trail names the subscriber by a digest of the address, never the address.
        uow.audit.append(
            principal.event(
                now, AuditTag.REF_HQ_SUBSCRIBER_ADDED, "hq_subscriber", address_ref(address)
            )
        )
        uow.commit()
    return subscriber


def subscribers(deps: Deps, principal: Principal) -> list[Subscriber]:
    """Who at headquarters receives the notices."""
    principal.require(OVERSIGHT)
    with deps.uow() as uow:
        return uow.oversight.subscribers()


def set_require_hq(deps: Deps, principal: Principal, required: bool) -> None:
    """Whether one of a draft's two approvers must belong to headquarters."""
    principal.require(OVERSIGHT, "write")
    now = deps.clock.now()
    with deps.uow() as uow:
        uow.org_settings.set(
            OrgSetting(REQUIRE_HQ, "true" if required else "false", now, principal.name)
        )
        uow.audit.append(
            principal.event(
                now,
                AuditTag.REF_SETTING_CHANGED,
                "setting",
                REQUIRE_HQ,
                value=str(required).lower(),
            )
        )
        uow.commit()


def hq_required(deps: Deps, principal: Principal) -> bool:
    """Whether the headquarters approver rule is on."""
    principal.require(OVERSIGHT)
    with deps.uow() as uow:
        return require_hq(uow)
