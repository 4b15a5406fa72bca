"""Operator work on the whole database: backup, restore and the figures /metrics reports."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine

from vulndesk.services.audit import checkpoints as audit_tools

if TYPE_CHECKING:
    from vulndesk.adapters.storage.backup import BackupSummary


def backup(engine: Engine, target: Path, checkpoints: Path, now: dt.datetime) -> BackupSummary:
    """A consistent snapshot of the database, still encrypted, with the newest checkpoint."""
    from vulndesk.adapters.storage import backup as snapshot

    newest = audit_tools.newest_checkpoint(checkpoints)
    cp = None if newest is None else asdict(newest)
    return snapshot.write(engine, target, cp, now)


def restore(
    engine: Engine, source: Path, checkpoints: Path, migrate: Callable[[], None]
) -> BackupSummary:
    """Migrate the (empty) database, load the backup, and put its checkpoint in place."""
    from vulndesk.adapters.storage import backup_restore

    backup_restore.read_header(source)  # a broken file is refused before anything is made
    migrate()
    summary = backup_restore.restore(engine, source)
    if summary.checkpoint is not None:
        cp = audit_tools.load_checkpoint(json.dumps(summary.checkpoint))
        audit_tools.write_checkpoint(cp, checkpoints)
    return summary


def figures(engine: Engine, checkpoints: Path, now: dt.datetime) -> dict[str, float]:
    """What /metrics reports beside the request counters (read at each scrape)."""
    from vulndesk.adapters.storage.repositories import operations

    found = operations.figures(engine, now)
    newest = audit_tools.newest_checkpoint(checkpoints)
    if newest is not None:
        at = dt.datetime.fromisoformat(newest.at)
        found["checkpoint_age_seconds"] = max(0.0, (now - at).total_seconds())
    return found
