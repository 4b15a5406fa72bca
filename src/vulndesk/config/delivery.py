"""Outbound settings: webhook receivers and secrets, and where audit checkpoints are sent."""

from __future__ import annotations

import ipaddress
import json
import re
from urllib.parse import urlsplit

from vulndesk.domain.errors import InvalidInput

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


def secrets(text: str) -> dict[str, str]:
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


def checkpoint_interval(text: str) -> int:
    """Seconds between checkpoints: 1 to 600, so a checkpoint is never more than 10 minutes old."""
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= 600:
        raise InvalidInput(
            "VULNDESK_CHECKPOINT_INTERVAL",
            f"{text[:64]!r} is not a number of seconds from 1 to 600",
            "e.g. 600 for every ten minutes",
        )
    return int(text)


def checkpoint_webhook(text: str) -> str:
    if text and not text.startswith(("https://", "http://")):
        raise InvalidInput(
            "VULNDESK_CHECKPOINT_WEBHOOK", f"{text[:64]!r} is not an http(s) URL", "https://..."
        )
    return text
