"""The composition root: builds adapters from settings and hands services their ports."""

from __future__ import annotations

import datetime as dt
import hmac
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, replace
from functools import cached_property
from hashlib import sha256
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine

from vulndesk.adapters.clock import SystemClock
from vulndesk.adapters.crypto import FieldCipher, load_or_create_keyring
from vulndesk.adapters.crypto import (
    KeyringError as KeyringError,
)  # for cookies sealed with the cipher
from vulndesk.adapters.csaf_site import FileCsafSite, read_site
from vulndesk.adapters.delivery.mail import SmtpSettings
from vulndesk.adapters.delivery.notices import NoticeDelivery
from vulndesk.adapters.openpgp import GpgIntakeKey, GpgSigner, demo_signing_key
from vulndesk.adapters.passwords import Argon2Hasher
from vulndesk.adapters.pdf import WeasyPrintRenderer
from vulndesk.adapters.storage import maintenance
from vulndesk.adapters.storage.engine import make_engine
from vulndesk.adapters.storage.repositories.intake import source_key
from vulndesk.adapters.storage.shared import SqlSharedTransactions
from vulndesk.adapters.storage.uow import SqlUnitOfWork
from vulndesk.config import Settings
from vulndesk.domain.egress import WebhookRules
from vulndesk.domain.errors import InvalidInput
from vulndesk.domain.obligations import Obligation, Situation
from vulndesk.exporters.advisories.advisory import Publisher
from vulndesk.exporters.advisories.provider import ProviderInfo, csaf_publisher
from vulndesk.rules import Calendars, RuleSet, default_calendars, evaluate, load_rule_sets
from vulndesk.services.accounts.ports import PasswordHasher
from vulndesk.services.accounts.sso import IdentityProvider
from vulndesk.services.advisories import revisions as advisories
from vulndesk.services.advisories.ports import CveServices
from vulndesk.services.background import worker
from vulndesk.services.clocks import whatif_snapshot
from vulndesk.services.context import Deps, Evaluator, OutboxRoutes
from vulndesk.services.coordination import invitations as coord_invitations
from vulndesk.services.disclosure import exposure_alerts
from vulndesk.services.intake import mail as intake_mail
from vulndesk.services.intake import mail_replies
from vulndesk.services.intake.mail_ports import InboundMail, Mailbox
from vulndesk.services.notify import coord_mail, escalations, need_mail
from vulndesk.services.notify import notices as notifications
from vulndesk.services.notify.ports import (
    NoticeSender,
)
from vulndesk.services.ports import Clock
from vulndesk.services.publication.ports import DocumentReaders, ProviderSource
from vulndesk.services.reports.rendering import PdfRenderer

if TYPE_CHECKING:
    from vulndesk.adapters.storage.backup import BackupSummary


