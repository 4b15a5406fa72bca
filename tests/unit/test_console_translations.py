"""Every message the console shows has a Simplified Chinese translation."""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

from vulndesk.entrypoints.web import i18n

WEB = Path(str(resources.files("vulndesk.entrypoints.web")))
CALL = re.compile(r"""\b_\(\s*(["'])(.+?)(?<!\\)\1""")


def _msgids() -> set[str]:
    found: set[str] = set()
    for path in [*WEB.rglob("*.html"), *WEB.rglob("*.py")]:
        if "intake" in path.parts:
            continue  # the public report form carries both languages side by side
        found |= {m.group(2) for m in CALL.finditer(path.read_text(encoding="utf-8"))}
    return found


def test_every_console_message_is_translated() -> None:
    ids = _msgids()
    assert len(ids) > 20
    missing = sorted(ids - set(i18n.catalogue("zh-CN")))
    assert missing == []


def test_language_negotiation() -> None:
    assert i18n.negotiate("zh-CN,zh;q=0.9,en;q=0.8") == "zh-CN"
    assert i18n.negotiate("de-DE,en;q=0.5") == "en"
    assert i18n.negotiate("zh-TW") == "zh-CN"
    assert i18n.negotiate("fr", chosen="zh-CN") == "zh-CN"
    assert i18n.negotiate(None) == "en"
