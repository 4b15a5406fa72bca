"""The authorization matrix itself: it covers every route, and it goes red when a right is added.

Every API route and console page is in one of the matrix tables (or named here with the test
that checks it, or why no role check applies). Then a test of the test: one role set is widened
in the running code (an auditor may write reference data, see every case, or read the
oversight page; HQ oversight may write to cases) and the matrix's own check must fail.
"""

from __future__ import annotations

import ast
import inspect
import re
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, cast

import pytest
from fastapi import FastAPI

from tests.e2e import (
    test_api_admin_authz,
    test_api_authz,
    test_api_reports_authz,
    test_console_authz,
)
from tests.e2e.test_api_reports_authz import rworld
from tests.e2e.test_api_support import World, world
from tests.e2e.test_console_authz import ConsoleWorld, cworld
from vulndesk.entrypoints.web.app import ROUTERS
from vulndesk.services.access import rights as access
from vulndesk.services.accounts.users import AccountRole

__all__ = ["cworld", "rworld", "world"]

# Routes each checked as every role by a test of its own.
CASE_FILE = (
    "/api/v1/cases/{key}/coordination/threads/{thread}/messages/{message}/attachments/{sha256}"
)
SHARED_FILE = "/api/v1/shared/cases/{key}/threads/{thread}/messages/{message}/attachments/{sha256}"
COVERED_BY_OWN_TEST = {
    (
        "POST",
        "/api/v1/cases/{key}/coordination/statuses",
    ): "test_api_coordination::test_participant_routes_follow_roles",
    (
        "POST",
        "/api/v1/cases/{key}/coordination/statuses/{statement}/approval",
    ): "test_api_coordination::test_participant_routes_follow_roles",
    (
        "GET",
        "/api/v1/cases/{key}/coordination/participants/{participant}/view",
    ): "test_api_coordination::test_participant_routes_follow_roles",
    (
        "POST",
        "/api/v1/cases/{key}/coordination/participants/{participant}/shares",
    ): "test_api_coordination::test_participant_routes_follow_roles",
    ("POST", "/api/v1/coordination/trace"): (
        "test_api_coordination_watermark::test_trace_follows_roles_and_need_to_know"
    ),
    ("POST", "/api/v1/cases/{key}/thread"): (
        "test_api_case_thread::test_a_reply_follows_roles_and_hides_what_is_not_yours"
    ),
    ("POST", "/api/v1/exposure/verify"): "test_exposure_surfaces::test_api_verify_follows_roles",
    ("POST", "/api/v1/imports/csaf"): "test_api_admin_authz::test_imports_follow_roles",
    **dict.fromkeys(
        (
            ("GET", "/api/v1/suppliers/{name}/documents"),
            ("POST", "/api/v1/suppliers/{name}/fetches"),
            ("PUT", "/api/v1/suppliers/{name}/fingerprint"),
            ("DELETE", "/api/v1/suppliers/{name}"),
        ),
        "test_api_suppliers::test_supplier_routes_follow_roles",
    ),
    ("POST", "/api/v1/cases/{key}/coordination/participants/{participant}/invitations"): (
        "test_api_portal::test_the_portal_over_the_api"
    ),
    **dict.fromkeys(
        (
            ("GET", "/api/v1/shared/cases"),
            ("GET", "/api/v1/shared/cases/{key}"),
            ("GET", "/api/v1/shared/cases/{key}/threads/{thread}/messages"),
            ("POST", "/api/v1/shared/cases/{key}/threads/{thread}/messages"),
            ("POST", "/api/v1/shared/cases/{key}/statuses"),
            ("POST", "/api/v1/shared/cases/{key}/embargo/events"),
            ("GET", "/api/v1/shared/cases/{key}/export"),
        ),
        "test_participant_matrix::test_need_to_know_over_every_participant_surface",
    ),
    **dict.fromkeys(
        (
            ("GET", CASE_FILE),
            ("GET", SHARED_FILE),
        ),
        "test_api_coord_attachments::test_files_on_coordination_messages_over_the_api",
    ),
    ("POST", "/api/v1/imports/sbom"): "test_api_admin_authz::test_imports_follow_roles",
    ("POST", "/api/v1/imports/csaf-provider"): (
        "test_api_provider_import::test_provider_import_follows_roles"
    ),
    ("GET", "/api/v1/ledger/{entry}"): (
        "test_api_reports_authz::test_ledger_entry_content_needs_need_to_know"
    ),
    ("PATCH", "/api/v1/units/{unit_id}"): (
        "test_api_unit_contact::test_only_reference_writers_may_patch"
    ),
    ("GET", "/api/v1/units/{unit_id}/regimes"): (
        "test_api_regimes::test_only_reference_writers_may_set_unit_regimes"
    ),
    ("PATCH", "/api/v1/units/{unit_id}/regimes"): (
        "test_api_regimes::test_only_reference_writers_may_set_unit_regimes"
    ),
    ("PUT", "/api/v1/cases/{key}/incident-grade"): (
        "test_api_regimes::test_the_incident_grade_needs_a_case_writer_who_sees_the_case"
    ),
    ("POST", "/api/v1/ledger/{entry}/backdate-approval"): (
        "test_late_and_backdated::test_the_api_refuses_bad_claims_and_holds_a_backdated_entry"
    ),
    ("POST", "/api/v1/rules/what-if"): (
        "test_api_whatif::test_case_readers_see_their_own_open_cases_only_and_nothing_is_stored"
    ),
    **{
        (method, f"/api/v1/cases/{{key}}/cves{suffix}"): (
            "test_cve_surfaces::test_api_cve_routes_follow_roles"
        )
        for method, suffix in (
            ("GET", ""),
            ("POST", ""),
            ("POST", "/{cve_id}/attach"),
            ("POST", "/{cve_id}/publish"),
            ("POST", "/{cve_id}/update"),
            ("POST", "/{cve_id}/reject"),
        )
    },
}
# Routes with no role to check: public intake and sign-in, and the caller's own credentials.
NO_ROLE_CHECK = {
    ("POST", "/api/v1/intake"): "public report form",
    ("GET", "/api/v1/intake/{tracking}/messages"): "the reporter's follow-up token",
    ("POST", "/api/v1/intake/{tracking}/messages"): "the reporter's follow-up token",
    ("POST", "/api/v1/session"): "sign-in",
    ("POST", "/api/v1/cli/sign-in"): "the CLI's sign-in at a server (test_cli_server_sign_in)",
    ("DELETE", "/api/v1/session"): "sign-out of one's own session",
    ("POST", "/api/v1/tokens"): "one's own token, from a session (test_accounts_auth)",
    ("DELETE", "/api/v1/tokens/{token_id}"): "one's own token (test_accounts_auth)",
    ("GET", "/.well-known/csaf/{path}"): "public CSAF provider tree (test_public_site)",
    ("GET", "/advisories/osv/{name}"): "public CSAF provider tree (test_public_site)",
    ("GET", "/advisories/cve/{name}"): "public CSAF provider tree (test_public_site)",
}
# Public routes outside /api/ that are checked like API routes: the published advisory site.
PUBLIC_SITE = ("/.well-known/csaf/", "/advisories/")
# Console pages every visitor may see; forms (POST) are not pages. The two OpenID Connect
# routes are sign-in itself: they check the provider's answer, not a role (test_oidc_sign_in).
# /join/{token} is the one-time invitation link of a participant (test_console_portal).
CONSOLE_PUBLIC = {"/login", "/lang/{lang}", "/login/oidc", "/login/oidc/callback", "/join/{token}"}
# Console pages whose rights a test of their own runs (a real message and file are needed).
CONSOLE_OWN_TEST = dict.fromkeys(
    (
        "/cases/{key}/coordination/threads/{thread}/messages/{message}/attachments/{sha256}",
        "/shared/{key}/threads/{thread}/messages/{message}/attachments/{sha256}",
    ),
    "test_console_coord_attachments::test_files_in_the_desk_and_portal_thread_forms",
)


