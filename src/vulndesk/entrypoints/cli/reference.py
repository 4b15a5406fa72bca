"""CLI commands for organisation units, products and parties."""

from __future__ import annotations

import typer

from vulndesk.entrypoints.cli.common import deps, errors, print_json, signed_in, table
from vulndesk.services.cases import reference, regimes

org_app = typer.Typer(
    help="Organisation units (legal entities: headquarters and subsidiaries).", no_args_is_help=True
)
product_app = typer.Typer(help="Products, services and systems.", no_args_is_help=True)
party_app = typer.Typer(
    help="Parties: regulators, CSIRTs, customers, suppliers, reporters, the public.",
    no_args_is_help=True,
)


@org_app.command("add")
def org_add(
    id: str = typer.Argument(..., help="Short id, e.g. acme-cn"),
    name: str = typer.Option(..., "--name"),
    country: str = typer.Option(..., "--country", help="ISO 3166 alpha-2"),
    timezone: str = typer.Option(..., "--timezone", help="IANA zone, e.g. Asia/Shanghai"),
    parent: str | None = typer.Option(None, "--parent", help="Parent unit id (headquarters)"),
) -> None:
    """Add an organisation unit."""
    who = signed_in()
    with errors():
        unit = reference.add_unit(
            deps(), who, id=id, name=name, country=country, timezone=timezone, parent=parent
        )
    typer.echo(f"added unit {unit.id}")


@org_app.command("set-contact")
def org_set_contact(
    id: str = typer.Argument(..., help="Unit id, e.g. acme-cn"),
    name: str | None = typer.Option(None, "--name", help="Legal entity name regulators see"),
    person: str | None = typer.Option(None, "--person", help="Contact person"),
    email: str | None = typer.Option(None, "--email", help="Contact e-mail, also the mail From"),
    phone: str | None = typer.Option(None, "--phone", help="E.164, e.g. '+86 10 5555 0100'"),
    on_call_email: str | None = typer.Option(
        None, "--on-call-email", help="Where deadline escalations are mailed"
    ),
    on_call_webhook: str | None = typer.Option(
        None, "--on-call-webhook", help="https URL on VULNDESK_WEBHOOK_HOSTS for escalations"
    ),
) -> None:
    """Set the reporting entity and on-call address of a unit ('' clears a field)."""
    who = signed_in()
    change = reference.UnitContact(name, person, email, phone, on_call_email, on_call_webhook)
    with errors():
        unit = reference.set_unit_contact(deps(), who, id, change)
    typer.echo(f"contact set for unit {unit.id}")


@org_app.command("set-regimes")
def org_set_regimes(
    id: str = typer.Argument(..., help="Unit id, e.g. acme-fi"),
    eu_establishment: str | None = typer.Option(
        None,
        "--eu-main-establishment-timezone",
        help="Zone of the main establishment in the EU (CRA Art. 14(7)), e.g. Europe/Helsinki",
    ),
    nis2: str | None = typer.Option(None, "--nis2-entity", help="essential or important (NIS2)"),
    financial: str | None = typer.Option(
        None, "--financial-entity", help="true or false (DORA financial entity)"
    ),
    cn_class: str | None = typer.Option(
        None, "--cn-operator-class", help="cii, state_organ or other (CAC incident measures)"
    ),
) -> None:
    """Record what the rule sets bind a unit on ('' clears a field); open cases are recomputed."""
    who = signed_in()
    change = regimes.UnitRegimes(eu_establishment, nis2, financial, cn_class)
    with errors():
        unit = regimes.set_unit_regimes(deps(), who, id, change, "cli")
    typer.echo(
        f"unit {unit.id}: eu_main_establishment_timezone="
        f"{unit.eu_main_establishment_timezone or '-'} nis2_entity={unit.nis2_entity or '-'} "
        f"financial_entity={str(unit.financial_entity).lower()} "
        f"cn_operator_class={unit.cn_operator_class or '-'}"
    )


@org_app.command("list")
def org_list(as_json: bool = typer.Option(False, "--json")) -> None:
    """List organisation units."""
    who = signed_in()
    with errors():
        units = reference.units(deps(), who)
    if as_json:
        print_json(units)
        return
    table(
        "Units",
        ["id", "name", "country", "timezone", "parent"],
        [(u.id, u.name, u.country, u.timezone, u.parent) for u in units],
    )


@org_app.command("show")
def org_show(id: str, as_json: bool = typer.Option(False, "--json")) -> None:
    """Show one organisation unit."""
    who = signed_in()
    with errors():
        unit = reference.unit(deps(), who, id)
    if as_json:
        print_json(unit)
        return
    table(
        f"Unit {unit.id}",
        ["field", "value"],
        [
            ("name", unit.name),
            ("country", unit.country),
            ("timezone", unit.timezone),
            ("parent", unit.parent),
            ("legal name", unit.legal_name),
            ("contact person", unit.contact_person),
            ("contact e-mail", unit.contact_email),
            ("contact phone", unit.contact_phone),
            ("on-call e-mail", unit.on_call_email),
            ("on-call webhook", unit.on_call_webhook),
        ],
    )


