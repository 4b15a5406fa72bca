"""Per-recipient watermarks on SQLite and PostgreSQL: every copy of the shared view carries a
visible line and an invisible token; a re-wrapped, partial or stripped copy still traces to its
recipient; two recipients get different tokens; trace is need-to-know and audited."""

from __future__ import annotations

import hashlib
import json
import textwrap

import pytest
from sqlalchemy import select

from tests.builders import open_case, seed_reference
from vulndesk.adapters.storage.tables.coordination import coord_watermarks
from vulndesk.bootstrap import Container
from vulndesk.domain import watermark as wm
from vulndesk.domain.audit_tags import AuditTag
from vulndesk.domain.errors import Forbidden, InvalidInput
from vulndesk.services.access import rights as access
from vulndesk.services.access.rights import Principal
from vulndesk.services.cases import reference
from vulndesk.services.context import Deps
from vulndesk.services.coordination import participants, watermark
from vulndesk.services.disclosure import ledger

CANARY = "CANARY-WM-RECIPIENT-51c2"
DETAILS = {
    "summary": "Heap overflow in the web server when a long header arrives over the network.",
    "remediation": "Update to 2.0, or disable remote management until then.",
}


def who(name: str, *roles: str) -> Principal:
    return access.person(name, frozenset(roles), "cn", "test")


LEAD = who("lead", "coordinator")


@pytest.fixture
def key(deps: Deps, actor: Principal) -> str:
    seed_reference(deps, actor)
    reference.add_party(
        deps, actor, id="eu-maker", name="EU Maker", kind="downstream_maker", country="DE"
    )
    return str(open_case(deps, actor, details=DETAILS).key)


def _rewrap(text: str) -> str:
    """What a mail client or an editor may do: join each paragraph and wrap it at 30."""
    paragraphs = [" ".join(p.split()) for p in text.split("\n\n")]
    return "\n\n".join(textwrap.fill(p, 30) for p in paragraphs)


def test_a_stamped_copy_traces_to_its_recipient_however_it_is_cut(
    deps: Deps, key: str, container: Container
) -> None:
    supplier = participants.invite(
        deps, LEAD, key, "openssl", "upstream_supplier", [f"{CANARY} <psirt@openssl.example>"]
    )
    maker = participants.invite(deps, LEAD, key, "eu-maker", "downstream_maker", ["m@eu.example"])
    one = participants.shared_view(deps, LEAD, key, supplier.id)
    two = participants.shared_view(deps, LEAD, key, maker.id)
    assert one.stamped.splitlines()[0].startswith("Shared")
    assert f"{CANARY} <psirt@openssl.example> (openssl) on " in wm.clean(one.stamped)
    assert f"· ref {one.ref}" in one.stamped
    assert wm.clean(one.stamped).endswith(one.text())  # the document itself is unchanged
    assert wm.tokens_in(one.stamped) != wm.tokens_in(two.stamped)
    assert one.ref != two.ref

    def traced(text: str) -> list[tuple[int, str, str]]:
        return [
            (f.mark.participant, f.mark.recipient, f.how) for f in watermark.trace(deps, LEAD, text)
        ]

    expect = [(supplier.id, f"{CANARY} <psirt@openssl.example>", "invisible")]
    assert traced(one.stamped) == expect
    assert traced(_rewrap(one.stamped)) == expect
    without_line = "\n".join(one.stamped.splitlines()[1:])
    assert one.ref not in without_line and traced(without_line) == expect
    # one paragraph copied out of the middle, its first word cut off
    middle = next(p for p in one.stamped.split("\n") if "remediation" in p)
    assert traced(middle.split(" ", 1)[0][-120:] + " Update") == expect
    # only the visible line survived (the zero-width characters were stripped)
    assert traced(wm.clean(one.stamped.splitlines()[0])) == [
        (supplier.id, f"{CANARY} <psirt@openssl.example>", "ref")
    ]
    assert traced(wm.clean(without_line)) == []
    assert traced(one.stamped + two.stamped) == [*expect, (maker.id, "m@eu.example", "invisible")]
    # the recipient is sealed at rest; the row keeps the digest of the stamped document
    with container.engine.connect() as conn:
        rows = conn.execute(select(coord_watermarks)).all()
    assert len(rows) == 2
    assert all(CANARY.encode() not in r._mapping["recipient_enc"] for r in rows)
    assert {r._mapping["ref"] for r in rows} == {one.ref, two.ref}


