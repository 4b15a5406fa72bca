"""The console's main navigation: only the sections the viewer's roles can open."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from vulndesk.services.access.rights import (
    ADMINS,
    ALL_CASES,
    AUDIT_READERS,
    CASE_OPENERS,
    CASE_READERS,
    EXPOSURE_READERS,
    OVERSIGHT,
)
from vulndesk.services.accounts.users import AccountRole


@dataclass(frozen=True, slots=True)
class Section:
    """One link of the main navigation; `prefix` marks it current."""

    label: str  # a catalogue entry
    href: str
    prefix: str
    roles: frozenset[AccountRole] | None  # None: every signed-in user


# Everyone inside the organisation; an outside participant's console is its portal alone.
DESK = frozenset(AccountRole) - {AccountRole.PARTICIPANT}
SECTIONS = (
    Section("Dashboard", "/", "/", DESK),
    Section("Shared cases", "/shared", "/shared", frozenset({AccountRole.PARTICIPANT})),
    Section("Cases", "/cases", "/cases", CASE_READERS),
    Section("What-if", "/rules/what-if", "/rules", CASE_READERS),
    Section("Oversight", "/oversight", "/oversight", OVERSIGHT),
    # Auditors read the exposure view but not the oversight page that links to it.
    Section("Exposure", "/oversight/exposure", "/oversight/exposure", EXPOSURE_READERS - OVERSIGHT),
    Section("Audit", "/audit", "/audit", AUDIT_READERS),
    Section("Admin", "/admin", "/admin", ADMINS),
)


def sections(user: Any) -> list[Section]:
    """The sections `user` (a Principal, or None when signed out) may open."""
    if user is None:
        return []
    roles = set(getattr(user, "roles", ()))
    return [s for s in SECTIONS if s.roles is None or roles & s.roles]


# Links inside pages that only some roles can follow (the page answers 404 to the others).
ACTIONS = {"open-case": CASE_OPENERS, "triage": ALL_CASES}


def may(user: Any, action: str) -> bool:
    """Whether `user` may follow the in-page link `action` (a key of ACTIONS)."""
    return user is not None and bool(set(getattr(user, "roles", ())) & ACTIONS[action])


def current(section: Section, path: str) -> bool:
    if section.prefix == "/":
        return path == "/"
    return path == section.prefix or path.startswith(section.prefix + "/")
