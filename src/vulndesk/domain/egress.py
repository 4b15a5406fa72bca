"""Webhook egress rules: which URLs may be entered for a party or unit, and sent to.

The same check runs when a URL is entered (CLI, API, console) and again, after DNS resolution,
when a webhook is sent: a name may point elsewhere by then. Only allow-listed hosts pass;
loopback, link-local (cloud metadata), private and other non-public addresses never do, except
loopback when `allow_loopback` is set for a test receiver on this machine.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

from vulndesk.domain.errors import InvalidInput

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
HOSTS_SETTING = "VULNDESK_WEBHOOK_HOSTS"
_LOOPBACK_NAMES = ("localhost", "localhost.localdomain")


@dataclass(frozen=True, slots=True)
class WebhookRules:
    """Allow-listed hosts (`host` or `host:port`, lower case); empty means webhooks are off."""

    hosts: frozenset[str] = frozenset()
    allow_loopback: bool = False

    def allows(self, host: str, port: int | None) -> bool:
        """`host` as a URL's hostname gives it (IPv6 without brackets) and its explicit port."""
        bracketed = f"[{host}]" if ":" in host else host
        return host in self.hosts or (port is not None and f"{bracketed}:{port}" in self.hosts)


def address_problem(ip: IPAddress, allow_loopback: bool = False) -> str | None:
    """Why a webhook must not go to `ip`, or None when it may."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_loopback:
        return None if allow_loopback else "a loopback address"
    if ip.is_link_local:
        return "a link-local address (cloud metadata services live there)"
    if _rfc1918_or_ula(ip):
        return "a private network address (RFC 1918 or IPv6 ULA)"
    if not ip.is_global or ip.is_multicast or ip.is_reserved:
        return "a non-public address"
    return None


_PRIVATE = tuple(
    ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7")
)


def _rfc1918_or_ula(ip: IPAddress) -> bool:
    return any(ip.version == n.version and ip in n for n in _PRIVATE)


def _literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def _parts(field: str, url: str) -> SplitResult:
    fix = "https://host.example/path on an allow-listed host"
    try:
        parts = urlsplit(url.strip())
        _ = parts.port  # a port that is not a number raises here
    except ValueError as exc:
        raise InvalidInput(field, f"{url[:120]!r} is not a URL", fix) from exc
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise InvalidInput(field, f"{url[:120]!r} is not an https URL with a host", fix)
    if parts.username is not None or parts.password is not None:
        raise InvalidInput(field, "a webhook URL must not carry a user name or password", fix)
    return parts


def is_loopback_host(host: str) -> bool:
    ip = _literal(host)
    return host in _LOOPBACK_NAMES or host.endswith(".localhost") or bool(ip and ip.is_loopback)


def check_url(field: str, url: str, rules: WebhookRules) -> str:
    """The URL as entered when every rule passes; otherwise InvalidInput naming the fix."""
    parts = _parts(field, url)
    host, port = (parts.hostname or "").lower(), parts.port
    if not rules.hosts:
        raise InvalidInput(
            field,
            f"webhooks are off: {HOSTS_SETTING} is empty",
            f"list the receiving host in {HOSTS_SETTING} (comma-separated), or use e-mail",
        )
    if not rules.allows(host, port):
        raise InvalidInput(
            field,
            f"host {host!r} is not on the webhook allow-list",
            f"add {host!r} to {HOSTS_SETTING}, or use an allow-listed host",
        )
    loopback = is_loopback_host(host)
    ip = _literal(host)
    problem = "a loopback address" if loopback and not rules.allow_loopback else None
    if ip is not None and problem is None:
        problem = address_problem(ip, rules.allow_loopback)
    if problem:
        raise InvalidInput(
            field, f"host {host!r} is {problem}", "a public https receiver on the allow-list"
        )
    if parts.scheme != "https" and not (loopback and rules.allow_loopback):
        raise InvalidInput(field, f"{parts.scheme}:// is not encrypted", "an https:// URL")
    return url.strip()
