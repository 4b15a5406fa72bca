"""The loaded demo shows its CVE ids (reserved, published and named by the advisory,
rejected) and its coordinated disclosure from the command line, the API and the console."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser

from tests.e2e.browser import Server, fresh_code, screenshot
from tests.e2e.test_console_reports import close, demo_credentials, sign_in_demo

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

RESERVED = "VD-2026-0002"  # Command injection in diagnostics page
PUBLISHED = "VD-2026-0004"  # the advisory's case
REJECTED = "VD-2026-0019"  # the duplicate of VD-2026-0002
COORDINATED = "VD-2026-0016"  # Chip SDK ioctl privilege escalation
YEAR = RESERVED.split("-")[1]
IDS = {
    RESERVED: (f"CVE-{YEAR}-31002", "reserved"),
    PUBLISHED: (f"CVE-{YEAR}-31001", "published"),
    REJECTED: (f"CVE-{YEAR}-31003", "rejected"),
}
PARTIES = ["chip-vendor", "cncert", "oem-partner"]


@pytest.fixture(scope="module")
def api(server: Server) -> Iterator[httpx.Client]:
    """The analyst of the Chinese subsidiary, signed in to the API."""
    password, secret = demo_credentials(server)["analyst-cn"]
    client = httpx.Client(base_url=server.base, timeout=60)
    body = {"name": "analyst-cn", "password": password, "totp": fresh_code(secret)}
    assert client.post("/api/v1/session", json=body).status_code == 200
    yield client
    client.close()


def test_the_cli_lists_the_demo_cve_ids_and_the_coordination(server: Server) -> None:
    cli = server.cli
    for case, (cve_id, state) in IDS.items():
        [record] = cli.json("cve", "list", case)
        assert (record["cve_id"], record["state"], record["reserved_by"]) == (
            cve_id,
            state,
            "analyst-cn",
        )
    [rejected] = cli.json("cve", "list", REJECTED)
    assert rejected["reason"] == (
        "DUPLICATE: this candidate duplicates the id of the diagnostics page command injection."
    )
    assert rejected["rejected_by"] == "analyst-cn"
    [published] = cli.json("cve", "list", PUBLISHED)
    assert published["published_by"] == "approver-cn"
    # The demo's advisory names the published id in its CSAF document.
    csaf = json.loads(cli.run("advisory", "show", PUBLISHED, "--format", "csaf").stdout)
    assert [v["cve"] for v in csaf["vulnerabilities"]] == [IDS[PUBLISHED][0]]
    listed = cli.run("cve", "list", RESERVED).stdout
    assert IDS[RESERVED][0] in listed and "reserved" in listed

    people = cli.json("coord", "participants", "list", COORDINATED)
    assert sorted(p["participant"]["party"] for p in people) == PARTIES
    shown = cli.json("coord", "embargo", "show", COORDINATED, "--zone", "Europe/Berlin")
    assert shown["state"] == "active" and shown["in_force"]
    assert dt.datetime.fromisoformat(shown["end"]) > dt.datetime.now(dt.UTC)
    assert shown["zone"] == "Asia/Shanghai"
    assert len(shown["accepted_by"]) == 3
    board = cli.json("coord", "status", "list", COORDINATED)
    assert sorted(c["status"] for c in board["cells"]) == ["affected", "fixed", "not_affected"]
    thread = cli.run("coord", "thread", "read", COORDINATED, "--thread", "shared").stdout
    assert "Status: the supplier's fix is confirmed" in thread


def test_the_api_shows_the_demo_cve_ids_and_the_coordination(api: httpx.Client) -> None:
    for case, (cve_id, state) in IDS.items():
        r = api.get(f"/api/v1/cases/{case}/cves")
        assert r.status_code == 200, r.text
        assert [(c["cve_id"], c["state"]) for c in r.json()] == [(cve_id, state)]
    base = f"/api/v1/cases/{COORDINATED}/coordination"
    r = api.get(f"{base}/participants")
    assert r.status_code == 200, r.text
    assert r.text.count('"party"') >= 3
    for party in PARTIES:
        assert f'"{party}"' in r.text
    r = api.get(f"{base}/embargo", params={"zone": "Europe/Berlin"})
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "active"
    r = api.get(f"{base}/statuses")
    assert r.status_code == 200, r.text
    assert {"affected", "fixed", "not_affected"} <= {c["status"] for c in r.json()["cells"]}
    r = api.get(f"{base}/threads/shared/messages")
    assert r.status_code == 200, r.text
    assert "Thank you all for joining" in r.text


def test_the_console_shows_the_demo_cve_ids_and_the_coordination(
    server: Server, browser: Browser
) -> None:
    page = sign_in_demo(browser, server, "analyst-cn")
    for case, (cve_id, state) in IDS.items():
        page.goto(f"{server.base}/cases/{case}#cve-ids")
        row = page.locator(f"#cve-ids tr[data-cve='{cve_id}']")
        assert row.locator(f".cve-{state}").inner_text() == state
    assert (
        "DUPLICATE: this candidate duplicates"
        in page.locator(f"#cve-ids tr[data-cve='{IDS[REJECTED][0]}']").inner_text()
    )
    page.goto(f"{server.base}/cases/{COORDINATED}/coordination")
    assert page.locator("table.participants tbody tr").count() == 3
    assert "in force" in page.locator(".embargo-state").inner_text()
    assert "Asia/Shanghai" in page.locator(".embargo-end-zone").inner_text()
    for status in ("affected", "fixed", "not_affected"):
        assert page.locator(f"table.statuses tr.status-{status}").count() == 1
    assert page.locator("table.statuses .no-answer").count() == 0
    assert page.locator("ol.thread li").count() == 2
    screenshot(page, "demo-coordination")
    close(page)


PARTICIPANT = "wang-fang-chip"  # the chip supplier's person: an outside participant's account
INTERNAL = ("/cases", f"/cases/{COORDINATED}", f"/cases/{COORDINATED}/coordination", "/audit")


def test_the_demo_participant_signs_in_and_sees_only_its_case(
    server: Server, browser: Browser
) -> None:
    """The participant row of demo-credentials.txt signs in at /login like any demo account
    and lands on its portal: the coordinated case shared with the chip supplier, its own
    answer, message and statement; the desk's pages and other cases are the missing 404."""
    lines = (Path(server.cli.env["VULNDESK_HOME"]) / "demo-credentials.txt").read_text("utf-8")
    [row] = [r.split("\t") for r in lines.splitlines() if r.startswith(PARTICIPANT + "\t")]
    assert row[1] == "participant" and row[2].startswith("outside participant: ")
    password, secret = demo_credentials(server)[PARTICIPANT]
    page = browser.new_context(locale="en-US").new_page()
    page.goto(server.base + "/login")
    page.fill("input[name=name]", PARTICIPANT)
    page.fill("input[name=password]", password)
    page.fill("input[name=totp]", fresh_code(secret))
    page.click("button[type=submit]")
    page.wait_for_url(server.base + "/shared")
    rows = page.locator("table.shared-cases tbody tr")
    assert rows.count() == 1 and COORDINATED in rows.inner_text()
    assert [a.inner_text() for a in page.locator("nav a").all()] == ["Shared cases"]
    page.goto(f"{server.base}/shared/{COORDINATED}")
    assert (
        page.locator(".shared-with").first.inner_text().startswith(f"Shared with {PARTICIPANT} (")
    )
    assert page.locator(".embargo-state").inner_text() == "active"
    private = page.locator("ol.private-thread li")
    assert private.count() == 2
    assert "release notes go to the case team" in private.nth(1).inner_text()
    mine = page.locator("ul.my-statements li").all_inner_texts()
    assert any("waiting for the case team's approval" in s for s in mine), mine
    assert page.locator("ol.shared-thread li").count() == 2
    # Nothing internal: no approve button, no other party's private thread, no desk link.
    text = page.locator("main").inner_text()
    assert "Approve" not in text and "Private: " not in text
    assert page.locator("main a[href^='/cases']").count() == 0
    screenshot(page, "demo-participant-portal")
    shown = {}
    for path in (*INTERNAL, "/shared/VD-2026-0002", "/cases/VD-2099-9999"):
        response = page.goto(server.base + path)
        assert response is not None
        shown[path] = response.status
    assert set(shown.values()) == {404}, shown
    missing = page.goto(server.base + "/cases/VD-2099-9999")
    assert missing is not None
    missing_text = missing.text()
    internal = page.goto(f"{server.base}/cases/{COORDINATED}")
    assert internal is not None
    assert internal.text().replace(COORDINATED, "K") == missing_text.replace("VD-2099-9999", "K")
    close(page)
    # The API answers the same account alike.
    with httpx.Client(base_url=server.base, timeout=60) as api:
        body = {"name": PARTICIPANT, "password": password, "totp": fresh_code(secret)}
        assert api.post("/api/v1/session", json=body).status_code == 200
        cases = api.get("/api/v1/shared/cases")
        assert [c["case"] for c in cases.json()["cases"]] == [COORDINATED]
        assert api.get(f"/api/v1/cases/{COORDINATED}").status_code == 404
        base = f"/api/v1/cases/{COORDINATED}/coordination"
        assert api.get(f"{base}/threads/shared/messages").status_code == 404
