"""Administration of the stored group-to-role map for OpenID Connect sign-in."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from pydantic import BaseModel, Field

from vulndesk.entrypoints.api.auth import CurrentDeps, CurrentPrincipal, source
from vulndesk.entrypoints.api.errors import ERROR_RESPONSES
from vulndesk.services.accounts import sso_map
from vulndesk.services.accounts.sso import RoleMapping

router = APIRouter(prefix="/api/v1", tags=["admin"], responses=ERROR_RESPONSES)


class RoleMappingOut(BaseModel):
    group: str
    role: str
    unit: str | None


class RoleMappingIn(BaseModel):
    unit: str | None = Field(default=None, max_length=63)


def _out(rows: tuple[RoleMapping, ...]) -> list[RoleMappingOut]:
    return [RoleMappingOut(group=r.group, role=r.role, unit=r.unit) for r in rows]


Group = Annotated[str, Path(max_length=200)]
Role = Annotated[str, Path(max_length=40)]


@router.get("/admin/sso/role-map", response_model=list[RoleMappingOut])
def list_map(who: CurrentPrincipal, d: CurrentDeps) -> list[RoleMappingOut]:
    """The stored rows; those in VULNDESK_OIDC_ROLE_MAP apply as well."""
    return _out(sso_map.list_rows(d, who))


@router.put("/admin/sso/role-map/{group}/{role}", response_model=list[RoleMappingOut])
def set_mapping(
    group: Group,
    role: Role,
    body: RoleMappingIn,
    request: Request,
    who: CurrentPrincipal,
    d: CurrentDeps,
) -> list[RoleMappingOut]:
    """Members of `group` get `role` (and the unit) at their next sign-in."""
    return _out(sso_map.set_row(d, who, source(request), group, role, body.unit))


@router.delete("/admin/sso/role-map/{group}/{role}", response_model=list[RoleMappingOut])
def remove_mapping(
    group: Group, role: Role, request: Request, who: CurrentPrincipal, d: CurrentDeps
) -> list[RoleMappingOut]:
    """Members lose the role at their next sign-in unless another row gives it."""
    return _out(sso_map.remove_row(d, who, source(request), group, role))
