"""The console's navigation lists only the sections a role can open."""

from __future__ import annotations

from vulndesk.entrypoints.web import nav
from vulndesk.services.access.rights import person


def _hrefs(*roles: str) -> set[str]:
    return {s.href for s in nav.sections(person("someone", set(roles)))}


def test_each_role_sees_the_sections_it_can_open() -> None:
    assert _hrefs("auditor") == {"/", "/oversight/exposure", "/audit"}
    assert _hrefs("analyst") == {"/", "/cases", "/rules/what-if"}
    assert _hrefs("hq-oversight") == {"/", "/cases", "/rules/what-if", "/oversight"}
    assert {"/admin", "/audit", "/oversight"} <= _hrefs("admin")
    assert nav.sections(None) == []


def test_the_current_section_is_marked_by_its_prefix() -> None:
    by_href = {s.href: s for s in nav.SECTIONS}
    assert nav.current(by_href["/"], "/") and not nav.current(by_href["/"], "/cases")
    assert nav.current(by_href["/cases"], "/cases/VD-2026-0001")
    assert not nav.current(by_href["/audit"], "/auditors")


def test_in_page_links_follow_the_roles_of_their_pages() -> None:
    def may(action: str, *roles: str) -> bool:
        return nav.may(person("someone", set(roles)), action)

    assert may("open-case", "analyst") and may("open-case", "coordinator")
    assert not may("open-case", "approver") and not may("open-case", "auditor")
    assert may("triage", "coordinator") and not may("triage", "analyst")
    assert not nav.may(None, "open-case")