def _pattern(template: str) -> re.Pattern[str]:
    parts = re.split(r"(\{[^}]+\})", template)
    body = "".join(
        (".+" if p.endswith(":path}") else "[^/]+") if p.startswith("{") else re.escape(p)
        for p in parts
    )
    return re.compile(f"^{body}$")


def _covered(templates: Iterable[tuple[str, str]], calls: Iterable[tuple[str, str]]) -> set[Any]:
    """The (method, template) pairs that at least one of the concrete calls reaches."""
    found = set()
    for method, path in calls:
        concrete = path.split("?")[0]
        for m, template in templates:
            if m == method and _pattern(template).match(concrete):
                found.add((m, template))
    return found


def _matrix_calls() -> list[tuple[str, str]]:
    calls = [(m, p) for m, p, _, _ in test_api_authz.CASE_ENDPOINTS]
    calls += [(m, p) for m, p, _, _ in test_api_authz.OTHER_ENDPOINTS]
    calls += [(m, p) for m, p, _, _ in test_api_reports_authz.CASE_ENDPOINTS]
    calls += [(m, p) for m, p, _, _ in test_api_admin_authz.ENDPOINTS]
    return [(m, p.replace("{case}", "VD-2026-0001").replace("{decision}", "1")) for m, p in calls]


def test_every_api_route_is_in_the_matrix(world: World) -> None:
    paths = cast(FastAPI, world.client.app).openapi()["paths"]
    routes = {
        (method.upper(), path)
        for path, ops in paths.items()
        if path.startswith(("/api/", *PUBLIC_SITE))
        for method in ops
    }
    in_matrix = _covered(routes, _matrix_calls())
    elsewhere = set(COVERED_BY_OWN_TEST) | set(NO_ROLE_CHECK)
    assert routes - in_matrix - elsewhere == set(), "routes no matrix runs"
    assert elsewhere <= routes, "named routes that no longer exist"
    assert not in_matrix & set(NO_ROLE_CHECK), "a route with no role check is in the matrix"


