"""Schema migrations with Alembic, configured in code so no alembic.ini is needed."""

from __future__ import annotations

from collections.abc import Callable
from importlib import resources

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from vulndesk.adapters.crypto import FieldCipher


def alembic_config(engine: Engine, cipher: Callable[[], FieldCipher] | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option(
        "script_location", str(resources.files("vulndesk.adapters.storage") / "migrations")
    )
    cfg.attributes["engine"] = engine
    # Migrations that seal existing values call it; the keyring is read only then.
    cfg.attributes["cipher"] = cipher
    return cfg


def upgrade(engine: Engine, cipher: Callable[[], FieldCipher] | None = None) -> None:
    """Create or migrate the database to the newest schema; `cipher` gives the field cipher
    to migrations that encrypt values stored in clear by older versions."""
    command.upgrade(alembic_config(engine, cipher), "heads")


def current_revisions(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        return set(MigrationContext.configure(conn).get_current_heads())


def head_revisions(engine: Engine) -> set[str]:
    return set(ScriptDirectory.from_config(alembic_config(engine)).get_heads())
