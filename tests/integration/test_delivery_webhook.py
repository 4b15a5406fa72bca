"""Signed webhooks to a real HTTP server on loopback, and the mandatory egress allowlist."""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from vulndesk.adapters.delivery.webhook import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    EgressPolicy,
    EgressRefused,
    WebhookTarget,
    resolve,
    send_notice,
    verify,
)
from vulndesk.services.notify.ports import DeliveryFailed, DeliveryRefused

SECRET = b"shared-webhook-secret"
NOW = dt.datetime(2026, 11, 2, 1, 0, tzinfo=dt.UTC)


def loopback(url: str) -> EgressPolicy:
    """The test receiver's host and port allow-listed, loopback allowed (the test-only switch)."""
    return EgressPolicy(frozenset({url.split("/")[2]}), allow_loopback=True)


class Receiver(BaseHTTPRequestHandler):
    """Verifies the signature as a real receiver would and answers 204 or 401."""

    received: list[tuple[bool, dict[str, object]]] = []  # noqa: RUF012 - shared by the server's handler instances
    answer: int | None = None  # a status to answer a correctly signed request with instead

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        ok = verify(
            SECRET, self.headers[TIMESTAMP_HEADER], body, self.headers[SIGNATURE_HEADER], NOW
        )
        self.received.append((ok, json.loads(body)))
        self.send_response((self.answer or 204) if ok else 401)
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        return


@pytest.fixture
def server() -> Iterator[str]:
    Receiver.received, Receiver.answer = [], None
    httpd = HTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/hooks/vulndesk"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()


def test_signed_payload_verifies_on_the_receiving_side(server: str) -> None:
    payload = {"case": "VD-2026-0001", "event": "notice", "text": "安全通告"}
    status = send_notice(WebhookTarget(server, SECRET), payload, NOW, loopback(server))
    assert status == 204
    assert Receiver.received == [(True, payload)]


def test_wrong_secret_is_rejected_by_the_receiver(server: str) -> None:
    with pytest.raises(DeliveryRefused, match="401"):
        send_notice(
            WebhookTarget(server, b"other"), {"case": "VD-2026-0001"}, NOW, loopback(server)
        )
    assert [ok for ok, _ in Receiver.received] == [False]


@pytest.mark.parametrize(
    ("status", "outcome"),
    [(404, DeliveryRefused), (410, DeliveryRefused), (429, DeliveryFailed), (408, DeliveryFailed),
     (500, DeliveryFailed), (503, DeliveryFailed), (302, DeliveryFailed)],
)  # fmt: skip
def test_an_answer_is_refused_for_good_or_worth_retrying(
    server: str, status: int, outcome: type[Exception]
) -> None:
    Receiver.answer = status
    with pytest.raises(outcome, match=str(status)) as caught:
        send_notice(WebhookTarget(server, SECRET), {"case": "VD-2026-0001"}, NOW, loopback(server))
    # The two outcomes never overlap: a refusal is not also a retryable failure.
    assert not isinstance(
        caught.value, DeliveryFailed if outcome is DeliveryRefused else DeliveryRefused
    )


def test_old_timestamp_fails_verification() -> None:
    body = b'{"a":1}'
    from vulndesk.adapters.delivery.webhook import signature

    stamp = int(NOW.timestamp())
    header = signature(SECRET, stamp, body)
    assert verify(SECRET, str(stamp), body, header, NOW)
    assert not verify(SECRET, str(stamp), body, header, NOW + dt.timedelta(minutes=10))
    assert not verify(SECRET, str(stamp), body + b" ", header, NOW)


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/hook",
        "https://10.1.2.3/hook",
        "https://192.168.0.10/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/hook",
        "https://[fd00::1]/hook",
        "https://0.0.0.0/hook",
        "https://100.64.0.1/hook",
    ],
)
def test_private_and_special_addresses_are_refused(url: str) -> None:
    host = url.split("/")[2].strip("[]")
    listed = EgressPolicy(frozenset({host}))  # allow-listed: only the address rules refuse it
    with pytest.raises(EgressRefused, match=r"loopback|link-local|private|non-public"):
        resolve(url, listed)


def test_default_policy_refuses_loopback_server_without_sending(server: str) -> None:
    with pytest.raises(EgressRefused, match="VULNDESK_WEBHOOK_HOSTS"):
        send_notice(WebhookTarget(server, SECRET), {"x": 1}, NOW, EgressPolicy())
    listed = EgressPolicy(frozenset({server.split("/")[2]}))
    with pytest.raises(EgressRefused, match="loopback"):
        send_notice(WebhookTarget(server, SECRET), {"x": 1}, NOW, listed)
    assert Receiver.received == []


def test_allowlist_is_mandatory_and_https_only() -> None:
    # Observation: with no allow-list any public host used to be accepted.
    with pytest.raises(EgressRefused, match="VULNDESK_WEBHOOK_HOSTS is empty"):
        resolve("https://8.8.8.8/x", EgressPolicy())
    with pytest.raises(EgressRefused, match="allow-list"):
        resolve(
            "https://hooks.other.example/x", EgressPolicy(hosts=frozenset({"hooks.acme.example"}))
        )
    listed = EgressPolicy(hosts=frozenset({"8.8.8.8"}))
    with pytest.raises(EgressRefused, match="https"):
        resolve("ftp://8.8.8.8/x", listed)
    with pytest.raises(EgressRefused, match="not encrypted"):
        resolve("http://8.8.8.8/x", listed)
    assert resolve("https://8.8.8.8/x", listed) == ("8.8.8.8", "8.8.8.8")
    # A port on the list allows that port only.
    with pytest.raises(EgressRefused, match="allow-list"):
        resolve("https://8.8.8.8:8443/x", EgressPolicy(hosts=frozenset({"8.8.8.8:443"})))
