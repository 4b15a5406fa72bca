"""Per-recipient watermarks of what leaves a coordinated case: pure encoding and decoding.

A watermark is a random `token` (10 bytes) issued for one recipient of one exported document.
It is carried three ways, so that a leaked copy can be traced even when part of it is lost:

- a visible line, `Shared with NAME (PARTY) on INSTANT · ref WM-XXXXXXXX`, whose short `ref`
  is the first four bytes of the token;
- an invisible mark: the token and a two-byte check written as zero-width characters
  (U+200B for 0, U+200C for 1) between two word joiners (U+2060). The mark holds no
  whitespace and is glued to the first word of the title and of every paragraph, so
  re-wrapping lines, re-flowing paragraphs or copying any one paragraph keeps a whole mark;
- in a JSON export, the token in a `watermark` field and the invisible mark in every string.

Decoding reads only the zero-width characters of a text (anything else may have been re-wrapped
or edited around them), splits them at the word joiners and keeps each run whose check holds,
so noise and half-copied marks are ignored. JSON escapes (`\\u200b`) are read as the characters.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

TOKEN_BYTES = 10
CHECK_BYTES = 2
ZERO, ONE, JOINER = "\u200b", "\u200c", "\u2060"
INVISIBLE = frozenset((ZERO, ONE, JOINER))
REF_PREFIX = "WM-"
_REF = re.compile(r"\bWM-([0-9A-F]{8})\b")
_HEX_TOKEN = re.compile(rf"\b([0-9a-f]{{{2 * (TOKEN_BYTES + CHECK_BYTES)}}})\b")
_ESCAPE = re.compile(r"\\u(200[bB]|200[cC]|2060)")
_PARAGRAPH = re.compile(r"(\n[ \t]*\n+)")
_FIRST_WORD = re.compile(r"^(\s*\S+)")


def check(token: bytes) -> bytes:
    return hashlib.sha256(b"vulndesk-watermark:" + token).digest()[:CHECK_BYTES]


def ref_of(token: bytes) -> str:
    """The short reference shown on the visible line."""
    return REF_PREFIX + token[:4].hex().upper()


def token_text(token: bytes) -> str:
    """The token with its check as hex, as the `watermark` field of a JSON export holds it."""
    return (token + check(token)).hex()


def mark(token: bytes) -> str:
    """The invisible mark: word joiner, the token and its check in zero-width bits, joiner."""
    data = token + check(token)
    bits = "".join(ONE if (byte >> (7 - i)) & 1 else ZERO for byte in data for i in range(8))
    return JOINER + bits + JOINER


def visible_line(recipient: str, party: str, at: dt.datetime, token: bytes) -> str:
    instant = at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    who = " ".join(recipient.split())
    return f"Shared with {who} ({party}) on {instant} · ref {ref_of(token)}"


def _glue(paragraph: str, invisible: str) -> str:
    """The mark right after the paragraph's first word (no whitespace between them)."""
    if not paragraph.strip():
        return paragraph
    return _FIRST_WORD.sub(lambda m: m.group(1) + invisible, paragraph, count=1)


def embed_text(text: str, token: bytes, line: str) -> str:
    """The text with the visible line first and the mark in the line and in every paragraph
    (a paragraph is a block between blank lines; each line of a short block counts too)."""
    invisible = mark(token)
    parts = _PARAGRAPH.split(clean(text))
    out = []
    for part in parts:
        if _PARAGRAPH.fullmatch(part):
            out.append(part)
            continue
        out.append("\n".join(_glue(x, invisible) for x in part.split("\n")))
    body = "".join(out)
    return _glue(line, invisible) + "\n\n" + body


def embed_json(document: Any, token: bytes, line: str) -> Any:
    """A JSON value with the mark in every non-empty string and a `watermark` field (objects)."""
    invisible = mark(token)

    def walk(value: Any) -> Any:
        if isinstance(value, str):
            return _glue(clean(value), invisible)
        if isinstance(value, list):
            return [walk(v) for v in value]
        if isinstance(value, dict):
            return {k: walk(v) for k, v in value.items()}
        return value

    stamped = walk(document)
    if isinstance(stamped, dict):
        stamped["watermark"] = {
            "line": line,
            "ref": ref_of(token),
            "token": token_text(token),
        }
    return stamped


def clean(text: str) -> str:
    """The text without any zero-width character of ours (an earlier mark is not kept)."""
    return "".join(ch for ch in text if ch not in INVISIBLE)


def _bits_to_bytes(bits: str) -> bytes:
    return bytes(
        int("".join("1" if b == ONE else "0" for b in bits[i : i + 8]), 2)
        for i in range(0, len(bits), 8)
    )


def tokens_in(text: str) -> list[bytes]:
    """Every token whose invisible mark or hex form survives in `text`, first seen first."""
    found: dict[bytes, None] = {}
    unescaped = _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)
    zero_width = "".join(ch for ch in unescaped if ch in INVISIBLE)
    size = 8 * (TOKEN_BYTES + CHECK_BYTES)
    for run in zero_width.split(JOINER):
        if len(run) != size:
            continue
        data = _bits_to_bytes(run)
        token, tail = data[:TOKEN_BYTES], data[TOKEN_BYTES:]
        if check(token) == tail:
            found.setdefault(token)
    for m in _HEX_TOKEN.finditer(unescaped):
        data = bytes.fromhex(m.group(1))
        token, tail = data[:TOKEN_BYTES], data[TOKEN_BYTES:]
        if check(token) == tail:
            found.setdefault(token)
    return list(found)


def refs_in(text: str) -> list[str]:
    """Every visible short reference (`WM-` and eight hex digits) in `text`."""
    return list(dict.fromkeys(REF_PREFIX + m.group(1) for m in _REF.finditer(clean(text))))


def stamp_json_text(document: str, token: bytes, line: str) -> str:
    """`embed_json` of a JSON text, written back as JSON (characters kept, not escaped)."""
    return json.dumps(embed_json(json.loads(document), token, line), ensure_ascii=False, indent=2)


def stamper(kind: str) -> Callable[[str, bytes, str], str]:
    """The embedding for a document format: `json` or `text`."""
    return stamp_json_text if kind == "json" else embed_text


@dataclass(frozen=True, slots=True)
class Watermark:
    """One recipient's watermark: the token (hex) in a document it got, and what it was."""

    token: str
    ref: str
    case: str
    participant: int
    party: str
    recipient: str
    kind: str
    at: dt.datetime
    by: str
    document_sha256: str