def notice_delivery(settings: Settings) -> NoticeDelivery:
    """VULNDESK_SMTP_*; WEBHOOK_HOSTS (settings), WEBHOOK_SECRETS (JSON party -> secret).

    A unit's on-call webhook is signed with the secret under `unit:<unit id>`.
    """
    return NoticeDelivery(
        SmtpSettings(
            settings.smtp_host,
            settings.smtp_port,
            settings.smtp_sender,
            settings.smtp_starttls,
            settings.smtp_username or None,
            settings.smtp_password or None,
        ),
        frozenset(settings.webhook_hosts),
        {k: v.encode() for k, v in settings.webhook_secrets.items()},
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
    def csaf_provider_source(self) -> ProviderSource:
        """Suppliers' CSAF providers over HTTP, checked with GnuPG against a pinned key."""
        from vulndesk.adapters.csaf_provider import HttpCsafProvider

        return HttpCsafProvider()

    @cached_property
    def notice_sender(self) -> NoticeSender:
        return notice_delivery(self.settings)

    @cached_property
    def pdf_renderer(self) -> PdfRenderer:
        return WeasyPrintRenderer()

    @cached_property
    def advisory_setup(self) -> advisories.Setup:
        """The CSAF publisher (the organisation at its public URL) and the CNA's org id."""
        s = self.settings
        contact = s.security_contact.removeprefix("mailto:")
        publisher = Publisher(s.org_name, s.public_url.rstrip("/"), contact=contact)
        return advisories.Setup(publisher, s.cve_org_id)

    @cached_property
    def cve_services(self) -> CveServices | None:
        """The CNA's CVE Services account (VULNDESK_CVE_*), or None when it is not configured."""
        from vulndesk.adapters.cve_services import CveServicesClient  # requests: only when used

        s = self.settings.cve_services
        if s is None:
            return None
        return CveServicesClient(s.url, s.short_name, s.user, s.api_key)

    @cached_property
    def advisory_site(self) -> FileCsafSite:
        """The published site under VULNDESK_CSAF_DIR (default: HOME/site), signed by the key
        VULNDESK_CSAF_KEY names in the GnuPG home VULNDESK_GNUPGHOME (default: gpg's own)."""
        s = self.settings
        root = s.csaf_dir or s.home / "site"
        signer = GpgSigner(s.gnupghome, s.csaf_key)
        setup = self.advisory_setup
        info = ProviderInfo(s.public_url, csaf_publisher(setup.publisher), signer.fingerprint)
        return FileCsafSite(root, info, signer)

    def with_demo_signing_key(self) -> Container | None:
        """This container with the demo's own advisory signing key (made once under HOME), so
        the demo publishes a signed advisory; None where gpg is not installed."""
        home = self.settings.home / "demo-gnupg"
        fingerprint = demo_signing_key(home)
        if fingerprint is None:
            return None
        settings = replace(self.settings, gnupghome=home, csaf_key=fingerprint)
        return Container(settings, self.clock)

    @cached_property
    def intake_crypto(self) -> GpgIntakeKey | None:
        """The organisation's intake key (VULNDESK_INTAKE_KEY in VULNDESK_GNUPGHOME), if set."""
        s = self.settings
        return GpgIntakeKey(s.gnupghome, s.intake_key) if s.intake_key else None

    def mailbox(self) -> AbstractContextManager[Mailbox]:
        """A session on the intake mailbox (VULNDESK_IMAP_*); call only when it is set."""
        from vulndesk.adapters.imap_mailbox import ImapAccount, ImapMailbox  # the worker's only

        s = self.settings.imap
        if s is None:
            raise InvalidInput("VULNDESK_IMAP_HOST", "is not set", "the intake mailbox's host")
        account = ImapAccount(
            s.host, s.port, s.user, s.password, s.folder, s.processed_folder, s.security
        )
        return ImapMailbox(account)

    def parse_mail(self, raw: bytes) -> InboundMail:
        """A received mail as a report, decrypted with the intake key when it is set."""
        from vulndesk.adapters.mail_intake import parse

        return parse(raw, self.intake_crypto)

    def site_root(self) -> Path:
        return self.settings.csaf_dir or self.settings.home / "site"

    def read_site(self, area: str, path: str) -> tuple[bytes, bool]:
        """A published file (or folder listing) of the site: `csaf`, `osv` or `cve`; reading
        needs no signing key."""
        return read_site(self.site_root(), area, path)

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
            lambda: self.uow(readonly=True),
            self.shared_transactions,
            self.webhook_rules,
            dt.timedelta(hours=self.settings.backdate_limit_hours),
            self.outbox_routes,
        )

    @cached_property
    def outbox_routes(self) -> OutboxRoutes:
        """This container's outbox handlers and producers; each handler resolves the
        container's ports when a message is handled, not now."""

        def sender() -> NoticeSender:
            return self.notice_sender

        return worker.routes(
            notifications.handlers(self.deps, sender)
            | escalations.handlers(sender)
            | need_mail.handlers(sender, self.settings.public_url)
            | coord_mail.handlers(sender, self.settings.public_url)
            | coord_invitations.handlers(sender, self.settings.public_url)
            | {
                intake_mail.ACK: lambda uow, msg, now, actor: intake_mail.deliver_ack(
                    self.notice_sender, self.intake_crypto, uow, msg, now, actor
                ),
                mail_replies.REPLY: lambda uow, msg, now, actor: mail_replies.deliver_reply(
                    self.notice_sender, self.intake_crypto, uow, msg, now, actor
                ),
            },
            {
                "exposure-alerts": lambda d, a: exposure_alerts.sweep(
                    d, a, dt.timedelta(days=self.settings.exposure_alert_days)
                ),
                "hq-notices": notifications.queue_hq_notices,
                "coord-reminders": lambda d, a: coord_mail.sweep_reminders(
                    d, a, self.settings.coord_reminder_days
                ),
                "in-force-whatif": lambda d, a: whatif_snapshot.refresh(d, self.rule_sets),
            },
        )

    @cached_property
    def webhook_rules(self) -> WebhookRules:
        """What webhook URLs may be entered: VULNDESK_WEBHOOK_HOSTS, and loopback for tests."""
        s = self.settings
        return WebhookRules(frozenset(s.webhook_hosts), s.webhook_allow_loopback)

    @cached_property
    def shared_transactions(self) -> SqlSharedTransactions:
        """Shared transactions for the hottest small writes (public intake and its reads),
        with the reference data their planning reads kept while it stays current."""
        return SqlSharedTransactions(self.uow, lambda: self.uow(readonly=True))

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

    def migrate(self) -> None:
        from vulndesk.adapters.storage import (
            migrate,
        )  # Alembic is slow to import; only some commands need it

        migrate.upgrade(self.engine, lambda: self.cipher)

    def schema_is_current(self) -> bool:
        from vulndesk.adapters.storage import migrate

        return migrate.current_revisions(self.engine) == migrate.head_revisions(self.engine)

    def backup(self, target: Path) -> BackupSummary:
        """A consistent snapshot of the database, still encrypted, with the newest checkpoint."""
        checkpoints = self.settings.effective_checkpoint_dir
        return maintenance.backup(self.engine, target, checkpoints, self.clock.now())

    def restore(self, source: Path) -> BackupSummary:
        """Migrate the (empty) database, load the backup, and put its checkpoint in place."""
        checkpoints = self.settings.effective_checkpoint_dir
        return maintenance.restore(self.engine, source, checkpoints, self.migrate)

    def operations_figures(self) -> dict[str, float]:
        """What /metrics reports beside the request counters (read at each scrape)."""
        checkpoints = self.settings.effective_checkpoint_dir
        return maintenance.figures(self.engine, checkpoints, self.clock.now())

    def close(self) -> None:
        if "engine" in self.__dict__:
            self.engine.dispose()


def build(settings: Settings | None = None, clock: Clock | None = None) -> Container:
    """Build the container from settings (read from the environment when not given)."""
    return Container(settings or Settings.from_env(), clock or SystemClock())
