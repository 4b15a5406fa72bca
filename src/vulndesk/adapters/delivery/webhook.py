"""Signed webhook delivery: JSON bodies with an HMAC-SHA256 signature, through an egress allowlist.

The allow-list is mandatory: with no hosts listed nothing is sent. The URL is checked with the
same rules as when it was entered (`domain.egress`), then every address the host resolves to.

Errors (the delivery contract, decision 0021): `DeliveryRefused` for a permanent failure, never
retried: `EgressRefused` (the address is not allowed), a reserved extra header, or a 4xx answer
other than 408, 425 and 429; `DeliveryFailed` for what may pass later (DNS, network, timeouts,
408/425/429, 5xx), which the outbox retries with backoff.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import ipaddress
import json
import socket
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx

from vulndesk.domain.egress import WebhookRules, address_problem, check_url
from vulndesk.domain.errors import InvalidInput
from vulndesk.services.notify.ports import DeliveryFailed, DeliveryRefused

SIGNATURE_HEADER = "X-Vulndesk-Signature"
TIMESTAMP_HEADER = "X-Vulndesk-Timestamp"
# Client errors that say "not now" rather than "never": timeout, too early, too many requests.
RETRYABLE_4XX = frozenset({408, 425, 429})


class EgressRefused(DeliveryRefused):
    """The target is not on the allowlist or resolves to a private, loopback or special address."""


@dataclass(frozen=True, slots=True)
class EgressPolicy:
    """Allow-listed hosts (`host` or `host:port`); empty refuses every host.

    `allow_loopback` lets allow-listed loopback receivers (plain http included) through: tests.
    """

    hosts: frozenset[str] = field(default_factory=frozenset)
    allow_loopback: bool = False

    @property
    def rules(self) -> WebhookRules:
        return WebhookRules(self.hosts, self.allow_loopback)


@dataclass(frozen=True, slots=True)
class WebhookTarget:
    url: str
    secret: bytes


def signature(secret: bytes, timestamp: int, body: bytes) -> str:
    """`sha256=<hex>` over `<timestamp>.<body>`, so a captured body cannot be replayed later."""
    mac = hmac.new(secret, str(timestamp).encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify(
    secret: bytes, timestamp: str, body: bytes, header: str, now: dt.datetime, tolerance: int = 300
) -> bool:
    """What a receiver runs: the signature matches and the timestamp is recent."""
    if not timestamp.isdigit() or abs(now.timestamp() - int(timestamp)) > tolerance:
        return False
    return hmac.compare_digest(signature(secret, int(timestamp), body), header)


def admit(url: str, policy: EgressPolicy) -> None:
    """Refuse (`EgressRefused`) a URL the egress rules do not allow, before anything else."""
    try:
        check_url("webhook", url, policy.rules)
    except InvalidInput as exc:
        raise EgressRefused(str(exc)) from exc


def resolve(url: str, policy: EgressPolicy) -> tuple[str, str]:
    """The host and the one checked IP address to connect to (pinned against DNS rebinding)."""
    admit(url, policy)
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    try:
        infos = socket.getaddrinfo(host, parts.port or 443, proto=socket.IPPROTO_TCP)
    except OSError as exc:
        raise DeliveryFailed(f"{host!r} does not resolve: {exc}") from exc
    addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
    if not addresses:
        raise DeliveryFailed(f"{host!r} has no address")
    for a in addresses:
        problem = address_problem(a, policy.allow_loopback)
        if problem:
            raise EgressRefused(f"{host!r} resolves to {problem} ({a}): refused")
    return host, str(addresses[0])


def send_notice(
    target: WebhookTarget,
    payload: Mapping[str, Any],
    now: dt.datetime,
    policy: EgressPolicy,
    timeout: float = 15.0,
    extra_headers: Mapping[str, str] | None = None,
) -> int:
    """POST the payload as signed JSON (what an outbox handler calls); returns the HTTP status."""
    host, ip = resolve(target.url, policy)
    parts = urlsplit(target.url)
    body = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
    stamp = int(now.timestamp())
    netloc = f"[{ip}]" if ":" in ip else ip
    pinned = parts._replace(netloc=f"{netloc}:{parts.port}" if parts.port else netloc).geturl()
    headers = {
        "Content-Type": "application/json",
        "Host": parts.netloc,
        "User-Agent": "vulndesk-webhook/1",
        SIGNATURE_HEADER: signature(target.secret, stamp, body),
        TIMESTAMP_HEADER: str(stamp),
    }
    for name, value in (extra_headers or {}).items():
        if name.lower() in {k.lower() for k in headers} or any(c in value for c in "\r\n"):
            raise DeliveryRefused(f"header {name!r} is reserved or contains a line break")
        headers[name] = value
    try:
        with httpx.Client(timeout=timeout, follow_redirects=False, trust_env=False) as client:
            response = client.post(
                pinned, content=body, headers=headers, extensions={"sni_hostname": host}
            )
    except httpx.HTTPError as exc:
        raise DeliveryFailed(f"webhook to {host!r} failed: {exc}") from exc
    status = response.status_code
    if 400 <= status < 500 and status not in RETRYABLE_4XX:
        raise DeliveryRefused(f"webhook to {host!r} answered {status}")
    if not 200 <= status < 300:
        raise DeliveryFailed(f"webhook to {host!r} answered {status}")
    return status