def test_every_console_page_is_in_the_matrix() -> None:
    pages = {
        ("GET", cast(Any, route).path)
        for router in ROUTERS
        for route in router.routes
        if "GET" in getattr(route, "methods", set())
    }
    fill = {
        "own": "VD-2026-0001",
        "foreign": "VD-2026-0002",
        "intake": "VD-2026-0003",
        "fresh": "VD-2026-0003",
        "pown": "1",
        "pforeign": "2",
    }
    calls = [("GET", p.format(**fill, sha="a" * 64)) for p, _ in test_console_authz.PAGES]
    in_matrix = _covered(pages, calls)
    public = {("GET", p) for p in CONSOLE_PUBLIC}
    own = {("GET", p) for p in CONSOLE_OWN_TEST}
    assert pages - in_matrix - public - own == set(), "console pages no matrix runs"
    assert public <= pages and own <= pages


def test_no_assert_is_a_conditional_expression() -> None:
    """`assert a == b if c else d` asserts `d` (always true) when `c` is false: never again.

    The one such assert left is the former matrix check, kept on record in `_old_shape`.
    """
    found = [
        (path.name, node.lineno)
        for path in sorted(Path(__file__).parents[1].rglob("*.py"))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Assert) and isinstance(node.test, ast.IfExp)
    ]
    lines, start = inspect.getsourcelines(_old_shape)
    assert len(found) == 1 and found[0][0] == Path(__file__).name, found
    assert start <= found[0][1] < start + len(lines), found


# -- the test of the test


def widen(
    monkeypatch: pytest.MonkeyPatch, roles: frozenset[AccountRole], extra: AccountRole
) -> None:
    """Grant `extra` wherever the running code holds this role set, under whatever name."""
    wider = roles | {extra}
    for name, module in list(sys.modules.items()):
        if name.startswith("vulndesk.") and module is not None:
            for attr, value in list(vars(module).items()):
                if value is roles:
                    monkeypatch.setattr(module, attr, wider)


def _old_shape(w: World, method: str, path: str, body: Any, allowed: set[str]) -> None:
    """The matrix's assertion as it was: `x == a if c else 403` asserts nothing when not c."""
    for user in test_api_authz.USERS:
        r = test_api_authz.call(w, user, method, path, body)
        success = 201 if method == "POST" else 200
        assert r.status_code == success if user in allowed else 403


UNIT = {"id": "u-{n}", "name": "Unit", "country": "CN", "timezone": "Asia/Shanghai"}
WRITERS = {"admin", "coordinator"}


def test_a_reference_writer_right_given_to_the_auditor_turns_the_matrix_red(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    test_api_authz.check_endpoint(world, "POST", "/api/v1/units", UNIT, WRITERS)
    widen(monkeypatch, access.REFERENCE_WRITERS, AccountRole.AUDITOR)
    with pytest.raises(AssertionError, match="auditor"):
        test_api_authz.check_endpoint(world, "POST", "/api/v1/units", UNIT, WRITERS)
    # The former assertion saw nothing wrong (issue 14, observation 9).
    _old_shape(world, "POST", "/api/v1/units", UNIT, WRITERS)


def test_all_case_sight_given_to_the_auditor_turns_the_matrix_red(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = "/api/v1/cases/{case}"
    test_api_authz.check_case_endpoint(world, "GET", case, None, "read")
    widen(monkeypatch, access.ALL_CASES, AccountRole.AUDITOR)
    widen(monkeypatch, access.CASE_READERS, AccountRole.AUDITOR)
    with pytest.raises(AssertionError, match="auditor"):
        test_api_authz.check_case_endpoint(world, "GET", case, None, "read")


LEDGER = ("POST", "/api/v1/cases/{case}/ledger", test_api_reports_authz.CASE_ENDPOINTS[13][2])


def test_a_case_write_right_given_to_hq_oversight_turns_the_matrix_red(
    rworld: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    method, path, body = LEDGER
    assert (method, path) == test_api_reports_authz.CASE_ENDPOINTS[13][:2]
    test_api_reports_authz.check_case_route(rworld, method, path, body, "write")
    widen(monkeypatch, access.CASE_WRITERS, AccountRole.HQ_OVERSIGHT)
    with pytest.raises(AssertionError, match="hqoversight"):
        test_api_reports_authz.check_case_route(rworld, method, path, body, "write")


def test_the_oversight_page_given_to_the_auditor_turns_the_matrix_red(
    cworld: ConsoleWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    allowed = {"admin", "hqoversight"}
    test_console_authz.check_page(cworld, "/oversight", allowed)
    # The page has no check of its own: the oversight use cases hold the role set.
    widen(monkeypatch, access.OVERSIGHT, AccountRole.AUDITOR)
    with pytest.raises(AssertionError, match="auditor"):
        test_console_authz.check_page(cworld, "/oversight", allowed)


@pytest.fixture(autouse=True)
def _no_leftovers() -> Iterator[None]:
    """A widened role set must not outlive its test (monkeypatch undoes it; this checks)."""
    before = access.ALL_CASES
    yield
    assert access.ALL_CASES is before
