"""Administration pages in a real browser: users, reference data, policies, rule sets, blackouts."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest

from tests.e2e.browser import Server, screenshot, submit
from tests.e2e.test_console_reports import close, sign_in_demo, untranslated

if TYPE_CHECKING:
    from playwright.sync_api import Browser


pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

SECTIONS = (
    "/admin",
    "/admin/reference",
    "/admin/policies",
    "/admin/rules",
    "/admin/blackouts",
    "/admin/imports",
    "/admin/suppliers",
)
LABELS = "main h1, main h2, main th, main button, main legend, nav.admin-nav a, main label"
# Codes and names that stay as they are in every language.
ALLOWED = {"English", "SHA-256"}


def test_users_secrets_are_shown_once_and_accounts_can_be_changed(
    server: Server, browser: Browser
) -> None:
    page = sign_in_demo(browser, server, "admin")
    page.goto(server.base + "/admin")
    assert page.locator("main > h1").inner_text() == "Administration"
    names = page.locator("table.users tbody tr td:first-child").all_inner_texts()
    assert {"admin", "analyst-cn", "approver-hq", "approver-cn", "hq-oversight", "auditor"} <= {
        n.split("\n")[0] for n in names
    }
    page.fill("form[action='/admin/users'] input[name=name]", "new-analyst")
    page.fill("form[action='/admin/users'] input[name=email]", "new-analyst@acme.example")
    page.select_option("form[action='/admin/users'] select[name=role]", "analyst")
    page.select_option("form[action='/admin/users'] select[name=unit]", "acme-cn")
    submit(page, "text=Add user")
    password = page.locator(".one-time-password").inner_text()
    assert len(password) >= 12
    page.goto(server.base + "/admin")
    assert page.locator(".one-time-password").count() == 0
    assert password not in page.content()

    row = page.locator("#user-new-analyst")
    submit(page, row.locator("button", has_text="Reset TOTP"))
    secret = page.locator(".totp-secret").inner_text()
    assert re.fullmatch(r"[A-Z2-7]{32}", secret)
    row = page.locator("#user-new-analyst")
    row.locator("select[name=role]").select_option("approver")
    submit(page, row.locator("button", has_text="Grant"))
    page.wait_for_url(server.base + "/admin?done=1")
    assert "approver" in page.locator("#user-new-analyst").inner_text()
    submit(page, page.locator("#user-new-analyst button", has_text="Disable"))
    page.wait_for_url(server.base + "/admin?done=1")
    assert "disabled" in page.locator("#user-new-analyst").inner_text()

    page.fill("form[action='/admin/users'] input[name=name]", "bad")
    page.select_option("form[action='/admin/users'] select[name=unit]", "")
    page.evaluate("() => document.querySelector(\"form[action='/admin/users']\").noValidate = true")
    page.fill("form[action='/admin/users'] input[name=email]", "not-an-address")
    submit(page, "text=Add user")
    assert "email" in page.locator("[role=alert]").inner_text()
    screenshot(page, "admin-users-en")
    close(page)


def test_reference_policies_rules_and_blackouts(server: Server, browser: Browser) -> None:
    page = sign_in_demo(browser, server, "admin")
    page.goto(server.base + "/admin/reference")
    form = page.locator("form[action='/admin/parties']")
    form.locator("input[name=id]").fill("cert-example")
    form.locator("input[name=name]").fill("Example CERT")
    form.locator("select[name=kind]").select_option("csirt")
    form.locator("input[name=country]").fill("DE")
    form.locator("input[name=channels]").fill("email:cert@example.org")
    submit(page, form.locator("button"))
    page.wait_for_url(server.base + "/admin/reference?done=1")
    assert "Example CERT" in page.locator("table.parties").inner_text()

    page.goto(server.base + "/admin/policies")
    page.select_option("select[name=party]", "cert-example")
    page.check("input[name=classes][value=public]")
    page.check("input[name=fields][value=remediation_plan]")
    submit(page, "text=Set override")
    page.wait_for_url(server.base + "/admin/policies?done=1")
    assert "Remediation plan" in page.locator("table.policy-overrides").inner_text()

    page.goto(server.base + "/admin/rules")
    option = page.locator("tr", has_text="cn-rmsv-2021.report_window")
    option.locator("select[name=value]").select_option("2wd")
    submit(page, option.locator("button"))
    page.wait_for_url(server.base + "/admin/rules?done=1")
    assert (
        page.locator("tr", has_text="cn-rmsv-2021.report_window")
        .locator("select[name=value]")
        .input_value()
        == "2wd"
    )
    draft_2019 = page.locator("#rs-cn-draft-2019")
    assert "not applied to live cases" in draft_2019.inner_text()
    before = server.cli.json("case", "show", "VD-2026-0002")["obligations"]
    assert not [o for o in before if o["obligation"]["id"].startswith("cn-draft-2019/")]
    page.check("input[name=rule_sets][value=cn-draft-2019]")
    submit(page, "text=Save and recompute clocks")
    page.wait_for_url(server.base + "/admin/rules?done=1")
    assert "in force for live cases" in page.locator("#rs-cn-draft-2019").inner_text()
    after = server.cli.json("case", "show", "VD-2026-0002")["obligations"]
    assert [o for o in after if o["obligation"]["id"].startswith("cn-draft-2019/")]

    page.goto(server.base + "/admin/blackouts")
    page.fill("input[name=name]", "Major event")
    page.fill("input[name=start]", "2027-03-01T00:00")
    page.fill("input[name=end]", "2027-03-15T00:00")
    submit(page, "text=Add window")
    page.wait_for_url(server.base + "/admin/blackouts?done=1")
    assert "Major event" in page.locator("table.blackouts").inner_text()
    page.fill("input[name=name]", "Backwards")
    page.fill("input[name=start]", "2027-03-15T00:00")
    page.fill("input[name=end]", "2027-03-01T00:00")
    submit(page, "text=Add window")
    assert "end" in page.locator("[role=alert]").inner_text()
    close(page)


def test_unit_reporting_entity_and_on_call_address(server: Server, browser: Browser) -> None:
    page = sign_in_demo(browser, server, "admin")
    page.goto(server.base + "/admin/reference")
    form = page.locator("form[action='/admin/units/contact']")
    form.locator("select[name=unit]").select_option("acme-de")
    form.locator("input[name=contact_person]").fill("Erika Muster")
    form.locator("input[name=contact_phone]").fill("+49 30 1234 5678")
    form.locator("input[name=on_call_email]").fill("bereitschaft@acme.example")
    submit(page, form.locator("button"))
    page.wait_for_url(server.base + "/admin/reference?done=1")
    row = page.locator("#unit-acme-de").inner_text()
    assert "Erika Muster" in row and "+49 30 1234 5678" in row
    assert "psirt-de@acme.example" in row  # left as it was
    assert server.cli.json("org", "show", "acme-de")["on_call_email"] == "bereitschaft@acme.example"

    form = page.locator("form[action='/admin/units/contact']")
    form.locator("select[name=unit]").select_option("acme-de")
    form.locator("input[name=contact_phone]").fill("030 1234")
    submit(page, form.locator("button"))
    alert = page.locator("[role=alert]").inner_text()
    assert "contact_phone" in alert and "E.164" in alert
    form = page.locator("form[action='/admin/units/contact']")
    form.locator("select[name=unit]").select_option("acme-de")
    page.evaluate(
        "() => document.querySelector(\"form[action='/admin/units/contact']\").noValidate = true"
    )
    form.locator("input[name=on_call_webhook]").fill("https://169.254.169.254/latest/meta-data")
    submit(page, form.locator("button"))
    alert = page.locator("[role=alert]").inner_text()
    assert "on_call_webhook" in alert and "VULNDESK_WEBHOOK_HOSTS" in alert
    assert server.cli.json("org", "show", "acme-de")["on_call_webhook"] is None
    close(page)


def test_every_admin_page_in_chinese(server: Server, browser: Browser) -> None:
    page = sign_in_demo(browser, server, "admin", locale="zh-CN")
    for path in SECTIONS:
        response = page.goto(server.base + path)
        assert response is not None and response.status == 200
        assert page.locator("main > h1").inner_text() == "系统管理"
        assert untranslated(page, LABELS, ALLOWED) == [], path
    page.goto(server.base + "/admin")
    screenshot(page, "admin-users-zh-CN")
    page.goto(server.base + "/admin/rules")
    screenshot(page, "admin-rules-zh-CN")
    close(page)


def test_admin_pages_are_a_404_for_an_analyst(server: Server, browser: Browser) -> None:
    page = sign_in_demo(browser, server, "analyst-cn")
    for path in SECTIONS:
        response = page.goto(server.base + path)
        assert response is not None and response.status == 404, path
    token = page.locator("input[name=csrf]").first.get_attribute("value")
    refused = page.request.post(
        server.base + "/admin/users",
        form={"csrf": token or "", "name": "sneaky", "email": "s@acme.example", "role": "admin"},
    )
    assert refused.status == 404
    names = {u["name"] for u in server.cli.json("user", "list")}
    assert "sneaky" not in names
    close(page)
