"""Console administration: users, disclosure policies, rule sets, blackouts, supplier imports
and stored CSAF suppliers (reference data forms are in `pages_admin_reference`).

Administrators only; anyone else gets the same page as for a missing address. Secrets (a new
user's password, a TOTP secret) are shown once in the response to the form that made them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from vulndesk.domain.disclosure import DETAIL_FIELDS, Sensitivity
from vulndesk.domain.errors import NotFound, VulndeskError
from vulndesk.domain.parties import PartyKind
from vulndesk.domain.policy import DEFAULT_GRANTS
from vulndesk.domain.products import ProductKind
from vulndesk.entrypoints.web.pages_reports import local_instant, not_found
from vulndesk.entrypoints.web.render import render, say
from vulndesk.entrypoints.web.session import CurrentViewer, Viewer
from vulndesk.services.access.rights import ADMINS
from vulndesk.services.accounts import admin as account_admin
from vulndesk.services.accounts.users import AccountRole
from vulndesk.services.cases import reference, regimes
from vulndesk.services.clocks import options as obligations_admin
from vulndesk.services.clocks import rules_in_force
from vulndesk.services.publication import gate as publication
from vulndesk.services.publication import provider_import, suppliers
from vulndesk.services.reports import drafts as reports

router = APIRouter(include_in_schema=False)
SECTIONS = ("users", "reference", "policies", "rules", "blackouts", "imports", "suppliers")
Text = Annotated[str, Form(max_length=500)]
Many = Annotated[list[str] | None, Form()]


def split_list(text: str) -> list[str]:
    """A form field of comma- or line-separated items, without blanks."""
    return [p.strip() for p in text.replace("\n", ",").split(",") if p.strip()]


def _data(who: Viewer, section: str) -> dict[str, Any]:
    deps = who.deps
    if section == "users":
        return {
            "users": account_admin.list_users(deps, who.principal),
            "subjects": account_admin.list_subject_links(deps, who.principal),
            "roles": [r.value for r in AccountRole],
            "units": reference.list_units(deps),
        }
    if section == "reference":
        return {
            "units": reference.units(deps, who.principal),
            "products": reference.products(deps, who.principal),
            "parties": reference.parties(deps, who.principal),
            "party_kinds": [k.value for k in PartyKind],
            "product_kinds": [k.value for k in ProductKind],
        }
    if section == "policies":
        return {
            "defaults": DEFAULT_GRANTS,
            "overrides": reports.overrides(deps, who.principal),
            "parties": reference.parties(deps, who.principal),
            "classes": [Sensitivity.PUBLIC.value, Sensitivity.RESTRICTED.value],
            "detail_fields": list(DETAIL_FIELDS),
        }
    if section == "rules":
        catalogue = who.container.rule_sets
        return {
            "rule_sets": rules_in_force.rule_sets(deps, who.principal, catalogue),
            "applicability": regimes.applicability(deps, catalogue),
        }
    if section == "imports":
        return {"units": reference.list_units(deps)}
    if section == "suppliers":
        return {
            "units": reference.list_units(deps),
            "suppliers": suppliers.suppliers(deps, who.principal),
        }
    return {"blackouts": publication.list_blackouts(deps, who.principal)}


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
    if section == "suppliers" and (name := request.query_params.get("documents")):
        try:
            return _page(request, who, section, **_documents(who, name))
        except NotFound:
            return not_found(request)
    return _page(request, who, section)


def _documents(who: Viewer, name: str) -> dict[str, Any]:
    """One supplier and the documents fetched from it, for the suppliers page."""
    found = suppliers.supplier(who.deps, who.principal, name)
    return {"shown": found, "documents": suppliers.documents(who.deps, who.principal, found.name)}


def admin_form(
    request: Request, who: Viewer, section: str, action: Callable[[], dict[str, Any] | None]
) -> Response:
    """Run one admin form (its use case checks the viewer); show its secrets once, or go back
    to the section. The administration pages are shown to administrators only."""
    if not who.principal.has(ADMINS):
        return not_found(request)
    try:
        shown = action()
    except VulndeskError as exc:
        code = 422 if exc.code == "invalid_input" else 409
        return _page(request, who, section, status=code, error=say(request, exc, named=True))
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
        user, password = account_admin.add_user(
            who.deps,
            who.principal,
            who.container.passwords,
            name=name,
            email=email,
            roles=[role],
            unit=unit or None,
            display_name=display_name,
        )
        return {"created": user.name, "password": password}

    return admin_form(request, who, "users", run)


@router.post("/admin/users/{name}/disabled")
def set_disabled(request: Request, name: str, who: CurrentViewer, disabled: Text = "1") -> Response:
    def run() -> None:
        account_admin.grant(who.deps, who.principal, name, disabled=disabled == "1")

    return admin_form(request, who, "users", run)


@router.post("/admin/users/{name}/roles")
def change_roles(
    request: Request, name: str, who: CurrentViewer, role: Text = "", op: Text = "add"
) -> Response:
    def run() -> None:
        plus, minus = ([role], []) if op == "add" else ([], [role])
        account_admin.grant(who.deps, who.principal, name, add=plus, remove=minus)

    return admin_form(request, who, "users", run)


@router.post("/admin/users/{name}/totp")
def reset_totp(request: Request, name: str, who: CurrentViewer) -> Response:
    def run() -> dict[str, Any]:
        secret, uri = account_admin.enroll_totp(who.deps, who.principal, name)
        return {"totp_user": name, "totp_secret": secret, "otpauth": uri}

    return admin_form(request, who, "users", run)


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
            who.deps, who.principal, party, tuple(classes or ()), tuple(fields or ())
        )

    return admin_form(request, who, "policies", run)


@router.post("/admin/rules/in-force")
def set_in_force(request: Request, who: CurrentViewer, rule_sets: Many = None) -> Response:
    def run() -> None:
        rules_in_force.set_in_force(
            who.deps, who.principal, who.container.rule_sets, rule_sets or []
        )

    return admin_form(request, who, "rules", run)


@router.post("/admin/rules/options")
def set_option(request: Request, who: CurrentViewer, key: Text = "", value: Text = "") -> Response:
    def run() -> None:
        obligations_admin.set_option(
            who.deps, who.principal, who.container.rule_sets, key, value or None
        )

    return admin_form(request, who, "rules", run)


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
            who.principal,
            name,
            local_instant("start", start, zone),
            local_instant("end", end, zone),
            note,
        )

    return admin_form(request, who, "blackouts", run)


@router.post("/admin/imports")
def import_provider(
    request: Request,
    who: CurrentViewer,
    url: Annotated[str, Form(max_length=2000)] = "",
    unit: Text = "",
    fingerprint: Text = "",
) -> Response:
    """Import a supplier's CSAF provider (as `vulndesk import csaf-provider`); show the result."""

    def run() -> dict[str, Any]:
        c = who.container
        done = provider_import.import_provider(
            who.deps, who.principal, c.csaf_provider_source, c.document_readers, url, unit,
            fingerprint,
        )  # fmt: skip
        return {"result": done}

    return admin_form(request, who, "imports", run)


