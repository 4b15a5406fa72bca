"""A transaction may bind any number of evidence rows: the rows it noted are read back in
statements small enough for SQLite's limits on bound values (32,766) and expression depth."""

from __future__ import annotations

from sqlalchemy import select

from tests.builders import as_person, open_case, seed_reference
from vulndesk.adapters.storage import evidence
from vulndesk.adapters.storage.tables.core import case_facts
from vulndesk.bootstrap import Container

ACTOR = as_person("analyst-a", "test", unit="cn")


def test_thousands_of_noted_rows_are_read_back_in_one_commit(container: Container) -> None:
    deps = container.deps()
    seed_reference(deps, ACTOR)
    open_case(deps, ACTOR)
    with container.engine.begin() as conn:
        facts = conn.execute(select(case_facts.c.id, case_facts.c.kind)).all()
        assert facts, "the opened case has facts to bind"
        real = [int(r.id) for r in facts]
        # 40,000 ids (beyond SQLite's 32,766 bound values) and 1,500 separate conditions
        # (beyond its expression depth of 1,000), the real rows among them.
        evidence.note_ids(conn, case_facts, [*real, *range(10_000_000, 10_040_000)])
        evidence.note(
            conn,
            case_facts,
            *(case_facts.c.id == -n for n in range(1, 1_500)),
            case_facts.c.kind == facts[0].kind,
        )
        bound = evidence.take_pending(conn)
    assert set(bound) == {f"case_facts:{i}" for i in real}
    assert all(len(digest) == 64 for digest in bound.values())
