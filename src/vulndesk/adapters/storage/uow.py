"""The SQL unit of work: one connection, one transaction, every repository bound to it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property
from types import TracebackType
from typing import Self

from sqlalchemy import Connection, Engine, RootTransaction, select, text

from vulndesk.adapters.crypto import FieldCipher
from vulndesk.adapters.storage import evidence
from vulndesk.adapters.storage.fast import FastStatement
from vulndesk.adapters.storage.rekey import SqlKeyMaintenance
from vulndesk.adapters.storage.repositories.accounts import SqlAccountRepository
from vulndesk.adapters.storage.repositories.advisories import SqlAdvisoryRepository
from vulndesk.adapters.storage.repositories.audit import SqlAuditLog
from vulndesk.adapters.storage.repositories.cases import SqlCaseRepository
from vulndesk.adapters.storage.repositories.coordination import SqlCoordinationRepository
from vulndesk.adapters.storage.repositories.cve_ids import SqlCveIdRepository
from vulndesk.adapters.storage.repositories.intake import (
    TURN_HELD,
    SqlIdempotencyStore,
    SqlIntakeRepository,
)
from vulndesk.adapters.storage.repositories.notify import SqlNotificationRepository
from vulndesk.adapters.storage.repositories.obligations import SqlObligationRepository
from vulndesk.adapters.storage.repositories.outbox import (
    SqlEscalationRepository,
    SqlOutboxRepository,
)
from vulndesk.adapters.storage.repositories.publication import (
    SqlComponentRepository,
    SqlPublicationRepository,
)
from vulndesk.adapters.storage.repositories.reference import (
    SqlPartyRepository,
    SqlProductRepository,
    SqlUnitRepository,
)
from vulndesk.adapters.storage.repositories.reports import (
    SqlLedgerRepository,
    SqlOversightRepository,
    SqlReportRepository,
)
from vulndesk.adapters.storage.repositories.settings import (
    SqlCalendarRepository,
    SqlOrgSettingsRepository,
)
from vulndesk.adapters.storage.repositories.snapshots import SqlSnapshotRepository
from vulndesk.adapters.storage.repositories.suppliers import SqlSupplierRepository
from vulndesk.adapters.storage.repositories.sweep import SqlSweepRepository
from vulndesk.adapters.storage.tables.core import reference_version

_REFERENCE_VERSION = FastStatement(select(reference_version.c.n).where(reference_version.c.id == 1))
# Savepoints as plain statements: the same SQL `Connection.begin_nested` sends, without the
# nested-transaction object it builds and compiles anew each time. Nested savepoints may share
# the name: RELEASE and ROLLBACK TO act on the newest of that name on both engines.
_SAVEPOINT = FastStatement(text("SAVEPOINT vd_item"))
_RELEASE = FastStatement(text("RELEASE SAVEPOINT vd_item"))
_ROLLBACK_TO = FastStatement(text("ROLLBACK TO SAVEPOINT vd_item"))
# PostgreSQL: the advisory lock group-commit transactions queue on (see `wait_turn`).
_TURN = FastStatement(text("SELECT pg_advisory_xact_lock(:key)"))
GROUP_TURN = 0x76_64_67_63  # "vdgc"; the migrations lock on "vdmg"


class SqlUnitOfWork:
    """Enter to begin; `commit()` to keep the work; leaving without commit rolls it back."""

    conn: Connection
    _tx: RootTransaction

    def __init__(self, engine: Engine, cipher: FieldCipher, *, readonly: bool = False) -> None:
        self.engine = engine
        self.cipher = cipher
        self.readonly = readonly

    def __enter__(self) -> Self:
        # Repositories bound to an earlier connection go: they are built again on first use.
        if "conn" in self.__dict__:
            for name in _REPOSITORIES:
                self.__dict__.pop(name, None)
        self.conn = self.engine.connect()
        self.conn.info["readonly"] = self.readonly
        self._tx = self.conn.begin()
        return self

    # A unit of work uses a few of its repositories: each is built on first use.
    @cached_property
    def units(self) -> SqlUnitRepository:
        return SqlUnitRepository(self.conn)

    @cached_property
    def products(self) -> SqlProductRepository:
        return SqlProductRepository(self.conn)

    @cached_property
    def parties(self) -> SqlPartyRepository:
        return SqlPartyRepository(self.conn)

    @cached_property
    def cases(self) -> SqlCaseRepository:
        return SqlCaseRepository(self.conn, self.cipher)

    @cached_property
    def obligations(self) -> SqlObligationRepository:
        return SqlObligationRepository(self.conn)

    @cached_property
    def audit(self) -> SqlAuditLog:
        return SqlAuditLog(self.conn)

    @cached_property
    def publication(self) -> SqlPublicationRepository:
        return SqlPublicationRepository(self.conn)

    @cached_property
    def components(self) -> SqlComponentRepository:
        return SqlComponentRepository(self.conn)

    @cached_property
    def intake(self) -> SqlIntakeRepository:
        return SqlIntakeRepository(self.conn, self.cipher)

    @cached_property
    def idempotency(self) -> SqlIdempotencyStore:
        return SqlIdempotencyStore(self.conn, self.cipher)

    @cached_property
    def keys(self) -> SqlKeyMaintenance:
        return SqlKeyMaintenance(self.conn, self.cipher)

    @cached_property
    def reports(self) -> SqlReportRepository:
        return SqlReportRepository(self.conn, self.cipher)

    @cached_property
    def ledger(self) -> SqlLedgerRepository:
        return SqlLedgerRepository(self.conn, self.cipher)

    @cached_property
    def oversight(self) -> SqlOversightRepository:
        return SqlOversightRepository(self.conn)

    @cached_property
    def outbox(self) -> SqlOutboxRepository:
        return SqlOutboxRepository(self.conn)

    @cached_property
    def escalations(self) -> SqlEscalationRepository:
        return SqlEscalationRepository(self.conn)

    @cached_property
    def sweep(self) -> SqlSweepRepository:
        return SqlSweepRepository(self.conn)

    @cached_property
    def org_settings(self) -> SqlOrgSettingsRepository:
        return SqlOrgSettingsRepository(self.conn)

    @cached_property
    def calendar(self) -> SqlCalendarRepository:
        return SqlCalendarRepository(self.conn)

    @cached_property
    def accounts(self) -> SqlAccountRepository:
        return SqlAccountRepository(self.conn, self.cipher)

    @cached_property
    def notifications(self) -> SqlNotificationRepository:
        return SqlNotificationRepository(self.conn, self.cipher)

    @cached_property
    def advisories(self) -> SqlAdvisoryRepository:
        return SqlAdvisoryRepository(self.conn, self.cipher)

    @cached_property
    def cve_ids(self) -> SqlCveIdRepository:
        return SqlCveIdRepository(self.conn, self.cipher)

    @cached_property
    def coordination(self) -> SqlCoordinationRepository:
        return SqlCoordinationRepository(self.conn, self.cipher)

    @cached_property
    def suppliers(self) -> SqlSupplierRepository:
        return SqlSupplierRepository(self.conn)

    @cached_property
    def snapshots(self) -> SqlSnapshotRepository:
        return SqlSnapshotRepository(self.conn, self.cipher)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if self._tx.is_active:
                self._tx.rollback()
        finally:
            # The flags live with the pooled connection: whoever uses it next decides afresh.
            self.conn.info.pop("readonly", None)
            self.conn.info.pop(TURN_HELD, None)
            evidence.drop_pending(self.conn)
            self.conn.close()

    def commit(self) -> None:
        if self.readonly:
            raise RuntimeError("a read-only unit of work cannot commit")
        if "audit" in self.__dict__ or evidence.has_pending(self.conn):
            self.audit.flush()  # evidence bound, the chain's head moved once per transaction
        self._tx.commit()
        self._transaction_ended()

    def rollback(self) -> None:
        self._tx.rollback()
        self._transaction_ended()

    def _transaction_ended(self) -> None:
        """Nothing kept for the transaction outlives it: a next one claims the head anew."""
        evidence.drop_pending(self.conn)
        if "audit" in self.__dict__:
            self.audit.restore((None, None))

    # The speed machinery's own calls (`shared.py`, `group_commit.py`): not part of the port.

    def reference_version(self) -> int:
        """A number that moves whenever units, products, options or overrides change."""
        value = _REFERENCE_VERSION.execute(self.conn).scalar_one()
        return int(value)

    def wait_turn(self) -> None:
        """On PostgreSQL, a transaction-level advisory lock, released by COMMIT or ROLLBACK.

        SQLite's writer lock, taken at BEGIN, already serialises writing transactions."""
        if self.conn.dialect.name == "postgresql":
            _TURN.execute(self.conn, {"key": GROUP_TURN})
            self.conn.info[TURN_HELD] = True

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """SAVEPOINT ... RELEASE; an exception rolls back to the savepoint and propagates."""
        if evidence.has_pending(self.conn):
            self.audit.flush()  # rows written before the savepoint are bound outside it
        mark = self.audit.mark() if "audit" in self.__dict__ else (None, None)
        _SAVEPOINT.execute(self.conn)
        try:
            yield
        except BaseException:
            _ROLLBACK_TO.execute(self.conn)
            _RELEASE.execute(self.conn)
            evidence.drop_pending(self.conn)
            if "audit" in self.__dict__:
                self.audit.restore(mark)
            raise
        _RELEASE.execute(self.conn)


_REPOSITORIES = tuple(
    name for name, value in vars(SqlUnitOfWork).items() if isinstance(value, cached_property)
)
