"""Console case work: open a case, edit its fields, link it to a product, the triage queue of
reports without a product, and bulk acts on the case list."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from vulndesk.domain.cases import CaseState
from vulndesk.domain.errors import VulndeskError
from vulndesk.domain.ids import CaseKey
from vulndesk.entrypoints.web.pages_cases_forms import _submit
from vulndesk.entrypoints.web.pages_reports import not_found
from vulndesk.entrypoints.web.render import render, say
from vulndesk.entrypoints.web.session import CurrentViewer, Viewer
from vulndesk.services.access import rights as access
from vulndesk.services.cases import bulk, editing, linking, opening, reference
from vulndesk.services.cases import lifecycle as cases

router = APIRouter(include_in_schema=False)

Text = Annotated[str, Form(max_length=20_000)]
Short = Annotated[str, Form(max_length=300)]
OptShort = Annotated[str | None, Form(max_length=300)]
OptText = Annotated[str | None, Form(max_length=20_000)]
Keys = Annotated[list[str] | None, Form(max_length=32)]
# The case form's fields, in the order shown.
CASE_FIELDS = ("title", "unit", "products", "cvss31", "cvss40", "cwe", "remediation", "workaround")


def _new_page(
    request: Request, who: Viewer, form: dict[str, str], errors: dict[str, str], status: int = 200
) -> Response:
    deps = who.deps
    return render(
        request,
        "console/cases/new.html",
        status=status,
        form=form,
        errors=errors,
        units=reference.list_units(deps),
        products=reference.list_products(deps),
    )


@router.get("/cases/new")
def new_case_form(request: Request, who: CurrentViewer) -> Response:
    if not who.principal.has(access.CASE_OPENERS):
        return not_found(request)
    unit = who.principal.unit or ""
    return _new_page(request, who, {"unit": unit}, {})


@router.post("/cases/new")
def open_case(
    request: Request,
    who: CurrentViewer,
    title: Short = "",
    unit: Short = "",
    products: Text = "",
    cvss31: Short = "",
    cvss40: Short = "",
    cwe: Short = "",
    remediation: Text = "",
    workaround: Text = "",
) -> Response:
    """Open a case; the analyst who opens it becomes a member and its clocks start at once."""
    if not who.principal.has(access.CASE_OPENERS):
        return not_found(request)
    form = dict(
        zip(
            CASE_FIELDS,
            (title, unit, products, cvss31, cvss40, cwe, remediation, workaround),
            strict=True,
        )
    )
    details = {
        k: v.strip()
        for k, v in (("remediation", remediation), ("workaround", workaround))
        if v.strip()
    }
    try:
        with who.deps.uow() as uow:
            affected = editing.checked_products(uow, products)
        req = opening.OpenCase(
            title=title,
            unit=unit,
            products={str(p.product): list(p.versions) for p in affected},
            cvss31=cvss31.strip() or None,
            cvss40=cvss40.strip() or None,
            cwe=cwe.strip() or None,
            details=details,
        )
        case = cases.open_case(who.deps, who.principal, req)
    except VulndeskError as exc:
        field = getattr(exc, "field", "")
        return _new_page(
            request, who, form, {field: say(request, exc)}, status=422 if field else 409
        )
    return RedirectResponse(f"/cases/{case.key}", status_code=303)


@router.post("/cases/{key}/fields")
def edit_fields(
    request: Request,
    key: str,
    who: CurrentViewer,
    title: Short,
    products: OptText = None,
    cvss31: OptShort = None,
    cvss40: OptShort = None,
    cwe: OptShort = None,
    remediation: OptText = None,
    workaround: OptText = None,
    unit: OptShort = None,
    owner: OptShort = None,
) -> Response:
    """Save the edit form: only fields sent and different are written, each one audited (the
    unit and owner are a manager's; an empty owner clears it)."""
    sent = {
        "title": title,
        "products": products,
        "cvss31": cvss31,
        "cvss40": cvss40,
        "cwe": cwe,
        "remediation": remediation,
        "workaround": workaround,
        "unit": unit,
        "owner": owner,
    }
    given = {k: v for k, v in sent.items() if v is not None}

    def act(case_key: CaseKey) -> object:
        return editing.edit_case(who.deps, who.principal, case_key, given)

    return _submit(request, who, key, "work", given, act)


@router.post("/cases/{key}/product-link")
def link_product(
    request: Request,
    key: str,
    who: CurrentViewer,
    product: Short = "",
    other: Short = "",
    versions: Short = "",
) -> Response:
    """Link the case to a catalogue product (a suggestion, or another id typed in): it moves to
    the product's unit and its clocks start."""
    chosen = other.strip() or product

    def act(case_key: CaseKey) -> object:
        return linking.link_product(who.deps, who.principal, case_key, chosen, versions)

    form = {"product": product, "other": other, "versions": versions}
    return _submit(request, who, key, "link", form, act)


@router.get("/cases/triage")
def triage(request: Request, who: CurrentViewer) -> Response:
    """Reports that name no catalogue product, for the coordinators of every unit."""
    if not who.principal.has(access.ALL_CASES):
        return not_found(request)
    rows = linking.unlinked(who.deps, who.principal)
    return render(request, "console/cases/triage.html", rows=rows)


@router.post("/cases/bulk")
def bulk_act(
    request: Request,
    who: CurrentViewer,
    action: Short,
    keys: Keys = None,
    to: Short = "",
    reason: Text = "",
    owner: Short = "",
) -> Response:
    """Assign or transition the selected cases; the page lists each case's result."""
    if not who.principal.has(access.CASE_WRITERS):
        return not_found(request)
    chosen = list(keys or [])
    try:
        if action == "assign":
            results = bulk.bulk_assign(who.deps, who.principal, chosen, owner)
        elif action == "transition":
            results = bulk.bulk_transition(who.deps, who.principal, chosen, to, reason)
        else:
            results, error = [], "action: assign, transition"
            return render(request, "console/cases/bulk.html", 422, results=results, error=error)
    except VulndeskError as exc:
        code = 403 if exc.code == "forbidden" else 422
        return render(
            request,
            "console/cases/bulk.html",
            code,
            results=[],
            error=say(request, exc, named=True),
        )
    return render(
        request, "console/cases/bulk.html", results=results, error="", states=list(CaseState)
    )
