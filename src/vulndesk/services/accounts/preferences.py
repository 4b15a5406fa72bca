"""Personal settings of a user: the time zone times are shown in and the console's language."""

from __future__ import annotations

from dataclasses import dataclass, replace

from vulndesk.domain import values
from vulndesk.domain.audit_tags import AuditTag
from vulndesk.domain.errors import Forbidden
from vulndesk.services.accounts.users import AccountRole
from vulndesk.services.context import Acts, Deps

# The command line runs on the host with the database and its keys: it is the installation's
# operator and administers every account, as `vulndesk user grant` does.
OPERATOR_SOURCE = "cli"


@dataclass(frozen=True, slots=True)
class Preferences:
    """A user's own choices; None means "not chosen": the organisation zone, the browser's language."""

    timezone: str | None = None
    language: str | None = None


def _may_change(actor: Acts, name: str) -> bool:
    return actor.name == name or AccountRole.ADMIN in actor.roles or actor.source == OPERATOR_SOURCE


def _choice(field: str, value: str | None, current: str | None) -> str | None:
    """None keeps the current choice, an empty string clears it, anything else is validated."""
    if value is None:
        return current
    value = value.strip()
    if not value:
        return None
    return values.timezone(field, value) if field == "timezone" else values.language(field, value)


def preferences_of(deps: Deps, name: str) -> Preferences:
    """The saved choices of one user (NotFound for an unknown name)."""
    with deps.uow() as uow:
        user = uow.accounts.get_user(name)
    return Preferences(user.timezone, user.language)


def set_preferences(
    deps: Deps, actor: Acts, name: str, timezone: str | None, language: str | None
) -> Preferences:
    """Save a user's zone and language; a user changes their own, an administrator anyone's.

    Each argument: None keeps the saved choice, "" clears it, otherwise an IANA zone name
    (`timezone`) or one of `en`, `zh-CN` (`language`). Nothing is written when nothing changes.
    """
    if not _may_change(actor, name):
        raise Forbidden("only the user themselves or an administrator may change these settings")
    now = deps.clock.now()
    with deps.uow() as uow:
        user = uow.accounts.get_user(name)
        chosen = Preferences(
            _choice("timezone", timezone, user.timezone),
            _choice("language", language, user.language),
        )
        if chosen == Preferences(user.timezone, user.language):
            return chosen
        uow.accounts.save_user(replace(user, timezone=chosen.timezone, language=chosen.language))
        uow.audit.append(
            actor.event(
                now,
                AuditTag.ACCOUNT_PREFERENCES_CHANGED,
                "user",
                name,
                timezone=chosen.timezone or "",
                language=chosen.language or "",
            )
        )
        uow.commit()
    return chosen
