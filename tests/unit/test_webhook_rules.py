"""Webhook egress rules and the settings that feed them; reporting-entity value checks."""

from __future__ import annotations

import pytest

from vulndesk.config import Settings
from vulndesk.domain import values
from vulndesk.domain.egress import WebhookRules, check_url
from vulndesk.domain.errors import InvalidInput


def test_webhook_hosts_is_a_typed_setting() -> None:
    s = Settings.from_env(
        {
            "VULNDESK_WEBHOOK_HOSTS": " Hooks.Acme.example, 127.0.0.1:8765,[::1]:9000 ,::1",
            "VULNDESK_WEBHOOK_ALLOW_LOOPBACK": "1",
        }
    )
    assert s.webhook_hosts == ("hooks.acme.example", "127.0.0.1:8765", "[::1]:9000", "::1")
    assert s.webhook_allow_loopback
    assert s.unknown == ()
    unset = Settings.from_env({})
    assert (unset.webhook_hosts, unset.webhook_allow_loopback) == ((), False)


@pytest.mark.parametrize("bad", ["https://hooks.example", "a b", "x/y", "hooks.example:port"])
def test_bad_webhook_hosts_name_the_setting(bad: str) -> None:
    with pytest.raises(InvalidInput, match="VULNDESK_WEBHOOK_HOSTS"):
        Settings.from_env({"VULNDESK_WEBHOOK_HOSTS": bad})


@pytest.mark.parametrize("gone", ["VULNDESK_WEBHOOK_ALLOW_PRIVATE", "VULNDESK_WEBHOOK_ALLOW_HTTP"])
def test_the_old_switches_are_refused_not_ignored(gone: str) -> None:
    with pytest.raises(InvalidInput, match="VULNDESK_WEBHOOK_HOSTS") as caught:
        Settings.from_env({gone: "1"})
    assert caught.value.field == gone


def test_loopback_only_with_the_test_switch_and_only_when_listed() -> None:
    url = "http://127.0.0.1:8765/hook"
    listed = frozenset({"127.0.0.1:8765"})
    assert check_url("f", url, WebhookRules(listed, allow_loopback=True)) == url
    with pytest.raises(InvalidInput, match="loopback"):
        check_url("f", url, WebhookRules(listed))
    with pytest.raises(InvalidInput, match="allow-list"):
        check_url("f", "http://127.0.0.1:9999/hook", WebhookRules(listed, allow_loopback=True))
    # The switch never opens private or metadata addresses.
    meta = WebhookRules(frozenset({"169.254.169.254", "10.1.1.1"}), allow_loopback=True)
    for bad in ("https://169.254.169.254/latest", "https://10.1.1.1/x"):
        with pytest.raises(InvalidInput, match=r"link-local|private"):
            check_url("f", bad, meta)


def test_urls_with_credentials_or_no_host_are_refused() -> None:
    rules = WebhookRules(frozenset({"hooks.acme.example"}))
    for bad in ("https://user:pw@hooks.acme.example/x", "https:///x", "hooks.acme.example/x"):
        with pytest.raises(InvalidInput) as caught:
            check_url("on_call_webhook", bad, rules)
        assert caught.value.field == "on_call_webhook"


@pytest.mark.parametrize("good", ["+86 10 5555 0100", "+49-30-1234567", "+14155550100"])
def test_phone_numbers_in_international_form(good: str) -> None:
    assert values.phone("contact_phone", good) == good


@pytest.mark.parametrize(
    "bad", ["010 5555 0100", "+0 123 456 789", "+86 10", "call me", "+8610555501001234"]
)
def test_other_phone_numbers_name_the_field_and_the_form(bad: str) -> None:
    with pytest.raises(InvalidInput, match=r"contact_phone: .*E\.164"):
        values.phone("contact_phone", bad)


@pytest.mark.parametrize(
    "bad", ["psirt", "a@b", "a@@b.example", "a b@c.example", "x@evil.example\r\nBcc: y@z.example"]
)
def test_email_addresses_are_one_plain_address(bad: str) -> None:
    with pytest.raises(InvalidInput, match="contact_email"):
        values.email("contact_email", bad)
