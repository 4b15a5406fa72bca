"""SQL organisation settings: rule-set options and working-day calendar overrides."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, delete, select
from sqlalchemy.dialects import postgresql, sqlite

from vulndesk.adapters.storage.fast import FastStatement
from vulndesk.adapters.storage.tables.background import calendar_overrides, org_settings
from vulndesk.services.background.ports import CalendarOverride, OrgSetting

# Read whenever clocks are computed (every report, every case change): prebuilt (see fast.py).
_OPTIONS = FastStatement(select(org_settings.c.key, org_settings.c.value))
_OVERRIDES = FastStatement(
    select(calendar_overrides.c.country, calendar_overrides.c.day, calendar_overrides.c.working)
)


def _upsert(conn: Connection, table: object, keys: list[str], values: dict[str, object]) -> None:
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(table).values(**values)
    changes = {k: v for k, v in values.items() if k not in keys}
    conn.execute(stmt.on_conflict_do_update(index_elements=keys, set_=changes))


class SqlOrgSettingsRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def options(self) -> dict[str, str]:
        return dict(_OPTIONS.execute(self.conn).rows)

    def list(self) -> list[OrgSetting]:
        stmt = select(org_settings).order_by(org_settings.c.key)
        return [
            OrgSetting(r.key, r.value, r.updated_at, r.updated_by) for r in self.conn.execute(stmt)
        ]

    def set(self, setting: OrgSetting) -> None:
        _upsert(
            self.conn,
            org_settings,
            ["key"],
            {
                "key": setting.key,
                "value": setting.value,
                "updated_at": setting.updated_at,
                "updated_by": setting.updated_by,
            },
        )

    def delete(self, key: str) -> bool:
        return (
            self.conn.execute(delete(org_settings).where(org_settings.c.key == key)).rowcount == 1
        )


class SqlCalendarRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def overrides(self) -> dict[str, dict[dt.date, bool]]:
        found: dict[str, dict[dt.date, bool]] = {}
        for country, day, working in _OVERRIDES.execute(self.conn).rows:
            found.setdefault(country, {})[day] = bool(working)
        return found

    def list(self, country: str | None = None) -> list[CalendarOverride]:
        stmt = select(calendar_overrides).order_by(
            calendar_overrides.c.country, calendar_overrides.c.day
        )
        if country is not None:
            stmt = stmt.where(calendar_overrides.c.country == country)
        return [
            CalendarOverride(r.country, r.day, bool(r.working), r.note, r.updated_at, r.updated_by)
            for r in self.conn.execute(stmt)
        ]

    def set(self, override: CalendarOverride) -> None:
        _upsert(
            self.conn,
            calendar_overrides,
            ["country", "day"],
            {
                "country": override.country,
                "day": override.day,
                "working": override.working,
                "note": override.note,
                "updated_at": override.updated_at,
                "updated_by": override.updated_by,
            },
        )

    def delete(self, country: str, day: dt.date) -> bool:
        stmt = delete(calendar_overrides).where(
            calendar_overrides.c.country == country, calendar_overrides.c.day == day
        )
        return self.conn.execute(stmt).rowcount == 1
