"""The console's advisory form: the changes it makes, and refusals named with their fix in both
languages."""

from __future__ import annotations

from dataclasses import replace

from vulndesk.domain.errors import GuardFailed, InvalidInput
from vulndesk.entrypoints.web import i18n
from vulndesk.entrypoints.web.advisory_form import (
    FIELDS,
    GUARDS,
    AdvisoryForm,
    changes,
    refusal,
    values_of,
)
from vulndesk.services.advisories.content import AdvisoryContent, check

BASE = AdvisoryContent(
    title="VD-2026-0001: security advisory",
    texts={"summary": "Overflow.", "remediation": "Update to 2.0."},
    statuses=(("router", "1.0", "known_affected"), ("router", "2.0", "fixed")),
    cwe="CWE-121",
)


def test_an_unchanged_form_changes_nothing_and_edits_are_named() -> None:
    form = AdvisoryForm(**values_of(BASE))
    assert changes(form, BASE) == {}
    edited = values_of(BASE) | {
        "title": "Router overflow",
        "root_cause": "Unchecked length.",
        "include": ["root_cause"],
        "statuses": "router:1.0:known_affected\nrouter:2.1:fixed",
        "references": "https://example.com/a The vendor's note",
        "credit": "Jane",
        "credit_consent": "email 2026-03-01",
        "change": "Fixed in 2.1.",
    }
    ch = changes(AdvisoryForm(**edited), BASE)
    assert ch["title"] == "Router overflow"
    assert ch["texts"]["root_cause"] == "Unchecked length." and ch["include"] == ("root_cause",)
    assert ch["statuses"][1] == ("router", "2.1", "fixed")
    assert ch["references"] == (("https://example.com/a", "The vendor's note"),)
    assert ch["change"] == "Fixed in 2.1."
    assert "cwe" not in ch


def test_removing_a_coordinated_not_affected_row_takes_its_justification() -> None:
    """The form has no justification field: a VEX justification whose known_not_affected row
    the form removed goes too, or the draft would be refused for a field the form lacks."""
    coordinated = replace(
        BASE,
        statuses=(*BASE.statuses, ("cam", "2", "known_not_affected"), ("hub", "1", "fixed")),
        justifications=(("cam", "2", "component_not_present"),),
    )
    kept = values_of(coordinated) | {
        "statuses": "router:1.0:known_affected\ncam:2:known_not_affected"
    }
    assert "justifications" not in changes(AdvisoryForm(**kept), coordinated)
    dropped = values_of(coordinated) | {"statuses": "router:1.0:known_affected"}
    ch = changes(AdvisoryForm(**dropped), coordinated)
    assert ch["justifications"] == () and ch["statuses"] == (("router", "1.0", "known_affected"),)
    check(replace(coordinated, **ch))  # the stored draft is valid


def test_every_refusal_has_a_chinese_sentence_and_a_fix() -> None:
    zh = i18n.catalogue("zh-CN")
    for what, fix in (*GUARDS.values(), *FIELDS.values()):
        assert what in zh and fix in zh, (what, fix)
    _ = i18n.translator("zh-CN")
    reason, detail = refusal(GuardFailed("fix-before-publication", "RMSV 9(1): no fix"), _)
    assert reason.startswith("《网络产品安全漏洞管理规定》第九条") and "处理办法" in reason
    assert detail == "RMSV 9(1): no fix"
    reason, _d = refusal(InvalidInput("cwe", "bad", "CWE-NNN"), i18n.translator("en"))
    assert reason == "The field cwe is refused. Fix: CWE-NNN"
