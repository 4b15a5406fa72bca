"""The SQL unit of work: one connection, one transaction, every repository bound to it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from types import TracebackType
from typing import Self

from sqlalchemy import Connection, Engine, RootTransaction

from vulndesk.adapters.crypto import FieldCipher
from vulndesk.adapters.storage.accounts import SqlAccountRepository
from vulndesk.adapters.storage.audit import SqlAuditLog
from vulndesk.adapters.storage.cases import SqlCaseRepository
from vulndesk.adapters.storage.intake import SqlIdempotencyStore, SqlIntakeRepository
from vulndesk.adapters.storage.notifications import SqlNotificationRepository
from vulndesk.adapters.storage.obligations import SqlObligationRepository
from vulndesk.adapters.storage.outbox import SqlEscalationRepository, SqlOutboxRepository
from vulndesk.adapters.storage.publication import SqlComponentRepository, SqlPublicationRepository
from vulndesk.adapters.storage.rekey import SqlKeyMaintenance
from vulndesk.adapters.storage.reports import (
    SqlLedgerRepository,
    SqlOversightRepository,
    SqlReportRepository,
)
from vulndesk.adapters.storage.repositories import (
    SqlPartyRepository,
    SqlProductRepository,
    SqlUnitRepository,
)
from vulndesk.adapters.storage.settings_repo import SqlCalendarRepository, SqlOrgSettingsRepository
from vulndesk.adapters.storage.sweep import SqlSweepRepository


class SqlUnitOfWork:
    """Enter to begin; `commit()` to keep the work; leaving without commit rolls it back."""

    conn: Connection
    _tx: RootTransaction
    units: SqlUnitRepository
    products: SqlProductRepository
    parties: SqlPartyRepository
    cases: SqlCaseRepository
    obligations: SqlObligationRepository
    audit: SqlAuditLog
    publication: SqlPublicationRepository
    components: SqlComponentRepository
    intake: SqlIntakeRepository
    idempotency: SqlIdempotencyStore
    keys: SqlKeyMaintenance
    reports: SqlReportRepository
    ledger: SqlLedgerRepository
    oversight: SqlOversightRepository
    outbox: SqlOutboxRepository
    escalations: SqlEscalationRepository
    sweep: SqlSweepRepository
    org_settings: SqlOrgSettingsRepository
    calendar: SqlCalendarRepository
    accounts: SqlAccountRepository
    notifications: SqlNotificationRepository

    def __init__(self, engine: Engine, cipher: FieldCipher, *, readonly: bool = False) -> None:
        self.engine = engine
        self.cipher = cipher
        self.readonly = readonly

    def __enter__(self) -> Self:
        self.conn = self.engine.connect()
        self.conn.info["readonly"] = self.readonly
        self._tx = self.conn.begin()
        self.units = SqlUnitRepository(self.conn)
        self.products = SqlProductRepository(self.conn)
        self.parties = SqlPartyRepository(self.conn)
        self.cases = SqlCaseRepository(self.conn, self.cipher)
        self.obligations = SqlObligationRepository(self.conn)
        self.audit = SqlAuditLog(self.conn)
        self.publication = SqlPublicationRepository(self.conn)
        self.components = SqlComponentRepository(self.conn)
        self.intake = SqlIntakeRepository(self.conn, self.cipher)
        self.idempotency = SqlIdempotencyStore(self.conn)
        self.keys = SqlKeyMaintenance(self.conn, self.cipher)
        self.reports = SqlReportRepository(self.conn, self.cipher)
        self.ledger = SqlLedgerRepository(self.conn, self.cipher)
        self.oversight = SqlOversightRepository(self.conn)
        self.outbox = SqlOutboxRepository(self.conn)
        self.escalations = SqlEscalationRepository(self.conn)
        self.sweep = SqlSweepRepository(self.conn)
        self.org_settings = SqlOrgSettingsRepository(self.conn)
        self.calendar = SqlCalendarRepository(self.conn)
        self.accounts = SqlAccountRepository(self.conn, self.cipher)
        self.notifications = SqlNotificationRepository(self.conn, self.cipher)
        return self

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
            # The flag lives with the pooled connection: whoever uses it next decides afresh.
            self.conn.info.pop("readonly", None)
            self.conn.close()

    def commit(self) -> None:
        if self.readonly:
            raise RuntimeError("a read-only unit of work cannot commit")
        self._tx.commit()

    def rollback(self) -> None:
        self._tx.rollback()

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """SAVEPOINT ... RELEASE; an exception rolls back to the savepoint and propagates."""
        with self.conn.begin_nested():
            yield
