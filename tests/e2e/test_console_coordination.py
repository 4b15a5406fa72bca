"""The coordinator page's forms over HTTP with real sessions: need-to-know as 404, CSRF, a
refusal that names the field, and the page itself."""

from __future__ import annotations

from tests.e2e.test_console_advisories import _post
from tests.e2e.test_console_authz import MISSING, ConsoleWorld, cworld

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
