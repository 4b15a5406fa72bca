"""The coordinator page's forms over HTTP with real sessions: need-to-know as 404, CSRF, a
refusal that names the field, and the page itself."""

from __future__ import annotations

import datetime as dt
import re

from tests.builders import open_case
from tests.e2e.test_console_advisories import _post
from tests.e2e.test_console_authz import MISSING, ConsoleWorld, cworld
from vulndesk.domain import watermark as wm
from vulndesk.services.cases import reference

__all__ = ["cworld"]


def test_the_coordinator_page_and_its_forms(cworld: ConsoleWorld) -> None:
    own, client = cworld.keys["own"], cworld.world.client
    page = client.get(f"/cases/{own}/coordination", headers=cworld.cookies["analyst"])
    assert page.status_code == 200, page.text
    assert "Embargo" in page.text
    for key in (cworld.keys["foreign"], MISSING):
        hidden = client.get(f"/cases/{key}/coordination", headers=cworld.cookies["analyst"])
        assert hidden.status_code == 404
    no_csrf = client.post(
        f"/cases/{own}/coordination/participants",
        headers=cworld.cookies["analyst"],
        data={"party": "openssl", "role": "upstream_supplier", "people": "a@o.example"},
        follow_redirects=False,
    )
    assert no_csrf.status_code == 403
    form = {"party": "openssl", "role": "upstream_supplier", "people": "Ann <a@o.example>"}
    done = _post(cworld, "analyst", f"/cases/{own}/coordination/participants", form)
    assert done.status_code == 303
    bad = _post(
        cworld, "analyst", f"/cases/{own}/coordination/embargo",
        {"action": "propose", "end": "2030-01-01T09:00", "zone": "CST", "reason": "x"},
    )  # fmt: skip
    assert bad.status_code == 422 and "IANA" in bad.text
    shown = client.get(f"/cases/{own}/coordination", headers=cworld.cookies["analyst"])
    assert "Ann &lt;a@o.example&gt;" in shown.text and "No answer since" in shown.text


def test_private_threads_show_unread_counts_and_reading_marks_them(cworld: ConsoleWorld) -> None:
    own, client = cworld.keys["own"], cworld.world.client
    form = {"party": "openssl", "role": "upstream_supplier", "people": "Ann <a@o.example>"}
    assert (
        _post(cworld, "analyst", f"/cases/{own}/coordination/participants", form).status_code == 303
    )
    page = client.get(f"/cases/{own}/coordination", headers=cworld.cookies["analyst"]).text
    # the participant just invited is the newest (the world has one of its own already)
    pid = str(max(int(t) for t in re.findall(rf"/cases/{own}/coordination\?thread=(\d+)#", page)))
    posted = _post(
        cworld, "analyst", f"/cases/{own}/coordination/threads",
        {"thread": pid, "body": "Please <b>confirm</b>, @coordinator"},
    )  # fmt: skip
    assert posted.status_code == 303
    assert posted.headers["location"].endswith(f"done=posted&thread={pid}#threads")
    boss = cworld.cookies["coordinator"]
    seen = client.get(f"/cases/{own}/coordination", headers=boss).text
    assert '<strong class="unread">1 unread</strong>' in seen
    zh = client.get(f"/cases/{own}/coordination", headers={**boss, "Accept-Language": "zh-CN"})
    assert "1 条未读" in zh.text
    thread = client.get(f"/cases/{own}/coordination?thread={pid}", headers=boss).text
    assert "Please &lt;b&gt;confirm&lt;/b&gt;" in thread and 'aria-current="page"' in thread
    assert '<mark class="mention">@coordinator</mark>' in thread
    after = client.get(f"/cases/{own}/coordination", headers=boss).text
    assert "unread" not in after.split('id="statuses"')[0]
    # The author never has their own message unread; a thread not of the case is refused.
    mine = client.get(f"/cases/{own}/coordination", headers=cworld.cookies["analyst"]).text
    assert 'class="unread"' not in mine
    bad = client.get(f"/cases/{own}/coordination?thread=999", headers=boss)
    assert bad.status_code == 422 and "participant" in bad.text


