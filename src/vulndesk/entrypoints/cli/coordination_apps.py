"""The `vulndesk coord` command groups and the options its commands share; the commands are
in the coordination_* modules beside this one, registered in the order they are imported by
cli/coordination.py."""

from __future__ import annotations

import typer

coord_app = typer.Typer(
    help="Coordinated disclosure: participants, statuses, embargo, threads.", no_args_is_help=True
)
participants_app = typer.Typer(help="Organisations taking part in a case.", no_args_is_help=True)
status_app = typer.Typer(help="Participants' statuses per product.", no_args_is_help=True)
embargo_app = typer.Typer(help="The case's embargo, with its time zone.", no_args_is_help=True)
thread_app = typer.Typer(help="The shared thread and private threads.", no_args_is_help=True)
coord_app.add_typer(participants_app, name="participants")
coord_app.add_typer(status_app, name="status")
coord_app.add_typer(embargo_app, name="embargo")
coord_app.add_typer(thread_app, name="thread")

JSON = typer.Option(False, "--json", help="Print JSON")
ZONE = typer.Option("UTC", "--zone", help="Your IANA time zone, for showing instants")
