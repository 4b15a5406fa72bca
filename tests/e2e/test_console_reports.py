"""Report drafting in a real browser: draft, preview, two-person approval, submission, oversight.

The server runs on a demo home, so the demo accounts (with their secrets in the home's
`demo-credentials.txt`) sign in here exactly as a person trying the demo would.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.e2e.browser import Server, fresh_code, screenshot, submit

if TYPE_CHECKING:
    from playwright.sync_api import Browser, FilePayload, Page


pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

CASE = "VD-2026-0002"  # acme-cn, verified, the NVDB report still due
HIDDEN = "VD-2026-0003"  # acme-hq: analyst-cn is no member
CJK = re.compile(r"[\u4e00-\u9fff]")
CODE = re.compile(r"[a-z0-9_.:/@-]+")  # field names, rule-set ids: the same in every language


def demo_credentials(server: Server) -> dict[str, tuple[str, str]]:
    path = Path(server.cli.env["VULNDESK_HOME"]) / "demo-credentials.txt"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    found = {}
    for line in path.read_text(encoding="utf-8").splitlines()[2:]:
        name, _role, _unit, password, secret, _uri = line.split("\t")
        found[name] = (password, secret)
    return found


def sign_in_demo(browser: Browser, server: Server, user: str, locale: str = "en-US") -> Page:
    password, secret = demo_credentials(server)[user]
    context = browser.new_context(locale=locale)
    page = context.new_page()
    page.goto(server.base + "/login")
    page.fill("input[name=name]", user)
    page.fill("input[name=password]", password)
    page.fill("input[name=totp]", fresh_code(secret))
    submit(page, "button[type=submit]")
    page.wait_for_url(server.base + "/")
    return page


def untranslated(page: Page, selector: str, allowed: set[str]) -> list[str]:
    """Visible labels without a Chinese character (codes, ids and formats are allowed)."""
    texts = [t.strip() for t in page.locator(selector).all_inner_texts()]
    return [
        t for t in texts if t and not CJK.search(t) and t not in allowed and not CODE.fullmatch(t)
    ]


def close(page: Page) -> None:
    page.context.close()


def test_draft_preview_two_person_approval_submission_and_oversight(
    server: Server, browser: Browser
) -> None:
    analyst = sign_in_demo(browser, server, "analyst-cn")
    analyst.goto(f"{server.base}/cases/{CASE}/reports")
    analyst.select_option("select[name=kind]", "nvdb")
    analyst.select_option("select[name=recipient]", "miit-nvdb")
    submit(analyst, "text=Build draft")
    analyst.wait_for_url(re.compile(r".*/reports/VD-2026-0002/nvdb/miit-nvdb/v1\?done=drafted$"))
    draft_url = analyst.url.split("?")[0]
    assert analyst.locator(".draft-status").inner_text() == "draft"
    preview = analyst.locator("article.report-preview")
    assert CASE in preview.inner_text()
    assert preview.locator("script, iframe, [onerror]").count() == 0
    with analyst.expect_download() as got:
        analyst.click("a[href$='/download/json']")
    assert got.value.suggested_filename == "VD-2026-0002-nvdb-miit-nvdb-v1.json"
    screenshot(analyst, "report-draft-en")
    submit(analyst, "a[lang=zh-CN]")
    assert analyst.locator("main > h1").inner_text().startswith("草稿")
    assert untranslated(analyst, "main h2, main th, main button, main dt", {"SHA-256"}) == []
    screenshot(analyst, "report-draft-zh-CN")

    first = sign_in_demo(browser, server, "approver-cn")
    first.goto(draft_url)
    submit(first, "#approve")
    first.wait_for_url(re.compile(r".*\?done=approved$"))
    assert first.locator(".approvers").inner_text().startswith("approver-cn")
    submit(first, "#approve")
    alert = first.locator("[role=alert]")
    assert alert.inner_text() == (
        "You have already approved this; a second, different person must approve it."
    )
    assert first.locator(".draft-status").inner_text() == "draft"

    second = sign_in_demo(browser, server, "approver-hq")
    second.goto(draft_url)
    submit(second, "#approve")
    second.wait_for_url(re.compile(r".*\?done=approved$"))
    assert second.locator(".draft-status").inner_text() == "approved"

    analyst.goto(draft_url)
    analyst.fill("input[name=receipt]", "NVDB-2026-04711")
    png: FilePayload = {"name": "portal.png", "mimeType": "image/png", "buffer": b"\x89PNG portal"}
    analyst.set_input_files("input[name=screenshot]", files=[png])
    submit(analyst, "text=记录报送")
    analyst.wait_for_url(re.compile(r".*\?done=submitted$"))
    assert analyst.locator(".receipt").inner_text() == "NVDB-2026-04711"
    # The NVDB clock of the case turned to met (statuses are translated: 已履行 is "met").
    assert (
        analyst.locator(
            "tr[data-obligation='cn-rmsv-2021/report-to-nvdb'] .obligation-status"
        ).inner_text()
        == "已履行"
    )
    submit(analyst, f"a[href='/cases/{CASE}']:below(h2#submission)")
    assert analyst.url.endswith(f"/cases/{CASE}")

    hq = sign_in_demo(browser, server, "hq-oversight")
    hq.goto(server.base + "/oversight")
    row = hq.locator("table.submissions tbody tr", has_text=CASE)
    assert row.count() == 1
    assert "miit-nvdb" in row.inner_text()
    assert "approver-cn, approver-hq" in row.inner_text()
    assert "NVDB-2026-04711" in row.inner_text()
    screenshot(hq, "oversight-en")
    submit(hq, "a[lang=zh-CN]")
    assert hq.locator("h1").inner_text() == "总部监督"
    assert untranslated(hq, "main h2, main th", set()) == []
    screenshot(hq, "oversight-zh-CN")
    for page in (analyst, first, second, hq):
        close(page)


def test_hidden_and_missing_cases_and_oversight_give_the_same_404(
    server: Server, browser: Browser
) -> None:
    analyst = sign_in_demo(browser, server, "analyst-cn")
    bodies = []
    for path in (
        f"/cases/{HIDDEN}/reports",
        "/cases/VD-2099-9999/reports",
        f"/reports/{HIDDEN}/nvdb/miit-nvdb/v1",
        "/reports/VD-2099-9999/nvdb/miit-nvdb/v1",
        "/oversight",
    ):
        response = analyst.goto(server.base + path)
        assert response is not None and response.status == 404, path
        bodies.append(analyst.locator("main").inner_text())
    assert len(set(bodies)) == 1
    close(analyst)