def test_downloads_are_watermarked_and_a_leaked_copy_is_traced(cworld: ConsoleWorld) -> None:
    own, client = cworld.keys["own"], cworld.world.client
    participant = cworld.keys["pown"]
    page = client.get(f"/cases/{own}/coordination", headers=cworld.cookies["analyst"])
    link = f"/cases/{own}/coordination/participants/{participant}/download?format=text"
    assert link.replace("&", "&amp;") in page.text or link in page.text
    assert 'href="/coordination/trace"' in page.text
    got = client.get(link, headers=cworld.cookies["analyst"])
    assert got.status_code == 200 and "attachment" in got.headers["content-disposition"]
    copy = got.text
    assert wm.clean(copy).startswith("Shared with a@nvdb.example (nvdb) on ")
    as_json = client.get(link.replace("text", "json"), headers=cworld.cookies["analyst"])
    assert as_json.json()["watermark"]["ref"] in as_json.headers["content-disposition"]
    bad = client.get(
        f"/cases/{own}/coordination/participants/999999/download",
        headers=cworld.cookies["analyst"],
    )
    assert bad.status_code == 422 and "participant" in bad.text

    form = client.get("/coordination/trace", headers=cworld.cookies["analyst"])
    assert form.status_code == 200 and "Trace a leaked copy" in form.text
    cut = "\n".join(copy.splitlines()[2:])  # the visible line removed
    traced = _post(cworld, "analyst", "/coordination/trace", {"text": cut})
    assert traced.status_code == 200
    ref = wm.refs_in(copy)[0]
    assert ref in traced.text and "a@nvdb.example" in traced.text
    assert "the invisible mark" in traced.text
    # an analyst who is no member of the case: the same answer as for a text with no mark
    outsider = _post(cworld, "outsider", "/coordination/trace", {"text": cut})
    plain = _post(cworld, "outsider", "/coordination/trace", {"text": "nothing marked"})
    assert outsider.status_code == plain.status_code == 200
    assert "No watermark found." in outsider.text and ref not in outsider.text
    empty = _post(cworld, "analyst", "/coordination/trace", {"text": " "})
    assert empty.status_code == 422 and "paste the leaked copy" in empty.text
    zh = {**cworld.cookies["analyst"], "Accept-Language": "zh-CN"}
    shown = client.get("/coordination/trace", headers=zh)
    assert "追查泄露的副本" in shown.text


def test_suggestions_first_draft_statuses_asked_ends_and_who_a_break_did_not_tell(
    cworld: ConsoleWorld,
) -> None:
    """The page says whom to invite and why; the advisory's first-draft form shows the approved
    coordinated statuses it will store; each proposal keeps its end in the history; a break
    names the participants the disclosure guard kept it from."""
    w, client = cworld.world, cworld.world.client
    deps = w.container.deps()
    reference.add_party(
        deps, w.admin_actor, id="cn-csirt", name="CN CSIRT", kind="csirt", country="CN"
    )
    key = open_case(deps, w.admin_actor, title="Coordinated", members=["analyst", "approver"]).key
    base = f"/cases/{key}/coordination"
    page = client.get(base, headers=cworld.cookies["analyst"]).text
    assert "Whom to invite" in page
    assert re.search(r'data-party="openssl" data-role="upstream_supplier">.*?named supplier '
                     r"of router", page, re.DOTALL)  # fmt: skip
    assert re.search(
        r'data-party="cn-csirt" data-role="coordinator">.*?a CSIRT of CN', page, re.DOTALL
    )
    for party, role in (("openssl", "upstream_supplier"), ("cn-csirt", "coordinator")):
        form = {"party": party, "role": role, "people": f"psirt@{party}.example"}
        assert _post(cworld, "analyst", f"{base}/participants", form).status_code == 303
    with deps.reader() as uow:
        supplier, csirt = (p.id for p in uow.coordination.participants(key))
    said = {"participant": supplier, "product": "cloud", "status": "not_affected",
            "justification": "component_not_present", "statement": "no openssl in the cloud"}  # fmt: skip
    assert _post(cworld, "analyst", f"{base}/statuses", said).status_code == 303
    page = client.get(base, headers=cworld.cookies["approver"]).text
    approval = re.search(r'action="(/cases/[^"]+/statuses/\d+/approval)"', page)
    assert approval and _post(cworld, "approver", approval.group(1), {}).status_code == 303
    # The first draft's form shows the coordinated status: saving it untouched stores it.
    advisory = client.get(f"/cases/{key}/advisory", headers=cworld.cookies["analyst"]).text
    assert "cloud:live:known_not_affected" in advisory

    for step in (
        {"action": "propose", "end": "2030-03-10T09:00", "zone": "Asia/Shanghai", "reason": "a"},
        {"action": "accept", "reason": "agreed"},
        {"action": "extend", "end": "2030-04-10T09:00", "zone": "Asia/Shanghai", "reason": "b"},
    ):
        assert _post(cworld, "analyst", f"{base}/embargo", step).status_code == 303
    page = client.get(base, headers=cworld.cookies["analyst"]).text
    ends = re.findall(r'<td class="event-end"><span translate="no">([^<]+)</span>', page)
    assert ends == [
        "2030-03-10 09:00 CST (Asia/Shanghai, UTC+08:00)",
        "2030-04-10 09:00 CST (Asia/Shanghai, UTC+08:00)",
    ]
    broken = _post(cworld, "analyst", f"{base}/embargo", {
        "action": "break", "where": "https://forum.example/t/1",
        "seen_at": (w.clock.now() - dt.timedelta(hours=1)).isoformat(),
        "reason": "seen by our analyst",
    })  # fmt: skip
    # The CSIRT needs a release decision two people approved: named, not silently skipped.
    assert broken.status_code == 200, broken.text
    not_told = re.search(
        r'<div class="error not-told" role="alert">(.*?)</div>', broken.text, re.DOTALL
    )
    assert not_told and f'data-participant="{csirt}"' in not_told.group(1)
    assert "two different people" in not_told.group(1)
    assert f'data-participant="{supplier}"' not in not_told.group(1)
    with deps.reader() as uow:
        told = {e.entry.recipient for e in uow.ledger.list(key)}
    assert "openssl" in told and "cn-csirt" not in told
