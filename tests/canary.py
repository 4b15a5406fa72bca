"""How a planted secret could show up at rest: in clear, UTF-16, base64 (any alignment) or hex."""

from __future__ import annotations

import base64

from sqlalchemy import Engine


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


def database_rows(engine: Engine) -> dict[str, bytes]:
    """Every row of every table, as the database would hand it to anyone with SQL access.

    PostgreSQL casts each whole row to text (bytea shows as hex); SQLite gives each value as
    stored (text as UTF-8, blobs as bytes). Tables come from the catalogue, not the models,
    so a table the models forgot is scanned too.
    """
    out: dict[str, bytes] = {}
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            names = conn.exec_driver_sql(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"
            ).scalars()
            for name in list(names):
                query = f'SELECT t::text FROM "{name}" t'  # noqa: S608 - names from the catalogue
                rows = conn.exec_driver_sql(query).scalars().all()
                out[name] = "\n".join(rows).encode()
            return out
        tables = conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'table'")
        for name in list(tables.scalars()):
            rows = conn.exec_driver_sql(f'SELECT * FROM "{name}"').all()  # noqa: S608 - catalogue
            out[name] = b"\n".join(_value(v) for row in rows for v in row)
    return out


def _value(value: object) -> bytes:
    if isinstance(value, bytes | memoryview):
        return bytes(value)
    return str(value).encode("utf-8", "backslashreplace")


def found_anywhere(places: dict[str, bytes], secrets: list[str]) -> list[tuple[str, str, bytes]]:
    """(place, secret, form) for every form of every secret found in any place."""
    return [
        (place, secret, form)
        for place, data in places.items()
        for secret in secrets
        for form in leaks(data, secret)
    ]