def test_the_json_download_carries_the_token_in_a_field_and_in_its_strings(
    deps: Deps, key: str
) -> None:
    supplier = participants.invite(deps, LEAD, key, "openssl", "upstream_supplier", ["a@o.org"])
    view = participants.shared_view(deps, LEAD, key, supplier.id, "json")
    document = json.loads(view.stamped)
    assert document["watermark"]["ref"] == view.ref
    assert wm.tokens_in(document["title"]) == wm.tokens_in(document["fields"]["summary"])
    [found] = watermark.trace(deps, LEAD, json.dumps(document))  # escaped as \u200b
    assert (found.mark.kind, found.how) == ("preview-json", "invisible")
    only_field = json.dumps({"watermark": document["watermark"]["token"]})
    assert [f.mark.ref for f in watermark.trace(deps, LEAD, only_field)] == [view.ref]
    with pytest.raises(InvalidInput, match="format"):
        participants.shared_view(deps, LEAD, key, supplier.id, "pdf")


def test_the_ledger_keeps_the_stamped_text_sent(deps: Deps, key: str) -> None:
    supplier = participants.invite(deps, LEAD, key, "openssl", "upstream_supplier", ["a@o.org"])
    view, entry = participants.share(deps, LEAD, key, supplier.id)
    kept = ledger.show_entry(deps, LEAD, entry.id)
    assert kept.entry.content == view.stamped
    assert kept.entry.sha256 == hashlib.sha256(view.stamped.encode()).hexdigest()
    [found] = watermark.trace(deps, LEAD, kept.entry.content)
    assert (found.mark.kind, found.mark.document_sha256) == ("share", kept.entry.sha256)


def test_stamp_for_another_export_inside_a_transaction(deps: Deps, key: str) -> None:
    supplier = participants.invite(deps, LEAD, key, "openssl", "upstream_supplier", ["a@o.org"])
    out = watermark.stamp(
        deps, LEAD, key, supplier.id, "portal:wang-fang", "Advisory draft\n\nBody.", "portal-export"
    )
    with deps.uow() as uow:
        inner = watermark.stamp(
            deps, LEAD, key, supplier.id, "portal:li", '{"a": "b"}', "portal-json", "json", uow
        )
        uow.commit()
    assert "Shared with portal:wang-fang (openssl)" in wm.clean(out)
    assert json.loads(inner)["a"] != "b" and wm.clean(json.loads(inner)["a"]) == "b"
    got = [(f.mark.recipient, f.mark.kind) for f in watermark.trace(deps, LEAD, out + inner)]
    assert got == [("portal:wang-fang", "portal-export"), ("portal:li", "portal-json")]
    with pytest.raises(InvalidInput, match="participant"):
        watermark.stamp(deps, LEAD, key, 9999, "x", "doc", "portal-export")
    with pytest.raises(InvalidInput, match="document"):
        watermark.stamp(deps, LEAD, key, supplier.id, "x", "not json", "p", "json")


def test_trace_is_need_to_know_and_audited(deps: Deps, key: str) -> None:
    supplier = participants.invite(deps, LEAD, key, "openssl", "upstream_supplier", ["a@o.org"])
    view = participants.shared_view(deps, LEAD, key, supplier.id)
    outsider = who("outsider", "analyst")  # a case reader who is no member of the case
    assert watermark.trace(deps, outsider, view.stamped) == []
    assert watermark.trace(deps, outsider, "nothing in here") == []
    with pytest.raises(Forbidden):
        watermark.trace(deps, who("nobody"), view.stamped)
    assert len(watermark.trace(deps, LEAD, view.stamped)) == 1
    with deps.uow() as uow:
        on_case = [e.event for e in uow.audit.for_object("case", key)]
        searches = [e.event for e in uow.audit.for_object("coordination", "trace")]
    issued = [e for e in on_case if e.tag == AuditTag.CASE_COORD_WATERMARK_ISSUED]
    assert [e.detail["ref"] for e in issued] == [view.ref]
    traced = [e for e in on_case if e.tag == AuditTag.CASE_COORD_WATERMARK_TRACED]
    assert [e.actor for e in traced] == ["lead"]  # the outsider's searches name no case
    assert sorted((e.actor, e.detail["found"]) for e in searches) == [
        ("lead", "1"),
        ("outsider", "0"),
        ("outsider", "0"),
    ]
    assert AuditTag.CASE_DETAILS_READ in [e.tag for e in on_case]
