"""The console's forms in the authorization matrix: every POST form x every role, with a CSRF
token, signed in with a real session, on own, embargoed and missing cases.

A role the form allows is never refused (a 303, or the form's own 409/422 about the case's
state or the input); every other role is refused: the case's 404 when it may not see the
case, 403 (or the form's page naming the refusal) when it sees it but may not act. Each
allowed role acts before any refused one, so a refused role meets a form that would work.
"""

from __future__ import annotations

import re
from typing import Any, cast

import pytest

from tests.e2e import test_authz_matrix
from tests.e2e.test_api_support import CANARY
from tests.e2e.test_console_authz import (
    ALL_CASES,
    EVERYONE,
    MEMBERS,
    MISSING,
    USERS,
    ConsoleWorld,
    cworld,  # noqa: F401 - the console world fixture
)
from vulndesk.entrypoints.web import csrf
from vulndesk.entrypoints.web.app import ROUTERS
from vulndesk.services.access import rights as access
from vulndesk.services.accounts.users import AccountRole

ADMIN = {"admin"}
WRITERS = {"admin", "coordinator", "analyst", "approver"}
MANAGERS = {"admin", "coordinator"}
APPROVERS = {"admin", "approver"}
DRAFTERS = {"admin", "coordinator", "analyst"}
DRAFT = "/reports/{case}/nvdb/nvdb/v1"
# Words of a refusal shown on a form's own page (the draft list shows it with a 422).
REFUSED = re.compile(r"your roles do not allow|may not perform it")
# (form, body, roles the form allows on a case they see); {case} is own, foreign or missing.
CASE_FORMS: list[tuple[str, dict[str, str], set[str]]] = [
    (
        "/cases/{case}/coordination/participants/999999/invitations",
        {"email": "a@o.example"},
        WRITERS,
    ),
    # The participant portal's forms: no internal role takes part in a case (decision 0045);
    # participants' own use of them is in test_console_portal.
    ("/shared/{case}/threads", {"thread": "shared", "body": "hi"}, set()),
    ("/shared/{case}/statuses", {"product": "router", "status": "affected"}, set()),
    ("/shared/{case}/embargo", {"answer": "accept", "reason": "ok"}, set()),
    (
        "/cases/{case}/facts",
        {"fact": "verified", "evidence": "lab", "at": "", "zone": "UTC", "correct": "1"},
        WRITERS,
    ),
    ("/cases/{case}/transition", {"to": "triage", "reason": "looks real"}, WRITERS),
    ("/cases/{case}/members", {"user": "auditor", "present": "1"}, MANAGERS),
    ("/cases/{case}/messages", {"body": "thanks"}, WRITERS),
    ("/cases/{case}/ledger/999999/backdate-approval", {}, APPROVERS),
    ("/cases/{case}/waivers", {"obligation": "cn-rmsv-2021/verify", "reason": "n/a"}, MANAGERS),
    ("/cases/{case}/waivers/999999/approval", {}, APPROVERS),
    ("/cases/{case}/reports", {"kind": "nvdb", "recipient": "nvdb", "stage": "initial"}, DRAFTERS),
    (DRAFT + "/approve", {}, APPROVERS),
    (DRAFT + "/decisions", {"kind": "exception", "reason": "why", "fields": "summary"}, APPROVERS),
    (DRAFT + "/decisions/999999/approve", {}, APPROVERS),
    (
        "/cases/{case}/advisory/decisions",
        {"kind": "exception", "reason": "why", "fields": "summary"},
        APPROVERS,
    ),
    ("/cases/{case}/advisory/decisions/999999/approvals", {}, APPROVERS),
    (DRAFT + "/submission", {"at": "2026-01-01T00:00", "receipt": "NVDB-1"}, WRITERS),
    ("/cases/{case}/incident-grade", {"incident_grade": "major"}, WRITERS),
    ("/cases/{case}/fields", {"title": "Renamed", "workaround": "Block port 80"}, WRITERS),
    ("/cases/{case}/fields", {"title": "Renamed", "unit": "cn"}, MANAGERS),
    ("/cases/{case}/product-link", {"product": "router"}, WRITERS),
    ("/cases/{case}/coordination/participants", {"party": "", "role": "finder"}, WRITERS),
    ("/cases/{case}/coordination/statuses", {"participant": "999999"}, WRITERS),
    ("/cases/{case}/coordination/statuses/999999/approval", {}, WRITERS),
    ("/cases/{case}/coordination/embargo", {"action": "propose", "end": ""}, WRITERS),
    ("/cases/{case}/coordination/threads", {"thread": "shared", "body": ""}, WRITERS),
    ("/cases/{case}/coordination/participants/999999/share", {}, WRITERS),
]
# Forms of no case: (form, body, roles allowed). Bodies are refused as input for the allowed,
# so the matrix changes no account or reference data.
OTHER_FORMS: list[tuple[str, dict[str, str], set[str]]] = [
    ("/account", {"language": "en", "timezone": "UTC"}, EVERYONE),
    ("/admin/users", {"name": "", "email": "", "role": ""}, ADMIN),
    ("/admin/users/nobody-such/disabled", {"disabled": "1"}, ADMIN),
    ("/admin/users/nobody-such/roles", {"role": "analyst", "op": "add"}, ADMIN),
    ("/admin/users/nobody-such/totp", {}, ADMIN),
    ("/admin/units", {"id": "", "name": ""}, ADMIN),
    ("/admin/units/contact", {"unit": "nowhere"}, ADMIN),
    ("/admin/products", {"id": "", "name": ""}, ADMIN),
    ("/admin/parties", {"id": "", "name": ""}, ADMIN),
    ("/admin/policies", {"party": "nobody-such"}, ADMIN),
    ("/admin/rules/in-force", {"rule_sets": "nobody-such"}, ADMIN),
    ("/admin/rules/options", {"key": "nobody-such", "value": ""}, ADMIN),
    ("/admin/blackouts", {"name": ""}, ADMIN),
    ("/admin/imports", {"url": "", "unit": "", "fingerprint": ""}, ADMIN),
    ("/admin/suppliers", {"name": "", "url": "", "fingerprint": "", "unit": ""}, ADMIN),
    ("/admin/suppliers/fetch", {"name": "nobody-such"}, ADMIN),
    (
        "/admin/suppliers/pin",
        {"name": "nobody-such", "fingerprint": "", "justification": ""},
        ADMIN,
    ),
    ("/admin/suppliers/remove", {"name": "nobody-such"}, ADMIN),
    ("/admin/units/regimes", {"unit": "nowhere"}, ADMIN),
    ("/rules/what-if", {"text": ""}, WRITERS | {"hqoversight", "outsider"}),
    ("/audit/verify", {}, {"admin", "auditor"}),
    ("/cases/new", {"title": "", "unit": ""}, DRAFTERS | {"outsider"}),
    (
        "/cases/bulk",
        {"action": "transition", "keys": MISSING, "to": "triage", "reason": "look"},
        WRITERS | {"outsider"},
    ),
    ("/cases/bulk", {"action": "assign", "keys": MISSING, "owner": "analyst"}, MANAGERS),
    ("/needs-me/mail", {"escalations": "1"}, EVERYONE),
    ("/coordination/trace", {"text": ""}, ALL_CASES | MEMBERS | {"outsider"}),
]
# Forms checked as every role by a test of their own.
COVERED_BY_OWN_TEST = {
    "/cases/{key}/advisory": "test_console_advisories",
    "/cases/{key}/advisory/approvals": "test_console_advisories",
    "/cases/{key}/advisory/publication": "test_console_advisories",
    "/cases/{key}/cves": "test_cve_surfaces::test_console_section_and_forms",
    **{
        f"/cases/{{key}}/cves/{{cve_id}}/{action}": "test_cve_surfaces::test_console_section_and_forms"
        for action in ("attach", "publish", "update", "reject")
    },
}
# Forms without a role check: signing in (the one-time code after a provider, test_oidc_totp) and out.
# /join/{token}: the one-time invitation link is the credential (test_console_portal).
NO_ROLE_CHECK = {"/login", "/logout", "/login/oidc/totp", "/join/{token}"}


