"""The stored group-to-role map for OpenID Connect sign-in: administrators edit it, audited."""

from __future__ import annotations

from vulndesk.domain import values
from vulndesk.domain.audit_tags import AuditTag
from vulndesk.domain.errors import InvalidInput
from vulndesk.domain.ids import UnitId, slug
from vulndesk.services.access.rights import ADMINS, Principal
from vulndesk.services.accounts.sso import STORED_KEY, RoleMapping, parse_role_map
from vulndesk.services.accounts.users import AccountRole
from vulndesk.services.background.ports import OrgSetting
from vulndesk.services.context import Deps
from vulndesk.services.ports import UnitOfWork


def stored(uow: UnitOfWork) -> tuple[RoleMapping, ...]:
    return parse_role_map(STORED_KEY, uow.org_settings.options().get(STORED_KEY, ""))


def _text(rows: tuple[RoleMapping, ...]) -> str:
    return "; ".join(f"{r.group}={r.role}" + (f"@{r.unit}" if r.unit else "") for r in rows)


def list_rows(deps: Deps, principal: Principal) -> tuple[RoleMapping, ...]:
    """The stored rows (the configured ones are in VULNDESK_OIDC_ROLE_MAP)."""
    principal.require(ADMINS)
    with deps.uow() as uow:
        return stored(uow)


def set_row(
    deps: Deps, principal: Principal, source: str, group: str, role: str, unit: str | None
) -> tuple[RoleMapping, ...]:
    """Map members of `group` to `role` (and `unit`); a row for the same group and role is
    replaced. Takes effect at each member's next sign-in."""
    return _change(deps, principal, source, (group, role, unit), present=True)


def remove_row(
    deps: Deps, principal: Principal, source: str, group: str, role: str
) -> tuple[RoleMapping, ...]:
    return _change(deps, principal, source, (group, role, None), present=False)


def _change(
    deps: Deps,
    principal: Principal,
    source: str,
    row: tuple[str, str, str | None],
    *,
    present: bool,
) -> tuple[RoleMapping, ...]:
    group, role, unit = row
    principal.require(ADMINS, "write")
    name = values.text("group", group, max_len=200)
    if any(c in name for c in ";,=@"):
        raise InvalidInput(
            "group", "contains ; , = or @", "the group name as the provider sends it"
        )
    parsed = AccountRole.parse("role", role).value
    place = slug("unit", unit) if unit else None
    now = deps.clock.now()
    with deps.uow() as uow:
        rows = stored(uow)
        kept = tuple(r for r in rows if (r.group, r.role) != (name, parsed))
        if not present and kept == rows:
            return rows  # nothing stored to remove: nothing changes, nothing to record
        if present and place is not None:
            uow.units.get(UnitId(place))
        new = kept + ((RoleMapping(name, parsed, place),) if present else ())
        uow.org_settings.set(OrgSetting(STORED_KEY, _text(new), now, principal.name))
        uow.audit.append(
            principal.actor(source).event(
                now,
                AuditTag.SSO_MAP_SET if present else AuditTag.SSO_MAP_REMOVED,
                "sso-map",
                name,
                role=parsed,
                unit=place or "",
            )
        )
        uow.commit()
    return new
