"""Typed settings, read once from the environment; no other module reads os.environ."""

from __future__ import annotations

import ipaddress
import json
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from vulndesk.domain.errors import InvalidInput
from vulndesk.domain.values import timezone
from vulndesk.services.accounts.sso import SsoPolicy, parse_role_map
from vulndesk.services.intake.receipts import Rate, parse_rate

PREFIX = "VULNDESK_"
INTAKE_RATE = Rate(30, 60)
_FINGERPRINT = re.compile(r"^[0-9A-F]{40}$")


@dataclass(frozen=True, slots=True)
class ImapSettings:
    """The mailbox the worker reads public reports from (VULNDESK_IMAP_*).

    `security` is `ssl` (port 993), `starttls` or `none` (a loopback test server only).
    """

    host: str
    user: str
    password: str = field(repr=False)
    port: int = 993
    folder: str = "INBOX"
    processed_folder: str = "Processed"
    security: str = "ssl"


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
        workers = get("WORKERS", "1")
        if not (workers.isascii() and workers.isdigit()) or int(workers) < 1:
            raise InvalidInput(
                "VULNDESK_WORKERS",
                f"{workers[:64]!r} is not a number of processes",
                "a whole number from 1, e.g. 2 for a 2-core machine",
            )
        backdate = get("BACKDATE_LIMIT_HOURS", "24")
        if not (backdate.isascii() and backdate.isdigit()) or not 1 <= int(backdate) <= 8760:
            raise InvalidInput(
                "VULNDESK_BACKDATE_LIMIT_HOURS",
                f"{backdate[:64]!r} is not a number of hours",
                "a whole number of hours from 1 to 8760, e.g. 24",
            )
        alert_days = get("EXPOSURE_ALERT_DAYS", "30")
        if not (alert_days.isascii() and alert_days.isdigit()) or not 1 <= int(alert_days) <= 3650:
            raise InvalidInput(
                "VULNDESK_EXPOSURE_ALERT_DAYS",
                f"{alert_days[:64]!r} is not a number of days",
                "a whole number of days from 1 to 3650, e.g. 30",
            )
        for gone in ("ACTOR", "ACTOR_UNIT"):
            if PREFIX + gone in env:
                raise InvalidInput(
                    PREFIX + gone,
                    "no longer names who acts: the CLI acts as the signed-in account",
                    "unset it and run `vulndesk login`",
                )
        hours = get("CLI_TOKEN_HOURS", "12")
        if not (hours.isascii() and hours.isdigit()) or not 1 <= int(hours) <= 24 * 366:
            raise InvalidInput(
                "VULNDESK_CLI_TOKEN_HOURS",
                f"{hours[:64]!r} is not a number of hours",
                "a whole number from 1 to 8784, e.g. 12",
            )
        smtp_port = get("SMTP_PORT", "25")
        if not smtp_port.isdigit():
            raise InvalidInput("VULNDESK_SMTP_PORT", f"{smtp_port!r} is not a port", "1-65535")
        known = {
            "HOME",
            "DATABASE_URL",
            "KEY_FILE",
            "KEYS",
            "RULES_DIR",
            "HOST",
            "PORT",
            "WORKERS",
            "TIMEZONE",
            "PUBLIC_URL",
            "ORG_NAME",
            "SECURITY_CONTACT",
            "SMTP_HOST",
            "SMTP_PORT",
            "SMTP_SENDER",
            "COOKIE_SECURE",
            "CLI_TOKEN_HOURS",
            "TRUSTED_PROXIES",
            "WEBHOOK_HOSTS",
            "WEBHOOK_ALLOW_LOOPBACK",
            "CHECKPOINT_KEY",
            "CHECKPOINT_DIR",
            "CHECKPOINT_INTERVAL",
            "CHECKPOINT_WEBHOOK",
            "BACKDATE_LIMIT_HOURS",
            "EXPOSURE_ALERT_DAYS",
            "LOG_FILE",
            "LOG_FORMAT",
            "WEBHOOK_SECRETS",
            "SMTP_STARTTLS",
            "SMTP_USERNAME",
            "SMTP_PASSWORD",
            "INTAKE_RATE",
            "INTAKE_UNIT",
            "INTAKE_TOKEN_FAILURES",
            "INTAKE_MESSAGE_RATE",
            "INTAKE_MESSAGE_SOURCE_RATE",
            "SECURITY_POLICY_URL",
            "METRICS_TOKEN",
            "CSAF_DIR",
            "GNUPGHOME",
            "CSAF_KEY",
            "CVE_ORG_ID",
            "INTAKE_KEY",
            *IMAP_VARIABLES,
            "LOCAL_LOGIN",
            *OIDC_VARIABLES,
        } | _NOT_SETTINGS
        for gone in ("WEBHOOK_ALLOW_PRIVATE", "WEBHOOK_ALLOW_HTTP"):
            if PREFIX + gone in env:
                raise InvalidInput(
                    PREFIX + gone,
                    "is no longer read: private and plain-http receivers are refused",
                    "remove it; list receivers in VULNDESK_WEBHOOK_HOSTS "
                    "(VULNDESK_WEBHOOK_ALLOW_LOOPBACK=1 for a test receiver on this machine)",
                )
        unknown = tuple(
            sorted(k for k in env if k.startswith(PREFIX) and k[len(PREFIX) :] not in known)
        )
        yes = {"1", "true", "yes"}
        return cls(
            home=home,
            database_url=get("DATABASE_URL"),
            key_file=Path(get("KEY_FILE")) if get("KEY_FILE") else None,
            keys_json=get("KEYS") or None,
            rules_dir=Path(get("RULES_DIR")) if get("RULES_DIR") else None,
            host=get("HOST", "127.0.0.1"),
            port=int(port_text),
            workers=int(workers),
            timezone=timezone("VULNDESK_TIMEZONE", get("TIMEZONE", "UTC")),
            public_url=get("PUBLIC_URL", f"http://127.0.0.1:{port_text}"),
            org_name=get("ORG_NAME", "vulndesk"),
            security_contact=get("SECURITY_CONTACT", "mailto:security@example.invalid"),
            smtp_host=get("SMTP_HOST", "127.0.0.1"),
            smtp_port=int(smtp_port),
            smtp_sender=get("SMTP_SENDER", "vulndesk@example.invalid"),
            cookie_secure=get("COOKIE_SECURE", "1") not in {"0", "false", "no"},
            cli_token_hours=int(hours),
            config_dir=_config_dir(env),
            trusted_proxies=_networks("VULNDESK_TRUSTED_PROXIES", get("TRUSTED_PROXIES")),
            webhook_hosts=webhook_hosts("VULNDESK_WEBHOOK_HOSTS", get("WEBHOOK_HOSTS")),
            webhook_allow_loopback=get("WEBHOOK_ALLOW_LOOPBACK").lower() in {"1", "true", "yes"},
            checkpoint_key=Path(get("CHECKPOINT_KEY")) if get("CHECKPOINT_KEY") else None,
            checkpoint_dir=Path(get("CHECKPOINT_DIR")) if get("CHECKPOINT_DIR") else None,
            checkpoint_interval=_interval(get("CHECKPOINT_INTERVAL", "600")),
            checkpoint_webhook=_webhook(get("CHECKPOINT_WEBHOOK")),
            backdate_limit_hours=int(backdate),
            exposure_alert_days=int(alert_days),
            log_file=Path(get("LOG_FILE")) if get("LOG_FILE") else None,
            log_format=_choice("VULNDESK_LOG_FORMAT", get("LOG_FORMAT", "json"), ("json", "text")),
            webhook_secrets=_secrets(get("WEBHOOK_SECRETS")),
            smtp_starttls=get("SMTP_STARTTLS").lower() in yes,
            smtp_username=get("SMTP_USERNAME"),
            smtp_password=get("SMTP_PASSWORD"),
            intake_rate=parse_rate("VULNDESK_INTAKE_RATE", get("INTAKE_RATE"), INTAKE_RATE),
            intake_unit=get("INTAKE_UNIT") or None,
            intake_token_failures=_rate("TOKEN_FAILURES", get),
            intake_message_rate=_rate("MESSAGE_RATE", get),
            intake_message_source_rate=_rate("MESSAGE_SOURCE_RATE", get),
            security_policy_url=_url("VULNDESK_SECURITY_POLICY_URL", get("SECURITY_POLICY_URL")),
            metrics_token=get("METRICS_TOKEN"),
            csaf_dir=Path(get("CSAF_DIR")) if get("CSAF_DIR") else None,
            gnupghome=Path(get("GNUPGHOME")) if get("GNUPGHOME") else None,
            csaf_key=get("CSAF_KEY"),
            cve_org_id=get("CVE_ORG_ID"),
            imap=imap_settings(get),
            intake_key=_fingerprint("VULNDESK_INTAKE_KEY", get("INTAKE_KEY")),
            oidc=oidc_policy(env),
            local_login=_flag("VULNDESK_LOCAL_LOGIN", get("LOCAL_LOGIN", "1")),
            unknown=unknown,
        )