@router.post("/admin/suppliers")
def add_supplier(
    request: Request,
    who: CurrentViewer,
    name: Text = "",
    url: Annotated[str, Form(max_length=2000)] = "",
    fingerprint: Text = "",
    unit: Text = "",
) -> Response:
    """Store a supplier's CSAF provider with its pinned key (as `vulndesk supplier add`)."""

    def run() -> None:
        suppliers.add(who.deps, who.principal, name, url, fingerprint, unit)

    return admin_form(request, who, "suppliers", run)


@router.post("/admin/suppliers/fetch")
def fetch_supplier(request: Request, who: CurrentViewer, name: Text = "") -> Response:
    """Fetch a supplier now with its stored pin and unit; show the result and its documents."""

    def run() -> dict[str, Any]:
        c = who.container
        done = suppliers.fetch(
            who.deps, who.principal, c.csaf_provider_source, c.document_readers, name
        )
        return {"result": done, **_documents(who, name)}

    return admin_form(request, who, "suppliers", run)


@router.post("/admin/suppliers/pin")
def pin_supplier(
    request: Request,
    who: CurrentViewer,
    name: Text = "",
    fingerprint: Text = "",
    justification: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Change a supplier's pinned fingerprint with a justification (audited)."""

    def run() -> None:
        suppliers.pin(who.deps, who.principal, name, fingerprint, justification)

    return admin_form(request, who, "suppliers", run)


@router.post("/admin/suppliers/remove")
def remove_supplier(request: Request, who: CurrentViewer, name: Text = "") -> Response:
    """Forget a supplier and its document records (audited)."""

    def run() -> None:
        suppliers.remove(who.deps, who.principal, name)

    return admin_form(request, who, "suppliers", run)
