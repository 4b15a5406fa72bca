"""Fast statements behave as `Connection.execute` does, on SQLite and on PostgreSQL.

Types, RETURNING, rowcounts, errors, savepoints and statement listeners are each checked
against the normal path on the same connection, so a difference in either shows up.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import (
    Connection,
    Text,
    bindparam,
    cast,
    event,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.exc import (
    IntegrityError,
    InvalidRequestError,
    MultipleResultsFound,
    NoResultFound,
    StatementError,
)

from tests.builders import as_person, open_case, seed_reference
from vulndesk.adapters.storage.engine import make_engine
from vulndesk.adapters.storage.fast import FastStatement
from vulndesk.adapters.storage.repositories.intake import SqlIdempotencyStore
from vulndesk.adapters.storage.repositories.obligations import _row
from vulndesk.adapters.storage.repositories.reference import _product, _unit
from vulndesk.adapters.storage.tables.core import (
    audit_events,
    case_counters,
    obligations,
    org_units,
    products,
)
from vulndesk.adapters.storage.tables.core import cases as cases_table
from vulndesk.bootstrap import Container
from vulndesk.domain.accounts import ApiToken, User
from vulndesk.domain.cases import CaseState
from vulndesk.domain.errors import NotFound
from vulndesk.domain.facts import FactKind
from vulndesk.domain.ids import CaseKey, PartyId, ProductId, UnitId
from vulndesk.services.access.rights import Principal
from vulndesk.services.background.ports import CalendarOverride, OrgSetting
from vulndesk.services.cases import lifecycle as cases
from vulndesk.services.context import Deps
from vulndesk.services.intake.ports import IdempotencyKeyTaken, StoredResponse

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
AT = dt.datetime(2026, 11, 2, 9, 30, 15, 123456, tzinfo=SHANGHAI)

_INSERT_EVENT = FastStatement(insert(audit_events))
_EVENT = FastStatement(select(audit_events).where(audit_events.c.seq == bindparam("wanted")))
_COUNTER_INSERT = FastStatement(insert(case_counters))
_COUNTER_INSERT_RETURNING = FastStatement(
    insert(case_counters).returning(case_counters.c.year, case_counters.c.last)
)
_BUMP = FastStatement(
    update(case_counters)
    .where(case_counters.c.year == bindparam("y"))
    .values(last=case_counters.c.last + 1)
    .returning(case_counters.c.last)
)
_TOUCH = FastStatement(update(case_counters).where(case_counters.c.year < bindparam("before")))
_COUNTERS = FastStatement(select(case_counters.c.year).order_by(case_counters.c.year))
_RAW = select(
    cast(audit_events.c.at, Text), cast(audit_events.c.fields, Text), audit_events.c.detail
).where(audit_events.c.seq == bindparam("wanted"))


def _event(seq: int, **changes: Any) -> dict[str, Any]:
    row = {
        "seq": seq,
        "at": AT,
        "actor": "analyst-a",
        "tag": "case:fact:recorded",
        "object_type": "case",
        "object_id": "VD-2026-0001",
        "fields": ["facts", "状态"],
        "source": "test",
        "detail": {"kind": "verified", "note": "已验证", "n": 2},
        "prev_hash": "0" * 64,
        "hash": f"{seq:064d}",
    }
    return row | changes


@pytest.fixture
def conn(container: Container) -> Iterator[Connection]:
    with container.engine.connect() as c:
        tx = c.begin()
        try:
            yield c
        finally:
            tx.rollback()


def test_binds_and_results_go_through_the_column_types(conn: Connection) -> None:
    conn.execute(insert(audit_events), _event(9001))
    assert _INSERT_EVENT.execute(conn, _event(9002)).rowcount == 1
    fast = _EVENT.execute(conn, {"wanted": 9002})
    normal = conn.execute(select(audit_events).where(audit_events.c.seq == 9001)).one()
    assert fast.keys == tuple(normal._mapping.keys())
    (row,) = fast.rows
    assert row[1] == AT and row[1].utcoffset() == dt.timedelta(0), "read back aware, in UTC"
    assert row[6] == ["facts", "状态"] and row[8] == {"kind": "verified", "note": "已验证", "n": 2}
    assert row[2:-1] == tuple(normal)[2:-1]
    # Stored exactly as the normal path stores them.
    stored = [conn.execute(_RAW, {"wanted": s}).one() for s in (9001, 9002)]
    assert stored[0] == stored[1]


def test_a_naive_datetime_is_refused_as_on_the_normal_path(conn: Connection) -> None:
    naive = _event(9003, at=AT.replace(tzinfo=None))
    with conn.begin_nested(), pytest.raises(StatementError, match="naive datetime") as normal:
        conn.execute(insert(audit_events), naive)
    with conn.begin_nested(), pytest.raises(StatementError, match="naive datetime") as fast:
        _INSERT_EVENT.execute(conn, naive)
    assert type(fast.value) is type(normal.value)
    assert isinstance(fast.value.orig, ValueError)


def test_returning_rowcount_and_executemany(conn: Connection) -> None:
    conn.execute(case_counters.delete())
    inserted = _COUNTER_INSERT_RETURNING.execute(conn, {"year": 2101, "last": 4})
    assert inserted.rows == [(2101, 4)]
    assert inserted.keys == ("year", "last")
    many = _COUNTER_INSERT.executemany(conn, [{"year": y, "last": 0} for y in (2102, 2103, 2104)])
    assert many.rowcount == 3
    assert _BUMP.execute(conn, {"y": 2101}).scalar_one() == 5
    assert _BUMP.execute(conn, {"y": 1999}).scalar_one_or_none() is None
    assert _TOUCH.execute(conn, {"before": 2104, "last": 7}).rowcount == 3
    assert [r[0] for r in _COUNTERS.execute(conn).rows] == [2101, 2102, 2103, 2104]
    lasts = conn.execute(select(case_counters.c.last).order_by(case_counters.c.year))
    assert list(lasts.scalars()) == [7, 7, 7, 0]
    with pytest.raises(NoResultFound):
        _BUMP.execute(conn, {"y": 1999}).scalar_one()
    with pytest.raises(MultipleResultsFound):
        _COUNTERS.execute(conn).scalar_one()


def test_a_textual_statement_returns_its_rows(conn: Connection) -> None:
    result = FastStatement(text("SELECT :a AS a, :b AS b")).execute(conn, {"a": 3, "b": "x"})
    assert result.rows == [(3, "x")]
    assert list(result.mappings()) == [{"a": 3, "b": "x"}]


def test_a_unique_key_raises_integrity_error_and_leaves_the_savepoint_usable(
    conn: Connection,
) -> None:
    _INSERT_EVENT.execute(conn, _event(9004))
    with pytest.raises(IntegrityError) as caught, conn.begin_nested():
        _INSERT_EVENT.execute(conn, _event(9004))
    assert isinstance(caught.value.orig, conn.dialect.loaded_dbapi.IntegrityError)
    # The outer transaction goes on after the savepoint rolled back (PostgreSQL included).
    assert len(_EVENT.execute(conn, {"wanted": 9004}).rows) == 1


def test_the_idempotency_store_still_reports_a_taken_key(
    container: Container, conn: Connection
) -> None:
    store = SqlIdempotencyStore(conn, container.cipher)
    response = StoredResponse("h" * 64, 201, '{"ok": true}')
    store.put("public", "k-1", response, AT)
    assert store.get("public", "k-1") == response
    assert store.get("public", "k-2") is None
    with pytest.raises(IdempotencyKeyTaken), conn.begin_nested():
        store.put("public", "k-1", response, AT)


def test_savepoints_keep_or_drop_fast_writes(conn: Connection) -> None:
    with conn.begin_nested():
        _INSERT_EVENT.execute(conn, _event(9005))
    nested = conn.begin_nested()
    _INSERT_EVENT.execute(conn, _event(9006))
    assert len(_EVENT.execute(conn, {"wanted": 9006}).rows) == 1
    nested.rollback()
    assert len(_EVENT.execute(conn, {"wanted": 9005}).rows) == 1
    assert _EVENT.execute(conn, {"wanted": 9006}).rows == []


def test_listeners_see_every_statement_once(container: Container, conn: Connection) -> None:
    seen: list[tuple[str, Any, bool]] = []

    def listen(
        _c: object, _cur: object, statement: str, params: Any, _ctx: object, many: bool
    ) -> None:
        seen.append((statement, params, many))

    event.listen(container.engine, "before_cursor_execute", listen)
    try:
        _INSERT_EVENT.execute(conn, _event(9007))
        _COUNTER_INSERT.executemany(conn, [{"year": 2201, "last": 0}, {"year": 2202, "last": 0}])
        _EVENT.execute(conn, {"wanted": 9007})
    finally:
        event.remove(container.engine, "before_cursor_execute", listen)
    assert [s.split()[0:3] for s, _p, _m in seen] == [
        ["INSERT", "INTO", "audit_events"],
        ["INSERT", "INTO", "case_counters"],
        ["SELECT", "audit_events.seq,", "audit_events.at,"],
    ]
    assert [m for _s, _p, m in seen] == [False, True, False]
    assert len(seen[1][1]) == 2, "executemany hands the listener every parameter set"


def test_a_fast_statement_begins_a_transaction_like_execute(container: Container) -> None:
    with container.engine.connect() as c:
        assert not c.in_transaction()
        _COUNTERS.execute(c)
        assert c.in_transaction()
        c.rollback()


def test_refusals_name_the_problem(conn: Connection) -> None:
    # A missing value is wrapped as Connection.execute wraps it.
    with pytest.raises(StatementError, match="required for bind parameter 'wanted'"):
        _EVENT.execute(conn, {})
    with pytest.raises(StatementError, match="required for bind parameter 'last'"):
        _COUNTER_INSERT.executemany(conn, [{"year": 2301, "last": 0}, {"year": 2302}])
    with pytest.raises(StatementError, match="required for bind parameter 'last'"):
        conn.execute(insert(case_counters), [{"year": 2301, "last": 0}, {"year": 2302}])
    expanding = FastStatement(select(case_counters).where(case_counters.c.year.in_([1, 2])))
    with pytest.raises(InvalidRequestError, match="IN lists"):
        expanding.execute(conn)
    with pytest.raises(InvalidRequestError, match="returns rows"):
        _BUMP.executemany(conn, [{"y": 1}, {"y": 2}])
    with pytest.raises(ValueError, match="at least one"):
        _COUNTER_INSERT.executemany(conn, [])


def test_with_echo_the_normal_path_runs_and_answers_the_same(db_url: str) -> None:
    engine = make_engine(db_url, echo=True)
    try:
        with engine.connect() as c:
            tx = c.begin()
            _INSERT_EVENT.execute(c, _event(9008))
            row = _EVENT.execute(c, {"wanted": 9008})
            assert row.rows[0][1] == AT
            assert row.keys[0] == "seq"
            assert c.execute(select(func.count()).select_from(audit_events)).scalar_one() >= 1
            tx.rollback()
    finally:
        engine.dispose()


# -- the reads moved to fast statements answer as the normal path does


def _seeded(deps: Deps) -> Principal:
    actor = as_person("analyst-a", "test")
    seed_reference(deps, actor)
    return actor


def test_reference_reads_decode_as_the_normal_path(container: Container) -> None:
    _seeded(container.deps())
    with container.uow(readonly=True) as uow:
        normal = uow.conn.execute(select(products).where(products.c.id == "router")).one()
        router = uow.products.get(ProductId("router"))
        assert router == _product(normal._mapping)
        assert router.suppliers == (PartyId("openssl"),)
        assert router.components[0].purl == "pkg:generic/openssl@3.0.13"
        assert router.versions == ("1.0", "1.1", "2.0")
        assert uow.units.list() == [
            _unit(r._mapping) for r in uow.conn.execute(select(org_units).order_by(org_units.c.id))
        ]
        assert [u.id for u in uow.units.list()] == ["cn", "de", "hq"]
        assert uow.units.get(UnitId("cn")).parent == "hq"
        assert uow.parties.get(PartyId("openssl")).channels[0].address == "sec@openssl.example"
        with pytest.raises(NotFound, match="nope"):
            uow.products.get(ProductId("nope"))
        with pytest.raises(NotFound, match="nope"):
            uow.units.get(UnitId("nope"))
        with pytest.raises(NotFound, match="nope"):
            uow.parties.get(PartyId("nope"))


def test_settings_and_calendar_reads_match_their_listings(container: Container) -> None:
    with container.uow() as uow:
        assert uow.org_settings.options() == {} and uow.calendar.overrides() == {}
        uow.org_settings.set(OrgSetting("cn.working_days", "calendar", AT, "admin"))
        uow.calendar.set(CalendarOverride("CN", dt.date(2026, 10, 10), True, "make-up", AT, "a"))
        uow.calendar.set(CalendarOverride("CN", dt.date(2026, 10, 1), False, "holiday", AT, "a"))
        assert uow.org_settings.options() == {"cn.working_days": "calendar"}
        overrides = uow.calendar.overrides()
        assert overrides == {"CN": {dt.date(2026, 10, 10): True, dt.date(2026, 10, 1): False}}
        assert all(type(d) is dt.date for d in overrides["CN"])
        assert overrides["CN"] == {o.day: o.working for o in uow.calendar.list("CN")}
        uow.rollback()


def test_a_case_reads_back_with_facts_transitions_and_clocks(container: Container) -> None:
    deps = container.deps()
    actor = _seeded(deps)
    key = open_case(deps, actor, details={"root_cause": "登录处理栈溢出"}).key
    cases.record_fact(deps, actor, key, "verified", None, "reproduced in the lab")
    saved = cases.transition(deps, actor, key, "triage", "verified")
    with container.uow(readonly=True) as uow:
        case = uow.cases.get(key)
        assert case == saved
        assert case.details == {"root_cause": "登录处理栈溢出"}
        assert [f.kind for f in case.facts][-1] is FactKind.VERIFIED
        assert all(f.recorded_at.utcoffset() == dt.timedelta(0) for f in case.facts)
        assert case.transitions[-1].to_state is CaseState.TRIAGE
        clocks = uow.obligations.for_case(key)
        stmt = (
            select(obligations, cases_table.c.key.label("case_key"))
            .join(cases_table, cases_table.c.id == obligations.c.case_id)
            .where(cases_table.c.key == key)
            .order_by(obligations.c.obligation_id)
        )
        assert clocks and clocks == [_row(r._mapping) for r in uow.conn.execute(stmt)]
        assert uow.obligations.for_case(CaseKey("VD-2026-9999")) == []
        with pytest.raises(NotFound, match="VD-2026-9999"):
            uow.cases.get(CaseKey("VD-2026-9999"))


def test_a_token_reads_back_with_its_user(container: Container) -> None:
    user = User(
        "ana", "Ana", "ana@example.org", None, frozenset({"analyst"}), AT, totp_secret="JBSWY3DP"
    )
    token = ApiToken("t1", "f" * 64, "ana", frozenset({"cases:read"}), AT, AT + dt.timedelta(1))
    with container.uow() as uow:
        uow.accounts.add_user(user)
        uow.accounts.add_token(token)
        assert uow.accounts.token_with_user("f" * 64) == (token, user)
        assert uow.accounts.token_with_user("0" * 64) is None
        uow.rollback()


def test_repositories_are_built_on_first_use_for_each_connection(container: Container) -> None:
    work = container.uow()
    with work as uow:
        assert "products" not in vars(uow)
        first = uow.products
        assert uow.products is first and first.conn is uow.conn
        first_conn = uow.conn
    with work as uow:
        assert uow.conn is not first_conn
        assert uow.products is not first and uow.products.conn is uow.conn
