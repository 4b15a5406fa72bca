"""Who may approve: a stored, active account holding an approving role, as the database says."""

from __future__ import annotations

from vulndesk.domain.accounts import User
from vulndesk.domain.errors import Forbidden
from vulndesk.services.access.rights import APPROVERS
from vulndesk.services.accounts.users import AccountRole
from vulndesk.services.ports import UnitOfWork


def is_headquarters(uow: UnitOfWork, user: User | None) -> bool:
    """Whether the stored account belongs to a top-level (parent, headquarters) unit."""
    if user is None or not user.unit:
        return False
    return any(u.id == user.unit and u.parent is None for u in uow.units.list())


def approving_account(
    uow: UnitOfWork,
    name: str,
    roles: frozenset[AccountRole] | None = None,
    *,
    headquarters: bool = False,
) -> User:
    """The stored account `name` if it is active, holds one of `roles` and, for the
    headquarters rule, belongs to the parent unit; Forbidden otherwise.

    Roles and unit come from the database, never from the caller: an approval (or a proposal
    that counts as one) is made only by a real account that may make it.
    """
    roles = APPROVERS if roles is None else roles  # read now: the role set may be replaced
    user = uow.accounts.find_user(name)
    if user is None or user.disabled:
        raise Forbidden(f"{name[:63]!r} is not an active account; sign in with your own account")
    if not user.roles & roles:
        raise Forbidden("your roles do not allow this")
    if headquarters and not is_headquarters(uow, user):
        raise Forbidden("this approval must come from an account of headquarters (the parent unit)")
    return user
