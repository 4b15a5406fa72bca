"""Translations for the console: gettext catalogues (.po) per area, merged per language.

Each area of the console keeps its own catalogue (`locale/zh_CN/LC_MESSAGES/<area>.po`), so
areas are translated independently; all catalogues of a language are merged at start-up.
English is the source language: a missing English entry falls back to the message id.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cache
from importlib import resources
from pathlib import Path

from babel.messages.pofile import read_po

LANGUAGES = ("en", "zh-CN")
DEFAULT = "en"
_DIRS = {"en": "en", "zh-CN": "zh_CN"}
LOCALE_ROOT = Path(str(resources.files("vulndesk.entrypoints.web") / "locale"))


@cache
def catalogue(lang: str) -> Mapping[str, str]:
    """msgid -> msgstr for every area of one language."""
    merged: dict[str, str] = {}
    folder = LOCALE_ROOT / _DIRS[lang] / "LC_MESSAGES"
    for path in sorted(folder.glob("*.po")):
        with path.open("rb") as fh:
            for message in read_po(fh, locale=_DIRS[lang]):
                if (
                    message.id
                    and isinstance(message.id, str)
                    and isinstance(message.string, str)
                    and message.string
                ):
                    merged[message.id] = message.string
    return merged


def translator(lang: str) -> Callable[..., str]:
    """A gettext function; `%(name)s` placeholders are filled from keyword arguments."""
    table = catalogue(lang if lang in LANGUAGES else DEFAULT)

    def gettext(message: str, **values: object) -> str:
        text = table.get(message, message)
        return text % values if values else text

    return gettext


def negotiate(accept_language: str | None, chosen: str | None = None) -> str:
    """The user's choice (cookie) wins; then the first Accept-Language we speak; then English.

    Any Chinese variant gets Simplified Chinese, the only Chinese the console is written in.
    """
    if chosen in LANGUAGES:
        return str(chosen)
    ranked: list[tuple[float, int, str]] = []
    for i, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        ranked.append((-q, i, tag.strip().lower()))
    for _q, _i, tag in sorted(ranked):
        if tag.startswith("zh"):
            return "zh-CN"
        if tag.startswith("en"):
            return "en"
    return DEFAULT
