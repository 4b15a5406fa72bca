"""Every VULNDESK_* variable vulndesk knows, so that an unknown one is reported (a typo is not silent)."""

from __future__ import annotations

from collections.abc import Mapping

from vulndesk.config.cve import CVE_VARIABLES
from vulndesk.config.imap import IMAP_VARIABLES
from vulndesk.config.oidc import OIDC_VARIABLES
from vulndesk.config.values import PREFIX
from vulndesk.domain.errors import InvalidInput

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

KNOWN = frozenset(
    {
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
        "COORD_REMINDER_DAYS",
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
        *CVE_VARIABLES,
        "INTAKE_KEY",
        *IMAP_VARIABLES,
        "LOCAL_LOGIN",
        *OIDC_VARIABLES,
    }
    | _NOT_SETTINGS
)

# Variables that no longer name a setting: (names, problem, fix); setting one stops start-up.
GONE_ACTOR = (
    ("ACTOR", "ACTOR_UNIT"),
    "no longer names who acts: the CLI acts as the signed-in account",
    "unset it and run `vulndesk login`",
)
GONE_WEBHOOK_ALLOW = (
    ("WEBHOOK_ALLOW_PRIVATE", "WEBHOOK_ALLOW_HTTP"),
    "is no longer read: private and plain-http receivers are refused",
    (
        "remove it; list receivers in VULNDESK_WEBHOOK_HOSTS "
        "(VULNDESK_WEBHOOK_ALLOW_LOOPBACK=1 for a test receiver on this machine)"
    ),
)


def refuse_gone(env: Mapping[str, str], gone: tuple[tuple[str, ...], str, str]) -> None:
    """Stop at the first variable of `gone` that is set, saying why and what to do."""
    names, problem, fix = gone
    for name in names:
        if PREFIX + name in env:
            raise InvalidInput(PREFIX + name, problem, fix)


def unknown(env: Mapping[str, str]) -> tuple[str, ...]:
    """The VULNDESK_* variables that name no setting, sorted."""
    return tuple(sorted(k for k in env if k.startswith(PREFIX) and k[len(PREFIX) :] not in KNOWN))
