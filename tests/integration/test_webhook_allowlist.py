"""The webhook allow-list is mandatory: bad URLs are refused when entered and again when sent.

On both engines: parties and units refuse loopback, metadata, private, plain-http and
non-allow-listed webhook URLs at configuration time; a refusal at send time fails the outbox
row for good, with its reason, and is never retried.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.builders import open_case, seed_reference
from tests.conftest import TEST_KEYS
from tests.integration.test_notify_flow import Receiver, hook
from vulndesk.adapters.clock import SettableClock
from vulndesk.bootstrap import Container, build
from vulndesk.config import Settings
from vulndesk.domain.errors import InvalidInput
from vulndesk.services.access.rights import Principal
from vulndesk.services.background import worker
from vulndesk.services.background.ports import OutboxStatus
from vulndesk.services.cases import reference
from vulndesk.services.context import Actor, Deps
from vulndesk.services.notify import notices as notifications

__all__ = ["hook"]
WORKER = Actor("worker@test", "worker")
# Every host below is allow-listed, so only the address rules can refuse them.
LISTED = (
    "127.0.0.1",
    "localhost",
    "169.254.169.254",
    "fd00:ec2::254",
    "10.0.0.8",
    "192.168.1.20",
    "172.16.5.5",
    "[fd12::1]:8443",
    "hooks.acme.example",
)
REFUSED = {
    "https://127.0.0.1/hook": "loopback",
    "https://localhost/hook": "loopback",
    "https://169.254.169.254/latest/meta-data": "link-local",
    "https://[fd00:ec2::254]/latest/meta-data": "private",
    "https://10.0.0.8/hook": "private",
    "https://192.168.1.20/hook": "private",
    "https://172.16.5.5/hook": "private",
    "https://[fd12::1]:8443/hook": "private",
    "http://hooks.acme.example/hook": "https",
    "https://hooks.other.example/hook": "allow-list",
}


Make = Callable[..., Deps]


@pytest.fixture
def make(db_url: str, tmp_path: Path, clock: SettableClock) -> Iterator[Make]:
    """Deps on the test database with the given settings; every container closed afterwards."""
    made: list[Container] = []

    def deps(**kw: Any) -> Deps:
        settings = Settings(home=tmp_path, database_url=db_url, keys_json=TEST_KEYS, **kw)
        made.append(build(settings, clock))
        return made[-1].deps()

    yield deps
    for c in made:
        c.close()


@pytest.mark.parametrize(("url", "why"), REFUSED.items())
def test_party_webhook_urls_are_refused_when_entered(
    make: Make, actor: Principal, url: str, why: str
) -> None:
    deps = make(webhook_hosts=LISTED)
    with pytest.raises(InvalidInput, match=why) as caught:
        reference.add_party(
            deps,
            actor,
            id="p",
            name="P",
            kind="customer",
            country="CN",
            channels=[f"webhook:{url}"],
        )
    assert caught.value.field == "channels"
    assert caught.value.accepted
    seed_reference(deps, actor)
    with pytest.raises(InvalidInput, match=why) as caught:
        reference.set_unit_contact(deps, actor, "cn", reference.UnitContact(on_call_webhook=url))
    assert caught.value.field == "on_call_webhook"
    assert [p.id for p in reference.list_parties(deps)] == ["nvdb", "openssl"]
    assert reference.get_unit(deps, "cn").on_call_webhook is None


def test_without_an_allow_list_no_webhook_is_accepted(deps: Deps, actor: Principal) -> None:
    with pytest.raises(InvalidInput, match="VULNDESK_WEBHOOK_HOSTS") as caught:
        reference.add_party(
            deps, actor, id="p", name="P", kind="customer", country="DE",
            channels=["webhook:https://hooks.acme.example/x"],
        )  # fmt: skip
    assert caught.value.field == "channels"


def test_an_allow_listed_public_https_url_is_accepted(make: Make, actor: Principal) -> None:
    deps = make(webhook_hosts=LISTED)
    party = reference.add_party(
        deps, actor, id="p", name="P", kind="customer", country="DE",
        channels=["webhook:https://hooks.acme.example/x"],
    )  # fmt: skip
    assert party.channels[0].address == "https://hooks.acme.example/x"


def test_a_refusal_when_sending_is_permanent(
    make: Make, clock: SettableClock, actor: Principal, hook: str
) -> None:
    host = hook.split("/")[2]
    secrets = {"telco": "telco-webhook-secret"}
    entered = make(webhook_hosts=(host,), webhook_allow_loopback=True, webhook_secrets=secrets)
    seed_reference(entered, actor)
    reference.add_party(
        entered, actor, id="telco", name="Telco", kind="customer", country="CN",
        channels=[f"webhook:{hook}"],
    )  # fmt: skip
    notifications.subscribe(entered, actor, "router", "telco")
    key = open_case(entered, actor).key
    notifications.send(entered, actor, key, recipient="telco")

    # The allow-list changed since the URL was entered: the worker refuses, once and for all.
    later = make(webhook_secrets=secrets)
    _, first = worker.run_once(later, WORKER)
    assert (first.sent, first.retried, first.failed) == (0, 0, 1)
    with later.uow() as uow:
        (row,) = [m for m in uow.outbox.list(limit=100) if m.kind == notifications.NOTICE]
    assert (row.status, row.attempts) == (OutboxStatus.FAILED, 1)
    assert (row.last_error or "").startswith("refused: ")
    assert "VULNDESK_WEBHOOK_HOSTS" in (row.last_error or "")
    clock.advance(dt.timedelta(hours=7))
    assert worker.dispatch(later, WORKER).claimed == 0
    assert Receiver.received == []