def _secret(cookie: dict[str, str]) -> str:
    return cookie["Cookie"].split("=", 1)[1]


def post(cw: ConsoleWorld, user: str, path: str, body: dict[str, str]) -> tuple[int, str]:
    """POST a form as `user` with their CSRF token; the status and the page."""
    cookie = cw.cookies[user]
    token = csrf.token_for(cw.world.container, _secret(cookie))
    r = cw.world.client.post(
        path, data={**body, csrf.FIELD: token}, headers=cookie, follow_redirects=False
    )
    return r.status_code, r.text


def refused(status: int, page: str) -> bool:
    return status in (403, 404) or (status in (409, 422) and bool(REFUSED.search(page)))


def check_form(cw: ConsoleWorld, form: str, body: dict[str, str], allowed: set[str]) -> None:
    """Every user on one form, the allowed first; raises AssertionError on any miss."""
    for user in sorted(USERS, key=lambda u: u not in allowed):
        status, page = post(cw, user, form, body)
        if user not in ALL_CASES:
            assert CANARY not in page, (user, form)
        if user in allowed:
            assert not refused(status, page), (user, form, status)
            assert status < 500, (user, form, status)
        else:
            assert refused(status, page), (user, form, status)


def case_rows() -> list[tuple[str, dict[str, str], set[str]]]:
    rows = []
    for form, body, roles in CASE_FORMS:
        rows.append((form.replace("{case}", "{own}"), body, roles & (ALL_CASES | MEMBERS)))
        rows.append((form.replace("{case}", "{foreign}"), body, roles & ALL_CASES))
        rows.append((form.replace("{case}", MISSING), body, set()))
    return rows


