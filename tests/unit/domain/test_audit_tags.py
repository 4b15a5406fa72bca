"""Audit tags: one StrEnum, no tag spelled as a string anywhere else, stored values unchanged."""

from __future__ import annotations

import ast
import datetime as dt
import re
from pathlib import Path

import pytest

from vulndesk.domain.audit import AuditEvent, canonical
from vulndesk.domain.audit_tags import AuditTag, decision_tag, fact_tag, import_tag, member_tag

SRC = Path(__file__).resolve().parents[3] / "src" / "vulndesk"
TAG = re.compile(r"^[a-z][a-z0-9_-]*:[a-z0-9_-]+:[a-z0-9_.{}-]+$")
LEADING = re.compile(r"^[a-z][a-z0-9_-]*:[a-z0-9_-]+:")
AT = dt.datetime(2026, 11, 2, 1, 0, tzinfo=dt.UTC)


def _literal_tags(path: Path) -> list[str]:
    """Strings (and f-strings) in `path` that are spelled like an audit tag."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and TAG.match(node.value):
            found.append(f"{path.name}:{node.lineno}: {node.value}")
        if isinstance(node, ast.JoinedStr) and node.values:
            head = node.values[0]
            if isinstance(head, ast.Constant) and LEADING.match(str(head.value)):
                found.append(f"{path.name}:{node.lineno}: f-string {head.value!r}…")
    return found


def test_no_audit_tag_is_spelled_as_a_string_in_src() -> None:
    sources = [
        p for p in SRC.rglob("*.py") if p.name != "audit_tags.py" and "migrations" not in p.parts
    ]
    assert len(sources) > 100
    found = [hit for p in sources for hit in _literal_tags(p)]
    assert found == [], "use vulndesk.domain.audit_tags.AuditTag instead:\n" + "\n".join(found)


def test_the_scan_finds_a_literal_tag(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        'actor.event(now, "case:report:approved", "report", ref)\n'
        'actor.event(now, f"case:fact:{action}", "case", key)\n'
    )
    assert len(_literal_tags(sample)) == 2


def test_every_tag_reads_source_subject_action() -> None:
    assert all(TAG.match(t.value) and "{" not in t.value for t in AuditTag)


def test_a_tag_hashes_exactly_as_its_stored_string() -> None:
    """Stored chains were hashed with plain strings; the enum must hash to the same bytes."""
    for tag in AuditTag:
        as_enum = AuditEvent(AT, "alice", tag, "case", "VD-2026-0001", ("title",))
        as_text = AuditEvent(AT, "alice", str(tag.value), "case", "VD-2026-0001", ("title",))
        assert canonical(7, as_enum, "0" * 64) == canonical(7, as_text, "0" * 64)


@pytest.mark.parametrize(
    ("tag", "value"),
    [
        (AuditTag.CASE_REPORT_APPROVED, "case:report:approved"),
        (AuditTag.CASE_LEDGER_RECORDED, "case:ledger:recorded"),
        (AuditTag.CASE_OPENED, "case:case:opened"),
        (AuditTag.STORAGE_EVIDENCE_BOUND, "storage:evidence:bound"),
        (fact_tag("corrected"), "case:fact:corrected"),
        (member_tag("removed"), "case:member:removed"),
        (decision_tag("cross-border", "approved"), "case:decision:cross-border-approved"),
        (decision_tag("backdate", "recorded"), "case:decision:backdate-recorded"),
        (import_tag("opened"), "import:case:opened"),
    ],
)
def test_values_are_the_stored_ones(tag: AuditTag, value: str) -> None:
    assert isinstance(tag, AuditTag)
    assert tag == value


def test_a_combination_without_a_member_is_refused() -> None:
    with pytest.raises(ValueError, match="case:decision:waiver-approved"):
        decision_tag("waiver", "approved")
    with pytest.raises(ValueError, match="case:fact:forgotten"):
        fact_tag("forgotten")
