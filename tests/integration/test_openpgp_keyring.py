"""The intake key's reply encryption finds reporters' keys in the keyring (real GnuPG), also a
key added after the keyring was first read, and never a key of another address."""

from __future__ import annotations

from pathlib import Path

import gnupg
import pytest

from vulndesk.adapters.openpgp import GpgIntakeKey


def _key(gpg: gnupg.GPG, email: str) -> str:
    made = gpg.gen_key(
        gpg.gen_key_input(key_type="RSA", key_length=2048, name_email=email, no_protection=True)
    )
    assert made.fingerprint
    return str(made.fingerprint)


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("gnupg")


def _recipients(gpg: gnupg.GPG, sealed: str) -> set[str]:
    """The long key ids a message is encrypted to (`gpg --list-packets` via python-gnupg)."""
    return {str(k) for k in gpg.get_recipients(sealed)}


def test_replies_go_to_the_address_key_including_one_added_after_the_first_lookup(
    home: Path,
) -> None:
    gpg = gnupg.GPG(gnupghome=str(home))
    org = _key(gpg, "security@example.com")
    alice = _key(gpg, "alice@example.org")
    intake = GpgIntakeKey(home, org)
    sealed = intake.encrypt("hello", "Alice@Example.org", ())
    assert sealed is not None and "BEGIN PGP MESSAGE" in sealed
    assert _recipients(gpg, sealed) == {alice[-16:]}
    # No key for bob yet: the reply goes in clear (None), and the keyring has been read.
    assert intake.encrypt("hello", "bob@example.net", ()) is None
    bob = _key(gpg, "bob@example.net")
    sealed = intake.encrypt("hello", "bob@example.net", ())
    assert sealed is not None
    assert _recipients(gpg, sealed) == {bob[-16:]}
    assert intake.encrypt("hello", "carol@example.net", ()) is None
