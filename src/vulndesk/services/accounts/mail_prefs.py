"""A person's choice of which notifications reach them by e-mail: deadline escalations on their
cases, approvals waiting for them and reporters' new messages (decision 0043)."""

from __future__ import annotations

from dataclasses import dataclass, replace

from vulndesk.domain.audit_tags import AuditTag
from vulndesk.domain.errors import Forbidden
from vulndesk.services.access import rights as access
from vulndesk.services.access.rights import Principal
from vulndesk.services.accounts.users import AccountRole
from vulndesk.services.context import Acts, Deps

# The command line runs on the host with the database and its keys (see preferences.py).
OPERATOR_SOURCE = "cli"


@dataclass(frozen=True, slots=True)
class MailChoices:
    """Which kinds of notification are mailed to one person; every one is on until turned off."""

    escalations: bool = True
    approvals: bool = True
    messages: bool = True


def choices_of(deps: Deps, name: str) -> MailChoices:
    """The saved choices of one user (NotFound for an unknown name)."""
    with deps.uow() as uow:
        user = uow.accounts.get_user(name)
    return MailChoices(user.mail_escalations, user.mail_approvals, user.mail_messages)


def my_choices(deps: Deps, principal: Principal) -> MailChoices:
    """The signed-in person's own choices."""
    principal.require(access.ACCOUNT_HOLDERS)
    return choices_of(deps, principal.name)


def _may_change(actor: Acts, name: str) -> bool:
    return actor.name == name or AccountRole.ADMIN in actor.roles or actor.source == OPERATOR_SOURCE


def set_choices(
    deps: Deps,
    actor: Acts,
    name: str,
    escalations: bool | None = None,
    approvals: bool | None = None,
    messages: bool | None = None,
) -> MailChoices:
    """Save which notifications are mailed to `name`: their own, or anyone's for an
    administrator or the operator. None keeps a choice; audited when anything changes."""
    if not _may_change(actor, name):
        raise Forbidden("only the user themselves or an administrator may change these settings")
    now = deps.clock.now()
    with deps.uow() as uow:
        user = uow.accounts.get_user(name)
        before = MailChoices(user.mail_escalations, user.mail_approvals, user.mail_messages)
        chosen = MailChoices(
            before.escalations if escalations is None else escalations,
            before.approvals if approvals is None else approvals,
            before.messages if messages is None else messages,
        )
        if chosen == before:
            return chosen
        uow.accounts.save_user(
            replace(
                user,
                mail_escalations=chosen.escalations,
                mail_approvals=chosen.approvals,
                mail_messages=chosen.messages,
            )
        )
        uow.audit.append(
            actor.event(
                now,
                AuditTag.ACCOUNT_PREFERENCES_CHANGED,
                "user",
                name,
                mail_escalations="yes" if chosen.escalations else "no",
                mail_approvals="yes" if chosen.approvals else "no",
                mail_messages="yes" if chosen.messages else "no",
            )
        )
        uow.commit()
    return chosen


def change_my_choices(
    deps: Deps,
    principal: Principal,
    escalations: bool | None = None,
    approvals: bool | None = None,
    messages: bool | None = None,
) -> MailChoices:
    """Choose for oneself which notifications come by mail (needs the write scope)."""
    principal.require(access.ACCOUNT_HOLDERS, "write")
    return set_choices(deps, principal, principal.name, escalations, approvals, messages)


def mail_escalations(deps: Deps, principal: Principal) -> bool:
    """Whether deadline escalations on the principal's cases are mailed to them."""
    return my_choices(deps, principal).escalations


def set_mail_escalations(deps: Deps, principal: Principal, wanted: bool) -> bool:
    """Choose for oneself whether escalations come by mail; audited when it changes."""
    return change_my_choices(deps, principal, escalations=wanted).escalations
