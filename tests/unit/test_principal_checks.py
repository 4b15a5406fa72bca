"""Every use case that takes a principal checks it before it touches anything.

The walk finds each public function of `vulndesk.services` with a `principal` parameter and
calls it as a principal without roles and as a system principal (the worker, public intake),
with storage and the clock booby-trapped: the only acceptable answer is a refusal (Forbidden,
or the NotFound a hidden case gives). A use case whose check was removed reaches for storage
or its arguments first and fails here.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Callable
from typing import Any, cast

import pytest

import vulndesk.services
from vulndesk.domain.errors import Forbidden, NotFound
from vulndesk.services.access import rights as access
from vulndesk.services.access.rights import Credential, Principal
from vulndesk.services.cases import lifecycle as cases
from vulndesk.services.clocks import waivers
from vulndesk.services.context import Deps
from vulndesk.services.publication import gate

CASE = "VD-2026-0001"


class Untouchable(AssertionError):
    """Raised when a use case reaches for storage, the clock or an argument before checking."""


class _Trap:
    def __init__(self, what: str) -> None:
        self._what = what

    def __call__(self, *_a: object, **_k: object) -> Any:
        raise Untouchable(f"{self._what} used before the principal was checked")

    def __getattr__(self, name: str) -> Any:
        raise Untouchable(f"{self._what}.{name} used before the principal was checked")


def trapped_deps() -> Deps:
    return Deps(
        uow=cast(Any, _Trap("storage")),
        clock=cast(Any, _Trap("clock")),
        read=cast(Any, _Trap("storage")),
    )


def use_cases() -> list[tuple[str, Callable[..., Any]]]:
    """(module.name, function) for every public services function taking `principal`."""
    found = []
    prefix = "vulndesk.services."
    for info in pkgutil.walk_packages(vulndesk.services.__path__, prefix):
        module = importlib.import_module(info.name)
        short = info.name.removeprefix(prefix)
        for name, fn in vars(module).items():
            if name.startswith("_") or not inspect.isfunction(fn):
                continue
            if fn.__module__ != module.__name__:
                continue  # imported from elsewhere: checked where it is defined
            params = list(inspect.signature(fn).parameters)
            if len(params) >= 2 and params[:2] == ["deps", "principal"]:
                found.append((f"{short}.{name}", fn))
    return sorted(found, key=lambda item: item[0])


def arguments(fn: Callable[..., Any]) -> dict[str, Any]:
    """Values for the parameters after (deps, principal): case keys look real, the rest trap."""
    out: dict[str, Any] = {}
    for name, param in list(inspect.signature(fn).parameters.items())[2:]:
        if param.kind in (param.VAR_KEYWORD, param.VAR_POSITIONAL):
            continue
        if name in {"key", "case"}:
            out[name] = CASE
        elif name == "req":  # a planned publication names its case
            out[name] = gate.CheckRequest(CASE)
        elif name in {"ref", "draft"}:
            out[name] = f"{CASE}/nvdb/miit-nvdb/v1"
        elif param.default is not param.empty:
            continue
        else:
            out[name] = _Trap(f"argument {name!r}")
    return out


ROLELESS = access.person("nobody", frozenset(), "cn")
SYSTEMS = (
    access.worker_principal("worker@test"),
    access.INTAKE,
    access.operator_principal("root"),
)
# The walk must find at least these; a use case that stops taking a principal fails here.
EXPECTED = {
    "access.rights.case_members",
    "access.rights.case_obligations",
    "access.rights.due_soon",
    "access.rights.set_member",
    "cases.lifecycle.list_cases",
    "cases.lifecycle.open_case",
    "cases.lifecycle.read_visible_case",
    "cases.lifecycle.record_fact",
    "cases.lifecycle.show_case",
    "cases.lifecycle.transition",
    "cases.lifecycle.update_case",
    "reports.approvals.approve",
    "reports.approvals.approve_decision",
    "reports.approvals.case_conflicts",
    "reports.approvals.justify",
    "reports.approvals.list_decisions",
    "reports.approvals.record_decision",
    "disclosure.ledger.record_submission",
    "disclosure.ledger.record_disclosure",
    "disclosure.claims.approve_backdate",
    "access.ledger.entries",
    "access.ledger.entry",
    "notify.notices.messages",
    "notify.notices.plan",
    "notify.recipients.recipients",
    "notify.notices.send",
    "notify.recipients.subscribe",
    "publication.gate.add_blackout",
    "publication.gate.approve_decision",
    "publication.gate.check",
    "publication.gate.decide",
    "publication.gate.decisions",
    "publication.gate.list_blackouts",
    "publication.gate.record_share",
    "publication.thirdparty.track_vendor",
    "publication.thirdparty.vendor_fixed",
    "publication.thirdparty.vendor_notified",
    "publication.thirdparty.vendor_status",
    "reports.drafts.diff_draft",
    "reports.drafts.draft_report",
    "reports.drafts.get_draft",
    "reports.drafts.list_drafts",
    "reports.drafts.preview",
    "reports.drafts.visible_ref",
    "clocks.waivers.approve",
    "clocks.waivers.list_waivers",
    "clocks.waivers.pending",
    "clocks.waivers.propose",
    # Checked in the use case since the entry points stopped checking (decision 0031).
    "accounts.admin.add_user",
    "accounts.admin.change_preferences",
    "accounts.admin.enroll_totp",
    "accounts.admin.grant",
    "accounts.admin.issue_token",
    "accounts.admin.list_users",
    "accounts.admin.my_preferences",
    "accounts.admin.revoke_my_token",
    "audit.trail.case_events",
    "audit.trail.events",
    "audit.trail.verify_chain",
    "cases.reference.add_party",
    "cases.reference.add_product",
    "cases.reference.add_unit",
    "cases.reference.parties",
    "cases.reference.party",
    "cases.reference.product",
    "cases.reference.products",
    "cases.reference.set_unit_contact",
    "cases.reference.unit",
    "cases.reference.units",
    "clocks.options.list_calendar",
    "clocks.options.list_options",
    "clocks.options.set_calendar_day",
    "clocks.options.set_option",
    "clocks.rules_in_force.rule_sets",
    "clocks.rules_in_force.set_in_force",
    "intake.duplicates.suggest_duplicates",
    "intake.duplicates.triage",
    "intake.thread.attachment",
    "intake.thread.reply",
    "intake.thread.thread",
    "notify.escalations.recorded",
    "publication.imports.affected_case",
    "publication.imports.affected_package",
    "publication.imports.import_csaf",
    "publication.imports.import_sbom",
    "publication.thirdparty.filing",
    "publication.thirdparty.set_filing",
    "reports.drafts.overrides",
    "reports.drafts.set_override",
    "reports.oversight.government_submissions",
    "reports.oversight.hq_required",
    "reports.oversight.notices",
    "reports.oversight.set_require_hq",
    "reports.oversight.subscribe",
    "reports.oversight.subscribers",
    "cases.editing.edit_case",
    "cases.editing.history",
    "cases.linking.suggestions",
    "cases.linking.link_product",
    "cases.linking.unlinked",
    "cases.bulk.bulk_assign",
    "cases.bulk.bulk_transition",
    "notify.inbox.needs",
    "accounts.mail_prefs.mail_escalations",
    "accounts.mail_prefs.set_mail_escalations",
    "accounts.mail_prefs.my_choices",
    "accounts.mail_prefs.change_my_choices",
}


def test_the_walk_finds_the_use_cases() -> None:
    names = {name for name, _fn in use_cases()}
    assert names >= EXPECTED, sorted(EXPECTED - names)


@pytest.mark.parametrize(("name", "fn"), use_cases(), ids=[n for n, _f in use_cases()])
@pytest.mark.parametrize("who", [ROLELESS, *SYSTEMS], ids=lambda p: p.name)
def test_a_principal_without_rights_is_refused(
    name: str, fn: Callable[..., Any], who: Principal
) -> None:
    with pytest.raises((Forbidden, NotFound)):
        fn(trapped_deps(), who, **arguments(fn))


def test_system_principals_hold_no_person_right() -> None:
    for who in SYSTEMS:
        assert who.is_system and who.kind is Credential.SYSTEM
        assert not who.roles and not who.scopes
        assert not who.has(access.ACCOUNT_HOLDERS)
        with pytest.raises(Forbidden, match="system principal"):
            who.require(access.ACCOUNT_HOLDERS)


def test_a_system_principal_given_roles_is_still_refused() -> None:
    """Roles smuggled onto a system principal grant nothing: the kind decides."""
    from dataclasses import replace

    sneaky = replace(access.INTAKE, roles=frozenset({"admin"}), scopes=access.HUMAN_SCOPES)
    with pytest.raises(Forbidden, match="system principal"):
        sneaky.require(access.ADMINS, "write")
    with pytest.raises(NotFound):
        cases.show_case(trapped_deps(), sneaky, CASE)


def test_the_old_signatures_still_work() -> None:
    p = access.person("ana", {"analyst"}, "cn", source="api:10.0.0.1")
    assert p.actor("cli").source == "cli" and p.actor("cli").name == "ana"
    assert p.acting().source == "api:10.0.0.1"
    assert p.has(access.CASE_WRITERS) and not p.has(access.ADMINS)
    p.require(access.CASE_WRITERS, "write")
    with pytest.raises(Forbidden):
        p.require(access.ADMINS)
    read_only = access.Principal("ro", frozenset({"admin"}), None, frozenset({"read"}), "token:x")
    with pytest.raises(Forbidden, match="scope"):
        read_only.require(access.ADMINS, "write")


def test_removing_a_check_turns_the_walk_red(monkeypatch: pytest.MonkeyPatch) -> None:
    """The test of the test: without its checks a use case reaches storage and is caught."""
    monkeypatch.setattr(access, "check_case", lambda _d, _p, key: key)
    monkeypatch.setattr(Principal, "require", lambda *_a, **_k: None)
    with pytest.raises(Untouchable):
        waivers.list_waivers(trapped_deps(), ROLELESS, CASE)
    with pytest.raises(Untouchable):
        cases.record_fact(trapped_deps(), ROLELESS, CASE, "verified", None, "lab")
