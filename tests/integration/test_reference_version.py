"""The reference version moves on every change to reference data, by any path, on both engines."""

from __future__ import annotations

import itertools

from sqlalchemy import text

from tests.builders import as_person
from vulndesk.bootstrap import Container
from vulndesk.services.cases import reference
from vulndesk.services.clocks import options as obligations_admin

ACTOR = as_person("admin", "test")
TABLES = ("org_units", "products", "org_settings", "calendar_overrides")


def _version(container: Container) -> int:
    with container.uow() as uow:
        return uow.reference_version()


def test_every_reference_table_has_its_triggers_at_head(container: Container) -> None:
    with container.engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            rows = conn.execute(
                text("SELECT tgrelid::regclass::text FROM pg_trigger WHERE NOT tgisinternal")
            )
            found = sorted(r[0] for r in rows)
            expected = sorted(TABLES)
        else:
            rows = conn.execute(text("SELECT tbl_name FROM sqlite_master WHERE type = 'trigger'"))
            found = sorted(r[0] for r in rows)
            expected = sorted(t for t in TABLES for _ in range(3))  # insert, update, delete
    assert found == expected


def test_changes_through_the_services_move_it(container: Container) -> None:
    deps = container.deps()
    seen = [_version(container)]
    reference.add_unit(deps, ACTOR, id="cn", name="CN", country="CN", timezone="Asia/Shanghai")
    seen.append(_version(container))
    reference.add_product(
        deps,
        ACTOR,
        reference.ProductInput(id="router", vendor="A", name="R", model="1", versions=("1",)),
    )
    seen.append(_version(container))
    obligations_admin.set_option(
        deps, ACTOR, container.rule_sets, "cn-rmsv-2021.report_window", "2wd"
    )
    seen.append(_version(container))
    obligations_admin.set_calendar_day(deps, ACTOR, "CN", "2026-12-05", True, "make-up day")
    seen.append(_version(container))
    assert all(b > a for a, b in itertools.pairwise(seen)), seen


def test_raw_statements_move_it_and_a_rollback_does_not(container: Container) -> None:
    before = _version(container)
    with container.engine.connect() as conn:
        conn.execute(
            text(
                "INSERT INTO org_units (id, name, country, timezone) "
                "VALUES ('x', 'X', 'DE', 'Europe/Berlin')"
            )
        )
        inside = conn.execute(text("SELECT n FROM reference_version")).scalar_one()
        conn.rollback()
    assert inside > before  # the changing transaction sees its own change at once
    assert _version(container) == before
    with container.engine.begin() as conn:
        conn.execute(text("DELETE FROM org_units WHERE id = 'nothing-here'"))
    assert _version(container) >= before  # a statement that changed nothing may move it
    with container.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO org_units (id, name, country, timezone) "
                "VALUES ('y', 'Y', 'DE', 'Europe/Berlin')"
            )
        )
        conn.execute(text("UPDATE org_units SET name = 'Y2' WHERE id = 'y'"))
    assert _version(container) > before
