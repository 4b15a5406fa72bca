"""A person's choice of which notifications reach them by e-mail (escalations on their cases)."""

from __future__ import annotations

from dataclasses import replace

from vulndesk.domain.audit_tags import AuditTag
from vulndesk.services.access import rights as access
from vulndesk.services.access.rights import Principal
from vulndesk.services.context import Deps


def mail_escalations(deps: Deps, principal: Principal) -> bool:
    """Whether deadline escalations on the principal's cases are mailed to them."""
    principal.require(access.ACCOUNT_HOLDERS)
    with deps.uow() as uow:
        return uow.accounts.get_user(principal.name).mail_escalations


def set_mail_escalations(deps: Deps, principal: Principal, wanted: bool) -> bool:
    """Choose for oneself whether escalations come by mail; audited when it changes."""
    principal.require(access.ACCOUNT_HOLDERS, "write")
    now = deps.clock.now()
    with deps.uow() as uow:
        user = uow.accounts.get_user(principal.name)
        if user.mail_escalations == wanted:
            return wanted
        uow.accounts.save_user(replace(user, mail_escalations=wanted))
        uow.audit.append(
            principal.acting().event(
                now,
                AuditTag.ACCOUNT_PREFERENCES_CHANGED,
                "user",
                principal.name,
                mail_escalations="yes" if wanted else "no",
            )
        )
        uow.commit()
    return wanted