OIDC_VARIABLES = (
    "OIDC_ISSUER",
    "OIDC_CLIENT_ID",
    "OIDC_CLIENT_SECRET",
    "OIDC_GROUPS_CLAIM",
    "OIDC_ROLE_MAP",
    "OIDC_ACCEPT_PROVIDER_MFA",
    "OIDC_NAME",
)


def _flag(name: str, text: str) -> bool:
    value = text.strip().lower()
    if value not in {"1", "true", "yes", "0", "false", "no"}:
        raise InvalidInput(name, f"{text[:64]!r} is not a yes/no value", "1 or 0")
    return value in {"1", "true", "yes"}


def oidc_policy(env: Mapping[str, str]) -> SsoPolicy | None:
    """VULNDESK_OIDC_*: all three of issuer, client id and secret, or none of them."""
    issuer = env.get(PREFIX + "OIDC_ISSUER", "").strip()
    client_id = env.get(PREFIX + "OIDC_CLIENT_ID", "").strip()
    secret = env.get(PREFIX + "OIDC_CLIENT_SECRET", "")
    if not (issuer or client_id or secret):
        for rest in OIDC_VARIABLES:
            if env.get(PREFIX + rest):
                raise InvalidInput(
                    PREFIX + rest, "is set but no provider is", "set VULNDESK_OIDC_ISSUER too"
                )
        return None
    parts = urlsplit(issuer)
    local = parts.hostname in {"127.0.0.1", "localhost", "::1"}
    if parts.scheme != "https" and not (parts.scheme == "http" and local):
        raise InvalidInput(
            "VULNDESK_OIDC_ISSUER",
            f"{issuer[:64]!r} is not an https URL",
            "the provider's issuer, e.g. https://login.example.com/realms/psirt",
        )
    for name, value in (("OIDC_CLIENT_ID", client_id), ("OIDC_CLIENT_SECRET", secret)):
        if not value:
            raise InvalidInput(PREFIX + name, "is empty", "the client registered at the provider")
    claim = env.get(PREFIX + "OIDC_GROUPS_CLAIM", "groups").strip()
    if not re.fullmatch(r"[A-Za-z0-9_:./-]{1,100}", claim):
        raise InvalidInput(
            "VULNDESK_OIDC_GROUPS_CLAIM", f"{claim[:64]!r} is not a claim name", "e.g. groups"
        )
    return SsoPolicy(
        issuer=issuer,
        client_id=client_id,
        client_secret=secret,
        groups_claim=claim,
        role_map=parse_role_map("VULNDESK_OIDC_ROLE_MAP", env.get(PREFIX + "OIDC_ROLE_MAP", "")),
        accept_provider_mfa=_flag(
            "VULNDESK_OIDC_ACCEPT_PROVIDER_MFA", env.get(PREFIX + "OIDC_ACCEPT_PROVIDER_MFA", "0")
        ),
        name=env.get(PREFIX + "OIDC_NAME", "").strip()[:60] or (parts.hostname or "provider"),
    )


