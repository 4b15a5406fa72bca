"""Parsers of single setting values (flags, choices, URLs, networks, paths), each naming its variable."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Mapping
from pathlib import Path

from vulndesk.domain.errors import InvalidInput

PREFIX = "VULNDESK_"
_FINGERPRINT = re.compile(r"^[0-9A-F]{40}$")


def flag(name: str, text: str) -> bool:
    value = text.strip().lower()
    if value not in {"1", "true", "yes", "0", "false", "no"}:
        raise InvalidInput(name, f"{text[:64]!r} is not a yes/no value", "1 or 0")
    return value in {"1", "true", "yes"}


def config_dir(env: Mapping[str, str]) -> Path:
    """The XDG base directory for user configuration, with vulndesk's folder in it."""
    xdg = env.get("XDG_CONFIG_HOME", "")
    # The XDG spec ignores a relative path: it would depend on the working directory.
    if xdg and Path(xdg).is_absolute():
        return Path(xdg) / "vulndesk"
    home = env.get("HOME", "")
    return (Path(home) if home else Path.home()) / ".config" / "vulndesk"


def networks(name: str, text: str) -> tuple[str, ...]:
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


def choice(name: str, text: str, allowed: tuple[str, ...]) -> str:
    if text not in allowed:
        raise InvalidInput(name, f"{text[:64]!r} is not one of {', '.join(allowed)}", allowed[0])
    return text


def url(name: str, text: str) -> str:
    if text and not text.startswith(("https://", "http://")):
        raise InvalidInput(name, f"{text[:64]!r} is not an http(s) URL", "https://...")
    return text


def fingerprint(name: str, text: str) -> str:
    value = text.replace(" ", "").upper()
    if value and not _FINGERPRINT.match(value):
        raise InvalidInput(name, f"{text[:60]!r} is not a key fingerprint", "40 hex digits")
    return value


def whole(
    get: Callable[[str, str], str],
    name: str,
    default: str,
    bounds: tuple[int, int | None],
    what: str,
    fix: str,
) -> int:
    """VULNDESK_<name> as a whole number within `bounds` (no upper bound when None)."""
    text = get(name, default)
    low, high = bounds
    number = int(text) if text.isascii() and text.isdigit() else None
    if number is None or number < low or (high is not None and number > high):
        raise InvalidInput(PREFIX + name, f"{text[:64]!r} is not {what}", fix)
    return number


def day_list(get: Callable[[str, str], str], name: str, default: str) -> tuple[int, ...]:
    """VULNDESK_<name> as whole numbers of days (1-365), comma-separated, largest first;
    empty turns the thing off."""
    text = get(name, default).strip()
    fix = "whole numbers of days from 1 to 365, comma-separated, e.g. 7,1 (empty: none)"
    found: list[int] = []
    for part in (p.strip() for p in text.split(",") if text):
        if not (part.isascii() and part.isdigit()) or not 1 <= int(part) <= 365:
            raise InvalidInput(PREFIX + name, f"{part[:64]!r} is not a number of days", fix)
        found.append(int(part))
    return tuple(sorted(set(found), reverse=True))
