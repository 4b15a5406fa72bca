"""The full schema: importing this module registers every table on the shared metadata."""

from __future__ import annotations

from vulndesk.adapters.storage.tables import core as tables
from vulndesk.adapters.storage.tables.core import metadata

__all__ = ["metadata", "tables"]
