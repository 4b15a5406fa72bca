"""The composition root: builds adapters from settings and hands services their ports."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property

from sqlalchemy import Engine

from vulndesk.adapters.clock import SystemClock
from vulndesk.adapters.crypto import FieldCipher, load_or_create_keyring
from vulndesk.adapters.passwords import Argon2Hasher
from vulndesk.adapters.pdf import WeasyPrintRenderer
from vulndesk.adapters.storage.engine import make_engine
from vulndesk.adapters.storage.uow import SqlUnitOfWork
from vulndesk.config import Settings
from vulndesk.domain.obligations import Obligation, Situation
from vulndesk.rules import Calendars, RuleSet, default_calendars, evaluate, load_rule_sets
from vulndesk.services.context import Deps, Evaluator
from vulndesk.services.ports import Clock
from vulndesk.services.ports_accounts import PasswordHasher
from vulndesk.services.ports_publication import DocumentReaders
from vulndesk.services.reports import PdfRenderer


@dataclass
class Container:
    """Everything an entry point needs, built lazily and once."""

    settings: Settings
    clock: Clock

    @cached_property
    def engine(self) -> Engine:
        return make_engine(self.settings.effective_database_url)

    @cached_property
    def cipher(self) -> FieldCipher:
        path, inline = self.settings.effective_key_file, self.settings.keys_json
        return FieldCipher(
            load_or_create_keyring(path, inline), lambda: load_or_create_keyring(path, inline)
        )

    @cached_property
    def passwords(self) -> PasswordHasher:
        return Argon2Hasher()

    @cached_property
    def document_readers(self) -> DocumentReaders:
        from vulndesk.adapters.csaf_import import FileDocumentReaders

        return FileDocumentReaders()

    @cached_property
    def pdf_renderer(self) -> PdfRenderer:
        return WeasyPrintRenderer()

    def uow(self, *, readonly: bool = False) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.engine, self.cipher, readonly=readonly)

    @property
    def uow_factory(self) -> Callable[[], SqlUnitOfWork]:
        return self.uow

    def deps(self) -> Deps:
        return Deps(self.uow_factory, self.clock, self.evaluator, self.rule_options)

    @cached_property
    def rule_sets(self) -> Mapping[str, RuleSet]:
        """Built-in rule sets, replaced or extended by the organisation's rule directory."""
        return load_rule_sets(self.settings.rules_dir)

    @cached_property
    def evaluator(self) -> Evaluator | None:
        rule_sets = list(self.rule_sets.values())
        # Overrides are read per call so an administrator's change applies without a restart;
        # calendars are cached per distinct override set because building them is not free.
        cache: dict[object, Calendars] = {}

        def evaluate_situation(
            situation: Situation,
            options: Mapping[str, str],
            overrides: Mapping[str, Mapping[dt.date, bool]] | None = None,
        ) -> list[Obligation]:
            key = frozenset((c, frozenset(d.items())) for c, d in (overrides or {}).items())
            calendars = cache.get(key)
            if calendars is None:
                calendars = Calendars(overrides) if overrides else default_calendars()
                cache.clear()  # only the newest override set is worth keeping
                cache[key] = calendars
            return evaluate(situation, rule_sets, options, calendars)

        return evaluate_situation

    @property
    def rule_options(self) -> dict[str, str]:
        return {}

    def migrate(self) -> None:
        from vulndesk.adapters.storage import (
            migrate,
        )  # Alembic is slow to import; only some commands need it

        migrate.upgrade(self.engine)

    def schema_is_current(self) -> bool:
        from vulndesk.adapters.storage import migrate

        return migrate.current_revisions(self.engine) == migrate.head_revisions(self.engine)

    def close(self) -> None:
        if "engine" in self.__dict__:
            self.engine.dispose()


def build(settings: Settings | None = None, clock: Clock | None = None) -> Container:
    """Build the container from settings (read from the environment when not given)."""
    return Container(settings or Settings.from_env(), clock or SystemClock())
