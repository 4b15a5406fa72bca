"""The console what-if page: a case reader uploads a rule file and sees only their own cases."""

from __future__ import annotations

import re
from pathlib import Path

from tests.e2e.test_api_support import CANARY
from tests.e2e.test_console_authz import ConsoleWorld, cworld

__all__ = ["cworld"]

EXAMPLE = Path(__file__).parents[2] / "docs" / "examples" / "what-if-cn-24h.toml"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def _run(cw: ConsoleWorld, user: str, text: str = "") -> tuple[int, str]:
    client, cookie = cw.world.client, cw.cookies[user]
    form = client.get("/rules/what-if", headers=cookie)
    if form.status_code != 200:
        return form.status_code, form.text
    token = CSRF.search(form.text)
    assert token is not None
    files = {"file": ("tight.toml", EXAMPLE.read_bytes(), "application/toml")} if not text else None
    r = client.post(
        "/rules/what-if",
        headers=cookie,
        data={"csrf": token.group(1), "text": text, "within": "72"},
        files=files,
    )
    return r.status_code, r.text


def test_a_member_sees_only_their_case_and_an_all_case_reader_sees_both(
    cworld: ConsoleWorld,
) -> None:
    cw = cworld
    own, foreign = cw.world.own, cw.world.foreign
    status, page = _run(cw, "analyst")
    assert status == 200, page
    assert f"/cases/{own}" in page and foreign not in page and CANARY not in page
    assert "trigger_location" in page  # what the regulator would newly receive
    status, page = _run(cw, "coordinator")
    assert status == 200 and f"/cases/{own}" in page and f"/cases/{foreign}" in page
    status, _ = _run(cw, "auditor")
    assert status == 404


def test_a_bad_file_is_refused_naming_the_field(cworld: ConsoleWorld) -> None:
    status, page = _run(cworld, "analyst", text='id = "x"')
    assert status == 422 and 'role="alert"' in page
