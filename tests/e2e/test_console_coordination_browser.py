"""The coordinator page in a real browser: invite, a status waiting for a second person, no
answer since, the embargo shown in its zone and the viewer's; in English and Simplified Chinese."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from tests.e2e.browser import Server, screenshot, start_server, submit
from tests.e2e.test_console_reports import close, sign_in_demo
from vulndesk.domain import watermark as wm

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

CASE = "VD-2026-0018"  # acme-cn


@pytest.fixture(scope="module")
def srv(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    s = start_server(tmp_path_factory.mktemp("coordination-console"))
    yield s
    s.stop()


def test_coordinating_a_case_in_the_console(srv: Server, browser: Browser) -> None:
    base = srv.base
    analyst = sign_in_demo(browser, srv, "analyst-cn")
    analyst.goto(f"{base}/cases/{CASE}")
    submit(analyst, f"a[href='/cases/{CASE}/coordination']")
    assert analyst.locator("main > h1").inner_text().startswith("Coordination")
    for party, role, person in (
        ("chip-vendor", "upstream_supplier", "Wang Fang <psirt@chip.example>"),
        ("telco-cn", "customer", "noc@telco.example"),
    ):
        analyst.fill(".invite-form input[name=party]", party)
        analyst.select_option(".invite-form select[name=role]", role)
        analyst.fill(".invite-form textarea[name=people]", person)
        submit(analyst, ".invite-form button")
        assert "done=invited" in analyst.url
    assert analyst.locator("table.participants tbody tr").count() == 2
    analyst.select_option(".status-form select[name=participant]", index=0)
    analyst.fill(".status-form input[name=product]", "switch-core")
    analyst.select_option(".status-form select[name=status]", "under_investigation")
    analyst.fill(".status-form textarea[name=statement]", "Checking our SDK")
    submit(analyst, ".status-form button")
    silent = analyst.locator("table.statuses .no-answer")
    assert silent.count() >= 2  # nothing approved yet: silence, never "under investigation"
    assert silent.first.inner_text().startswith("No answer since")
    # the one who recorded a statement does not approve it
    assert analyst.locator("table.statuses form[action$='/approval']").count() == 0
    analyst.select_option(".embargo-form select[name=action]", "propose")
    analyst.fill(".embargo-form input[name=end]", "2030-03-10T09:00")
    analyst.fill(".embargo-form input[name=zone]", "Asia/Shanghai")
    analyst.fill(".embargo-form input[name=reason]", "chip vendor needs a fix release")
    submit(analyst, ".embargo-form button")
    analyst.select_option(".embargo-form select[name=action]", "accept")
    analyst.fill(".embargo-form input[name=reason]", "agreed on the call")
    submit(analyst, ".embargo-form button")
    assert analyst.locator(".embargo-end-zone").inner_text() == (
        "2030-03-10 09:00 CST (Asia/Shanghai, UTC+08:00)"
    )
    assert "UTC" in analyst.locator(".embargo-end-viewer").inner_text()
    analyst.select_option(".embargo-form select[name=action]", "extend")
    analyst.fill(".embargo-form input[name=end]", "2030-03-10T09:00")
    analyst.fill(".embargo-form input[name=zone]", "CST")
    analyst.fill(".embargo-form input[name=reason]", "zone-less")
    submit(analyst, ".embargo-form button")
    assert "IANA" in analyst.locator(".refusal").inner_text()
    screenshot(analyst, "coordination-en")
    # download the supplier's copy, watermarked for it, then trace a re-wrapped piece of it
    with analyst.expect_download() as got:
        analyst.locator("table.participants tbody tr").first.get_by_role(
            "link", name="Download"
        ).click()
    copy = Path(got.value.path()).read_text(encoding="utf-8")
    assert wm.clean(copy).startswith("Shared with Wang Fang <psirt@chip.example> (chip-vendor)")
    submit(analyst, "a[href='/coordination/trace']")
    piece = " ".join(copy.split("\n")[2:])  # the visible line gone, the lines run together
    analyst.fill(".trace-form textarea[name=text]", piece)
    submit(analyst, ".trace-form button")
    row = analyst.locator("table.trace tbody tr")
    assert row.count() == 1 and "Wang Fang <psirt@chip.example>" in row.inner_text()
    assert wm.refs_in(copy)[0] in row.inner_text()
    screenshot(analyst, "coordination-trace-en")
    close(analyst)

    approver = sign_in_demo(browser, srv, "approver-cn", locale="zh-CN")
    approver.goto(f"{base}/cases/{CASE}/coordination")
    assert approver.locator("main > h1").inner_text().startswith("协调披露")
    assert "生效" in approver.locator(".embargo-state").inner_text()
    submit(approver, "table.statuses form[action$='/approval'] button")
    assert "done=approved" in approver.url
    assert approver.locator("table.statuses tr.status-under_investigation").count() == 1
    assert approver.locator("table.statuses .no-answer").first.inner_text().startswith("未答复")
    screenshot(approver, "coordination-zh-CN")
    approver.goto(f"{base}/coordination/trace")
    assert approver.locator("main > h1").inner_text() == "追查泄露的副本"
    approver.fill(".trace-form textarea[name=text]", "没有水印的文本")
    submit(approver, ".trace-form button")
    assert approver.locator("#trace-result .notice").inner_text() == "未发现水印。"
    close(approver)
