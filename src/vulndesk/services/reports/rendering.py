"""A stored draft as its recipient gets it: rebuilt from its JSON, rendered, compared.

The use cases that read drafts this way (`drafts.preview`, `drafts.diff_draft`) audit the read.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from vulndesk.domain.disclosure import Sensitivity
from vulndesk.domain.drafts import DraftRecord
from vulndesk.domain.errors import InvalidInput
from vulndesk.domain.ids import CaseKey, PartyId
from vulndesk.domain.parties import Party
from vulndesk.exporters.reports.model import (
    Report,
    ReportField,
    ReportSection,
    Stage,
    to_html,
    to_markdown,
)

FORMATS = ("json", "md", "html", "pdf")


class PdfRenderer(Protocol):
    """Turns a standalone HTML document into PDF bytes."""

    def render(self, html: str) -> bytes: ...


def report_from_json(content: str, recipient: Party) -> Report:
    """The report a stored draft shows, rebuilt from its JSON without adding anything."""
    doc: dict[str, Any] = json.loads(content)
    fields: dict[str, list[ReportField]] = {}
    for f in doc["fields"]:
        fields.setdefault(f["section"], []).append(
            ReportField(
                f["key"],
                f["label_zh"],
                f["label_en"],
                tuple(f["values"]),
                Sensitivity(f["sensitivity"]),
            )
        )
    found = tuple(
        ReportSection(s["key"], s["label_zh"], s["label_en"], tuple(fields.get(s["key"], ())))
        for s in doc["sections"]
    )
    return Report(
        kind=doc["kind"],
        stage=Stage(doc["stage"]),
        case=CaseKey(doc["case"]),
        recipient=recipient,
        title_zh=doc["title"]["zh-CN"],
        title_en=doc["title"]["en"],
        citation=doc["citation"],
        language=doc["language"],
        generated_at=dt.datetime.fromisoformat(doc["generated_at"]),
        withheld=tuple(Sensitivity(s) for s in doc["withheld_classes"]),
        sections=found,
    )


def render(record: DraftRecord, recipient: Party, fmt: str, pdf: PdfRenderer | None) -> bytes:
    """The draft in one format, exactly as the recipient would receive it."""
    if fmt == "json":
        return record.draft.content.encode("utf-8")
    report = report_from_json(record.draft.content, recipient)
    if fmt == "md":
        return to_markdown(report).encode("utf-8")
    if fmt == "html":
        return to_html(report).encode("utf-8")
    if fmt == "pdf" and pdf is not None:
        return pdf.render(to_html(report))
    raise InvalidInput("format", f"{fmt!r} is not a preview format", ", ".join(FORMATS))


def field_values(content: str) -> Mapping[str, tuple[str, ...]]:
    """`section.field` -> values, for field-level comparison."""
    doc = json.loads(content)
    return {f"{f['section']}.{f['key']}": tuple(f["values"]) for f in doc["fields"]}


@dataclass(frozen=True, slots=True)
class DraftDiff:
    """How `right` differs from `left`: a unified diff of the Markdown and field-level changes."""

    left: str
    right: str
    unified: str
    added: tuple[str, ...]
    removed: tuple[str, ...]
    changed: tuple[str, ...]


def diff_records(
    left: DraftRecord, right: DraftRecord, parties: Mapping[PartyId, Party]
) -> DraftDiff:
    """How `right` differs from `left` (each shown to its own recipient in `parties`)."""
    import difflib

    def md(r: DraftRecord) -> list[str]:
        text = to_markdown(report_from_json(r.draft.content, parties[r.draft.recipient]))
        return text.splitlines(keepends=True)

    unified = "".join(difflib.unified_diff(md(left), md(right), left.ref, right.ref))
    a, b = field_values(left.draft.content), field_values(right.draft.content)
    return DraftDiff(
        left.ref,
        right.ref,
        unified,
        tuple(k for k in b if k not in a),
        tuple(k for k in a if k not in b),
        tuple(k for k in b if k in a and a[k] != b[k]),
    )
