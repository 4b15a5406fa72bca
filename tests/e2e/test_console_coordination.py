"""The coordinator page's forms over HTTP with real sessions: need-to-know as 404, CSRF, a
refusal that names the field, and the page itself."""

from __future__ import annotations

from tests.e2e.test_console_advisories import _post
from tests.e2e.test_console_authz import MISSING, ConsoleWorld, cworld
from vulndesk.domain import watermark as wm

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
