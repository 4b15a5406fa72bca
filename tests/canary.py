"""How a planted secret could show up at rest: in clear, UTF-16, base64 (any alignment) or hex."""

from __future__ import annotations

import base64


def forms(secret: str) -> list[bytes]:
    """Byte strings whose presence means `secret` is readable without the key.

    Base64 of a longer value encodes the secret differently for each of its three possible
    offsets; the characters at either edge depend on neighbours, so they are left out.
    """
    raw = secret.encode()
    found = [raw, secret.encode("utf-16-le"), raw.hex().encode(), raw.hex().upper().encode()]
    for offset in range(3):
        for encode in (base64.b64encode, base64.urlsafe_b64encode):
            text = encode(b"\x00" * offset + raw)
            start = (offset * 4 + 2) // 3 + 1
            found.append(text[start : len(text) - 4])
    return found


def leaks(data: bytes, secret: str) -> list[bytes]:
    """The forms of `secret` found in `data` (empty when none is)."""
    return [form for form in forms(secret) if form in data]
