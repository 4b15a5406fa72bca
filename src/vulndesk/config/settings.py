"""The settings record and how it is read from VULNDESK_* variables."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple, Protocol, TypedDict

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
        """Read `VULNDESK_*` variables; a bad value stops here, naming the variable.

        The sections are read in the order their variables are checked, so that of two bad
        values the same one is named first."""
        env = os.environ if env is None else env

        def get(name: str, default: str = "") -> str:
            return env.get(PREFIX + name, default)

        numbers = _whole_numbers(env, get)
        unknown = variables.unknown(env)
        return cls(
            **_storage(get),
            **_server(get, numbers),
            **_mail(get, numbers),
            **_delivery(get),
            **_clocks(get, numbers),
            log_file=_path(get("LOG_FILE")),
            log_format=values.choice(
                "VULNDESK_LOG_FORMAT", get("LOG_FORMAT", "json"), ("json", "text")
            ),
            webhook_secrets=delivery.secrets(get("WEBHOOK_SECRETS")),
            **_intake(get),
            **_publication(get),
            imap=imap_settings(get),
            intake_key=values.fingerprint("VULNDESK_INTAKE_KEY", get("INTAKE_KEY")),
            **_sign_in(env, get, numbers),
            unknown=unknown,
        )


class _Get(Protocol):
    """Reads VULNDESK_<name>, `default` when it is unset."""

    def __call__(self, name: str, default: str = "") -> str: ...


class _Numbers(NamedTuple):
    """The whole-number settings, checked before any other value."""

    port: int
    workers: int
    backdate_limit_hours: int
    exposure_alert_days: int
    cli_token_hours: int
    smtp_port: str  # digits, read as a number with the other mail settings


def _whole_numbers(env: Mapping[str, str], get: _Get) -> _Numbers:
    """The ports, counts, hours and days, each checked against its bounds (and the variables
    that are gone refused among them, in the order they always were)."""
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
    return _Numbers(int(port_text), workers, backdate, alert_days, hours, smtp_port)


def _path(text: str) -> Path | None:
    return Path(text) if text else None


class _Storage(TypedDict):
    home: Path
    database_url: str
    key_file: Path | None
    keys_json: str | None
    rules_dir: Path | None


def _storage(get: _Get) -> _Storage:
    """Where the data, the keys and the rules are."""
    return _Storage(
        home=Path(get("HOME", "var")),
        database_url=get("DATABASE_URL"),
        key_file=_path(get("KEY_FILE")),
        keys_json=get("KEYS") or None,
        rules_dir=_path(get("RULES_DIR")),
    )


class _Server(TypedDict):
    host: str
    port: int
    workers: int
    timezone: str
    public_url: str
    org_name: str
    security_contact: str
    trusted_proxies: tuple[str, ...]
    metrics_token: str


def _server(get: _Get, numbers: _Numbers) -> _Server:
    """How `vulndesk serve` listens, whom it trusts and how it names itself."""
    return _Server(
        host=get("HOST", "127.0.0.1"),
        port=numbers.port,
        workers=numbers.workers,
        timezone=timezone("VULNDESK_TIMEZONE", get("TIMEZONE", "UTC")),
        public_url=get("PUBLIC_URL", f"http://127.0.0.1:{get('PORT', '8000')}"),
        org_name=get("ORG_NAME", "vulndesk"),
        security_contact=get("SECURITY_CONTACT", "mailto:security@example.invalid"),
        trusted_proxies=values.networks("VULNDESK_TRUSTED_PROXIES", get("TRUSTED_PROXIES")),
        metrics_token=get("METRICS_TOKEN"),
    )


class _Mail(TypedDict):
    smtp_host: str
    smtp_port: int
    smtp_sender: str
    smtp_starttls: bool
    smtp_username: str
    smtp_password: str


def _mail(get: _Get, numbers: _Numbers) -> _Mail:
    """The SMTP server mail is sent through."""
    return _Mail(
        smtp_host=get("SMTP_HOST", "127.0.0.1"),
        smtp_port=int(numbers.smtp_port),
        smtp_sender=get("SMTP_SENDER", "vulndesk@example.invalid"),
        smtp_starttls=get("SMTP_STARTTLS").lower() in {"1", "true", "yes"},
        smtp_username=get("SMTP_USERNAME"),
        smtp_password=get("SMTP_PASSWORD"),
    )


class _Delivery(TypedDict):
    webhook_hosts: tuple[str, ...]
    webhook_allow_loopback: bool
    checkpoint_key: Path | None
    checkpoint_dir: Path | None
    checkpoint_interval: int
    checkpoint_webhook: str


def _delivery(get: _Get) -> _Delivery:
    """Where webhooks may go, and how the audit checkpoints are signed and sent."""
    return _Delivery(
        webhook_hosts=delivery.webhook_hosts("VULNDESK_WEBHOOK_HOSTS", get("WEBHOOK_HOSTS")),
        webhook_allow_loopback=get("WEBHOOK_ALLOW_LOOPBACK").lower() in {"1", "true", "yes"},
        checkpoint_key=_path(get("CHECKPOINT_KEY")),
        checkpoint_dir=_path(get("CHECKPOINT_DIR")),
        checkpoint_interval=delivery.checkpoint_interval(get("CHECKPOINT_INTERVAL", "600")),
        checkpoint_webhook=delivery.checkpoint_webhook(get("CHECKPOINT_WEBHOOK")),
    )


class _Clocks(TypedDict):
    backdate_limit_hours: int
    exposure_alert_days: int
    coord_reminder_days: tuple[int, ...]


def _clocks(get: _Get, numbers: _Numbers) -> _Clocks:
    """The limits and reminders the regulation and embargo clocks work with."""
    return _Clocks(
        backdate_limit_hours=numbers.backdate_limit_hours,
        exposure_alert_days=numbers.exposure_alert_days,
        coord_reminder_days=values.day_list(get, "COORD_REMINDER_DAYS", "7,1"),
    )


class _Intake(TypedDict):
    intake_rate: Rate
    intake_unit: str | None
    intake_token_failures: Rate | None
    intake_message_rate: Rate | None
    intake_message_source_rate: Rate | None


def _intake(get: _Get) -> _Intake:
    """Where public reports are filed and how often reporters may write."""
    return _Intake(
        intake_rate=parse_rate("VULNDESK_INTAKE_RATE", get("INTAKE_RATE"), INTAKE_RATE),
        intake_unit=get("INTAKE_UNIT") or None,
        intake_token_failures=intake.follow_up_rate("TOKEN_FAILURES", get),
        intake_message_rate=intake.follow_up_rate("MESSAGE_RATE", get),
        intake_message_source_rate=intake.follow_up_rate("MESSAGE_SOURCE_RATE", get),
    )


class _Publication(TypedDict):
    security_policy_url: str
    csaf_dir: Path | None
    gnupghome: Path | None
    csaf_key: str
    cve_org_id: str
    cve_services: CveServicesSettings | None


def _publication(get: _Get) -> _Publication:
    """security.txt's policy, the CSAF tree and its signing key, and the CVE account."""
    return _Publication(
        security_policy_url=values.url("VULNDESK_SECURITY_POLICY_URL", get("SECURITY_POLICY_URL")),
        csaf_dir=_path(get("CSAF_DIR")),
        gnupghome=_path(get("GNUPGHOME")),
        csaf_key=get("CSAF_KEY"),
        cve_org_id=get("CVE_ORG_ID"),
        cve_services=cve_services_settings(get),
    )


class _SignIn(TypedDict):
    cookie_secure: bool
    cli_token_hours: int
    config_dir: Path
    oidc: SsoPolicy | None
    local_login: bool


def _sign_in(env: Mapping[str, str], get: _Get, numbers: _Numbers) -> _SignIn:
    """The console's cookie, the CLI's sign-in, and who may sign in how."""
    return _SignIn(
        cookie_secure=get("COOKIE_SECURE", "1") not in {"0", "false", "no"},
        cli_token_hours=numbers.cli_token_hours,
        config_dir=values.config_dir(env),
        oidc=oidc_policy(env),
        local_login=values.flag("VULNDESK_LOCAL_LOGIN", get("LOCAL_LOGIN", "1")),
    )
