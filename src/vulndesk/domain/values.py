"""Validators for the small values many objects share: countries, zones, instants, languages."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo

from vulndesk.domain.errors import InvalidInput

# ISO 3166-1 alpha-2 codes of the EU member states (CRA scope).
EU_MEMBER_STATES = frozenset(
    [
        "AT",
        "BE",
        "BG",
        "HR",
        "CY",
        "CZ",
        "DK",
        "EE",
        "FI",
        "FR",
        "DE",
        "GR",
        "IE",
        "IT",
        "LV",
        "LT",
        "LU",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SK",
        "SI",
        "ES",
        "SE",
        "HU",
    ]
)
_COUNTRY = re.compile(r"^[A-Z]{2}$")
LANGUAGES = ("en", "zh-CN")


def country(field: str, value: str) -> str:
    """An ISO 3166-1 alpha-2 country code, upper-cased."""
    code = value.strip().upper()
    if not _COUNTRY.match(code):
        raise InvalidInput(
            field, f"{value!r} is not a country code", "ISO 3166-1 alpha-2, e.g. CN, DE, US"
        )
    return code


def countries(field: str, values: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """A de-duplicated, sorted tuple of country codes."""
    return tuple(sorted({country(field, v) for v in values}))


def timezone(field: str, value: str) -> str:
    """An IANA time-zone name that this machine's tz database knows."""
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidInput(
            field, f"{value!r} is not a known time zone", "an IANA name such as Asia/Shanghai"
        ) from exc
    return value


def instant(field: str, value: str | dt.datetime) -> dt.datetime:
    """An aware datetime; strings must be ISO 8601 with an offset."""
    if isinstance(value, str):
        try:
            parsed = dt.datetime.fromisoformat(value.strip())
        except ValueError as exc:
            raise InvalidInput(
                field, f"{value!r} is not an ISO 8601 instant", "e.g. 2026-03-10T15:00:00+08:00"
            ) from exc
    else:
        parsed = value
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise InvalidInput(
            field,
            "the instant has no UTC offset",
            "an ISO 8601 instant with an offset, e.g. +08:00 or Z",
        )
    return parsed


def language(field: str, value: str) -> str:
    """One of the languages vulndesk writes in."""
    for lang in LANGUAGES:
        if value.strip().lower() == lang.lower():
            return lang
    raise InvalidInput(field, f"{value!r} is not supported", ", ".join(LANGUAGES))


def _lone_surrogate(value: str) -> bool:
    """Whether `value` holds half a surrogate pair, which no UTF-8 encoding exists for."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def encodable(field: str, value: str) -> str:
    """Text that UTF-8 can encode: a lone surrogate (JSON's "\\ud800") is refused by name."""
    if _lone_surrogate(value):
        raise InvalidInput(
            field,
            "contains half a surrogate pair (U+D800-U+DFFF), which has no UTF-8 encoding",
            "text of whole characters (send a surrogate pair only as a pair)",
        )
    return value


def unencodable_path(data: object, path: str = "") -> str | None:
    """The dotted path (`details.summary`, `members.0`) of the first string in parsed JSON
    that UTF-8 cannot encode, or None when every key and string encodes."""
    if isinstance(data, str):
        return (path or "body") if _lone_surrogate(data) else None
    if isinstance(data, dict):
        for key, item in data.items():
            here = f"{path}.{key}" if path else str(key)
            if _lone_surrogate(str(key)):
                return here.encode("utf-8", "backslashreplace").decode("utf-8")
            found = unencodable_path(item, here)
            if found:
                return found
    if isinstance(data, list):
        for index, item in enumerate(data):
            found = unencodable_path(item, f"{path}.{index}" if path else str(index))
            if found:
                return found
    return None


def text(field: str, value: str, *, max_len: int = 200, required: bool = True) -> str:
    """A single line of text: stripped, no control characters, bounded length."""
    value = encodable(field, value).strip()
    if required and not value:
        raise InvalidInput(field, "must not be empty", f"1-{max_len} characters")
    if len(value) > max_len:
        raise InvalidInput(field, f"is {len(value)} characters long", f"at most {max_len}")
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise InvalidInput(
            field, "contains control characters (line breaks, tabs)", "a single line of text"
        )
    return value


def long_text(field: str, value: str, *, max_len: int = 100_000) -> str:
    """Multi-line text: line breaks and tabs allowed, other control characters refused."""
    encodable(field, value)
    if len(value) > max_len:
        raise InvalidInput(field, f"is {len(value)} characters long", f"at most {max_len}")
    if any((ord(c) < 32 and c not in "\n\r\t") or ord(c) == 127 for c in value):
        raise InvalidInput(
            field, "contains control characters", "text with line breaks and tabs only"
        )
    return value.replace("\r\n", "\n")


_EMAIL = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$"
)
_PHONE_CHARS = re.compile(r"^\+[0-9][0-9 ()\-]*$")


def email(field: str, value: str) -> str:
    """One mail address, `local@domain.tld`: nothing a mail header could be split at."""
    found = value.strip()
    if len(found) > 254 or not _EMAIL.match(found) or ".." in found:
        raise InvalidInput(
            field, f"{value[:80]!r} is not an e-mail address", "one address, e.g. psirt@example.com"
        )
    return found


def phone(field: str, value: str) -> str:
    """An international number: `+`, the country code, then digits (spaces, dashes allowed)."""
    found = value.strip()
    digits = re.sub(r"[^0-9]", "", found)
    if not _PHONE_CHARS.match(found) or not 8 <= len(digits) <= 15 or found[1] == "0":
        raise InvalidInput(
            field,
            f"{value[:40]!r} is not an international phone number",
            "E.164: + then country code and number, 8-15 digits, e.g. +86 10 5555 0100",
        )
    return found
