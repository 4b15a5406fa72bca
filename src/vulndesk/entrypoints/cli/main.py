"""The `vulndesk` command: registers every command group and runs it."""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path
from typing import Any

import typer

from vulndesk.bootstrap import Container
from vulndesk.domain.errors import InvalidInput
from vulndesk.domain.ids import UnitId
from vulndesk.domain.values import timezone as check_zone
from vulndesk.entrypoints.cli import accounts as accounts_cli
from vulndesk.entrypoints.cli import advisory as advisory_cli
from vulndesk.entrypoints.cli import audit as audit_cli
from vulndesk.entrypoints.cli import backup as backup_cli
from vulndesk.entrypoints.cli import case_thread as case_thread_cli  # noqa: F401 - registers its commands
from vulndesk.entrypoints.cli import case_work as case_work_cli  # noqa: F401 - registers its commands
from vulndesk.entrypoints.cli import coordination as coordination_cli
from vulndesk.entrypoints.cli import cve as cve_cli
from vulndesk.entrypoints.cli import exposure as exposure_cli
from vulndesk.entrypoints.cli import idempotency as idempotency_cli
from vulndesk.entrypoints.cli import intake as intake_cli
from vulndesk.entrypoints.cli import keys as keys_cli
from vulndesk.entrypoints.cli import notify as notify_cli
from vulndesk.entrypoints.cli import obligations as obligations_cli
from vulndesk.entrypoints.cli import publication as publication_cli
from vulndesk.entrypoints.cli import reports as reports_cli
from vulndesk.entrypoints.cli import signin as signin_cli
from vulndesk.entrypoints.cli import sso as sso_cli
from vulndesk.entrypoints.cli import suppliers as suppliers_cli
from vulndesk.entrypoints.cli import whatif as whatif_cli  # noqa: F401 - registers `rules what-if`
from vulndesk.entrypoints.cli import worker as worker_cli
from vulndesk.entrypoints.cli.cases import case_app, obligation_rows, obligations_json
from vulndesk.entrypoints.cli.common import (
    container,
    deps,
    errors,
    print_json,
    signed_in,
    table,
)
from vulndesk.entrypoints.cli.reference import org_app, party_app, product_app
from vulndesk.services.access import rights as access
from vulndesk.services.advisories.ports import AdvisorySite
from vulndesk.services.cases import reference
from vulndesk.services.demo import advisory as demo_advisory
from vulndesk.services.demo import coordination as demo_coordination
from vulndesk.services.demo import cve as demo_cve
from vulndesk.services.demo import history as demo_history
from vulndesk.services.demo import organisation as demo