@product_app.command("add")
def product_add(
    id: str = typer.Argument(...),
    vendor: str = typer.Option(..., "--vendor"),
    name: str = typer.Option(..., "--name"),
    model: str = typer.Option(..., "--model"),
    kind: str = typer.Option("product", "--kind", help="product, service or system"),
    version: list[str] = typer.Option([], "--version", help="Repeat for each released version"),
    market: list[str] = typer.Option(
        [], "--market", help="Repeat: countries where it is made available"
    ),
    component: list[str] = typer.Option([], "--component", help="Repeat: upstream component purl"),
    supplier: list[str] = typer.Option([], "--supplier", help="Repeat: upstream supplier party id"),
    users_must_act: bool = typer.Option(True, "--users-must-act/--no-user-action"),
    purl: str | None = typer.Option(None, "--purl"),
    installed_base: int | None = typer.Option(None, "--installed-base"),
    owner_unit: str | None = typer.Option(None, "--owner-unit"),
) -> None:
    """Add a product."""
    who = signed_in()
    with errors():
        p = reference.add_product(
            deps(),
            who,
            reference.ProductInput(
                id=id,
                vendor=vendor,
                name=name,
                model=model,
                kind=kind,
                versions=version,
                markets=market,
                components=component,
                suppliers=supplier,
                users_must_act=users_must_act,
                purl=purl,
                installed_base=installed_base,
                owner_unit=owner_unit,
            ),
        )
    typer.echo(f"added product {p.id}")


@product_app.command("list")
def product_list(as_json: bool = typer.Option(False, "--json")) -> None:
    """List products."""
    who = signed_in()
    with errors():
        items = reference.products(deps(), who)
    if as_json:
        print_json(items)
        return
    table(
        "Products",
        ["id", "vendor", "name", "model", "kind", "versions", "markets"],
        [
            (
                p.id,
                p.vendor,
                p.name,
                p.model,
                p.kind.value,
                ", ".join(p.versions),
                ", ".join(p.markets),
            )
            for p in items
        ],
    )


@product_app.command("show")
def product_show(id: str, as_json: bool = typer.Option(False, "--json")) -> None:
    """Show one product."""
    who = signed_in()
    with errors():
        p = reference.product(deps(), who, id)
    if as_json:
        print_json(p)
        return
    table(
        f"Product {p.id}",
        ["field", "value"],
        [
            ("vendor", p.vendor),
            ("name", p.name),
            ("model", p.model),
            ("kind", p.kind.value),
            ("versions", ", ".join(p.versions)),
            ("markets", ", ".join(p.markets)),
            ("components", ", ".join(c.purl for c in p.components)),
            ("suppliers", ", ".join(p.suppliers)),
            ("users must act", p.users_must_act),
            ("purl", p.purl),
            ("installed base", p.installed_base),
        ],
    )


@party_app.command("add")
def party_add(
    id: str = typer.Argument(...),
    name: str = typer.Option(..., "--name"),
    kind: str = typer.Option(
        ...,
        "--kind",
        help="regulator, csirt, customer, downstream_maker, upstream_supplier, reporter, public",
    ),
    country: str = typer.Option(..., "--country"),
    channel: list[str] = typer.Option(
        [], "--channel", help="Repeat: kind:address, e.g. email:psirt@example.com"
    ),
    language: str = typer.Option("en", "--language", help="en or zh-CN"),
) -> None:
    """Add a party (a recipient of disclosures)."""
    who = signed_in()
    with errors():
        p = reference.add_party(
            deps(),
            who,
            id=id,
            name=name,
            kind=kind,
            country=country,
            channels=channel,
            language=language,
        )
    typer.echo(f"added party {p.id}")


@party_app.command("list")
def party_list(as_json: bool = typer.Option(False, "--json")) -> None:
    """List parties."""
    who = signed_in()
    with errors():
        items = reference.parties(deps(), who)
    if as_json:
        print_json(items)
        return
    table(
        "Parties",
        ["id", "name", "kind", "country", "language", "channels"],
        [
            (
                p.id,
                p.name,
                p.kind.value,
                p.country,
                p.language,
                ", ".join(f"{c.kind.value}:{c.address}" for c in p.channels),
            )
            for p in items
        ],
    )


@party_app.command("show")
def party_show(id: str, as_json: bool = typer.Option(False, "--json")) -> None:
    """Show one party."""
    who = signed_in()
    with errors():
        p = reference.party(deps(), who, id)
    if as_json:
        print_json(p)
        return
    table(
        f"Party {p.id}",
        ["field", "value"],
        [
            ("name", p.name),
            ("kind", p.kind.value),
            ("country", p.country),
            ("language", p.language),
            ("channels", ", ".join(f"{c.kind.value}:{c.address}" for c in p.channels)),
        ],
    )
