"""The coordinator page's forms over HTTP with real sessions: need-to-know as 404, CSRF, a
refusal that names the field, and the page itself."""

from __future__ import annotations

import datetime as dt
import re

from tests.builders import open_case
from tests.e2e.test_console_advisories import _post
from tests.e2e.test_console_authz import MISSING, ConsoleWorld, cworld
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
