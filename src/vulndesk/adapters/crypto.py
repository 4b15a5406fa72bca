"""Field encryption at rest: AES-256-GCM under a keyring kept outside the database.

A ciphertext is `b"vd1" | key-id length | key id | 12-byte nonce | AES-GCM(ct+tag)`. The
associated data binds each ciphertext to its table, column and row, so a ciphertext moved
to another row or field does not decrypt.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

MAGIC = b"vd1"


class KeyringError(Exception):
    """The keyring is missing, malformed, or cannot decrypt a value."""


@dataclass(frozen=True)
class Keyring:
    """Named 256-bit keys; `current` encrypts, every key decrypts."""

    current: str
    keys: dict[str, bytes]

    def to_json(self) -> str:
        return json.dumps(
            {
                "current": self.current,
                "keys": {k: base64.b64encode(v).decode() for k, v in self.keys.items()},
            },
            indent=2,
            sort_keys=True,
        )

    @classmethod
    def from_json(cls, text: str) -> Keyring:
        try:
            data = json.loads(text)
            keys = {str(k): base64.b64decode(v, validate=True) for k, v in data["keys"].items()}
            current = str(data["current"])
        except (ValueError, KeyError, TypeError) as exc:
            raise KeyringError(
                "keyring is not valid JSON of the form {current, keys{id: base64}}"
            ) from exc
        if current not in keys or any(len(k) != 32 for k in keys.values()):
            raise KeyringError("keyring: 'current' must name a key and every key must be 32 bytes")
        return cls(current, keys)

    @classmethod
    def generate(cls, key_id: str = "k1") -> Keyring:
        return cls(key_id, {key_id: AESGCM.generate_key(bit_length=256)})

    def rotated(self) -> Keyring:
        """A keyring with a new current key; old keys stay to decrypt until re-encryption ends."""
        n = 1 + max(int(k[1:]) for k in self.keys if k[1:].isdigit()) if self.keys else 1
        new_id = f"k{n}"
        return Keyring(new_id, {**self.keys, new_id: AESGCM.generate_key(bit_length=256)})

    def without_others(self) -> Keyring:
        return Keyring(self.current, {self.current: self.keys[self.current]})


def load_or_create_keyring(path: Path, inline_json: str | None = None) -> Keyring:
    """Read the keyring (inline JSON wins); create a key file, mode 0600, if none exists."""
    if inline_json:
        return Keyring.from_json(inline_json)
    if path.exists():
        return Keyring.from_json(path.read_text(encoding="utf-8"))
    ring = Keyring.generate()
    save_keyring(path, ring)
    return ring


def save_keyring(path: Path, ring: Keyring) -> None:
    """Write atomically with owner-only permissions."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    tmp = path.with_name(path.name + f".{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(ring.to_json())
        fh.flush()
        os.fsync(fh.fileno())
    tmp.replace(path)


class FieldCipher:
    """Encrypts and decrypts field values with the keyring.

    `reload` re-reads the keyring when a ciphertext names a key this process does not know
    yet, so a rotation done by another process takes effect here without a restart.
    """

    def __init__(self, ring: Keyring, reload: Callable[[], Keyring] | None = None) -> None:
        self.ring = ring
        self._aead = {k: AESGCM(v) for k, v in ring.keys.items()}
        self._reload = reload

    def adopt(self, ring: Keyring) -> None:
        """Take a new keyring: decryption keys first, so concurrent readers never miss a key."""
        self._aead = {**self._aead, **{k: AESGCM(v) for k, v in ring.keys.items()}}
        self.ring = ring
        self._aead = {k: AESGCM(v) for k, v in ring.keys.items()}

    def encrypt(self, plaintext: bytes, context: str) -> bytes:
        key_id = self.ring.current.encode()
        nonce = secrets.token_bytes(12)
        ct = self._aead[self.ring.current].encrypt(nonce, plaintext, context.encode())
        return MAGIC + bytes([len(key_id)]) + key_id + nonce + ct

    def decrypt(self, blob: bytes, context: str) -> bytes:
        if not blob.startswith(MAGIC) or len(blob) < len(MAGIC) + 1:
            raise KeyringError("value is not a vulndesk ciphertext")
        n = blob[len(MAGIC)]
        start = len(MAGIC) + 1
        key_id = blob[start : start + n].decode(errors="replace")
        nonce = blob[start + n : start + n + 12]
        aead = self._aead.get(key_id)
        if aead is None and self._reload is not None:
            self.adopt(self._reload())
            aead = self._aead.get(key_id)
        if aead is None:
            raise KeyringError(f"no key {key_id!r} in the keyring")
        try:
            return aead.decrypt(nonce, blob[start + n + 12 :], context.encode())
        except InvalidTag as exc:
            raise KeyringError(f"ciphertext for {context} failed authentication") from exc

    def key_id_of(self, blob: bytes) -> str:
        n = blob[len(MAGIC)]
        return blob[len(MAGIC) + 1 : len(MAGIC) + 1 + n].decode(errors="replace")

    def encrypt_text(self, text: str, context: str) -> bytes:
        return self.encrypt(text.encode("utf-8"), context)

    def decrypt_text(self, blob: bytes, context: str) -> str:
        return self.decrypt(blob, context).decode("utf-8")
