"""Script payloads in product names, titles and details reach every HTML and Markdown output inert."""

from __future__ import annotations

from dataclasses import replace
from html.parser import HTMLParser

import pytest
from markdown_it import MarkdownIt

from tests.unit.reports.report_fixtures import (
    CONTACT,
    NOW,
    PRODUCTS,
    UNIT,
    make_case,
    outputs,
    party,
)
from vulndesk.domain.disclosure import DETAIL_FIELDS
from vulndesk.domain.parties import PartyKind
from vulndesk.domain.policy import DisclosurePolicy, allowed_fields
from vulndesk.exporters.reports.model import ReportContext
from vulndesk.exporters.reports.redaction import redact

PAYLOADS = (
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(2)>',
    "</style><script>alert(3)</script>",
    "<a href='javascript:alert(4)'>x</a>",
)
ALLOWED_TAGS = {
    "html",
    "head",
    "meta",
    "title",
    "style",
    "body",
    "header",
    "main",
    "section",
    "h1",
    "h2",
    "dl",
    "dt",
    "dd",
    "p",
    "ul",
    "li",
    "span",
    "br",
    "strong",
}


class TagCollector(HTMLParser):
    """Every element and attribute a browser would build from the document."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attributes: list[str] = []
        self.style = ""
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attributes += [name for name, _ in attrs]
        self._in_style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.style += data


def hostile_context(payload: str, kind: PartyKind, language: str) -> ReportContext:
    products = {
        pid: replace(
            p,
            name=f"{p.name} {payload}",
            model=payload,
            vendor=payload,
            components=tuple(replace(c, purl=c.purl + payload) for c in p.components),
        )
        for pid, p in PRODUCTS.items()
    }
    case = make_case(
        {name: f"{name} {payload}" for name in DETAIL_FIELDS}, title=f"Overflow {payload}", cwe=None
    )
    recipient = replace(party(kind, language), name=payload)
    unit = replace(UNIT, name=payload)
    contact = replace(CONTACT, name=payload, email=payload)
    allowed = allowed_fields(DisclosurePolicy(), recipient)
    return ReportContext(redact(case, allowed), products, unit, contact, recipient, NOW)


def check_html(text: str, where: str) -> None:
    parser = TagCollector()
    parser.feed(text)
    assert set(parser.tags) <= ALLOWED_TAGS, (where, set(parser.tags) - ALLOWED_TAGS)
    assert not [a for a in parser.attributes if a.startswith("on") or a in {"href", "src"}], where
    assert "alert" not in parser.style, where
    assert parser.tags.count("style") == 1, where


@pytest.mark.parametrize("payload", PAYLOADS)
@pytest.mark.parametrize(
    "kind", [PartyKind.REGULATOR, PartyKind.CUSTOMER, PartyKind.UPSTREAM_SUPPLIER]
)
def test_html_outputs_are_inert(payload: str, kind: PartyKind) -> None:
    for language in ("en", "zh-CN"):
        for out in outputs(hostile_context(payload, kind, language)):
            if out.name.endswith(".html"):
                check_html(out.text, out.name)
                assert "&lt;" in out.text, out.name


@pytest.mark.parametrize("payload", PAYLOADS)
def test_markdown_renders_payloads_as_text(payload: str) -> None:
    md = MarkdownIt("commonmark", {"html": True})
    for out in outputs(hostile_context(payload, PartyKind.REGULATOR, "zh-CN")):
        if out.name.endswith(".md"):
            rendered = md.render(out.text)
            check_html(
                f"<html><head><style></style></head><body>{rendered}</body></html>", out.name
            )
            assert "<" not in out.text.replace("&lt;", ""), out.name


def test_the_collector_sees_an_unescaped_payload() -> None:
    """The control: the check above fails on a document that embeds the payload raw."""
    with pytest.raises(AssertionError):
        check_html(f"<html><head><style></style></head><body>{PAYLOADS[1]}</body></html>", "raw")
