"""A case's advisory in a real browser: drafted by an analyst, approved by two approvers of two
units, published, and found on the CSAF provider tree; in English and Simplified Chinese.

The server runs on a demo home with a throwaway OpenPGP signing key (VULNDESK_GNUPGHOME and
VULNDESK_CSAF_KEY), so publishing signs as a real provider would.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import gnupg
import httpx
import pytest
from playwright.sync_api import Browser, Page

from tests.e2e.browser import Server, screenshot, start_server, submit
from tests.e2e.test_console_reports import close, sign_in_demo

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

CASE = "VD-2026-0018"  # acme-cn, fixed: a fix is available, so RMSV Art. 9(1) lets it out
DEMO_CASE = "VD-2026-0004"  # the demo's own advisory, published when the demo is loaded


@pytest.fixture(scope="module")
def signing_key(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    home = tmp_path_factory.mktemp("gnupg")
    gpg = gnupg.GPG(gnupghome=str(home))
    key = gpg.gen_key(
        gpg.gen_key_input(
            key_type="EDDSA",
            key_curve="ed25519",
            key_usage="sign",
            name_email="psirt@acme.example",
            no_protection=True,
        )
    )
    assert key.fingerprint, key.stderr
    return home, str(key.fingerprint)


@pytest.fixture(scope="module")
def provider(
    tmp_path_factory: pytest.TempPathFactory, signing_key: tuple[Path, str]
) -> Iterator[Server]:
    env = {"VULNDESK_GNUPGHOME": str(signing_key[0]), "VULNDESK_CSAF_KEY": signing_key[1]}
    srv = start_server(tmp_path_factory.mktemp("advisory-console"), env=env)
    yield srv
    srv.stop()


def _scrolls_by_keyboard(page: Page, selector: str) -> bool:
    """The focused region scrolls with the keyboard alone (smooth scrolling takes a moment)."""
    page.locator(selector).focus()
    for _ in range(3):
        page.keyboard.press("PageDown")
    probe = f"() => document.querySelector({selector!r}).scrollTop > 0"
    page.wait_for_function(probe, timeout=5000)
    return bool(page.evaluate(probe))


def test_draft_two_approvals_publish_and_the_provider_tree(
    provider: Server, browser: Browser, signing_key: tuple[Path, str]
) -> None:
    base = provider.base
    analyst = sign_in_demo(browser, provider, "analyst-cn")
    analyst.goto(f"{base}/cases/{CASE}")
    submit(analyst, f"#advisory a[href='/cases/{CASE}/advisory']")
    assert analyst.locator("main > h1").inner_text().startswith("Advisory")
    analyst.fill("input[name=title]", "Switch SNMP community string disclosure")
    analyst.fill(
        "input[name=cwe_name]", "Exposure of Sensitive Information to an Unauthorized Actor"
    )
    analyst.fill("textarea[name=remediation]", "Update switch-core to 12.3.")
    analyst.fill("textarea[name=workaround]", "Disable SNMP v1 and v2c.")
    analyst.fill(
        "textarea[name=statuses]", "switch-core:12.1:known_affected\nswitch-core:12.3:fixed"
    )
    submit(analyst, "#save-advisory")
    assert analyst.url.endswith("?done=drafted#history")
    assert analyst.locator(".advisory-status").inner_text() == "draft"
    region = analyst.locator("pre.advisory-preview")
    assert region.count() == 1, analyst.locator(".warning").all_inner_texts()
    assert region.get_attribute("role") == "region" and region.get_attribute("tabindex") == "0"
    assert region.get_attribute("aria-label")
    assert json.loads(region.inner_text())["document"]["tracking"]["id"] == CASE
    assert _scrolls_by_keyboard(analyst, "pre.advisory-preview")
    for name, marker in (
        ("CSAF VEX", "csaf_vex"),
        ("OSV", f"x_{CASE}"),
        ("CycloneDX VEX", "bomFormat"),
    ):
        submit(analyst, f".advisory-formats >> text={name}")
        assert marker in analyst.locator("pre.advisory-preview").inner_text(), name
    # No approve or publish button for an analyst.
    assert analyst.locator("#approve-advisory, #publish-advisory").count() == 0
    screenshot(analyst, "advisory-draft-en")
    close(analyst)

    first = sign_in_demo(browser, provider, "approver-cn")
    first.goto(f"{base}/cases/{CASE}/advisory")
    assert first.locator("#publish-advisory").count() == 0
    submit(first, "#approve-advisory")
    assert first.locator(".approvers").inner_text().startswith("approver-cn")
    assert first.locator("#approve-advisory").count() == 0  # the same person approves once
    close(first)

    second = sign_in_demo(browser, provider, "approver-hq", locale="zh-CN")
    second.goto(f"{base}/cases/{CASE}/advisory")
    assert second.locator("main > h1").inner_text().startswith("安全公告")
    submit(second, "#approve-advisory")
    assert second.locator(".advisory-status").inner_text() == "已批准"
    assert "处理办法" not in second.content()
    screenshot(second, "advisory-approved-zh-CN")
    # The demo's public party is abroad: RMSV Art. 9(7) refuses until a cross-border decision
    # is approved by two people; the page says so and names the fix, in Chinese.
    submit(second, "#publish-advisory")
    alert = second.locator(".refusal .reason").inner_text()
    assert alert.startswith("第九条第（七）项") and "处理办法" in alert
    assert "cross-border" in second.locator(".refusal .detail").inner_text()
    screenshot(second, "advisory-refused-zh-CN")
    # The refusal opens the form for the decision that lifts it, its kind chosen.
    assert second.locator("#decide").get_attribute("open") is not None
    assert second.locator("#decision-kind").input_value() == "cross-border"
    second.fill("#decision-reason", "The advisory is published to everyone once the fix is out.")
    submit(second, "#record-decision")
    assert second.url.endswith("?done=decided#decisions")
    row = second.locator("tr.decision[data-kind=cross-border]")
    assert row.locator(".decision-approvers").inner_text() == "approver-hq"
    assert row.locator(".approve-decision").count() == 0  # its proposer is its first person
    submit(second, "#publish-advisory")  # one person's decision lifts nothing
    assert "cross-border" in second.locator(".refusal .detail").inner_text()
    close(second)

    # A second approver approves the decision in English; then publishing succeeds.
    other = sign_in_demo(browser, provider, "approver-cn")
    other.goto(f"{base}/cases/{CASE}/advisory#decisions")
    submit(other, "tr.decision[data-kind=cross-border] .approve-decision")
    assert other.url.endswith("?done=decided#decisions")
    row = other.locator("tr.decision[data-kind=cross-border]")
    assert row.locator(".decision-state").inner_text() == "approved"
    screenshot(other, "advisory-decision-approved-en")
    close(other)

    second = sign_in_demo(browser, provider, "approver-hq", locale="zh-CN")
    second.goto(f"{base}/cases/{CASE}/advisory")
    submit(second, "#publish-advisory")
    assert second.url.endswith("?done=published#history")
    assert second.locator(".advisory-status").inner_text() == "已公开"
    screenshot(second, "advisory-published-zh-CN")
    close(second)

    metadata = httpx.get(f"{base}/.well-known/csaf/provider-metadata.json", timeout=10).json()
    assert metadata["role"] == "csaf_trusted_provider"
    assert metadata["public_openpgp_keys"][0]["fingerprint"] == signing_key[1]
    index = httpx.get(f"{base}/.well-known/csaf/clear/index.txt", timeout=10).text
    # The demo published one advisory when it was loaded (the server has a signing key).
    paths = [line for line in index.splitlines() if re.search(r"\.json$", line)]
    assert len(paths) == 2 and any(DEMO_CASE.lower() in p.lower() for p in paths), paths
    [path] = [p for p in paths if CASE.lower() in p.lower()]
    doc = httpx.get(f"{base}/.well-known/csaf/clear/{path}", timeout=10).json()
    assert doc["document"]["tracking"]["id"] == CASE
    assert "Disable SNMP" in json.dumps(doc)
    sig = httpx.get(f"{base}/.well-known/csaf/clear/{path}.asc", timeout=10)
    assert sig.text.startswith("-----BEGIN PGP SIGNATURE-----")
