"""CVE Services settings (VULNDESK_CVE_*): where the CNA reserves and publishes CVE ids.

The API key is a secret: it is read from VULNDESK_CVE_API_KEY or from the file
VULNDESK_CVE_API_KEY_FILE names (as the keys file is), kept out of `repr`, and never stored.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from vulndesk.config.values import PREFIX
from vulndesk.domain.errors import InvalidInput

CVE_VARIABLES = (
    "CVE_SERVICES_URL",
    "CVE_SHORT_NAME",
    "CVE_USER",
    "CVE_API_KEY",
    "CVE_API_KEY_FILE",
)
# CVE Services' own deployments; any other https URL (or a loopback test server) is accepted.
PRODUCTION_URL = "https://cveawg.mitre.org/api/"


@dataclass(frozen=True, slots=True)
class CveServicesSettings:
    """The CNA's CVE Services account: base URL, organisation short name, user, API key."""

    url: str
    short_name: str
    user: str
    api_key: str = field(repr=False)


def _api_key(get: Callable[[str, str], str]) -> str:
    inline = get("CVE_API_KEY", "").strip()
    path = get("CVE_API_KEY_FILE", "").strip()
    if inline and path:
        raise InvalidInput(
            "VULNDESK_CVE_API_KEY_FILE",
            "is set together with VULNDESK_CVE_API_KEY",
            "one of the two: the key itself or the file holding it",
        )
    if not path:
        return inline
    try:
        text = Path(path).read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise InvalidInput(
            "VULNDESK_CVE_API_KEY_FILE",
            f"{path[:80]!r} cannot be read ({exc.strerror or exc})",
            "a readable file holding the CVE Services API key",
        ) from exc
    if not text:
        raise InvalidInput("VULNDESK_CVE_API_KEY_FILE", f"{path[:80]!r} is empty", "the API key")
    return text


def cve_services_settings(get: Callable[[str, str], str]) -> CveServicesSettings | None:
    """The account when any VULNDESK_CVE_* variable but VULNDESK_CVE_ORG_ID is set; all of
    URL, short name, user and key are needed then, each missing one named."""
    if not any(get(name, "").strip() for name in CVE_VARIABLES):
        return None
    url = get("CVE_SERVICES_URL", "").strip() or PRODUCTION_URL
    parts = urlsplit(url)
    local = parts.hostname in {"127.0.0.1", "localhost", "::1"}
    if parts.scheme != "https" and not (parts.scheme == "http" and local):
        raise InvalidInput(
            "VULNDESK_CVE_SERVICES_URL",
            f"{url[:80]!r} is not an https URL",
            f"CVE Services' API base, e.g. {PRODUCTION_URL}",
        )
    if not url.endswith("/"):
        url += "/"
    short_name = get("CVE_SHORT_NAME", "").strip()
    user = get("CVE_USER", "").strip()
    key = _api_key(get)
    for name, value, fix in (
        ("CVE_SHORT_NAME", short_name, "the CNA's organisation short name, e.g. acme"),
        ("CVE_USER", user, "the CVE Services user name (an e-mail address)"),
        ("CVE_API_KEY", key, "the user's API key, or VULNDESK_CVE_API_KEY_FILE naming a file"),
    ):
        if not value:
            raise InvalidInput(PREFIX + name, "is not set while CVE Services is configured", fix)
    return CveServicesSettings(url, short_name, user, key)
