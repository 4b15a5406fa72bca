"""CLI `vulndesk coord`: coordinated disclosure with many parties on one case.

Participants, their per-product statuses (approved by a second person before they are
shared), the embargo (an end with its IANA zone, shown in both zones), the shared and private
threads, invitation suggestions with their reasons, and sending a participant its shared view.
"""

from __future__ import annotations

import typer

# Imported for the commands they add to the `coord` groups (coordination_apps).
from vulndesk.entrypoints.cli import (  # noqa: F401
    coordination_embargo,
    coordination_participants,
    coordination_shares,
    coordination_threads,
)
from vulndesk.entrypoints.cli.coordination_apps import coord_app


def register(app: typer.Typer) -> None:
    app.add_typer(coord_app, name="coord")
