"""The exposure view where people use it: the API's verification, and the console page with
its downloadable board report in both languages (a real browser, a real PDF)."""

from __future__ import annotations

import datetime as dt
import subprocess
from typing import TYPE_CHECKING

import pytest

from tests.builders import as_person
from tests.e2e.browser import Server, browser, screenshot, server, sign_in, submit
from tests.e2e.test_api_authz import USERS, call
from tests.e2e.test_api_support import World, world
from tests.e2e.test_api_waivers import sign_in as sign_in_console
from vulndesk.entrypoints.web import pages_exposure
from vulndesk.services.background import worker

if TYPE_CHECKING:
    from playwright.sync_api import Browser

__all__ = ["browser", "server", "world"]
EXPOSURE = {"admin", "hqoversight", "auditor"}


def test_api_verify_follows_roles(world: World) -> None:
    built = call(world, "auditor", "GET", "/api/v1/exposure", None)
    assert built.status_code == 200
    report = built.json()
    assert report["kind"] == "vulndesk-exposure-report" and report["audit_seq"] > 0
    for user in USERS:
        r = world.client.post("/api/v1/exposure/verify", headers=world.headers(user), json=report)
        if user in EXPOSURE:
            assert (r.status_code, r.json()["ok"]) == (200, True), (user, r.text)
        else:
            assert r.status_code == 403, (user, r.text)
    bad = world.client.post("/api/v1/exposure/verify", headers=world.headers("admin"), json={})
    assert bad.status_code == 422
    assert "report" in bad.text


@pytest.mark.browser
@pytest.mark.xdist_group("browser")
def test_the_exposure_page_and_board_report_in_both_languages(
    server: Server, browser: Browser
) -> None:
    server.add_user("exp-auditor", "auditor", "acme-hq")
    server.add_user("exp-analyst", "analyst", "acme-cn")
    context = browser.new_context(locale="en-US")
    page = context.new_page()
    sign_in(page, server, "exp-auditor")
    page.goto(server.base + "/oversight/exposure")
    assert page.locator("h1").inner_text() == "What each government knows, and for how long"
    totals = page.locator("table.exposure-totals").first.inner_text()
    assert "cert-bund" in totals and "miit-nvdb" in totals and "cncert" in totals
    assert page.locator("table.exposures .tag.secret").count() >= 1  # the trigger location
    unequal = page.locator("ul.inequalities").inner_text()
    assert "cncert received harm that telco-cn did not" in unequal
    assert "justification" in unequal
    assert "CNY 50,000-500,000" in page.locator("table.late").inner_text()
    screenshot(page, "exposure-en")
    pdf = page.request.get(server.base + "/oversight/exposure/report?format=pdf")
    assert pdf.status == 200 and pdf.body()[:4] == b"%PDF"
    text = subprocess.run(
        ["pdftotext", "-", "-"], input=pdf.body(), capture_output=True, check=True
    ).stdout.decode()
    assert "Disclosure exposure report" in text and "cert-bund" in text
    assert "平等对待例外" in text  # Chinese renders (a CJK font is embedded)
    submit(page, "a[lang=zh-CN]")
    assert page.locator("h1").inner_text() == "各政府机构知悉哪些漏洞、知悉多久"
    screenshot(page, "exposure-zh-CN")
    context.close()
    other = browser.new_context(locale="en-US")
    page = other.new_page()
    sign_in(page, server, "exp-analyst")
    resp = page.goto(server.base + "/oversight/exposure")
    assert resp is not None and resp.status == 404
    other.close()


def test_the_page_lists_the_longest_late_and_points_to_the_reports_for_the_rest(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    world.clock.advance(dt.timedelta(days=60))  # every open clock of the world falls due
    worker.run_once(world.container.deps(), as_person("worker-test", "worker"))
    sign_in_console(world, "auditor")
    full = world.client.get("/oversight/exposure")
    listed = _late_rows(full.text).count("<tr>") - 1  # less the heading's row
    assert listed >= 2, "more than one late duty to cut the list at"
    monkeypatch.setattr(pages_exposure, "LATE_SHOWN", 1)
    cut = world.client.get("/oversight/exposure")
    assert cut.status_code == 200
    assert _late_rows(cut.text).count("<tr>") == 2  # the heading's row and one duty
    assert f'data-late-total="{listed}"' in cut.text
    assert "the reports above hold every one" in cut.text


def _late_rows(page: str) -> str:
    return page.split('<table class="late">', 1)[1].split("</table>", 1)[0]


def test_the_api_and_page_show_when_the_workers_what_if_was_computed(world: World) -> None:
    worker.run_once(world.container.deps(), as_person("worker-test", "worker"))
    computed = world.clock.now()
    world.clock.advance(dt.timedelta(minutes=5))
    built = call(world, "auditor", "GET", "/api/v1/exposure", None)
    assert built.status_code == 200
    data = built.json()["rules_in_force"]
    assert data["computed_at"] == computed.isoformat() and data["being_recomputed"] is False
    assert data["open_cases"] > 0 and data["rule_sets"]
    html = call(world, "auditor", "GET", "/api/v1/exposure?format=html", None)
    assert f"Computed at / 计算时间: {computed.isoformat()}" in html.text
    sign_in_console(world, "auditor")
    page = world.client.get("/oversight/exposure")
    assert page.status_code == 200
    shown = page.text.split('class="whatif-computed"', 1)[1].split("</p>", 1)[0]
    assert "Computed at" in shown and "whatif-stale" not in shown
