"""CVE Services settings: off unless set, all parts needed, the key a secret kept out of repr."""

from __future__ import annotations

from pathlib import Path

import pytest

from vulndesk.config import Settings
from vulndesk.domain.errors import InvalidInput

BASE = {
    "VULNDESK_CVE_SERVICES_URL": "https://cveawg-test.mitre.org/api",
    "VULNDESK_CVE_SHORT_NAME": "acme",
    "VULNDESK_CVE_USER": "psirt@acme.example",
    "VULNDESK_CVE_API_KEY": "s3cret-key-value",
}


def test_off_without_settings_and_typed_with_them() -> None:
    assert Settings.from_env({}).cve_services is None
    settings = Settings.from_env(BASE)
    cve = settings.cve_services
    assert cve is not None
    assert (cve.url, cve.short_name, cve.user) == (
        "https://cveawg-test.mitre.org/api/", "acme", "psirt@acme.example"
    )  # fmt: skip
    assert cve.api_key == "s3cret-key-value"
    assert "s3cret-key-value" not in repr(cve) and "s3cret-key-value" not in repr(settings)
    assert not Settings.from_env(BASE).unknown


def test_the_key_can_come_from_a_file(tmp_path: Path) -> None:
    path = tmp_path / "cve.key"
    path.write_text("from-file-key\n")
    env = {k: v for k, v in BASE.items() if k != "VULNDESK_CVE_API_KEY"}
    cve = Settings.from_env(env | {"VULNDESK_CVE_API_KEY_FILE": str(path)}).cve_services
    assert cve is not None and cve.api_key == "from-file-key"
    with pytest.raises(InvalidInput, match=r"VULNDESK_CVE_API_KEY_FILE.*together"):
        Settings.from_env(BASE | {"VULNDESK_CVE_API_KEY_FILE": str(path)})
    with pytest.raises(InvalidInput, match=r"VULNDESK_CVE_API_KEY_FILE.*cannot be read"):
        Settings.from_env(env | {"VULNDESK_CVE_API_KEY_FILE": str(tmp_path / "missing")})


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"VULNDESK_CVE_SERVICES_URL": "http://cve.example.com/api/"}, "VULNDESK_CVE_SERVICES_URL"),
        ({"VULNDESK_CVE_SHORT_NAME": ""}, "VULNDESK_CVE_SHORT_NAME"),
        ({"VULNDESK_CVE_USER": " "}, "VULNDESK_CVE_USER"),
        ({"VULNDESK_CVE_API_KEY": ""}, "VULNDESK_CVE_API_KEY"),
    ],
)
def test_each_bad_or_missing_part_is_named(change: dict[str, str], named: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        Settings.from_env(BASE | change)
    assert caught.value.field == named


def test_a_loopback_test_server_may_use_http() -> None:
    cve = Settings.from_env(BASE | {"VULNDESK_CVE_SERVICES_URL": "http://127.0.0.1:9/api/"})
    assert cve.cve_services is not None and cve.cve_services.url == "http://127.0.0.1:9/api/"