app = typer.Typer(
    help="vulndesk: a vulnerability disclosure desk with regulatory clocks.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(org_app, name="org")
app.add_typer(product_app, name="product")
app.add_typer(party_app, name="party")
app.add_typer(case_app, name="case")
app.add_typer(accounts_cli.user_app, name="user")
case_app.add_typer(accounts_cli.member_app, name="member")
app.add_typer(
    obligations_cli.app,
    name="obligations",
    help="Evaluate regulatory obligations for a facts file.",
)
app.add_typer(obligations_cli.rules_app, name="rules", help="Rule sets: list and lint rule files.")
app.add_typer(audit_cli.audit_app, name="audit")
app.add_typer(keys_cli.keys_app, name="keys")
app.add_typer(sso_cli.sso_app, name="sso")
app.add_typer(intake_cli.intake_app, name="intake")
app.add_typer(idempotency_cli.idempotency_app, name="idempotency")
app.add_typer(reports_cli.report_app, name="report")
app.add_typer(reports_cli.ledger_app, name="ledger")
app.add_typer(reports_cli.oversight_app, name="oversight")
app.add_typer(notify_cli.notify_app, name="notify")
publication_cli.register(app)
suppliers_cli.register(app)
exposure_cli.register(reports_cli.report_app)
advisory_cli.register(app)
cve_cli.register(app)
coordination_cli.register(app)
worker_cli.register(app)
signin_cli.register(app)
backup_cli.register(app)


@app.command("init")
def init() -> None:
    """Create the database or migrate it to the newest schema."""
    c = container()
    with errors():
        c.migrate()
    typer.echo(f"database ready: {c.settings.effective_database_url.split('@')[-1]}")


@app.command("demo")
def demo_cmd(
    if_empty: bool = typer.Option(False, "--if-empty", help="Load only into an empty database"),
) -> None:
    """Load a realistic demo organisation: US headquarters, Chinese and German subsidiaries."""
    c = container()
    with errors():
        c.migrate()
        loaded = demo.load(deps(), only_if_empty=if_empty)
        created = demo.users(deps(), demo.ACTOR, c.passwords) if loaded else []
        filed = demo_history.load(deps()) if loaded else 0
        if loaded:
            demo_cve.reserve(deps())
        signing = c if _signing_site(c) is not None else c.with_demo_signing_key()
        site = _signing_site(signing) if signing is not None else None
        try:
            advised = demo_advisory.load(deps(), c.advisory_setup, site) if loaded else ""
        finally:
            if signing is not None and signing is not c:
                signing.close()
        cves = demo_cve.settle(deps()) if loaded else {}
        coordination = demo_coordination.load(deps(), c.passwords) if loaded else None
        coordinated = coordination.case if coordination else ""
        if coordination is not None:
            created.append(coordination.participant)
    states = ", ".join(f"{n} {state}" for state, n in sorted(cves.items()))
    typer.echo(
        f"demo loaded: {loaded} cases, {filed} regulator filings, one advisory {advised}, "
        f"{sum(cves.values())} CVE ids ({states}), a coordinated disclosure on {coordinated}"
        if loaded
        else "database not empty: demo not loaded"
    )
    if created:
        path = _write_demo_credentials(c.settings.home, created)
        typer.echo(f"demo accounts: {len(created)}; passwords and TOTP secrets are in {path}")


def _signing_site(c: Container) -> AdvisorySite | None:
    """The advisory site when a signing key is configured; the demo never publishes unsigned."""
    try:
        return c.advisory_site
    except InvalidInput:
        return None


def _write_demo_credentials(home: Path, created: list[demo.DemoAccount]) -> Path:
    """Secrets go to a file only its owner may read, never to the terminal or logs."""
    path = home / "demo-credentials.txt"
    rows = [("name", "role", "unit", "password", "totp_secret", "otpauth")]
    rows += [(a.name, a.role, a.unit, a.password, a.totp_secret, a.otpauth) for a in created]
    head = (
        "# vulndesk demo accounts (tab-separated); sign in with a TOTP app code. A participant"
        " row is an outside participant's account: it sees only its case, at /shared"
    )
    lines = [head]
    lines += ["\t".join(r) for r in rows]
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n")
    path.chmod(0o600)
    return path


_WITHIN = re.compile(r"^(\d+)([hdw])$")


def _within(text: str) -> dt.timedelta:
    m = _WITHIN.match(text.strip())
    if not m:
        raise InvalidInput(
            "within", f"{text!r} is not a duration", "a number and h, d or w, e.g. 48h, 7d"
        )
    n, unit = int(m.group(1)), m.group(2)
    return {"h": dt.timedelta(hours=n), "d": dt.timedelta(days=n), "w": dt.timedelta(weeks=n)}[unit]


@app.command("due")
def due(
    within: str = typer.Option("72h", "--within", help="Window from now, e.g. 48h, 7d"),
    org: str | None = typer.Option(None, "--org", help="Only this organisation unit"),
    limit: int = typer.Option(100, "--limit"),
    tz: str | None = typer.Option(None, "--tz"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """What falls due soonest across the cases you may see (overdue first)."""
    who = signed_in()
    with errors():
        zone = check_zone("tz", tz or container().settings.timezone)
        if org:
            reference.unit(deps(), who, org)
        items = access.due_soon(deps(), who, _within(within), UnitId(org) if org else None, limit)
    now = container().clock.now()
    if as_json:
        print_json({"now": now, "obligations": obligations_json(items)})
        return
    rows = [(o.case, *row) for o, row in zip(items, obligation_rows(items, now, zone), strict=True)]
    table(
        f"Due within {within}",
        [
            "case",
            "obligation",
            "article",
            "timing",
            "status",
            f"due ({zone})",
            "due (rule zone)",
            "time left",
            "flags",
        ],
        rows,
    )


@app.command("serve")
def serve(
    host: str | None = typer.Option(None, "--host"),
    port: int | None = typer.Option(None, "--port"),
    workers: int | None = typer.Option(
        None, "--workers", min=1, help="Server processes (default VULNDESK_WORKERS, else 1)"
    ),
) -> None:
    """Start the web server (API and console)."""
    import faulthandler
    import signal

    import uvicorn

    from vulndesk.entrypoints.api.app import create_app
    from vulndesk.entrypoints.api.serving import log_config, run_processes

    c = container()
    with errors():
        c.migrate()
        # Made once here: processes that each found no key file would each write their own.
        _ = c.cipher
    h, p, n = host or c.settings.host, port or c.settings.port, workers or c.settings.workers
    typer.echo(f"vulndesk serving on http://{h}:{p}/" + (f" with {n} processes" if n > 1 else ""))
    trusted = list(c.settings.trusted_proxies)
    # Forwarded headers are believed only from the configured proxies; without any, from nobody.
    options: dict[str, Any] = {
        "host": h,
        "port": p,
        "log_level": "info",
        "proxy_headers": bool(trusted),
        "forwarded_allow_ips": trusted or None,
        "server_header": False,
    }
    if c.settings.log_file is not None or c.settings.log_format == "json":
        options["log_config"] = log_config(c.settings.log_file, c.settings.log_format)
    # In JSON, vulndesk writes the access line itself, with the request id and duration.
    options["access_log"] = c.settings.log_format != "json"
    for name in c.settings.unknown:
        typer.echo(f"warning: {name} names no setting and is ignored (see README)", err=True)
    if n == 1:
        # `kill -USR1 <pid>` writes every thread's stack to stderr: how to see where it hangs.
        faulthandler.register(signal.SIGUSR1, all_threads=True)
        uvicorn.run(create_app(c), **options)
        return
    # Each process builds its own container from the environment it inherits, so it reads the
    # settings this one read; host and port matter only here, where the socket is bound. Each
    # registers the SIGUSR1 stack dump itself (this parent only supervises them).
    c.close()
    run_processes("vulndesk.entrypoints.api.app:create_app_from_env", n, **options)


def _register_optional() -> None:
    """Command groups delivered by later modules register here."""
    from vulndesk.entrypoints.cli import obligations as obligations_cli

    app.add_typer(
        obligations_cli.app,
        name="obligations",
        help="Evaluate regulatory obligations for a facts file.",
    )
    app.add_typer(
        obligations_cli.rules_app, name="rules", help="Rule sets: list and lint rule files."
    )


def run() -> None:
    # Everything this process and its children create (the database with its WAL and SHM,
    # the key file, logs, exports) is the owner's alone: files 0600, directories 0700.
    os.umask(0o077)
    _register_optional()
    app()


__all__ = ["app", "print_json", "run", "table"]
