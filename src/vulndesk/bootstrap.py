"""The composition root: builds adapters from settings and hands services their ports."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property

from sqlalchemy import Engine

from vulndesk.adapters.clock import SystemClock
from vulndesk.adapters.crypto import FieldCipher, load_or_create_keyring
from vulndesk.adapters.storage.engine import make_engine
from vulndesk.adapters.storage.uow import SqlUnitOfWork
from vulndesk.config import Settings
from vulndesk.domain.obligations import Obligation, Situation
from vulndesk.rules import RuleSet, default_calendars, evaluate, load_rule_sets
from vulndesk.services.context import Deps, Evaluator
from vulndesk.services.ports import Clock


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
        return FieldCipher(
            load_or_create_keyring(self.settings.effective_key_file, self.settings.keys_json)
        )

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
        calendars = default_calendars()

        def evaluate_situation(
            situation: Situation, options: Mapping[str, str]
        ) -> list[Obligation]:
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
