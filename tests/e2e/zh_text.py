"""What a Simplified Chinese console page shows in English: the checker the zh-CN tests share.

A page's visible text (and the attributes a person reads: title, aria-label, placeholder, alt)
is taken from its HTML, leaving out what is not interface: scripts and styles, `code`/`pre`/
`kbd`/`samp` (identifiers shown as they are), elements marked `lang="en"` (English on purpose,
e.g. the preview of an English report) or `translate="no"`, and the demo organisation's own data
(every string of services/demo/acme.toml: case titles, product names, notes). What is left must
carry no run of English: a word of three or more ASCII letters that is not an allowed proper noun
(a standard, a regulator, a format), a snake_case token (a raw field name) or a `name=value`
pair (a raw record).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Iterator
from functools import cache
from html.parser import HTMLParser
from importlib import resources

SKIP = {"script", "style", "code", "pre", "kbd", "samp", "textarea", "template", "noscript"}
VOID = {"br", "img", "input", "meta", "link", "hr", "wbr", "source", "col", "area", "base"}
READ_ATTRIBUTES = ("title", "aria-label", "placeholder", "alt")

# Names the same in both languages: standards, formats, regulators, products and their parts.
ALLOWED = frozenset(
    [
        "vulndesk",
        "CSAF",
        "CVSS",
        "CWE",
        "CVE",
        "CVEs",
        "OSV",
        "JSON",
        "HTML",
        "PDF",
        "CSV",
        "SHA",
        "TOTP",
        "SBOM",
        "SPDX",
        "CycloneDX",
        "OpenVEX",
        "VEX",
        "UTC",
        "GMT",
        "CSIRT",
        "CSIRTs",
        "ENISA",
        "NVDB",
        "MIIT",
        "CNVD",
        "CNNVD",
        "CNCERT",
        "CAC",
        "BSI",
        "CERT",
        "Bund",
        "NIS",
        "EUR",
        "USD",
        "CNY",
        "RMB",
        "RMSV",
        "CRA",
        "NDSM",
        "GDPR",
        "ISO",
        "IEC",
        "OIDC",
        "SSO",
        "URL",
        "URI",
        "API",
        "HTTPS",
        "HTTP",
        "SMTP",
        "IMAP",
        "PGP",
        "GPG",
        "ZIP",
        "PNG",
        "Art",
        "Markdown",
        "WCAG",
        "OpenID",
        "Connect",
        "TLP",
        "CLEAR",
        "WHITE",
        "GREEN",
        "AMBER",
        "RED",
        "DORA",
        "TOML",
        "OpenPGP",
        "Webhook",
        "purl",
        "IANA",
        "Services",  # CVE Services, the CVE Program's service
    ]
)
# Identifiers and values that read the same in every language.
IDENTIFIERS = [
    r"VD-\d{4}-\d{4,}",  # case keys
    r"\bVULNDESK_[A-Z0-9_]+\*?",  # settings' variable names
    r"[\w.+-]+@[\w-]+(\.[\w-]+)+",  # e-mail addresses
    r"https?://\S+",
    r"\b[0-9a-f]{12,}\b",  # digests, ids
    r"\b[A-Z][a-z]+/[A-Za-z_]+(/[A-Za-z_]+)?\b",  # IANA time zones
    r"CVSS:\d\.\d(/[A-Z]+:[A-Z])+",  # CVSS vectors
    r"\b(CVE|CWE|GHSA|CNVD|CNNVD)-[\w-]+",
    # kebab-case and slash-separated ids: rule sets, units, parties, products (acme-cn,
    # cn-rmsv-2021/report-to-nvdb); a raw snake_case name is caught before this runs.
    r"\b[a-z0-9]+(?:[-/.:][a-z0-9]+)+\b",
]
SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
RECORD = re.compile(r"\b[a-z_]{3,}=\S+")
WORD = re.compile(r"[A-Za-z]{3,}")


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.stack: list[tuple[str, bool]] = []
        self.out: list[str] = []

    def _skipping(self) -> bool:
        return any(skip for _tag, skip in self.stack)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        skip = (
            tag in SKIP
            or a.get("lang") == "en"
            or a.get("translate") == "no"
            or "hidden" in a
            or (tag == "input" and a.get("type") == "hidden")
        )
        if not (skip or self._skipping()):
            self.out += [v for k in READ_ATTRIBUTES if (v := a.get(k))]
            if tag == "input" and a.get("type") in {"submit", "button"} and a.get("value"):
                self.out.append(str(a["value"]))
        if tag not in VOID:
            self.stack.append((tag, skip))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.stack.pop()

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                return

    def handle_data(self, data: str) -> None:
        if data.strip() and not self._skipping():
            self.out.append(" ".join(data.split()))


def texts(html: str) -> list[str]:
    """The visible text chunks and read attributes of a page, outside what is not interface."""
    parser = _Text()
    parser.feed(html)
    parser.close()
    return parser.out


# Keys of the demo file whose values name a thing (a user, a unit, a party, a product).
NAMES = {"id", "name", "unit", "owner_unit", "parent", "author", "drafter", "approvers", "versions"}


def _strings(value: object, named: bool = False) -> Iterator[str]:
    if isinstance(value, str):
        yield f"\0{value}" if named else value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _strings(v, k in NAMES)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v, named)


@cache
def demo_data() -> tuple[str, ...]:
    """Every text of the demo organisation (split at its {placeholders}), longest first."""
    source = resources.files("vulndesk.services.demo") / "acme.toml"
    data = tomllib.loads(source.read_text(encoding="utf-8"))
    parts: set[str] = set()
    for text in _strings(data):
        if text.startswith("\0"):
            parts.add(text[1:])
            continue
        for part in re.split(r"\{\w+\}", text):
            part = part.strip(" .")
            # Titles, names and notes; a bare lowercase word there is a code (a state, a
            # field), which a page must label rather than show.
            if len(part) >= 3 and not re.fullmatch(r"[a-z0-9_-]+", part):
                parts.add(part)
    return tuple(sorted(parts, key=len, reverse=True))


def english(chunks: Iterable[str], data: Iterable[str] = ()) -> list[str]:
    """The chunks that still hold English (or a raw code) once data and identifiers are out."""
    known = tuple(sorted({*demo_data(), *data}, key=len, reverse=True))
    found = []
    for chunk in chunks:
        rest = chunk
        for text in known:
            if text in rest:
                rest = re.sub(rf"(?<![\w/:@.-]){re.escape(text)}(?![\w/:@-])", " ", rest)
        if SNAKE.search(rest) or RECORD.search(rest):
            found.append(chunk)
            continue
        for pattern in IDENTIFIERS:
            rest = re.sub(pattern, " ", rest)
        if any(w not in ALLOWED for w in WORD.findall(rest)):
            found.append(chunk)
    return found
