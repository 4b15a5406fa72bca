"""The settings record and how it is read from VULNDESK_* variables."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from vulndesk.config import delivery, intake, values, variables
from vulndesk.config.cve import CveServicesSettings, cve_services_settings
from vulndesk.config.imap import ImapSettings, imap_settings
from vulndesk.config.intake import INTAKE_RATE
from vulndesk.config.oidc import oidc_policy
from vulndesk.config.values import PREFIX
from vulndesk.domain.errors import InvalidInput
from vulndesk.domain.values import timezone
from vulndesk.services.accounts.sso import SsoPolicy
from vulndesk.services.intake.receipts import Rate, parse_rate


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything configurable. Paths are resolved against `home` (default ./var)."""

    home: Path = Path("var")
    database_url: str = ""
    key_file: Path | None = None
    keys_json: str | None = None
    rules_dir: Path | None = None
    host: str = "127.0.0.1"
    port: int = 8000
    # Processes `vulndesk serve` runs: one runs all Python work on a single core.
    workers: int = 1
    timezone: str = "UTC"
    public_url: str = "http://127.0.0.1:8000"
    org_name: str = "vulndesk"
    security_contact: str = "mailto:security@example.invalid"
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_sender: str = "vulndesk@example.invalid"
    cookie_secure: bool = True
    # How long a `vulndesk login` stays valid (hours); the token is revoked at once by logout.
    cli_token_hours: int = 12
    # Where the CLI keeps its sign-in: $XDG_CONFIG_HOME/vulndesk, else ~/.config/vulndesk.
    config_dir: Path = field(default_factory=lambda: Path.home() / ".config" / "vulndesk")
    # Reverse proxies whose X-Forwarded-For / X-Forwarded-Proto are believed (IPs or networks).
    trusted_proxies: tuple[str, ...] = ()
    # Webhook receivers (`host` or `host:port`); empty means no webhook is entered or sent.
    webhook_hosts: tuple[str, ...] = ()
    # Test-only: allow-listed loopback receivers (plain http included), e.g. 127.0.0.1:8765.
    webhook_allow_loopback: bool = False
    # Ed25519 key (PEM file) the worker signs audit checkpoints with; made by
    # `vulndesk keys checkpoint-init`. Unset: no checkpoints are written.
    checkpoint_key: Path | None = None
    # Where signed checkpoints go: a place outside the database (default <home>/checkpoints).
    checkpoint_dir: Path | None = None
    # Seconds between the worker's checkpoints (at most 600).
    checkpoint_interval: int = 600
    # Optional URL each new checkpoint is also POSTed to (JSON).
    checkpoint_webhook: str = ""
    # A disclosure claimed more than this many hours before it is recorded is backdated.
    backdate_limit_hours: int = 24
    # Headquarters is alerted when a government's exposure window runs longer than this.
    exposure_alert_days: int = 30
    # Days before an embargo in force ends that its participants and case team are reminded.
    coord_reminder_days: tuple[int, ...] = (7, 1)
    # Where `vulndesk serve` writes its log (created 0600); unset, it goes to stderr.
    log_file: Path | None = None
    # Log lines as JSON objects (with the request id) or uvicorn's plain text.
    log_format: str = "json"
    # Party id (or `unit:<unit id>`) -> secret each webhook delivery is signed with.
    webhook_secrets: Mapping[str, str] = field(default_factory=dict)
    smtp_starttls: bool = False
    smtp_username: str = ""
    smtp_password: str = ""
    # Public reports per client address: `N/seconds`.
    intake_rate: Rate = INTAKE_RATE
    # The unit public reports are filed under (default: the intake service's choice).
    intake_unit: str | None = None
    # Reporters' follow-up limits; None keeps the intake service's defaults.
    intake_token_failures: Rate | None = None
    intake_message_rate: Rate | None = None
    intake_message_source_rate: Rate | None = None
    # The `Policy:` of security.txt (default <public_url>/report).
    security_policy_url: str = ""
    # A bearer secret that may read /metrics (besides admin tokens and loopback clients).
    metrics_token: str = ""
    # The published CSAF provider tree (default <home>/site), the GnuPG home and key that sign
    # advisories, and the CVE numbering authority's organisation id for CVE records.
    csaf_dir: Path | None = None
    gnupghome: Path | None = None
    csaf_key: str = ""
    cve_org_id: str = ""
    # The CNA's CVE Services account (VULNDESK_CVE_*); None: CVE ids are not reserved here.
    cve_services: CveServicesSettings | None = None
    # The mailbox read for e-mail reports; None: no mail intake.
    imap: ImapSettings | None = None
    # Fingerprint of the key reporters encrypt to (security.txt `Encryption:`); "" for none.
    intake_key: str = ""
    # OpenID Connect sign-in (VULNDESK_OIDC_*); None: only local accounts sign in.
    oidc: SsoPolicy | None = None
    # VULNDESK_LOCAL_LOGIN=0: no password sign-in (console, API, `vulndesk login`).
    local_login: bool = True
    # VULNDESK_* variables that name no setting: reported at start-up (a typo is not silent).
    unknown: tuple[str, ...] = ()

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.home / 'vulndesk.db'}"

    @property
    def effective_key_file(self) -> Path:
        return self.key_file or self.home / "vulndesk.key"

    @property
    def effective_checkpoint_dir(self) -> Path:
        return self.checkpoint_dir or self.home / "checkpoints"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read `VULNDESK_*` variables; a bad value stops here, naming the variable."""
        env = os.environ if env is None else env

        def get(name: str, default: str = "") -> str:
            return env.get(PREFIX + name, default)

        home = Path(get("HOME", "var"))
        port_text = get("PORT", "8000")
        if not port_text.isdigit() or not 0 < int(port_text) < 65536:
            raise InvalidInput("VULNDESK_PORT", f"{port_text!r} is not a port", "1-65535")
        workers = values.whole(
            get,
            "WORKERS",
            "1",
            (1, None),
            "a number of processes",
            "a whole number from 1, e.g. 2 for a 2-core machine",
        )
        backdate = values.whole(
            get,
            "BACKDATE_LIMIT_HOURS",
            "24",
            (1, 8760),
            "a number of hours",
            "a whole number of hours from 1 to 8760, e.g. 24",
        )
        alert_days = values.whole(
            get,
            "EXPOSURE_ALERT_DAYS",
            "30",
            (1, 3650),
            "a number of days",
            "a whole number of days from 1 to 3650, e.g. 30",
        )
        variables.refuse_gone(env, variables.GONE_ACTOR)
        hours = values.whole(
            get,
            "CLI_TOKEN_HOURS",
            "12",
            (1, 24 * 366),
            "a number of hours",
            "a whole number from 1 to 8784, e.g. 12",
        )
        smtp_port = get("SMTP_PORT", "25")
        if not smtp_port.isdigit():
            raise InvalidInput("VULNDESK_SMTP_PORT", f"{smtp_port!r} is not a port", "1-65535")
        variables.refuse_gone(env, variables.GONE_WEBHOOK_ALLOW)
        unknown = variables.unknown(env)
        yes = {"1", "true", "yes"}
        return cls(
            home=home,
            database_url=get("DATABASE_URL"),
            key_file=Path(get("KEY_FILE")) if get("KEY_FILE") else None,
            keys_json=get("KEYS") or None,
            rules_dir=Path(get("RULES_DIR")) if get("RULES_DIR") else None,
            host=get("HOST", "127.0.0.1"),
            port=int(port_text),
            workers=workers,
            timezone=timezone("VULNDESK_TIMEZONE", get("TIMEZONE", "UTC")),
            public_url=get("PUBLIC_URL", f"http://127.0.0.1:{port_text}"),
            org_name=get("ORG_NAME", "vulndesk"),
            security_contact=get("SECURITY_CONTACT", "mailto:security@example.invalid"),
            smtp_host=get("SMTP_HOST", "127.0.0.1"),
            smtp_port=int(smtp_port),
            smtp_sender=get("SMTP_SENDER", "vulndesk@example.invalid"),
            cookie_secure=get("COOKIE_SECURE", "1") not in {"0", "false", "no"},
            cli_token_hours=hours,
            config_dir=values.config_dir(env),
            trusted_proxies=values.networks("VULNDESK_TRUSTED_PROXIES", get("TRUSTED_PROXIES")),
            webhook_hosts=delivery.webhook_hosts("VULNDESK_WEBHOOK_HOSTS", get("WEBHOOK_HOSTS")),
            webhook_allow_loopback=get("WEBHOOK_ALLOW_LOOPBACK").lower() in {"1", "true", "yes"},
            checkpoint_key=Path(get("CHECKPOINT_KEY")) if get("CHECKPOINT_KEY") else None,
            checkpoint_dir=Path(get("CHECKPOINT_DIR")) if get("CHECKPOINT_DIR") else None,
            checkpoint_interval=delivery.checkpoint_interval(get("CHECKPOINT_INTERVAL", "600")),
            checkpoint_webhook=delivery.checkpoint_webhook(get("CHECKPOINT_WEBHOOK")),
            backdate_limit_hours=backdate,
            exposure_alert_days=alert_days,
            coord_reminder_days=values.day_list(get, "COORD_REMINDER_DAYS", "7,1"),
            log_file=Path(get("LOG_FILE")) if get("LOG_FILE") else None,
            log_format=values.choice(
                "VULNDESK_LOG_FORMAT", get("LOG_FORMAT", "json"), ("json", "text")
            ),
            webhook_secrets=delivery.secrets(get("WEBHOOK_SECRETS")),
            smtp_starttls=get("SMTP_STARTTLS").lower() in yes,
            smtp_username=get("SMTP_USERNAME"),
            smtp_password=get("SMTP_PASSWORD"),
            intake_rate=parse_rate("VULNDESK_INTAKE_RATE", get("INTAKE_RATE"), INTAKE_RATE),
            intake_unit=get("INTAKE_UNIT") or None,
            intake_token_failures=intake.follow_up_rate("TOKEN_FAILURES", get),
            intake_message_rate=intake.follow_up_rate("MESSAGE_RATE", get),
            intake_message_source_rate=intake.follow_up_rate("MESSAGE_SOURCE_RATE", get),
            security_policy_url=values.url(
                "VULNDESK_SECURITY_POLICY_URL", get("SECURITY_POLICY_URL")
            ),
            metrics_token=get("METRICS_TOKEN"),
            csaf_dir=Path(get("CSAF_DIR")) if get("CSAF_DIR") else None,
            gnupghome=Path(get("GNUPGHOME")) if get("GNUPGHOME") else None,
            csaf_key=get("CSAF_KEY"),
            cve_org_id=get("CVE_ORG_ID"),
            cve_services=cve_services_settings(get),
            imap=imap_settings(get),
            intake_key=values.fingerprint("VULNDESK_INTAKE_KEY", get("INTAKE_KEY")),
            oidc=oidc_policy(env),
            local_login=values.flag("VULNDESK_LOCAL_LOGIN", get("LOCAL_LOGIN", "1")),
            unknown=unknown,
        )
