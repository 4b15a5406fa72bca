"""The composition root: builds adapters from settings and hands services their ports."""

from __future__ import annotations

import datetime as dt
import hmac
import json
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import asdict, dataclass, replace
from email.message import EmailMessage
from email.utils import formatdate
from functools import cached_property
from hashlib import sha256
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine

from vulndesk.adapters.clock import SystemClock
from vulndesk.adapters.crypto import FieldCipher, load_or_create_keyring
from vulndesk.adapters.crypto import (
    KeyringError as KeyringError,
)  # for cookies sealed with the cipher
from vulndesk.adapters.csaf_site import FileCsafSite, read_site
from vulndesk.adapters.delivery.mail import (
    SmtpSettings,
    build_message,
    send_message,
    sender_header,
)
from vulndesk.adapters.openpgp import GpgIntakeKey, GpgSigner, demo_signing_key
from vulndesk.adapters.passwords import Argon2Hasher
from vulndesk.adapters.pdf import WeasyPrintRenderer
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
from vulndesk.exporters.reports.notices import NoticeKind
from vulndesk.rules import Calendars, RuleSet, default_calendars, evaluate, load_rule_sets
from vulndesk.services.accounts.ports import PasswordHasher
from vulndesk.services.accounts.sso import IdentityProvider
from vulndesk.services.advisories import revisions as advisories
from vulndesk.services.audit import checkpoints as audit_tools
from vulndesk.services.background import worker
from vulndesk.services.context import Deps, Evaluator, OutboxRoutes
from vulndesk.services.disclosure import exposure_alerts
from vulndesk.services.intake import mail as intake_mail
from vulndesk.services.intake import mail_replies
from vulndesk.services.intake.mail_ports import InboundMail, Mailbox
from vulndesk.services.notify import escalations
from vulndesk.services.notify import notices as notifications
from vulndesk.services.notify.ports import (
    DeliveryFailed,
    DeliveryRefused,
    NoticeSender,
    OutgoingMail,
)
from vulndesk.services.ports import Clock
from vulndesk.services.publication.ports import DocumentReaders, ProviderSource
from vulndesk.services.reports.drafts import PdfRenderer

if TYPE_CHECKING:
    from vulndesk.adapters.storage.backup import BackupSummary

HQ_SUBJECT = "[vulndesk] headquarters notice"
# The fixed subject labels (English, Chinese) of mails in a report's thread.
_THREAD_LABELS = {
    intake_mail.ACK: ("Report received", "报告已收到"),
    mail_replies.REPLY: ("Reply from the security team", "安全团队的回复"),
}


@dataclass(frozen=True)
class NoticeDelivery:
    """The NoticeSender port over SMTP and signed webhooks, configured from settings."""

    smtp: SmtpSettings
    webhook_hosts: frozenset[str]
    webhook_secrets: Mapping[str, bytes]
    allow_loopback: bool = False

    def mail(self, message: OutgoingMail) -> str:
        m = message
        if m.kind in {intake_mail.ACK, mail_replies.REPLY}:
            return self._thread_mail(m)
        fixed = None
        if m.kind == notifications.HQ_NOTICE:
            fixed = HQ_SUBJECT
        elif m.kind == escalations.ESCALATION:
            fixed = escalations.subject(m.case)  # the case key and a fixed label
        kind = NoticeKind.USERS if fixed else NoticeKind(m.kind)
        try:
            msg = build_message(
                self.smtp, [m.to], m.case, kind, m.language, m.text, m.html,
                m.from_name, m.from_address,
            )  # fmt: skip
        except InvalidInput as exc:  # a malformed address stays malformed: never retried
            raise DeliveryRefused(str(exc)) from exc
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

    def _thread_mail(self, m: OutgoingMail) -> str:
        """A plain-text mail in a report's thread (the acknowledgement, a staff reply): the
        tracking id and a fixed label (no free text) in the subject, the tracking id in the
        Message-ID, so the reporter's answer finds its thread."""
        msg = EmailMessage()
        labels = _THREAD_LABELS[m.kind]
        msg["Subject"] = f"[{m.case}] {labels[1] if m.language == 'zh-CN' else labels[0]}"
        msg["From"], _ = sender_header(self.smtp)
        msg["To"] = m.to
        msg["Date"] = formatdate(usegmt=True)
        domain = self.smtp.sender.rsplit("@", 1)[-1]
        digest = sha256(m.delivery.encode()).hexdigest()[:24]
        msg["Message-ID"] = f"<{m.case}.{digest}.vulndesk@{domain}>"
        if m.kind == intake_mail.ACK:
            msg["Auto-Submitted"] = "auto-replied"
        msg["X-Vulndesk-Delivery"] = m.delivery
        msg.set_content(m.text, charset="utf-8")
        return send_message(self.smtp, msg)

    def webhook(self, party: str, url: str, body: Mapping[str, Any], now: dt.datetime) -> int:
        from vulndesk.adapters.delivery import (
            webhook,  # httpx is slow to import; only the worker needs it
        )

        policy = webhook.EgressPolicy(self.webhook_hosts, self.allow_loopback)
        webhook.admit(url, policy)  # a refused host is refused for good, whatever else is missing
        secret = self.webhook_secrets.get(party)
        if secret is None:  # configuration an operator can add: retried meanwhile
            raise DeliveryFailed(
                f"no webhook secret for party {party!r} (VULNDESK_WEBHOOK_SECRETS)"
            )
        delivery = {"X-Vulndesk-Delivery": str(body["delivery"])} if "delivery" in body else {}
        return webhook.send_notice(
            webhook.WebhookTarget(url, secret), body, now, policy, extra_headers=delivery
        )


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
        from vulndesk.adapters.storage import backup

        newest = audit_tools.newest_checkpoint(self.settings.effective_checkpoint_dir)
        cp = None if newest is None else asdict(newest)
        return backup.write(self.engine, target, cp, self.clock.now())

    def restore(self, source: Path) -> BackupSummary:
        """Migrate the (empty) database, load the backup, and put its checkpoint in place."""
        from vulndesk.adapters.storage import backup_restore

        backup_restore.read_header(source)  # a broken file is refused before anything is made
        self.migrate()
        summary = backup_restore.restore(self.engine, source)
        if summary.checkpoint is not None:
            cp = audit_tools.load_checkpoint(json.dumps(summary.checkpoint))
            audit_tools.write_checkpoint(cp, self.settings.effective_checkpoint_dir)
        return summary

    def operations_figures(self) -> dict[str, float]:
        """What /metrics reports beside the request counters (read at each scrape)."""
        from vulndesk.adapters.storage.repositories import operations

        now = self.clock.now()
        found = operations.figures(self.engine, now)
        newest = audit_tools.newest_checkpoint(self.settings.effective_checkpoint_dir)
        if newest is not None:
            at = dt.datetime.fromisoformat(newest.at)
            found["checkpoint_age_seconds"] = max(0.0, (now - at).total_seconds())
        return found

    def close(self) -> None:
        if "engine" in self.__dict__:
            self.engine.dispose()


def build(settings: Settings | None = None, clock: Clock | None = None) -> Container:
    """Build the container from settings (read from the environment when not given)."""
    return Container(settings or Settings.from_env(), clock or SystemClock())
