"""The watermark's pure encoding: a mark survives re-wrapping and partial copies, a damaged or
foreign run of zero-width characters decodes to nothing, JSON carries it in every string."""

from __future__ import annotations

import datetime as dt
import json
import textwrap

from vulndesk.domain import watermark as wm

TOKEN = bytes(range(10))
OTHER = bytes(range(10, 20))
AT = dt.datetime(2027, 1, 10, 8, 0, tzinfo=dt.UTC)
DOC = "VD-2027-0001: Overflow\n\nsummary: Heap overflow in the parser.\nremediation: Update.\n"


def _stamped(token: bytes = TOKEN) -> str:
    return wm.embed_text(DOC, token, wm.visible_line("Li Lei", "libfoo", AT, token))


def test_the_visible_line_and_the_document_are_kept() -> None:
    stamped = _stamped()
    assert wm.clean(stamped) == (
        "Shared with Li Lei (libfoo) on 2027-01-10 08:00 UTC · ref WM-00010203\n\n" + DOC
    )
    assert stamped.count(wm.mark(TOKEN)) == 4  # the line, the title and both lines of the body
    assert wm.tokens_in(stamped) == [TOKEN]
    assert wm.refs_in(stamped) == ["WM-00010203"]


def test_re_wrapping_and_a_partial_copy_keep_the_token() -> None:
    stamped = _stamped()
    flowed = textwrap.fill(" ".join(stamped.split()), 17)
    assert wm.tokens_in(flowed) == [TOKEN]
    one_line = next(line for line in stamped.splitlines() if "remediation" in line)
    assert wm.tokens_in(one_line) == [TOKEN]
    assert wm.tokens_in(wm.clean(stamped)) == []
    assert wm.tokens_in(_stamped() + _stamped(OTHER)) == [TOKEN, OTHER]


def test_damaged_marks_and_noise_decode_to_nothing() -> None:
    mark = wm.mark(TOKEN)
    half = mark[: len(mark) // 2]
    flipped = mark[:5] + (wm.ONE if mark[5] == wm.ZERO else wm.ZERO) + mark[6:]
    assert wm.tokens_in("a" + half + " b") == []
    assert wm.tokens_in("a" + flipped) == []
    assert wm.tokens_in(wm.JOINER + wm.ZERO * 96 + wm.JOINER) == []
    assert wm.tokens_in("a" + half + "b" + mark + "c") == [TOKEN]


def test_json_carries_the_mark_in_every_string_and_a_field() -> None:
    line = wm.visible_line("x@y.example", "p", AT, TOKEN)
    text = wm.stamp_json_text(
        json.dumps({"title": "T", "list": ["a", 1], "empty": ""}), TOKEN, line
    )
    document = json.loads(text)
    assert wm.tokens_in(document["title"]) == wm.tokens_in(document["list"][0]) == [TOKEN]
    assert document["list"][1] == 1 and document["empty"] == ""
    assert document["watermark"] == {
        "line": line,
        "ref": "WM-00010203",
        "token": wm.token_text(TOKEN),
    }
    escaped = json.dumps({"title": document["title"]})
    assert "\\u200b" in escaped and wm.tokens_in(escaped) == [TOKEN]
    assert wm.tokens_in(f'{{"token": "{wm.token_text(TOKEN)}"}}') == [TOKEN]
    assert wm.tokens_in("0" * 24) == []  # hex without a valid check