def _config_dir(env: Mapping[str, str]) -> Path:
    """The XDG base directory for user configuration, with vulndesk's folder in it."""
    xdg = env.get("XDG_CONFIG_HOME", "")
    # The XDG spec ignores a relative path: it would depend on the working directory.
    if xdg and Path(xdg).is_absolute():
        return Path(xdg) / "vulndesk"
    home = env.get("HOME", "")
    return (Path(home) if home else Path.home()) / ".config" / "vulndesk"


def _networks(name: str, text: str) -> tuple[str, ...]:
    """A comma-separated list of IP addresses or networks, each checked."""
    out: list[str] = []
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        try:
            out.append(str(ipaddress.ip_network(item, strict=False)))
        except ValueError as exc:
            raise InvalidInput(
                name, f"{item[:64]!r} is not an IP address or network", "e.g. 10.0.0.5,10.1.0.0/16"
            ) from exc
    return tuple(out)


_HOST = re.compile(
    r"^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$"
)


def webhook_hosts(name: str, text: str) -> tuple[str, ...]:
    """A comma-separated list of host names or IP addresses, each optionally with `:port`."""
    out: list[str] = []
    for item in (part.strip().lower() for part in text.split(",")):
        if not item:
            continue
        try:
            out.append(str(ipaddress.ip_address(item)))  # a bare address, IPv6 included
            continue
        except ValueError:
            pass
        try:
            parts = urlsplit("//" + item)
            host, port = parts.hostname or "", parts.port
        except ValueError:
            host, port = "", None
        literal = host.strip("[]")
        valid = bool(host) and parts.path == "" and not parts.username
        if valid and not _HOST.match(host):
            try:
                ipaddress.ip_address(literal)
            except ValueError:
                valid = False
        if not valid:
            raise InvalidInput(
                name,
                f"{item[:64]!r} is not a host name or address",
                "e.g. hooks.example.com,203.0.113.7:8443",
            )
        shown = f"[{literal}]" if ":" in literal else literal
        out.append(f"{shown}:{port}" if port else literal)
    return tuple(out)


