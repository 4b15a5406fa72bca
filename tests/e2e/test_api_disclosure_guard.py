"""The disclosure guard over HTTP: a refused ledger record, a publication decision needing two people."""

from __future__ import annotations

from tests.e2e.test_api_reports_flow import _second_approver, get, post
from tests.e2e.test_api_support import World, world
from vulndesk.services.cases import reference

__all__ = ["world"]


def test_ledger_record_to_a_foreign_csirt_is_refused_naming_the_checks(world: World) -> None:
    reference.add_party(
        world.container.deps(), world.admin_actor, id="certbund", name="CERT-Bund",
        kind="csirt", country="DE",
    )  # fmt: skip
    case = world.own
    said = {
        "recipient": "certbund",
        "kind": "other",
        "at": world.clock.now().isoformat(),
        "said": "walked them through the parser flaw",
        "channel": "meeting",
        "fields": ["technical_characteristics"],
    }
    r = post(world, "analyst", f"/api/v1/cases/{case}/ledger", said)
    assert r.status_code == 409, r.text
    message = r.json()["error"]["message"]
    assert "cross-border" in message and "RMSV Art. 9(7)" in message and "two-person" in message
    assert "decisions" in message  # where to record the decision that lifts it
    assert get(world, "auditor", "/api/v1/ledger", case=case).json() == []


def test_publication_decision_takes_effect_with_the_second_approver(world: World) -> None:
    _second_approver(world)
    case = world.own
    body = {"kind": "no_operator_details", "note": "reviewed the advisory text"}
    proposed = post(world, "approver", f"/api/v1/cases/{case}/publication-decisions", body)
    assert proposed.status_code == 201, proposed.text
    assert (proposed.json()["approved"], proposed.json()["approvers"]) == (False, ["approver"])
    path = f"/api/v1/cases/{case}/publication-decisions/{proposed.json()['id']}/approvals"
    again = post(world, "approver", path)
    assert again.status_code == 409 and "second person" in again.json()["error"]["message"]
    assert post(world, "analyst", path).status_code == 403
    done = post(world, "approver2", path)
    assert done.status_code == 201, done.text
    assert (done.json()["approved"], done.json()["approvers"]) == (True, ["approver", "approver2"])
    listed = get(world, "analyst", f"/api/v1/cases/{case}/publication-decisions").json()
    assert [d["approved"] for d in listed] == [True]
