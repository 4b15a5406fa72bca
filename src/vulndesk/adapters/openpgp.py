"""OpenPGP signatures by GnuPG (python-gnupg): the key stays in the keyring, agent or smartcard."""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from pathlib import Path

import gnupg

from vulndesk.domain.errors import InvalidInput


class SigningError(Exception):
    """GnuPG could not sign or export (a missing key, a locked card)."""


class GpgSigner:
    """Detached ASCII-armoured signatures made with one key of a GnuPG home."""

    def __init__(self, home: Path | None, fingerprint: str) -> None:
        if not fingerprint.strip():
            raise InvalidInput(
                "VULNDESK_CSAF_KEY",
                "no OpenPGP key is configured for signing advisories",
                "the fingerprint of a signing key in the GnuPG home (VULNDESK_GNUPGHOME)",
            )
        self._gpg = gnupg.GPG(gnupghome=str(home) if home else None)
        self.fingerprint = fingerprint.replace(" ", "").upper()

    def sign(self, data: bytes) -> str:
        result = self._gpg.sign(data, keyid=self.fingerprint, detach=True, binary=False)
        if not result or not str(result).startswith("-----BEGIN PGP SIGNATURE-----"):
            raise SigningError(f"gpg could not sign with {self.fingerprint}: {result.status}")
        return str(result)

    def public_key(self) -> str:
        armored = str(self._gpg.export_keys(self.fingerprint))
        if "BEGIN PGP PUBLIC KEY BLOCK" not in armored:
            raise SigningError(f"gpg has no public key {self.fingerprint}")
        return armored


def demo_signing_key(home: Path) -> str | None:
    """A passphrase-less Ed25519 signing key for the demo organisation's advisories, made once
    in `home` (mode 0700); its fingerprint, or None where gpg is not installed."""
    if shutil.which("gpg") is None:
        return None
    home.mkdir(mode=0o700, parents=True, exist_ok=True)
    home.chmod(0o700)
    gpg = gnupg.GPG(gnupghome=str(home))
    found = gpg.list_keys(secret=True)
    if found:
        return str(found[0]["fingerprint"])
    made = gpg.gen_key(
        gpg.gen_key_input(
            key_type="EDDSA",
            key_curve="ed25519",
            key_usage="sign",
            name_real="Acme PSIRT (vulndesk demo)",
            name_email="psirt@acme.example",
            expire_date=0,
            no_protection=True,
        )
    )
    return str(made.fingerprint) if made.fingerprint else None


class GpgIntakeKey:
    """The organisation's intake key in a GnuPG home: decrypts reports, encrypts replies."""

    def __init__(self, home: Path | None, fingerprint: str) -> None:
        self._gpg = gnupg.GPG(gnupghome=str(home) if home else None)
        self.fingerprint = fingerprint.replace(" ", "").upper()
        self._home = home or Path(os.environ.get("GNUPGHOME") or Path.home() / ".gnupg")
        # The keyring's keys (fingerprint, lower-cased user ids), listed once per keyring
        # state: one `gpg --list-keys` per acknowledgement cost more than the rest of it.
        self._listed: tuple[tuple[int, int] | None, list[tuple[str, list[str]]]] | None = None

    def _stamp(self) -> tuple[int, int] | None:
        """The public keyring file's modification time and size: a new key changes them."""
        for name in ("pubring.kbx", "pubring.gpg"):
            try:
                st = (self._home / name).stat()
            except FileNotFoundError:
                continue
            return st.st_mtime_ns, st.st_size
        return None

    def _keys_of(self, address: str) -> list[str]:
        """Fingerprints of the keys with a user id containing `address`, as `gpg --list-keys
        ADDRESS` matches (case-insensitive substring)."""
        stamp = self._stamp()
        if self._listed is None or self._listed[0] != stamp:
            keys = self._gpg.list_keys() if stamp is not None else []
            listed = [(str(k["fingerprint"]), [u.lower() for u in k["uids"]]) for k in keys]
            self._listed = (stamp, listed)
        wanted = address.lower()
        return [fp for fp, uids in self._listed[1] if any(wanted in u for u in uids)]

    def decrypt(self, data: bytes) -> bytes:
        result = self._gpg.decrypt(data)
        if not result.ok:
            raise InvalidInput(
                "message", f"could not be decrypted ({result.status})", "mail to the intake key"
            )
        return bytes(result.data)

    def encrypt(self, text: str, address: str, keys: Sequence[str]) -> str | None:
        for armored in keys:
            imported = self._gpg.import_keys(armored)
            for fp in imported.fingerprints:
                got = self._gpg.encrypt(text, fp, always_trust=True, armor=True)
                if got.ok:
                    return str(got)
        known = self._keys_of(address) if address else []
        for fp in known:
            got = self._gpg.encrypt(text, fp, always_trust=True, armor=True)
            if got.ok:
                return str(got)
        return None

    def public_key(self) -> str:
        armored = str(self._gpg.export_keys(self.fingerprint))
        if "BEGIN PGP PUBLIC KEY BLOCK" not in armored:
            raise SigningError(f"gpg has no public key {self.fingerprint}")
        return armored
