"""The cvelib adapter against a local CVE Services: answers, and each refusal's domain error."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import pytest

from tests.cve_services import LocalCveServices
from vulndesk.adapters.cve_services import CveServicesClient
from vulndesk.domain.errors import Conflict, GuardFailed, InvalidInput, Unavailable


@pytest.fixture
def server() -> Iterator[LocalCveServices]:
    with LocalCveServices() as running:
        yield running


def _client(server: LocalCveServices, key: str | None = None) -> CveServicesClient:
    s = server.state
    return CveServicesClient(server.url, s.org, s.user, key or s.key)


def _container(server: LocalCveServices, **changes: Any) -> dict[str, Any]:
    cna: dict[str, Any] = {
        "providerMetadata": {"orgId": server.state.org_uuid},
        "descriptions": [{"lang": "en", "value": "Heap overflow."}],
        "affected": [{"vendor": "Acme", "product": "Router", "versions": []}],
        "references": [{"url": "https://psirt.example.com/1"}],
        "x_generator": {"engine": "vulndesk"},
    }
    cna.update(changes)
    return cna


def test_reserve_sends_the_documented_request(server: LocalCveServices) -> None:
    got = _client(server).reserve(2, 2026)
    assert got.ids == ("CVE-2026-1000", "CVE-2026-1001") and not got.partial
    method, path, _ = server.state.requests[-1]
    assert method == "POST" and path.startswith("/api/cve-id?")
    for part in ("amount=2", "cve_year=2026", "short_name=acme", "batch_type=sequential"):
        assert part in path


def test_bad_credentials_name_the_setting_not_the_key(server: LocalCveServices) -> None:
    with pytest.raises(InvalidInput) as caught:
        _client(server, "wrong-key-123").reserve(1, 2026)
    assert caught.value.field == "VULNDESK_CVE_API_KEY"
    assert "401 UNAUTHORIZED" in str(caught.value) and "wrong-key-123" not in str(caught.value)


def test_quota_is_a_guard_naming_the_fix(server: LocalCveServices) -> None:
    server.state.quota = 2
    client = _client(server)
    client.reserve(2, 2026)
    with pytest.raises(GuardFailed, match="EXCEEDED_ID_QUOTA") as caught:
        client.reserve(1, 2026)
    assert caught.value.guard == "cve-quota" and "vulndesk cve reject" in str(caught.value)


def test_record_answers(server: LocalCveServices) -> None:
    client = _client(server)
    (cve_id,) = client.reserve(1, 2026).ids
    with pytest.raises(InvalidInput, match=r"INVALID_JSON_SCHEMA.*references") as caught:
        client.publish(cve_id, _container(server, references=[]))
    assert caught.value.field == "cnaContainer"
    with pytest.raises(GuardFailed, match="CVE_RECORD_DNE"):
        client.update(cve_id, _container(server))
    assert "successfully created" in client.publish(cve_id, _container(server))
    with pytest.raises(Conflict, match=r"CVE_RECORD_EXISTS.*vulndesk cve update"):
        client.publish(cve_id, _container(server))
    assert "successfully updated" in client.update(cve_id, _container(server))
    with pytest.raises(GuardFailed, match="CVE_ID_NOT_FOUND"):
        client.publish("CVE-2026-9999", _container(server))
    reject = {
        "providerMetadata": {"orgId": server.state.org_uuid},
        "rejectedReasons": [{"lang": "en", "value": "Duplicate."}],
    }
    client.reject(cve_id, reject, published=True)
    assert server.state.ids[cve_id].state == "REJECTED"
    assert server.state.requests[-1][0:2] == ("PUT", f"/api/cve/{cve_id}/reject")


def test_outage_and_no_answer_are_unavailable(server: LocalCveServices) -> None:
    server.state.fail_next = 503
    with pytest.raises(Unavailable, match="503 SERVICE_NOT_AVAILABLE"):
        _client(server).reserve(1, 2026)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    closed = CveServicesClient(f"http://127.0.0.1:{port}/api/", "acme", "u", "k")
    with pytest.raises(Unavailable, match=r"did not answer.*VULNDESK_CVE_SERVICES_URL"):
        closed.reserve(1, 2026)
