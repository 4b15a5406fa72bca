"""The mailbox the worker reads e-mailed reports from (VULNDESK_IMAP_*)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from vulndesk.config.values import PREFIX
from vulndesk.domain.errors import InvalidInput


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
