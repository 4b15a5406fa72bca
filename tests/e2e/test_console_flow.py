"""One case from the public form to the regulator and HQ oversight, all in a real browser.

A reporter files a report on a product of the Chinese subsidiary, so RMSV 2021 applies; the
coordinator triages and staffs the case, the analyst records verification at a stated time
and sees the NVDB clock due when the rule says, drafts the NVDB report, two approvers approve
it, the analyst records the submission, the clock shows as met, and HQ oversight sees it.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from typing import TYPE_CHECKING, Any

import pytest

from tests.e2e.browser import Server, screenshot, sign_in, submit
from vulndesk.entrypoints.web import clockfmt

if TYPE_CHECKING:
    from playwright.sync_api import Browser


pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")  # where cn-rmsv-2021 counts its days
ANALYST_ZONE = "Europe/Berlin"  # the analyst's own zone: neither the org's (UTC) nor the rule's
NVDB = "cn-rmsv-2021/report-to-nvdb"
RECEIPT = "NVDB-2026-F0042"
USERS = {
    "flow-coord": ("coordinator", "acme-cn"),
    "flow-analyst": ("analyst", "acme-cn"),
    "flow-approver-cn": ("approver", "acme-cn"),
    "flow-approver-hq": ("approver", "acme-hq"),
    "flow-hq": ("hq-oversight", "acme-hq"),
}


@pytest.fixture(scope="module")
def team(server: Server) -> Server:
    # The reading under test: the clock runs from verification, two calendar days in Beijing.
    server.cli.run("rules", "set-option", "cn-rmsv-2021.report_clock_start", "verified")
    server.cli.run("rules", "set-option", "cn-rmsv-2021.report_window", "2d")
    for name, (role, unit) in USERS.items():
        server.add_user(name, role, unit)
    server.cli.run("user", "set-preferences", "flow-analyst", "--timezone", ANALYST_ZONE)
    return server


class Browsers:
    """One browser context per person, with every console error any of them sees."""

    def __init__(self, browser: Browser) -> None:
        self.browser = browser
        self.errors: list[str] = []
        self.pages: list[Any] = []

    def open(self) -> Any:
        context = self.browser.new_context(locale="en-US")
        page = context.new_page()
        # The refused second approval answers 409 on purpose; any other error counts.
        page.on(
            "console",
            lambda m: (
                self.errors.append(f"{page.url}: {m.text}")
                if m.type == "error" and not m.text.startswith("Failed to load resource")
                else None
            ),
        )
        self.pages.append(page)
        return page

    def person(self, server: Server, name: str) -> Any:
        page = self.open()
        sign_in(page, server, name)
        return page

    def close(self) -> None:
        for page in self.pages:
            page.context.close()


def cli_clock(server: Server, key: str) -> dict[str, Any]:
    """The NVDB clock of a case as `vulndesk case show --json` reports it."""
    shown = server.cli.json("case", "show", key)["obligations"]
    found: dict[str, Any] = next(o for o in shown if o["obligation"]["id"] == NVDB)
    return found


def nvdb_due_2d(trigger: dt.datetime) -> dt.datetime:
    """The `2d` reading, worked out here from the rule's words, not by the engine.

    The trigger's day is not counted; the period ends at 24:00 of the second calendar day
    after the trigger's date in Beijing, that is at 00:00 of the third.
    """
    day = trigger.astimezone(SHANGHAI).date() + dt.timedelta(days=3)
    return dt.datetime.combine(day, dt.time(0, 0), tzinfo=SHANGHAI)


def file_report(page: Any, server: Server, marker: str) -> str:
    page.goto(server.base + "/report")
    page.get_by_label("Product").fill("ax-router")
    page.get_by_label("Version").fill("2.3.1")
    page.get_by_label("Description").fill(f"Command injection in the diagnostics page {marker}.")
    page.get_by_label("Steps to reproduce").fill("POST /diag with host=;id")
    screenshot(page, "flow-1-public-report")
    submit(page, "button[type=submit]")
    tracking: str = page.locator("strong.tracking").inner_text()
    assert tracking.startswith("R-")
    screenshot(page, "flow-1-report-received")
    return tracking


def triage_and_staff(page: Any, server: Server, key: str) -> None:
    page.goto(f"{server.base}/cases?sort=-created")
    submit(page, f"table.cases a[href='/cases/{key}']")
    assert page.locator(".case-head .key").inner_text() == key
    # Public intake files the case under the unit that makes the product: the Shenzhen maker.
    assert page.locator(".case-head dd", has_text="acme-cn").count() == 1
    assert page.locator(".case-head dd", has_text="ax-router (2.3.1)").count() == 1
    assert page.locator("tr[data-obligation='cn-rmsv-2021/verify']").count() == 1  # RMSV applies
    assert page.locator(f"tr[data-obligation='{NVDB}']").count() == 0  # runs from verification
    for member in ("flow-analyst", "flow-approver-cn", "flow-approver-hq"):
        page.fill("#members form.card input[name=user]", member)
        submit(page, "#members form.card button[type=submit]")
    members = page.locator("#members ul.members").inner_text()
    assert all(m in members for m in ("flow-analyst", "flow-approver-cn", "flow-approver-hq"))
    page.select_option("#state select[name=to]", "triage")
    page.fill("#state input[name=reason]", "credible report on a shipped router")
    submit(page, "#state button[type=submit]")
    assert page.locator(".state").first.inner_text() == "triage"
    screenshot(page, "flow-2-triaged")


def verify_at(page: Any, server: Server, key: str) -> dt.datetime:
    """Record `verified` at a stated Beijing time just after `aware`; returns that instant."""
    page.goto(f"{server.base}/cases/{key}")
    aware_attr = page.locator("#facts tr", has_text="aware").locator("time").first
    aware = dt.datetime.fromisoformat(aware_attr.get_attribute("datetime"))
    stated = (aware.astimezone(SHANGHAI) + dt.timedelta(minutes=1)).replace(second=0, microsecond=0)
    page.select_option("#facts select[name=fact]", "verified")
    page.fill("#facts input[name=at]", f"{stated:%Y-%m-%dT%H:%M}")
    page.fill("#facts input[name=zone]", "Asia/Shanghai")
    page.fill("#facts textarea[name=evidence]", "reproduced on AX-3000 2.3.1 in the lab")
    submit(page, "#facts button[type=submit]")
    assert page.locator("#facts tr.current", has_text="verified").count() == 1
    page.select_option("#state select[name=to]", "verified")
    page.fill("#state input[name=reason]", "reproduced")
    submit(page, "#state button[type=submit]")
    assert page.locator(".state").first.inner_text() == "verified"
    return stated


def check_clock(page: Any, server: Server, key: str, expected: dt.datetime) -> None:
    """The NVDB due instant, as shown to the analyst and as the CLI reports it."""
    row = page.locator(f"tr[data-obligation='{NVDB}']")
    shown = row.locator("td.due time")
    assert dt.datetime.fromisoformat(shown.get_attribute("datetime")) == expected
    assert shown.inner_text() == clockfmt.local_text(expected, ANALYST_ZONE)
    assert f"Asia/Shanghai {expected:%Y-%m-%d} 00:00 +0800" in (shown.get_attribute("title") or "")
    assert f"shown in {ANALYST_ZONE};" in page.locator("footer").inner_text()
    assert "report_window=2d" in row.inner_text()
    assert dt.datetime.fromisoformat(cli_clock(server, key)["obligation"]["due"]) == expected
    screenshot(page, "flow-3-nvdb-clock")


def draft_nvdb(page: Any, server: Server, key: str) -> str:
    page.goto(f"{server.base}/cases/{key}/reports")
    page.select_option("select[name=kind]", "nvdb")
    page.select_option("select[name=recipient]", "miit-nvdb")
    submit(page, "text=Build draft")
    page.wait_for_url(re.compile(rf".*/reports/{key}/nvdb/miit-nvdb/v1\?done=drafted$"))
    assert page.locator(".draft-status").inner_text() == "draft"
    assert key in page.locator("article.report-preview").inner_text()
    screenshot(page, "flow-4-nvdb-draft")
    url: str = page.url.split("?")[0]
    return url


def approve_twice(people: Browsers, server: Server, draft_url: str) -> None:
    first = people.person(server, "flow-approver-cn")
    first.goto(draft_url)
    submit(first, "#approve")
    first.wait_for_url(re.compile(r".*\?done=approved$"))
    assert first.locator(".approvers").inner_text().startswith("flow-approver-cn")
    submit(first, "#approve")  # the same person again is refused
    assert (
        "a second, different person must approve it" in first.locator("[role=alert]").inner_text()
    )
    assert first.locator(".draft-status").inner_text() == "draft"
    screenshot(first, "flow-5-first-approval")
    second = people.person(server, "flow-approver-hq")
    second.goto(draft_url)
    submit(second, "#approve")
    second.wait_for_url(re.compile(r".*\?done=approved$"))
    assert second.locator(".draft-status").inner_text() == "approved"
    screenshot(second, "flow-6-second-approval")


def record_submission(
    page: Any, server: Server, key: str, draft_url: str, verified: dt.datetime
) -> None:
    page.goto(draft_url)
    # Verification was stated a minute ahead; a submission is claimed no earlier than its
    # trigger (the server refuses a claim before `verified`), typed in the analyst's zone.
    sent = max(verified, dt.datetime.now(dt.UTC)).astimezone(zoneinfo.ZoneInfo(ANALYST_ZONE))
    page.fill("input[name=at]", f"{sent:%Y-%m-%dT%H:%M}")
    page.fill("input[name=receipt]", RECEIPT)
    submit(page, "text=Record submission")
    page.wait_for_url(re.compile(r".*\?done=submitted$"))
    assert page.locator(".receipt").inner_text() == RECEIPT
    page.goto(f"{server.base}/cases/{key}")
    row = page.locator(f"tr[data-obligation='{NVDB}']")
    assert row.get_attribute("class") == "status-met"
    assert row.locator("td").nth(3).inner_text().startswith("met")
    screenshot(page, "flow-7-clock-met")
    assert cli_clock(server, key)["status"] == "met"


def test_public_report_to_nvdb_submission_seen_by_hq(team: Server, browser: Browser) -> None:
    people = Browsers(browser)
    marker = f"flow-{dt.datetime.now(dt.UTC):%H%M%S%f}"
    tracking = file_report(people.open(), team, marker)
    key = next(r["case"] for r in team.cli.json("intake", "list") if r["tracking"] == tracking)

    triage_and_staff(people.person(team, "flow-coord"), team, key)
    analyst = people.person(team, "flow-analyst")
    verified = verify_at(analyst, team, key)
    check_clock(analyst, team, key, nvdb_due_2d(verified))
    draft_url = draft_nvdb(analyst, team, key)
    approve_twice(people, team, draft_url)
    record_submission(analyst, team, key, draft_url, verified)

    hq = people.person(team, "flow-hq")
    hq.goto(team.base + "/oversight")
    row = hq.locator("table.submissions tbody tr", has_text=key)
    assert row.count() == 1
    text = row.inner_text()
    assert "miit-nvdb" in text and RECEIPT in text
    assert "flow-approver-cn, flow-approver-hq" in text
    screenshot(hq, "flow-8-oversight")
    assert people.errors == []
    people.close()
