"""Console administration forms for reference data: units, their reporting entity, products,
parties (administrators only; the section page itself is in `pages_admin`)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from vulndesk.entrypoints.web.pages_admin import Text, admin_form, split_list
from vulndesk.entrypoints.web.session import CurrentViewer
from vulndesk.services.cases import reference, regimes

router = APIRouter(include_in_schema=False)


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
            who.principal,
            id=id,
            name=name,
            country=country,
            timezone=timezone,
            parent=parent or None,
        )

    return admin_form(request, who, "reference", run)


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
        reference.set_unit_contact(who.deps, who.principal, unit, change)

    return admin_form(request, who, "reference", run)


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
            who.principal,
            reference.ProductInput(
                id=id,
                vendor=vendor,
                name=name,
                model=model,
                kind=kind,
                versions=split_list(versions),
                markets=split_list(markets),
                suppliers=split_list(suppliers),
                owner_unit=owner_unit or None,
            ),
        )

    return admin_form(request, who, "reference", run)


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
            who.principal,
            id=id,
            name=name,
            kind=kind,
            country=country,
            channels=split_list(channels),
            language=language,
        )

    return admin_form(request, who, "reference", run)


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

    return admin_form(request, who, "reference", run)
