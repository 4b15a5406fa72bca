"""The composition root: builds adapters from settings and hands services their ports."""

from __future__ import annotations

import datetime as dt
import hmac
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property
from hashlib import sha256
from typing import Any

from sqlalchemy import Engine

from vulndesk.adapters.clock import SystemClock
from vulndesk.adapters.crypto import FieldCipher, load_or_create_keyring
from vulndesk.adapters.mail import DeliveryError, SmtpSettings, build_message, send_message
from vulndesk.adapters.passwords import Argon2Hasher
from vulndesk.adapters.pdf import WeasyPrintRenderer
from vulndesk.adapters.storage.engine import make_engine
from vulndesk.adapters.storage.intake import source_key
from vulndesk.adapters.storage.uow import SqlUnitOfWork
from vulndesk.config import Settings
from vulndesk.domain.egress import WebhookRules
from vulndesk.domain.errors import InvalidInput
from vulndesk.domain.obligations import Obligation, Situation
from vulndesk.exporters.notices import NoticeKind
from vulndesk.rules import Calendars, RuleSet, default_calendars, evaluate, load_rule_sets
from vulndesk.services import escalations, notifications, worker
from vulndesk.services.context import Deps, Evaluator, ReferenceCache
from vulndesk.services.group_commit import GroupCommit
from vulndesk.services.ports import Clock
from vulndesk.services.ports_accounts import PasswordHasher
from vulndesk.services.ports_notifications import NoticeSender, OutgoingMail
from vulndesk.services.ports_publication import DocumentReaders
from vulndesk.services.reports import PdfRenderer
from vulndesk.services.sso import IdentityProvider

HQ_SUBJECT = "[vulndesk] headquarters notice"


@dataclass(frozen=True)
class NoticeDelivery:
    """The NoticeSender port over SMTP and signed webhooks, configured from settings."""

    smtp: SmtpSettings
    webhook_hosts: frozenset[str]
    webhook_secrets: Mapping[str, bytes]
    allow_loopback: bool = False

    def mail(self, message: OutgoingMail) -> str:
        m = message
        fixed = None
        if m.kind == notifications.HQ_NOTICE:
            fixed = HQ_SUBJECT
        elif m.kind == escalations.ESCALATION:
            fixed = escalations.subject(m.case)  # the case key and a fixed label
        kind = NoticeKind.USERS if fixed else NoticeKind(m.kind)
        msg = build_message(
            self.smtp, [m.to], m.case, kind, m.language, m.text, m.html, m.from_name, m.from_address
        )
        if fixed:
            msg.replace_header("Subject", fixed)
        # The same delivery always has the same Message-ID, so a resend can be recognised.
        domain = self.smtp.sender.rsplit("@", 1)[-1]
        msg.replace_header(
            "Message-ID", f"<{sha256(m.delivery.encode()).hexdigest()[:40]}.vulndesk@{domain}>"
        )
        # Keys have no spaces to fold at; a longer line keeps the header plain ASCII.
        msg.policy = msg.policy.clone(max_line_length=998)
        msg["X-Vulndesk-Delivery"] = m.delivery
        return send_message(self.smtp, msg)

    def webhook(self, party: str, url: str, body: Mapping[str, Any], now: dt.datetime) -> int:
        from vulndesk.adapters import webhook  # httpx is slow to import; only the worker needs it

        secret = self.webhook_secrets.get(party)
        if secret is None:
            raise DeliveryError(f"no webhook secret for party {party!r} (VULNDESK_WEBHOOK_SECRETS)")
        policy = webhook.EgressPolicy(self.webhook_hosts, self.allow_loopback)
        delivery = {"X-Vulndesk-Delivery": str(body["delivery"])} if "delivery" in body else {}
        return webhook.send_notice(
            webhook.WebhookTarget(url, secret), body, now, policy, extra_headers=delivery
        )


