"""Console administration: users, reference data, disclosure policies, rule sets, blackouts.

Administrators only; anyone else gets the same page as for a missing address. Secrets (a new
user's password, a TOTP secret) are shown once in the response to the form that made them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from vulndesk.domain.disclosure import DETAIL_FIELDS, Sensitivity
from vulndesk.domain.errors import VulndeskError
from vulndesk.domain.parties import PartyKind
from vulndesk.domain.policy import DEFAULT_GRANTS
from vulndesk.domain.products import ProductKind
from vulndesk.entrypoints.web.pages_reports import local_instant, not_found
from vulndesk.entrypoints.web.render import render
from vulndesk.entrypoints.web.session import CurrentViewer, Viewer
from vulndesk.services import (
    accounts,
    obligations_admin,
    publication,
    reference,
    regimes,
    reports,
    rules_in_force,
)
from vulndesk.services.access import ADMINS
from vulndesk.services.accounts import AccountRole

router = APIRouter(include_in_schema=False)
SECTIONS = ("users", "reference", "policies", "rules", "blackouts")
Text = Annotated[str, Form(max_length=500)]
Many = Annotated[list[str] | None, Form()]


def _split(text: str) -> list[str]:
    return [p.strip() for p in text.replace("\n", ",").split(",") if p.strip()]


def _data(who: Viewer, section: str) -> dict[str, Any]:
    deps = who.deps
    if section == "users":
        return {
            "users": accounts.list_users(deps),
            "roles": [r.value for r in AccountRole],
            "units": reference.list_units(deps),
        }
    if section == "reference":
        return {
            "units": reference.list_units(deps),
            "products": reference.list_products(deps),
            "parties": reference.list_parties(deps),
            "party_kinds": [k.value for k in PartyKind],
            "product_kinds": [k.value for k in ProductKind],
        }
    if section == "policies":
        with deps.uow() as uow:
            overrides = uow.reports.overrides()
        return {
            "defaults": DEFAULT_GRANTS,
            "overrides": overrides,
            "parties": reference.list_parties(deps),
            "classes": [Sensitivity.PUBLIC.value, Sensitivity.RESTRICTED.value],
            "detail_fields": list(DETAIL_FIELDS),
        }
    if section == "rules":
        catalogue = who.container.rule_sets
        return {
            "rule_sets": rules_in_force.rule_sets(deps, catalogue),
            "applicability": regimes.applicability(deps, catalogue),
        }
    return {"blackouts": publication.list_blackouts(deps)}


def _page(request: Request, who: Viewer, section: str, status: int = 200, **extra: Any) -> Response:
    response = render(
        request,
        f"console/admin/{section}.html",
        status=status,
        section=section,
        sections=SECTIONS,
        done=request.query_params.get("done") == "1",
        error=extra.pop("error", None),
        **_data(who, section),
        **extra,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get("/admin")
def admin_home(request: Request, who: CurrentViewer) -> Response:
    if not who.principal.has(ADMINS):
        return not_found(request)
    return _page(request, who, "users")


@router.get("/admin/{section}")
def admin_section(request: Request, section: str, who: CurrentViewer) -> Response:
    if not who.principal.has(ADMINS) or section not in SECTIONS:
        return not_found(request)
    return _page(request, who, section)


def _do(
    request: Request, who: Viewer, section: str, action: Callable[[], dict[str, Any] | None]
) -> Response:
    """Run one admin form; show its secrets once, or go back to the section."""
    if not who.principal.has(ADMINS):
        return not_found(request)
    try:
        who.principal.require(ADMINS, "write")
        shown = action()
    except VulndeskError as exc:
        code = 422 if exc.code == "invalid_input" else 409
        return _page(request, who, section, status=code, error=str(exc))
    if shown:
        return _page(request, who, section, **shown)
    path = "/admin" if section == "users" else f"/admin/{section}"
    return RedirectResponse(path + "?done=1", status_code=303)


@router.post("/admin/users")
def add_user(
    request: Request,
    who: CurrentViewer,
    name: Text = "",
    email: Text = "",
    role: Text = "",
    unit: Text = "",
    display_name: Text = "",
) -> Response:
    def run() -> dict[str, Any]:
        user, password = accounts.add_user(
            who.deps,
            who.actor(request),
            who.container.passwords,
            name=name,
            email=email,
            roles=[role],
            unit=unit or None,
            display_name=display_name,
        )
        return {"created": user.name, "password": password}

    return _do(request, who, "users", run)


@router.post("/admin/users/{name}/disabled")
def set_disabled(request: Request, name: str, who: CurrentViewer, disabled: Text = "1") -> Response:
    def run() -> None:
        accounts.grant(who.deps, who.actor(request), name, disabled=disabled == "1")

    return _do(request, who, "users", run)


@router.post("/admin/users/{name}/roles")
def change_roles(
    request: Request, name: str, who: CurrentViewer, role: Text = "", op: Text = "add"
) -> Response:
    def run() -> None:
        plus, minus = ([role], []) if op == "add" else ([], [role])
        accounts.grant(who.deps, who.actor(request), name, add=plus, remove=minus)

    return _do(request, who, "users", run)


@router.post("/admin/users/{name}/totp")
def reset_totp(request: Request, name: str, who: CurrentViewer) -> Response:
    def run() -> dict[str, Any]:
        secret, uri = accounts.enroll_totp(who.deps, who.actor(request), name)
        return {"totp_user": name, "totp_secret": secret, "otpauth": uri}

    return _do(request, who, "users", run)


@router.post("/admin/units")
def add_unit(
    request: Request,
    who: CurrentViewer,
    id: Text = "",
    name: Text = "",
    country: Text = "",
    timezone: Text = "",
    parent: Text = "",
) -> Response:
    def run() -> None:
        reference.add_unit(
            who.deps,
            who.actor(request),
            id=id,
            name=name,
            country=country,
            timezone=timezone,
            parent=parent or None,
        )

    return _do(request, who, "reference", run)


@router.post("/admin/units/contact")
def set_unit_contact(
    request: Request,
    who: CurrentViewer,
    unit: Text = "",
    legal_name: Text = "",
    contact_person: Text = "",
    contact_email: Text = "",
    contact_phone: Text = "",
    on_call_email: Text = "",
    on_call_webhook: Text = "",
) -> Response:
    def run() -> None:
        given = (
            legal_name, contact_person, contact_email, contact_phone, on_call_email,
            on_call_webhook,
        )  # fmt: skip
        # A form cannot tell "leave" from "clear": empty fields are left as they are.
        change = reference.UnitContact(*(v if v.strip() else None for v in given))
        reference.set_unit_contact(who.deps, who.actor(request), unit, change)

    return _do(request, who, "reference", run)


@router.post("/admin/units/regimes")
def set_unit_regimes(
    request: Request,
    who: CurrentViewer,
    unit: Text = "",
    eu_main_establishment_timezone: Text = "",
    nis2_entity: Text = "",
    financial_entity: Text = "",
    cn_operator_class: Text = "",
) -> Response:
    def run() -> None:
        # Empty is "leave as it is"; "-" clears (a zone is cleared by typing "-").
        given = (eu_main_establishment_timezone, nis2_entity, financial_entity, cn_operator_class)
        change = regimes.UnitRegimes(
            *(None if not v.strip() else "" if v.strip() == "-" else v for v in given)
        )
        regimes.set_unit_regimes(who.deps, who.principal, unit, change, "web")

    return _do(request, who, "reference", run)


@router.post("/admin/products")
def add_product(
    request: Request,
    who: CurrentViewer,
    id: Text = "",
    vendor: Text = "",
    name: Text = "",
    model: Text = "",
    kind: Text = "product",
    versions: Text = "",
    markets: Text = "",
    suppliers: Text = "",
    owner_unit: Text = "",
) -> Response:
    def run() -> None:
        reference.add_product(
            who.deps,
            who.actor(request),
            reference.ProductInput(
                id=id,
                vendor=vendor,
                name=name,
                model=model,
                kind=kind,
                versions=_split(versions),
                markets=_split(markets),
                suppliers=_split(suppliers),
                owner_unit=owner_unit or None,
            ),
        )

    return _do(request, who, "reference", run)


@router.post("/admin/parties")
def add_party(
    request: Request,
    who: CurrentViewer,
    id: Text = "",
    name: Text = "",
    kind: Text = "",
    country: Text = "",
    channels: Text = "",
    language: Text = "en",
) -> Response:
    def run() -> None:
        reference.add_party(
            who.deps,
            who.actor(request),
            id=id,
            name=name,
            kind=kind,
            country=country,
            channels=_split(channels),
            language=language,
        )

    return _do(request, who, "reference", run)


@router.post("/admin/policies")
def set_override(
    request: Request,
    who: CurrentViewer,
    party: Text = "",
    classes: Many = None,
    fields: Many = None,
) -> Response:
    def run() -> None:
        reports.set_override(
            who.deps, who.actor(request), party, tuple(classes or ()), tuple(fields or ())
        )

    return _do(request, who, "policies", run)


@router.post("/admin/rules/in-force")
def set_in_force(request: Request, who: CurrentViewer, rule_sets: Many = None) -> Response:
    def run() -> None:
        rules_in_force.set_in_force(
            who.deps, who.actor(request), who.container.rule_sets, rule_sets or []
        )

    return _do(request, who, "rules", run)


@router.post("/admin/rules/options")
def set_option(request: Request, who: CurrentViewer, key: Text = "", value: Text = "") -> Response:
    def run() -> None:
        obligations_admin.set_option(
            who.deps, who.actor(request), who.container.rule_sets, key, value or None
        )

    return _do(request, who, "rules", run)


@router.post("/admin/blackouts")
def add_blackout(
    request: Request,
    who: CurrentViewer,
    name: Text = "",
    start: Text = "",
    end: Text = "",
    note: Text = "",
) -> Response:
    def run() -> None:
        zone = who.zone
        publication.add_blackout(
            who.deps,
            who.actor(request),
            name,
            local_instant("start", start, zone),
            local_instant("end", end, zone),
            note,
        )

    return _do(request, who, "blackouts", run)
