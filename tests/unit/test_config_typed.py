"""Every setting is a typed field: what used to be read from an untyped `extra` map included."""

from __future__ import annotations

import pytest

from vulndesk.config import Settings
from vulndesk.domain.errors import InvalidInput
from vulndesk.services.intake.receipts import Rate


def test_the_former_extra_keys_are_typed_fields() -> None:
    s = Settings.from_env(
        {
            "VULNDESK_WEBHOOK_SECRETS": '{"telco": "s1"}',
            "VULNDESK_SMTP_STARTTLS": "yes",
            "VULNDESK_SMTP_USERNAME": "psirt",
            "VULNDESK_SMTP_PASSWORD": "pw",
            "VULNDESK_INTAKE_RATE": "5/10",
            "VULNDESK_INTAKE_UNIT": "cn",
            "VULNDESK_INTAKE_TOKEN_FAILURES": "3/60",
            "VULNDESK_INTAKE_MESSAGE_RATE": "4/60",
            "VULNDESK_INTAKE_MESSAGE_SOURCE_RATE": "6/60",
            "VULNDESK_SECURITY_POLICY_URL": "https://acme.example/policy",
            "VULNDESK_METRICS_TOKEN": "m",
        }
    )
    assert s.webhook_secrets == {"telco": "s1"}
    assert (s.smtp_starttls, s.smtp_username, s.smtp_password) == (True, "psirt", "pw")
    assert (s.intake_rate, s.intake_unit) == (Rate(5, 10), "cn")
    assert (s.intake_token_failures, s.intake_message_rate, s.intake_message_source_rate) == (
        Rate(3, 60), Rate(4, 60), Rate(6, 60),
    )  # fmt: skip
    assert (s.security_policy_url, s.metrics_token, s.log_format) == (
        "https://acme.example/policy", "m", "json",
    )  # fmt: skip
    assert not hasattr(s, "extra")


def test_defaults() -> None:
    s = Settings.from_env({})
    assert (s.intake_rate, s.intake_token_failures, s.webhook_secrets) == (Rate(30, 60), None, {})


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("VULNDESK_INTAKE_RATE", "30"),
        ("VULNDESK_INTAKE_MESSAGE_RATE", "0/60"),
        ("VULNDESK_WEBHOOK_SECRETS", '{"telco": 5}'),
        ("VULNDESK_WEBHOOK_SECRETS", "not json"),
        ("VULNDESK_LOG_FORMAT", "yaml"),
        ("VULNDESK_SECURITY_POLICY_URL", "ftp://x"),
    ],
)
def test_a_bad_value_names_its_variable(name: str, value: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        Settings.from_env({name: value})
    assert caught.value.field == name


def test_an_unknown_variable_is_named_not_silently_kept() -> None:
    s = Settings.from_env({"VULNDESK_SMTP_HOTS": "mail", "VULNDESK_REQUIRE_POSTGRES": "1"})
    assert s.unknown == ("VULNDESK_SMTP_HOTS",)
