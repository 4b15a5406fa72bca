"""A coordinated disclosure with many parties, driven in a real browser as the desk works it.

Issue #19's scenario. The desk of a product maker (a coordinator whose account zone is
Asia/Shanghai and an approver whose account zone is Europe/Berlin) opens a case on its camera,
whose SBOM contains the upstream supplier's SDK. The Coordination page suggests the supplier,
the two downstream makers whose products' SBOMs contain the camera, and the national CSIRT,
each with its reasons; the coordinator invites all four. Statements: the supplier has fixed
its SDK, the first maker is not affected (with a VEX justification), the second maker says
nothing (the board shows "No answer since ...", never "under investigation"), the CSIRT is
investigating a hub; the approver approves them (the recorder has no Approve button), and a
later statement stays unapproved. An embargo is proposed with its end in Asia/Shanghai; the
coordinator invites the first maker's person to sign in, who joins through the one-time link
(password and authenticator code), saves Europe/Berlin as its zone and accepts in its portal
(both zones shown, to the minute, as zoneinfo computes them; the portal also in Chinese),
which the desk reads named and with the state unchanged; agreed by the approver, extended (the old end stays in the history) and
broken: the break is told in the shared thread, kept in the case's ledger, and the
participants the disclosure guard held back are named. Last, the Advisory tab's CSAF VEX
preview carries exactly the approved statuses. The coordination page is checked in Chinese.

Set-up (parties, products, SBOMs, the package URLs each party makes, the two accounts) goes
through the command line as in the other browser tests; everything else is the console.
Screenshots `coordination-scenario-<step>.png` are left among the test artifacts.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import zoneinfo
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyotp
import pytest

from tests.e2e.browser import Server, screenshot, sign_in, start_server, submit
from tests.e2e.test_console_reports import CJK, untranslated

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

SHANGHAI = "Asia/Shanghai"
BERLIN = "Europe/Berlin"
# The browsers run in a third zone: what the page shows comes from each account's own zone.
BROWSER_ZONE = "America/Sao_Paulo"
COORDINATOR = "lin-desk"  # coordinator, acme-cn, account zone Asia/Shanghai
APPROVER = "weber-desk"  # approver, acme-cn, account zone Europe/Berlin

SUPPLIER = "pearl-sdk"  # upstream supplier: its SDK is in the camera's SBOM
MAKER = "jade"  # downstream maker: its NVR's SBOM contains the camera
SILENT = "lotus"  # downstream maker: its box's SBOM contains the camera; it never answers
CSIRT = "cncert"  # the demo's national CSIRT of China, where the case is handled
CAMERA_PURL = "pkg:generic/acme/scn-cam"
PARTICIPANT_PASSWORD = "a long password of Jade's PSIRT"


@dataclass
class Scenario:
    """What the steps learn and pass on: the case, participant ids, the embargo's ends."""

    key: str = ""
    ids: dict[str, int] = field(default_factory=dict)
    account: str = ""  # the invited participant's own account
    first_end: dt.datetime | None = None
    second_end: dt.datetime | None = None


def shown(at: dt.datetime, zone: str) -> str:
    """An instant as the desk must show it: `2027-03-10 09:00 CST (Asia/Shanghai, UTC+08:00)`."""
    local = at.astimezone(zoneinfo.ZoneInfo(zone))
    offset = local.utcoffset() or dt.timedelta()
    sign = "-" if offset < dt.timedelta() else "+"
    hours, rest = divmod(abs(int(offset.total_seconds())), 3600)
    return (
        f"{local:%Y-%m-%d %H:%M} {local.tzname()} ({zone}, UTC{sign}{hours:02d}:{rest // 60:02d})"
    )


