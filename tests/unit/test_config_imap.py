"""The mailbox and intake-key settings are typed and a bad one is named at start-up."""

from __future__ import annotations

import pytest

from vulndesk.config import Settings
from vulndesk.domain.errors import InvalidInput

BASE = {
    "VULNDESK_IMAP_HOST": "imap.example.com",
    "VULNDESK_IMAP_USER": "security",
    "VULNDESK_IMAP_PASSWORD": "pw",
}


def test_mail_intake_is_off_without_a_host_and_typed_with_one() -> None:
    assert Settings.from_env({}).imap is None
    imap = Settings.from_env(BASE | {"VULNDESK_IMAP_FOLDER": "Reports"}).imap
    assert imap is not None
    assert (imap.port, imap.folder, imap.processed_folder, imap.security) == (
        993, "Reports", "Processed", "ssl"
    )  # fmt: skip
    assert "pw" not in repr(imap)
    assert "VULNDESK_IMAP_PASSWORD" not in Settings.from_env(BASE).unknown


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"VULNDESK_IMAP_PORT": "imap"}, "VULNDESK_IMAP_PORT"),
        ({"VULNDESK_IMAP_USER": ""}, "VULNDESK_IMAP_USER"),
        ({"VULNDESK_IMAP_PASSWORD": ""}, "VULNDESK_IMAP_PASSWORD"),
        ({"VULNDESK_IMAP_SECURITY": "maybe"}, "VULNDESK_IMAP_SECURITY"),
        ({"VULNDESK_IMAP_PROCESSED_FOLDER": "INBOX"}, "VULNDESK_IMAP_PROCESSED_FOLDER"),
        ({"VULNDESK_INTAKE_KEY": "not-a-fingerprint"}, "VULNDESK_INTAKE_KEY"),
    ],
)
def test_a_bad_mail_setting_is_named(env: dict[str, str], named: str) -> None:
    with pytest.raises(InvalidInput) as err:
        Settings.from_env(BASE | env)
    assert err.value.field == named


def test_the_intake_key_and_gnupg_home_are_typed() -> None:
    fp = "0123 4567 89AB CDEF 0123 4567 89ab cdef 0123 4567"
    s = Settings.from_env({"VULNDESK_INTAKE_KEY": fp, "VULNDESK_GNUPGHOME": "/srv/gnupg"})
    assert s.intake_key == "0123456789ABCDEF0123456789ABCDEF01234567"
    assert str(s.gnupghome) == "/srv/gnupg"