def _interval(text: str) -> int:
    """Seconds between checkpoints: 1 to 600, so a checkpoint is never more than 10 minutes old."""
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= 600:
        raise InvalidInput(
            "VULNDESK_CHECKPOINT_INTERVAL",
            f"{text[:64]!r} is not a number of seconds from 1 to 600",
            "e.g. 600 for every ten minutes",
        )
    return int(text)


def _webhook(text: str) -> str:
    if text and not text.startswith(("https://", "http://")):
        raise InvalidInput(
            "VULNDESK_CHECKPOINT_WEBHOOK", f"{text[:64]!r} is not an http(s) URL", "https://..."
        )
    return text


# Variables the test and benchmark harnesses read themselves; no setting, never reported.
_NOT_SETTINGS = {
    "REQUIRE_POSTGRES",
    "REQUIRE_BROWSER",
    "BENCH_FULL",
    "UPDATE_GOLDEN",
    "CRASH_TRIALS",
    "CRASH_SEED",
    "CRASH_WORKERS",
    "CRASH_ROUND",
    "CRASH_CLIENTS",
}


def _choice(name: str, text: str, allowed: tuple[str, ...]) -> str:
    if text not in allowed:
        raise InvalidInput(name, f"{text[:64]!r} is not one of {', '.join(allowed)}", allowed[0])
    return text


def _secrets(text: str) -> dict[str, str]:
    """VULNDESK_WEBHOOK_SECRETS: a JSON object of party id -> secret."""
    try:
        found = json.loads(text or "{}")
    except ValueError:
        found = None
    if not isinstance(found, dict) or not all(
        isinstance(k, str) and isinstance(v, str) and v for k, v in found.items()
    ):
        raise InvalidInput(
            "VULNDESK_WEBHOOK_SECRETS", "is not a JSON object of secrets", '{"party-id": "secret"}'
        )
    return found


def _rate(name: str, get: Callable[[str], str]) -> Rate | None:
    text = get("INTAKE_" + name)
    return parse_rate(f"VULNDESK_INTAKE_{name}", text, Rate(1, 1)) if text else None


def _url(name: str, text: str) -> str:
    if text and not text.startswith(("https://", "http://")):
        raise InvalidInput(name, f"{text[:64]!r} is not an http(s) URL", "https://...")
    return text


IMAP_VARIABLES = (
    "IMAP_HOST",
    "IMAP_PORT",
    "IMAP_USER",
    "IMAP_PASSWORD",
    "IMAP_FOLDER",
    "IMAP_PROCESSED_FOLDER",
    "IMAP_SECURITY",
)


def imap_settings(get: Callable[[str, str], str]) -> ImapSettings | None:
    """The mailbox settings when VULNDESK_IMAP_HOST is set; each bad one named."""
    host = get("IMAP_HOST", "").strip()
    if not host:
        return None
    security = get("IMAP_SECURITY", "ssl").strip().lower()
    if security not in {"ssl", "starttls", "none"}:
        raise InvalidInput(
            "VULNDESK_IMAP_SECURITY", f"{security[:20]!r} is unknown", "ssl, starttls or none"
        )
    port = get("IMAP_PORT", "993" if security == "ssl" else "143").strip()
    if not (port.isascii() and port.isdigit()) or not 0 < int(port) < 65536:
        raise InvalidInput(
            "VULNDESK_IMAP_PORT", f"{port[:20]!r} is not a port", "1-65535, e.g. 993"
        )
    for name in ("IMAP_USER", "IMAP_PASSWORD"):
        if not get(name, ""):
            raise InvalidInput(
                PREFIX + name, "is not set while VULNDESK_IMAP_HOST is", "the mailbox's login"
            )
    folder = get("IMAP_FOLDER", "INBOX").strip() or "INBOX"
    done = get("IMAP_PROCESSED_FOLDER", "Processed").strip()
    if not done or done == folder:
        raise InvalidInput(
            "VULNDESK_IMAP_PROCESSED_FOLDER",
            f"{done[:40]!r} is not a folder apart from VULNDESK_IMAP_FOLDER",
            "another folder, e.g. Processed",
        )
    return ImapSettings(
        host, get("IMAP_USER", ""), get("IMAP_PASSWORD", ""), int(port), folder, done, security
    )


def _fingerprint(name: str, text: str) -> str:
    value = text.replace(" ", "").upper()
    if value and not _FINGERPRINT.match(value):
        raise InvalidInput(name, f"{text[:60]!r} is not a key fingerprint", "40 hex digits")
    return value
