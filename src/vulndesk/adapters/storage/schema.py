"""The full schema: importing this module registers every table on the shared metadata."""

from __future__ import annotations

from vulndesk.adapters.storage import (
    tables,
    tables_accounts,  # noqa: F401
    tables_advisories,  # noqa: F401
    tables_intake,  # noqa: F401
    tables_notifications,  # noqa: F401
    tables_publication,  # noqa: F401
    tables_reports,  # noqa: F401
    tables_worker,  # noqa: F401
)
from vulndesk.adapters.storage.tables import metadata

__all__ = ["metadata", "tables"]