def _sbom(home: Path, name: str, purls: list[str]) -> str:
    path = home / f"{name}.cdx.json"
    components = [{"type": "library", "name": p.rsplit("/", 1)[1], "purl": p} for p in purls]
    path.write_text(
        json.dumps(
            {"bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1, "components": components}
        )
    )
    return str(path)


def reference_data(srv: Server, home: Path) -> None:
    """Parties, products, their SBOMs and the package URLs each party makes; two accounts."""
    cli = srv.cli
    for party, name, kind in (
        (SUPPLIER, "Pearl SDK Co.", "upstream_supplier"),
        (MAKER, "Jade Devices", "downstream_maker"),
        (SILENT, "Lotus Systems", "downstream_maker"),
    ):
        cli.run("party", "add", party, "--name", name, "--kind", kind, "--country", "CN")
    for pid, vendor, name, version, purl, extra in (
        ("scn-cam", "Acme", "Scenario camera", "1.0", CAMERA_PURL, ["--supplier", SUPPLIER]),
        ("pearl-sdk", "Pearl SDK Co.", "Pearl SDK", "2.0.3", "pkg:generic/pearl/pearl-sdk", []),
        ("jade-nvr", "Jade Devices", "Jade NVR", "3.1", "pkg:generic/jade/jade-nvr", []),
        ("lotus-box", "Lotus Systems", "Lotus box", "7.0", "pkg:generic/lotus/lotus-box", []),
        ("scn-hub", "Acme", "Scenario hub", "2.2", "pkg:generic/acme/scn-hub", []),
    ):
        cli.run("product", "add", pid, "--vendor", vendor, "--name", name, "--model", pid,
                "--version", version, "--market", "CN", "--purl", purl, *extra)  # fmt: skip
    for pid, version, inside in (
        ("scn-cam", "1.0", "pkg:generic/pearl/pearl-sdk@2.0.3"),
        ("jade-nvr", "3.1", f"{CAMERA_PURL}@1.0"),
        ("lotus-box", "7.0", f"{CAMERA_PURL}@1.0"),
    ):
        cli.run("import", "sbom", pid, _sbom(home, pid, [inside]), "--version", version)
    for party, purl in (
        (SUPPLIER, "pkg:generic/pearl/pearl-sdk"),
        (MAKER, "pkg:generic/jade/jade-nvr"),
        (SILENT, "pkg:generic/lotus/lotus-box"),
    ):
        cli.run("coord", "party-purls", party, "--purl", purl)
    srv.add_user(COORDINATOR, "coordinator", "acme-cn")
    srv.add_user(APPROVER, "approver", "acme-cn")


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    home = tmp_path_factory.mktemp("coordination-scenario")
    srv = start_server(home)
    reference_data(srv, home)
    yield srv
    srv.stop()


def person(browser: Browser, srv: Server, user: str, zone: str, locale: str = "en-US") -> Page:
    """A desk person's browser, signed in, with the account's own zone saved on /account."""
    page = browser.new_context(locale=locale, timezone_id=BROWSER_ZONE).new_page()
    sign_in(page, srv, user)
    page.goto(srv.base + "/account")
    page.fill("#preferences input[name=timezone]", zone)
    submit(page, "#preferences button[type=submit]")
    assert page.url.endswith("/account?saved=1")
    assert zone in page.locator("footer").inner_text()
    return page


def coordination(page: Page, srv: Server, key: str) -> None:
    page.goto(f"{srv.base}/cases/{key}/coordination")


def embargo_step(page: Page, action: str, reason: str, **fields: str) -> None:
    form = page.locator(".embargo-form")
    form.locator("select[name=action]").select_option(action)
    for name, value in fields.items():
        form.locator(f"input[name={name}]").fill(value)
    form.locator("input[name=reason]").fill(reason)
    submit(page, form.locator("button[type=submit]"))


def event_ends(page: Page) -> list[str]:
    cells = page.locator("table.embargo-events td.event-end").all_inner_texts()
    return [c.strip() for c in cells if c.strip()]


# 1. The case, whom to invite and why, the invitations.
def open_case(page: Page, srv: Server, s: Scenario) -> None:
    page.goto(srv.base + "/cases/new")
    page.fill("input[name=title]", "Heap overflow in the camera's Pearl SDK video decoder")
    page.select_option("select[name=unit]", "acme-cn")
    page.fill("input[name=products]", "scn-cam: 1.0")
    page.fill("input[name=cwe]", "CWE-122")
    submit(page, "form[action='/cases/new'] button[type=submit]")
    s.key = page.url.rsplit("/", 1)[1]
    assert re.fullmatch(r"VD-\d{4}-\d{4}", s.key), page.url
    # The approver is a member: approvers see only the cases they are staffed on.
    page.fill("#members form.card input[name=user]", APPROVER)
    submit(page, "#members form.card button[type=submit]")
    assert APPROVER in page.locator("#members ul.members").inner_text()
    submit(page, f"a[href='/cases/{s.key}/coordination']")
    assert page.locator("main > h1").inner_text().startswith("Coordination")


def suggested(page: Page) -> dict[tuple[str, str], str]:
    rows = page.locator("table.suggestions tbody tr")
    return {
        (r.get_attribute("data-party") or "", r.get_attribute("data-role") or ""): r.locator(
            "ul.reasons"
        ).inner_text()
        for r in rows.all()
    }


def suggestions_and_invitations(page: Page, s: Scenario) -> None:
    found = suggested(page)
    assert "named supplier of scn-cam (Scenario camera)" in found[SUPPLIER, "upstream_supplier"]
    for party, product, version in ((MAKER, "jade-nvr", "3.1"), (SILENT, "lotus-box", "7.0")):
        reasons = found[party, "downstream_maker"]
        assert f"the SBOM of {product} {version} contains {CAMERA_PURL}@1.0" in reasons, reasons
    assert "a CSIRT of CN, where the case is handled" in found[CSIRT, "coordinator"]
    screenshot(page, "coordination-scenario-1-suggestions")
    for party, role, people in (
        (SUPPLIER, "upstream_supplier", "Wang Fang <psirt@pearl.example>"),
        (MAKER, "downstream_maker", "Jonas Keller <psirt@jade.example>"),
        (SILENT, "downstream_maker", "security@lotus.example"),
        (CSIRT, "coordinator", "Vulnerability coordination <vuln@cncert.example>"),
    ):
        form = page.locator(".invite-form")
        form.locator("input[name=party]").fill(party)
        form.locator("select[name=role]").select_option(role)
        form.locator("textarea[name=people]").fill(people)
        submit(page, form.locator("button[type=submit]"))
        assert "done=invited" in page.url
        row = page.locator("table.participants tbody tr", has_text=f"{party}")
        assert row.count() == 1 and people.split(" <")[0] in row.inner_text()
        s.ids[party] = int(row.locator("td").first.inner_text())
    assert page.locator("table.participants tbody tr").count() == 4
    # Invited parties are marked so among the suggestions.
    invited = page.locator("table.suggestions tbody tr td.invited").all_inner_texts()
    assert invited.count("invited") == 4


# 2. What each says; the second person approves; the silent vendor stays silent.
def record(page: Page, s: Scenario, party: str, product: str, status: str, said: str,
           justification: str = "", fixed: str = "") -> None:  # fmt: skip
    form = page.locator(".status-form")
    form.locator("select[name=participant]").select_option(str(s.ids[party]))
    form.locator("input[name=product]").fill(product)
    form.locator("select[name=status]").select_option(status)
    form.locator("select[name=justification]").select_option(justification)
    form.locator("input[name=fixed]").fill(fixed)
    form.locator("textarea[name=statement]").fill(said)
    submit(page, form.locator("button[type=submit]"))
    assert "done=recorded" in page.url


def cell(page: Page, party: str, product: str) -> Any:
    rows = page.locator("table.statuses tbody tr").filter(
        has=page.locator(f"td:text-is('{party}')")
    )
    return rows.filter(has=page.locator(f"code:text-is('{product}')"))


def statements(coordinator: Page, approver: Page, srv: Server, s: Scenario) -> None:
    record(coordinator, s, SUPPLIER, "pearl-sdk", "fixed", "Fixed in SDK 2.0.4, out today",
           fixed="2.0.4")  # fmt: skip
    record(coordinator, s, MAKER, "jade-nvr", "not_affected",
           "Our NVR never decodes camera streams with the SDK",
           justification="vulnerable_code_not_in_execute_path")  # fmt: skip
    record(coordinator, s, CSIRT, "scn-hub", "under_investigation",
           "Operators report hubs with the same SDK; we are checking")  # fmt: skip
    # The recorder cannot approve what they recorded: no button for them.
    assert coordinator.locator("table.statuses form[action$='/approval']").count() == 0
    assert (
        cell(coordinator, SUPPLIER, "pearl-sdk")
        .locator("td")
        .nth(3)
        .inner_text()
        .startswith("fixed · " + COORDINATOR)
    )
    screenshot(coordinator, "coordination-scenario-2-recorded")

    coordination(approver, srv, s.key)
    buttons = approver.locator("table.statuses form[action$='/approval'] button")
    assert buttons.count() == 3
    for _ in range(3):
        submit(approver, approver.locator("table.statuses form[action$='/approval'] button").first)
        assert "done=approved" in approver.url
    assert "fixed in 2.0.4" in cell(approver, SUPPLIER, "pearl-sdk").inner_text()
    not_affected = cell(approver, MAKER, "jade-nvr")
    assert not_affected.get_attribute("class") == "status-not_affected"
    assert "the vulnerable code is not in the execute path" in not_affected.inner_text()
    investigating = cell(approver, CSIRT, "scn-hub")
    assert investigating.get_attribute("class") == "status-under_investigation"
    assert investigating.locator("td").nth(2).inner_text() == "under investigation"

    # The silent vendor: "no answer since" its invitation, never "under investigation".
    silent = cell(approver, SILENT, CAMERA_PURL)
    assert silent.get_attribute("class") == "status-no_answer"
    text = silent.locator(".no-answer").inner_text()
    assert text.startswith("No answer since ") and "under investigation" not in text
    invited = approver.locator("table.participants tbody tr", has_text=SILENT).locator("td").nth(4)
    assert text.removeprefix("No answer since ") == invited.inner_text()

    # A later statement nobody approved yet: beside the approved status, never as it.
    record(coordinator, s, MAKER, "jade-nvr", "affected", "Retracted: the NVR 3.1 does decode")
    pending = cell(coordinator, MAKER, "jade-nvr")
    assert pending.get_attribute("class") == "status-not_affected"
    assert pending.locator("td").nth(3).inner_text() == f"affected · {COORDINATOR}"
    screenshot(approver, "coordination-scenario-2-approved")


# 3. The embargo: proposed in Shanghai, accepted from Berlin, agreed, extended, broken.
def propose(page: Page, s: Scenario) -> None:
    now = dt.datetime.now(zoneinfo.ZoneInfo(SHANGHAI))
    day = (now + dt.timedelta(days=30)).date()
    s.first_end = dt.datetime.combine(day, dt.time(9, 0), zoneinfo.ZoneInfo(SHANGHAI))
    embargo_step(page, "propose", "Pearl SDK needs two weeks for the OEMs' firmware",
                 end=f"{day.isoformat()}T09:00", zone=SHANGHAI)  # fmt: skip
    assert "done=embargo" in page.url
    assert page.locator(".embargo-state").inner_text() == "proposed"
    assert page.locator(".embargo-pending-zone").inner_text() == shown(s.first_end, SHANGHAI)
    assert page.locator(".embargo-pending-viewer").inner_text() == shown(s.first_end, SHANGHAI)


def invite_to_sign_in(coordinator: Page, srv: Server, s: Scenario, party: str) -> str:
    """The case writer presses "Invite to sign in" beside the party's person: the one-time
    link is shown once. Returns the link's path (the desk's public URL is its own setting)."""
    coordination(coordinator, srv, s.key)
    row = coordinator.locator("table.participants tbody tr", has_text=party)
    submit(coordinator, row.locator("form.invite-person button[type=submit]").first)
    notice = coordinator.locator(".notice.invitation")
    named = re.match(r"(\S+) may now join", notice.inner_text())
    assert named, notice.inner_text()
    s.account = named.group(1)
    link = coordinator.locator("code.join-link").inner_text().strip()
    assert re.fullmatch(r"https?://\S+/join/\S+", link), link
    assert f"invited as {s.account}; not joined yet" in row.inner_text()
    screenshot(coordinator, "coordination-scenario-3-invited-to-sign-in")
    # Shown once: the page read again has no link.
    coordination(coordinator, srv, s.key)
    assert coordinator.locator("code.join-link").count() == 0
    return "/join/" + link.rsplit("/join/", 1)[1]


def join(browser: Browser, srv: Server, s: Scenario, path: str) -> Page:
    """The participant opens the link in a browser of its own, sets a password and its
    authenticator app, and lands on its shared cases."""
    page = browser.new_context(locale="en-US", timezone_id=BROWSER_ZONE).new_page()
    page.goto(srv.base + path)
    assert s.key in page.locator("main > h1").inner_text()
    assert f"Your account is {s.account}." in page.locator("main").inner_text()
    secret = page.locator("code.totp-secret").inner_text().strip()
    page.fill(".join-form input[name=code]", pyotp.TOTP(secret).now())
    page.fill(".join-form input[name=password]", PARTICIPANT_PASSWORD)
    page.fill(".join-form input[name=password_again]", PARTICIPANT_PASSWORD)
    submit(page, ".join-form button[type=submit]")
    assert page.url == srv.base + "/shared", page.url
    assert page.locator(f"a[href='/shared/{s.key}']").count() == 1
    return page


def accept_from_berlin(
    browser: Browser, coordinator: Page, srv: Server, s: Scenario, participant: str
) -> Page:
    """A participant accepts the proposed embargo from Europe/Berlin in its own portal.

    Invited to sign in from the coordination page, it joins through the one-time link, saves
    its zone on /account, reads the proposed end in the embargo's zone and its own, and
    accepts; the desk reads the acceptance, named, and the state unchanged.
    """
    path = invite_to_sign_in(coordinator, srv, s, participant)
    berlin = join(browser, srv, s, path)
    berlin.goto(srv.base + "/account")
    berlin.fill("#preferences input[name=timezone]", BERLIN)
    submit(berlin, "#preferences button[type=submit]")
    assert berlin.url.endswith("/account?saved=1")
    assert BERLIN in berlin.locator("footer").inner_text()

    berlin.goto(f"{srv.base}/shared/{s.key}")
    assert s.first_end is not None
    assert berlin.locator(".embargo-state").inner_text() == "proposed"
    # Both zones, exactly: the embargo's own and the participant's.
    assert berlin.locator(".embargo-end-zone").inner_text() == shown(s.first_end, SHANGHAI)
    assert berlin.locator(".embargo-end-mine").inner_text() == shown(s.first_end, BERLIN)
    # What the desk keeps to itself stays there: its people, its unit, others' statements.
    text = berlin.locator("main").inner_text()
    for internal in (COORDINATOR, APPROVER, "acme-cn", "Fixed in SDK 2.0.4", "Operators report"):
        assert internal not in text, internal
    assert f"Shared with {s.account} (Jade Devices)" in text
    # The approved statuses name each party as it is called, not by the desk's id for it.
    parties = berlin.locator("table.statuses tbody tr td:first-child").all_inner_texts()
    assert "Pearl SDK Co." in parties and SUPPLIER not in parties, parties
    screenshot(berlin, "coordination-scenario-3-portal-berlin")
    portal_in_chinese(browser, srv, s, berlin)

    form = berlin.locator("form.embargo-answer")
    form.locator("select[name=answer]").select_option("accept")
    form.locator("input[name=reason]").fill("Jade agrees on its call from Berlin")
    submit(berlin, form.locator("button[type=submit]"))
    assert berlin.url.endswith(f"/shared/{s.key}?done=answered"), berlin.url
    assert "You accepted it." in berlin.locator("#embargo").inner_text()
    assert berlin.locator(".embargo-state").inner_text() == "proposed"
    screenshot(berlin, "coordination-scenario-3-accepted-from-berlin")

    # The desk reads the acceptance: the participant (its party) and its account as who.
    coordination(coordinator, srv, s.key)
    assert coordinator.locator(".embargo-state").inner_text() == "proposed"
    last = coordinator.locator("table.embargo-events tbody tr").last.locator("td")
    assert last.nth(1).inner_text() == "accepted"
    assert last.nth(2).inner_text() == s.account
    assert last.nth(3).inner_text() == participant
    assert last.nth(5).inner_text() == "Jade agrees on its call from Berlin"
    return berlin


def portal_in_chinese(browser: Browser, srv: Server, s: Scenario, participant: Page) -> None:
    """The participant's case page in Simplified Chinese, in the same session."""
    context = browser.new_context(
        locale="zh-CN", timezone_id=BROWSER_ZONE, storage_state=participant.context.storage_state()
    )
    page = context.new_page()
    page.goto(f"{srv.base}/shared/{s.key}")
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert untranslated(page, "main h2, main th, main label, main dt", set()) == []
    assert s.first_end is not None
    # Embargo instants are not translated: the zone names stay as they are.
    assert page.locator(".embargo-end-zone").inner_text() == shown(s.first_end, SHANGHAI)
    assert page.locator(".embargo-end-mine").inner_text() == shown(s.first_end, BERLIN)
    screenshot(page, "coordination-scenario-3-portal-zh-CN")
    context.close()


def agree(approver: Page, s: Scenario) -> None:
    """The case team's second person makes the embargo active."""
    embargo_step(approver, "accept", "Every participant who answered agreed")
    assert s.first_end is not None
    assert approver.locator(".embargo-state").inner_text() == "active · in force"
    assert approver.locator(".embargo-end-zone").inner_text() == shown(s.first_end, SHANGHAI)
    assert approver.locator(".embargo-end-viewer").inner_text() == shown(s.first_end, BERLIN)


def extend(coordinator: Page, approver: Page, srv: Server, s: Scenario) -> None:
    assert s.first_end is not None
    s.second_end = s.first_end + dt.timedelta(days=14)
    coordination(coordinator, srv, s.key)
    embargo_step(coordinator, "extend", "The OEM firmware slips two weeks",
                 end=f"{s.second_end:%Y-%m-%dT%H:%M}", zone=SHANGHAI)  # fmt: skip
    assert coordinator.locator(".embargo-state").inner_text() == "being revised · in force"
    # While the extension is decided the old end stays in force.
    assert coordinator.locator(".embargo-end-zone").inner_text() == shown(s.first_end, SHANGHAI)
    assert coordinator.locator(".embargo-pending-zone").inner_text() == shown(
        s.second_end, SHANGHAI
    )
    coordination(approver, srv, s.key)
    embargo_step(approver, "accept", "Extension agreed with every participant")
    assert approver.locator(".embargo-state").inner_text() == "active · in force"
    assert approver.locator(".embargo-end-zone").inner_text() == shown(s.second_end, SHANGHAI)
    assert approver.locator(".embargo-end-viewer").inner_text() == shown(s.second_end, BERLIN)
    # The history keeps the old end beside the new one.
    assert event_ends(approver) == [shown(s.first_end, SHANGHAI), shown(s.second_end, SHANGHAI)]
    screenshot(approver, "coordination-scenario-3-extended")


def embargo_break(coordinator: Page, srv: Server, s: Scenario) -> None:
    coordination(coordinator, srv, s.key)
    seen = dt.datetime.now(zoneinfo.ZoneInfo(SHANGHAI)).replace(second=0, microsecond=0)
    seen -= dt.timedelta(hours=2)
    where = "https://forum.example/t/pearl-sdk-decoder-overflow"
    embargo_step(coordinator, "break", "Seen by our analyst on a public forum",
                 where=where, seen_at=seen.isoformat())  # fmt: skip
    assert coordinator.locator(".embargo-state").inner_text() == "exited"
    last = coordinator.locator("table.embargo-events tbody tr").last.inner_text()
    assert "broken" in last and COORDINATOR in last and where in last
    assert f"{seen:%Y-%m-%d %H:%M}" in last  # when it was seen, in the coordinator's zone
    # Everyone reads it in the shared thread: where, when, who.
    message = coordinator.locator("#threads ol.thread li").last.inner_text()
    assert f"The embargo on {s.key} was broken: seen at {where}" in message
    assert f"on {seen.isoformat()}, reported by {COORDINATOR}" in message
    # The disclosure guard holds back a CSIRT until two approvers released what it may get
    # (RMSV 9, two-person approval): the page names it and why, it is not silently skipped.
    not_told = coordinator.locator(".not-told li")
    assert not_told.count() == 1
    assert not_told.first.get_attribute("data-participant") == str(s.ids[CSIRT])
    assert "two different people's approval" in not_told.first.inner_text()
    screenshot(coordinator, "coordination-scenario-3-broken")

    # The case's ledger keeps what each told participant received.
    coordinator.goto(f"{srv.base}/cases/{s.key}#ledger")
    told = {
        r.locator("td").nth(2).inner_text(): r.locator("td").nth(1).inner_text()
        for r in coordinator.locator("#ledger table.ledger tbody tr[data-entry]").all()
    }
    assert told == {SUPPLIER: "Coordination", MAKER: "Coordination", SILENT: "Coordination"}, told


# 4. The advisory's VEX from the approved statuses.
def csaf_ids(node: Any, out: dict[str, str]) -> dict[str, str]:
    """product_id -> purl of every leaf of a CSAF product tree."""
    if isinstance(node, dict):
        product = node.get("product")
        if isinstance(product, dict) and "product_id" in product:
            helper = product.get("product_identification_helper", {})
            out[product["product_id"]] = helper.get("purl", product.get("name", ""))
        for value in node.values():
            csaf_ids(value, out)
    elif isinstance(node, list):
        for value in node:
            csaf_ids(value, out)
    return out


def advisory(page: Page, srv: Server, s: Scenario) -> None:
    page.goto(f"{srv.base}/cases/{s.key}")
    submit(page, f"#advisory a[href='/cases/{s.key}/advisory']")
    # The first draft's form already holds the approved statuses the draft will carry.
    form_statuses = page.locator("textarea[name=statuses]").input_value().splitlines()
    assert form_statuses == [
        "scn-cam:1.0:known_affected",
        "pearl-sdk:2.0.4:fixed",
        "jade-nvr:3.1:known_not_affected",
        "scn-hub:2.2:under_investigation",
    ], form_statuses
    page.fill("input[name=title]", "Scenario camera: heap overflow in the SDK video decoder")
    page.fill("textarea[name=summary]", "A crafted video stream overflows the SDK's decoder.")
    page.fill("input[name=cwe_name]", "Heap-based Buffer Overflow")
    page.fill("textarea[name=remediation]", "Update the camera once firmware with SDK 2.0.4 ships.")
    page.fill("textarea[name=workaround]", "Accept video streams from trusted sources only.")
    submit(page, "#save-advisory")
    assert page.url.endswith("?done=drafted#history")
    submit(page, ".advisory-formats >> text=CSAF VEX")
    region = page.locator("pre.advisory-preview")
    assert region.count() == 1, page.locator(".warning, .refusal").all_inner_texts()
    doc = json.loads(region.inner_text())
    purls = csaf_ids(doc["product_tree"], {})
    [vulnerability] = doc["vulnerabilities"]
    states = {
        state: sorted(purls[pid] for pid in ids)
        for state, ids in vulnerability["product_status"].items()
    }
    assert states == {
        "known_affected": [f"{CAMERA_PURL}@1.0"],
        "fixed": ["pkg:generic/pearl/pearl-sdk@2.0.4"],
        "known_not_affected": ["pkg:generic/jade/jade-nvr@3.1"],
        "under_investigation": ["pkg:generic/acme/scn-hub@2.2"],
    }, states
    flags = {f["label"]: sorted(purls[p] for p in f["product_ids"]) for f in vulnerability["flags"]}
    assert flags == {"vulnerable_code_not_in_execute_path": ["pkg:generic/jade/jade-nvr@3.1"]}
    text = json.dumps(doc)
    # Neither the silent vendor's product nor the unapproved "affected" statement is in it.
    assert "lotus" not in text and "no_answer" not in text
    assert "Retracted" not in text
    screenshot(page, "coordination-scenario-4-advisory-vex")


# The coordination page in Simplified Chinese.
def in_chinese(browser: Browser, srv: Server, s: Scenario) -> None:
    page = browser.new_context(locale="zh-CN", timezone_id=BROWSER_ZONE).new_page()
    sign_in(page, srv, COORDINATOR)
    coordination(page, srv, s.key)
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert page.locator("main > h1").inner_text().startswith("协调披露")
    assert untranslated(page, "main h2, main th, main label", {"#"}) == []
    assert page.locator("#h-suggestions").inner_text() == "建议邀请的参与方"
    assert page.locator(".embargo-state").inner_text() == "已结束"
    silent = cell(page, SILENT, CAMERA_PURL).locator(".no-answer").inner_text()
    assert silent.startswith("未答复，自")
    assert cell(page, CSIRT, "scn-hub").locator("td").nth(2).inner_text() == "调查中"
    assert CJK.search(cell(page, MAKER, "jade-nvr").inner_text())
    # Embargo instants are not translated: the zone names stay as they are.
    assert event_ends(page)[0].endswith(f"({SHANGHAI}, UTC+08:00)")
    screenshot(page, "coordination-scenario-zh-CN")
    page.context.close()


def test_a_case_coordinated_with_a_supplier_two_makers_and_a_csirt(
    desk: Server, browser: Browser
) -> None:
    s = Scenario()
    coordinator = person(browser, desk, COORDINATOR, SHANGHAI)
    open_case(coordinator, desk, s)
    suggestions_and_invitations(coordinator, s)
    approver = person(browser, desk, APPROVER, BERLIN)
    statements(coordinator, approver, desk, s)

    coordination(coordinator, desk, s.key)
    propose(coordinator, s)
    # Step "accepted from Europe/Berlin": the participant in its own portal.
    berlin = accept_from_berlin(browser, coordinator, desk, s, MAKER)
    berlin.context.close()
    coordination(approver, desk, s.key)
    agree(approver, s)
    extend(coordinator, approver, desk, s)
    embargo_break(coordinator, desk, s)

    advisory(coordinator, desk, s)
    in_chinese(browser, desk, s)
    for page in (coordinator, approver):
        page.context.close()