@pytest.fixture
def forms(cworld: ConsoleWorld) -> ConsoleWorld:  # noqa: F811 - the imported fixture
    return cworld


@pytest.mark.parametrize(("form", "body", "allowed"), case_rows() + OTHER_FORMS)
def test_every_form_as_every_role(
    forms: ConsoleWorld, form: str, body: dict[str, str], allowed: set[str]
) -> None:
    check_form(forms, forms.path(form), body, allowed)


def test_a_form_without_its_csrf_token_is_refused(forms: ConsoleWorld) -> None:
    path = forms.path("/cases/{own}/facts")
    body = {"fact": "verified", "evidence": "lab", "correct": "1"}
    r = forms.world.client.post(
        path, data=body, headers=forms.cookies["admin"], follow_redirects=False
    )
    assert r.status_code == 403, r.status_code
    anonymous = forms.world.client.post(path, data=body, follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login")


def test_every_console_form_is_in_the_matrix() -> None:
    forms = {
        cast(Any, route).path
        for router in ROUTERS
        for route in router.routes
        if "POST" in getattr(route, "methods", set())
    }
    fill = {"case": "VD-2026-0001", "own": "VD-2026-0001", "foreign": "VD-2026-0001"}
    calls = [("POST", f.format(**fill)) for f, _b, _r in CASE_FORMS + OTHER_FORMS]
    in_matrix = test_authz_matrix._covered({("POST", f) for f in forms}, calls)
    missing = {f for f in forms if ("POST", f) not in in_matrix} - NO_ROLE_CHECK
    missing -= set(COVERED_BY_OWN_TEST)
    assert missing == set(), f"console forms no matrix runs: {sorted(missing)}"
    assert forms >= NO_ROLE_CHECK


def test_a_write_right_given_to_hq_oversight_turns_the_form_matrix_red(
    forms: ConsoleWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The test of the test: hq-oversight sees the embargoed case but may not record facts."""
    form, body, roles = CASE_FORMS[0]
    path = forms.path(form.replace("{case}", "{foreign}"))
    check_form(forms, path, body, roles & ALL_CASES)
    test_authz_matrix.widen(monkeypatch, access.CASE_WRITERS, AccountRole.HQ_OVERSIGHT)
    with pytest.raises(AssertionError, match="hqoversight"):
        check_form(forms, path, body, roles & ALL_CASES)
