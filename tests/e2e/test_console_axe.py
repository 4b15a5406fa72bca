"""Accessibility: axe-core finds no WCAG 2.1 A/AA violation on any console page.

Every page of the console (the list the Chinese test keeps, which itself is checked against the
application's routes) as each demo role, in English and in Simplified Chinese, in Debian's
Chromium; axe-core (pinned in tests/js/package.json) runs inside the page with the rules tagged
wcag2a, wcag2aa, wcag21a and wcag21aa, which include keyboard access to scrollable regions
(`scrollable-region-focusable`).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.e2e.browser import Server, fresh_code, submit
from tests.e2e.test_console_reports import demo_credentials
from tests.e2e.test_console_zh_complete import ERRORS, PAGES, USERS

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page


pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

AXE = Path(__file__).resolve().parents[1] / "js" / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
RUN = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))
  }));
}"""


def axe_source() -> str:
    if not AXE.exists():
        if os.environ.get("VULNDESK_REQUIRE_BROWSER") == "1":
            pytest.fail(f"{AXE} is missing: run `npm ci` in tests/js")
        pytest.skip("axe-core not installed (npm ci in tests/js)")
    return AXE.read_text(encoding="utf-8")


def violations(page: Page, source: str) -> list[dict[str, Any]]:
    page.add_script_tag(content=source)
    found: list[dict[str, Any]] = page.evaluate(RUN, TAGS)
    return found


def signed_in(browser: Browser, server: Server, user: str, locale: str) -> Page:
    """A demo account's page; the context lets axe's script in past the console's CSP."""
    password, secret = demo_credentials(server)[user]
    page = browser.new_context(locale=locale, bypass_csp=True).new_page()
    page.goto(server.base + "/login")
    page.fill("input[name=name]", user)
    page.fill("input[name=password]", password)
    page.fill("input[name=totp]", fresh_code(secret))
    submit(page, "button[type=submit]")
    page.wait_for_url(server.base + "/")
    return page


def pages() -> list[str]:
    return [p for paths in PAGES.values() for p in paths or []] + ERRORS


@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
@pytest.mark.parametrize("user", USERS)
def test_no_wcag_violation_on_any_page(
    server: Server, browser: Browser, user: str, locale: str
) -> None:
    source = axe_source()
    page = signed_in(browser, server, user, locale)
    found: list[str] = []
    for path in pages():
        page.goto(server.base + path)
        found += [
            f"{user} {locale} {path}: {v['id']} ({v['impact']}) {v['help']} at {v['nodes']}"
            for v in violations(page, source)
        ]
    page.context.close()
    assert found == [], "\n".join(found)


def test_no_wcag_violation_signed_out(server: Server, browser: Browser) -> None:
    source = axe_source()
    found: list[str] = []
    for locale in ("en-US", "zh-CN"):
        context = browser.new_context(locale=locale, bypass_csp=True)
        page = context.new_page()
        for path in ("/login", "/report", "/report/status"):
            page.goto(server.base + path)
            found += [
                f"{locale} {path}: {v['id']} ({v['impact']}) {v['help']} at {v['nodes']}"
                for v in violations(page, source)
            ]
        context.close()
    assert found == [], "\n".join(found)
