"""Every console page and the main error states in Simplified Chinese: no English sentence.

Codes that read the same in every language (ids, rule-set ids, party names, formats) are
allowed by `untranslated`; text marked `lang="en"` (a technical detail shown as it is, the
preview of an English report) is English on purpose and skipped.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest

from tests.e2e.browser import Server, screenshot, submit
from tests.e2e.test_console_reports import CJK, CODE, sign_in_demo

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page


pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

CASE = "VD-2026-0002"
DRAFT = "/reports/VD-2026-0001/nvdb/miit-nvdb/v1"
# What a person reads as a sentence or a label: headings, table heads, buttons, form labels,
# definitions, summaries, notices and alerts.
LABELS = (
    "main h1, main h2, main h3, main h4, main th, main button, main label, main dt, "
    "main summary, main legend, main .hint, main .empty, main [role=alert], main [role=status], "
    "main td.clock-state, main td.action, header nav a, footer"
)
# Words the same in both languages: product and standard names.
ALLOWED = {"SHA-256", "JSON", "MD", "HTML", "PDF", "CSAF", "CVSS", "CWE", "CVE", "TOTP", "vulndesk"}
# Data, not interface: a case heading (key and the reporter's title), a demo user's name.
DATA = re.compile(r"VD-\d{4}-\d{4} .+|Demo [a-z-]+ \([a-z-]+\)")


def english(page: Page) -> list[str]:
    """Visible labels without a Chinese character, outside elements marked lang=en."""
    texts = page.locator(LABELS).evaluate_all(
        "els => els.filter(e => !e.closest('[lang=en]') && e.offsetParent !== null)"
        ".map(e => e.innerText.trim())"
    )
    return [
        t
        for t in texts
        if t
        and not CJK.search(t)
        and t not in ALLOWED
        and not CODE.fullmatch(t)
        and not DATA.fullmatch(t)
        and not re.fullmatch(r"[\d\s:.,%()/+\-–—·#v]+(UTC[+-]\d\d:\d\d|UTC)?", t)
    ]


def visit(page: Page, server: Server, path: str, status: int = 200) -> list[str]:
    response = page.goto(server.base + path)
    assert response is not None and response.status == status, path
    assert page.locator("html").get_attribute("lang") == "zh-CN", path
    return [f"{path}: {t}" for t in english(page)]


@pytest.mark.parametrize(
    ("user", "paths"),
    [
        (
            "admin",
            [
                "/",
                "/cases",
                f"/cases/{CASE}",
                f"/cases/{CASE}/reports",
                DRAFT,
                "/rules/what-if",
                "/oversight",
                "/oversight/exposure",
                "/admin",
                "/admin/users",
                "/admin/reference",
                "/admin/policies",
                "/admin/rules",
                "/admin/blackouts",
                "/account",
            ],
        ),
        ("analyst-cn", ["/", "/cases", f"/cases/{CASE}", f"/cases/{CASE}/reports", DRAFT]),
        ("hq-oversight", ["/", "/oversight", "/oversight/exposure"]),
        ("auditor", ["/", "/account"]),
    ],
)
def test_every_page_speaks_chinese(
    server: Server, browser: Browser, user: str, paths: list[str]
) -> None:
    page = sign_in_demo(browser, server, user, locale="zh-CN")
    found: list[str] = []
    for path in paths:
        found += visit(page, server, path)
    screenshot(page, f"zh-pages-{user}")
    page.context.close()
    assert found == [], "\n".join(found)


def test_error_states_speak_chinese(server: Server, browser: Browser) -> None:
    page = sign_in_demo(browser, server, "approver-cn", locale="zh-CN")
    found = visit(page, server, "/cases/VD-2099-9999/reports", status=404)
    found += visit(page, server, "/reports/VD-2099-9999/nvdb/miit-nvdb/v1", status=404)
    # A guard refusal: the same person approving a draft twice.
    page.goto(f"{server.base}/cases/{CASE}/reports")
    analyst = sign_in_demo(browser, server, "analyst-cn", locale="zh-CN")
    analyst.goto(f"{server.base}/cases/{CASE}/reports")
    analyst.select_option("select[name=kind]", "nvdb")
    analyst.select_option("select[name=recipient]", "miit-nvdb")
    submit(analyst, "form[action$='/reports'] button[type=submit]")
    draft = analyst.url.split("?")[0]
    # Bad input on the draft form: a recipient that does not fit the kind.
    analyst.goto(f"{server.base}/cases/{CASE}/reports")
    analyst.select_option("select[name=kind]", "cac.incident")
    analyst.evaluate(
        "() => { const o = document.querySelector('select[name=recipient] option[value=busybox]');"
        " o.disabled = false; o.hidden = false; o.selected = true; }"
    )
    submit(analyst, "form[action$='/reports'] button[type=submit]")
    alert = analyst.locator("[role=alert]").inner_text()
    assert alert.startswith("“接收方”的值不被接受") and "--" not in alert
    found += [f"bad input: {t}" for t in english(analyst)]
    screenshot(analyst, "zh-error-bad-input")
    page.goto(draft)
    # Codes are given their labels: the kind, the recipient's kind, the fields that leave.
    assert page.locator("dd.kind").inner_text().startswith("NVDB")
    fields = page.locator("dd.fields").inner_text()
    assert CJK.search(fields) and "_" not in fields
    submit(page, "#approve")
    submit(page, "#approve")
    alert = page.locator("[role=alert]").inner_text()
    assert alert == "您已批准过；须由另一名不同的人员批准。"
    assert "guard" not in alert and "two-persons" not in alert
    found += [f"refusal: {t}" for t in english(page)]
    screenshot(page, "zh-error-refusal")
    for p in (page, analyst):
        p.context.close()
    assert found == [], "\n".join(found)