def notice_delivery(settings: Settings) -> NoticeDelivery:
    """VULNDESK_SMTP_*; WEBHOOK_HOSTS (settings), WEBHOOK_SECRETS (JSON party -> secret).

    A unit's on-call webhook is signed with the secret under `unit:<unit id>`.
    """
    extra = settings.extra
    try:
        secrets = json.loads(extra.get("WEBHOOK_SECRETS", "{}"))
    except ValueError:
        secrets = None
    if not isinstance(secrets, dict):
        raise InvalidInput(
            "VULNDESK_WEBHOOK_SECRETS", "is not a JSON object", '{"party-id": "secret"}'
        )
    yes = {"1", "true", "yes"}
    return NoticeDelivery(
        SmtpSettings(
            settings.smtp_host,
            settings.smtp_port,
            settings.smtp_sender,
            extra.get("SMTP_STARTTLS", "").lower() in yes,
            extra.get("SMTP_USERNAME") or None,
            extra.get("SMTP_PASSWORD") or None,
        ),
        frozenset(settings.webhook_hosts),
        {str(k): str(v).encode() for k, v in secrets.items()},
        settings.webhook_allow_loopback,
    )


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
    def identity_provider(self) -> IdentityProvider | None:
        """The OpenID Connect provider of VULNDESK_OIDC_*, or None when none is configured."""
        from vulndesk.adapters.oidc import OidcProvider

        policy = self.settings.oidc
        if policy is None:
            return None
        return OidcProvider(policy, self.settings.public_url.rstrip("/") + "/login/oidc/callback")

    @cached_property
    def document_readers(self) -> DocumentReaders:
        from vulndesk.adapters.csaf_import import FileDocumentReaders

        return FileDocumentReaders()

    @cached_property
    def notice_sender(self) -> NoticeSender:
        return notice_delivery(self.settings)

    @cached_property
    def pdf_renderer(self) -> PdfRenderer:
        return WeasyPrintRenderer()

    def source_digest(self, address: str) -> str:
        """A keyed digest of a client's address, as the receipt log keeps it: names what only
        that client may see again (its idempotent replays) without storing the address."""
        raw = address.encode("utf-8", "backslashreplace")
        return hmac.new(source_key(self.cipher), raw, sha256).hexdigest()

    def uow(self, *, readonly: bool = False) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.engine, self.cipher, readonly=readonly)

    @property
    def uow_factory(self) -> Callable[[], SqlUnitOfWork]:
        return self.uow

    def deps(self) -> Deps:
        return Deps(
            self.uow_factory,
            self.clock,
            self.evaluator,
            self.rule_options,
            lambda: self.uow(readonly=True),
            self.reference_cache,
            self.webhook_rules,
            dt.timedelta(hours=self.settings.backdate_limit_hours),
        )

    @cached_property
    def webhook_rules(self) -> WebhookRules:
        """What webhook URLs may be entered: VULNDESK_WEBHOOK_HOSTS, and loopback for tests."""
        s = self.settings
        return WebhookRules(frozenset(s.webhook_hosts), s.webhook_allow_loopback)

    @cached_property
    def reference_cache(self) -> ReferenceCache:
        """Reference data kept while the reference version stays the same (intake planning)."""
        return ReferenceCache()

    @cached_property
    def group_commit(self) -> GroupCommit:
        """Shared transactions for the hottest small writes (public intake and its reads)."""
        return GroupCommit(self.deps())

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

        migrate.upgrade(self.engine, lambda: self.cipher)

    def schema_is_current(self) -> bool:
        from vulndesk.adapters.storage import migrate

        return migrate.current_revisions(self.engine) == migrate.head_revisions(self.engine)

    def close(self) -> None:
        if "engine" in self.__dict__:
            self.engine.dispose()


def build(settings: Settings | None = None, clock: Clock | None = None) -> Container:
    """Build the container from settings (read from the environment when not given)."""
    container = Container(settings or Settings.from_env(), clock or SystemClock())
    # Delivery handlers resolve this container's ports when a message is handled, not now.
    worker.register(
        notifications.handlers(container.deps, lambda: container.notice_sender)
        | escalations.handlers(lambda: container.notice_sender),
        {"hq-notices": notifications.queue_hq_notices},
    )
    return container
