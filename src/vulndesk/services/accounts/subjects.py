"""Which identity provider subjects open an account: read for display, linked by an operator."""

from __future__ import annotations

from vulndesk.domain import values
from vulndesk.domain.accounts import SsoLink
from vulndesk.domain.audit_tags import AuditTag
from vulndesk.domain.errors import Conflict, InvalidInput
from vulndesk.services.context import Acts, Deps


def links_of(deps: Deps, name: str) -> list[SsoLink]:
    """The provider subjects linked to account `name`, oldest first (NotFound if no account)."""
    with deps.uow() as uow:
        uow.accounts.get_user(name)
        return uow.accounts.sso_links_of(name)


def all_links(deps: Deps) -> dict[str, list[SsoLink]]:
    """Every account's linked subjects, by account name (accounts without any are left out)."""
    with deps.uow() as uow:
        found = {u.name: uow.accounts.sso_links_of(u.name) for u in uow.accounts.list_users()}
    return {name: links for name, links in found.items() if links}


def link(deps: Deps, actor: Acts, name: str, issuer: str, subject: str) -> SsoLink:
    """Let the provider subject (`issuer`, `sub`) sign in as account `name` from now on.

    This is how an account whose name a provider user shares (made before subjects were
    recorded, or a local account moving to the provider) is opened by that provider user; a
    subject already linked to any account is refused.
    """
    iss = values.text("issuer", issuer, max_len=400)
    if not iss.startswith(("https://", "http://")):
        raise InvalidInput(
            "issuer", "is not a URL", "the provider's issuer, e.g. https://id.example.com"
        )
    sub = values.text("subject", subject, max_len=255)
    now = deps.clock.now()
    with deps.uow() as uow:
        uow.accounts.get_user(name)
        held = uow.accounts.sso_link(iss, sub)
        if held is not None:
            raise Conflict(f"this subject already opens account {held.user!r}")
        made = SsoLink(iss, sub, name, now)
        uow.accounts.add_sso_link(made)
        uow.audit.append(
            actor.event(now, AuditTag.ACCOUNT_SUBJECT_LINKED, "user", name, issuer=iss, via="admin")
        )
        uow.commit()
    return made
