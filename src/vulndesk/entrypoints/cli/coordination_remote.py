"""`vulndesk coord ...` through a server signed in to (cli/remote.py, decision 0047).

Each function calls `/api/v1/cases/{key}/coordination/...` (or `/api/v1/coordination/trace`,
`/api/v1/parties/{party}/purls`) and rebuilds from the answer the same records the local use
case returns, so the command prints exactly what it prints on a local database. Every POST
carries a fresh Idempotency-Key; refusals exit as `remote.check` maps them.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

from vulndesk.domain import watermark as wm
from vulndesk.domain.coordination import (
    Contact,
    Participant,
    ParticipantRole,
    ProductStatus,
    StatusCell,
    StatusStatement,
    VexJustification,
)
from vulndesk.domain.embargo import EmbargoEvent, EmbargoEventKind, fold
from vulndesk.domain.ids import PartyId, parse_case_key
from vulndesk.domain.threads import MessageFile, ThreadMessage
from vulndesk.entrypoints.cli import remote
from vulndesk.entrypoints.cli.common import errors
from vulndesk.services.coordination import embargo, participants, statuses, suggest, threads
from vulndesk.services.coordination.sharing import Refusal


def _key(case: str) -> str:
    with errors():
        return str(parse_case_key(case))


def _base(case: str) -> str:
    return f"/api/v1/cases/{quote(_key(case), safe='')}/coordination"


def _at(text: str | None) -> dt.datetime | None:
    return None if text is None else dt.datetime.fromisoformat(text)


def _when(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def _call(method: str, path: str, **kw: Any) -> Any:
    return remote.signed_in().call(method, path, **kw)


# participants


def _participant(case: str, p: dict[str, Any]) -> Participant:
    return Participant(
        id=int(p["id"]),
        case=_key(case),
        party=PartyId(p["party"]),
        role=ParticipantRole(p["role"]),
        people=tuple(Contact(c["name"], c["address"]) for c in p["people"]),
        invited_at=_when(p["invited_at"]),
        invited_by=p["invited_by"],
    )


def _row(case: str, p: dict[str, Any]) -> participants.ParticipantRow:
    return participants.ParticipantRow(
        _participant(case, p), p["party_name"], p["party_kind"], p["country"]
    )


def participant_rows(case: str) -> list[participants.ParticipantRow]:
    answer = _call("GET", _base(case) + "/participants")
    return [_row(case, p) for p in answer["participants"]]


def invite(case: str, party: str, role: str, people: Sequence[str]) -> Participant:
    body = {"party": party, "role": role, "people": list(people)}
    answer = _call("POST", _base(case) + "/participants", body=body, creating=True)
    return _participant(case, answer)


# statuses


def _statement(s: dict[str, Any] | None) -> StatusStatement | None:
    return None if s is None else _stated(s)


def _stated(s: dict[str, Any]) -> StatusStatement:
    return StatusStatement(
        id=int(s["id"]),
        participant=int(s["participant"]),
        product=s["product"],
        status=ProductStatus(s["status"]),
        statement=s["statement"],
        recorded_at=_when(s["recorded_at"]),
        recorded_by=s["recorded_by"],
        justification=VexJustification(s["justification"]) if s["justification"] else None,
        fixed_versions=tuple(s["fixed_versions"]),
        approved_at=_at(s["approved_at"]),
        approved_by=s["approved_by"],
    )


def record(
    case: str,
    participant: int,
    product: str,
    status: str,
    statement: str,
    justification: str | None,
    fixed: Sequence[str],
) -> StatusStatement:
    body = {
        "participant": participant,
        "product": product,
        "status": status,
        "statement": statement,
        "justification": justification,
        "fixed_versions": list(fixed),
    }
    return _stated(_call("POST", _base(case) + "/statuses", body=body, creating=True))


def approve(case: str, statement: int) -> StatusStatement:
    path = f"{_base(case)}/statuses/{int(statement)}/approval"
    return _stated(_call("POST", path, creating=True))


def board(case: str) -> statuses.Board:
    answer = _call("GET", _base(case) + "/statuses")
    cells = [
        StatusCell(
            participant=int(c["participant"]),
            product=c["product"],
            status=ProductStatus(c["status"]),
            since=_when(c["since"]),
            current=_statement(c["current"]),
            pending=_statement(c["pending"]),
        )
        for c in answer["cells"]
    ]
    return statuses.Board(cells, [_stated(s) for s in answer.get("statements", [])])


# the embargo


def _event(e: dict[str, Any]) -> EmbargoEvent:
    return EmbargoEvent(
        kind=EmbargoEventKind(e["kind"]),
        at=_when(e["at"]),
        by=e["by"],
        reason=e["reason"],
        participant=e["participant"],
        end=_at(e["end"]),
        zone=e["zone"],
        seen_where=e["seen_where"],
        seen_at=_at(e["seen_at"]),
        id=int(e["id"]),
    )


def _shown(answer: dict[str, Any]) -> embargo.Shown:
    return embargo.Shown(
        embargo=fold(_event(e) for e in answer["events"]),
        in_zone=answer["end_in_zone"],
        in_viewer_zone=answer["end_in_your_zone"],
        pending_in_zone=answer["pending_in_zone"],
        pending_in_viewer_zone=answer["pending_in_your_zone"],
        in_force=bool(answer["in_force"]),
    )


def show(case: str, zone: str) -> embargo.Shown:
    return _shown(_call("GET", _base(case) + "/embargo", params={"zone": zone}))


def act(case: str, kind: str, zone: str, /, **body: Any) -> tuple[embargo.Step, embargo.Shown]:
    """One embargo step (`kind` as the API names it); the step and the embargo after it."""
    answer = _call(
        "POST",
        _base(case) + "/embargo/events",
        body={"kind": kind, **body},
        params={"zone": zone},
        creating=True,
    )
    shown = _shown(answer)
    step = embargo.Step(
        event=shown.embargo.events[-1],
        embargo=shown.embargo,
        told=tuple(answer.get("told", ())),
        refused=tuple(
            Refusal(int(r["participant"]), r["party"], r["reason"])
            for r in answer.get("not_told", ())
        ),
    )
    return step, shown


# suggestions, the shared view, party purls


def suggestions(case: str) -> list[suggest.Suggestion]:
    answer = _call("GET", _base(case) + "/suggestions")
    return [
        suggest.Suggestion(
            party=PartyId(s["party"]),
            name=s["name"],
            role=ParticipantRole(s["role"]),
            reasons=tuple(s["reasons"]),
            invited=bool(s["invited"]),
        )
        for s in answer["suggestions"]
    ]


def _view(case: str, v: dict[str, Any]) -> participants.SharedView:
    return participants.SharedView(
        case=_key(case),
        participant=int(v["participant"]),
        party=v["party"],
        title=v["title"],
        fields=dict(v["fields"]),
        withheld=tuple(v["withheld"]),
        statuses=tuple((s[0], s[1], s[2]) for s in v["statuses"]),
        embargo=v["embargo"],
        stamped=v["text"],
        ref=v["watermark"],
    )


def preview(case: str, participant: int, format: str) -> participants.SharedView:
    path = f"{_base(case)}/participants/{int(participant)}/view"
    if format == "text":
        return _view(case, _call("GET", path))
    text = _call("GET", path, params={"format": format}, raw=True)
    document = json.loads(text)
    mark = document.pop("watermark")

    def plain(value: Any) -> Any:
        if isinstance(value, str):
            return wm.clean(value)
        if isinstance(value, list):
            return [plain(x) for x in value]
        if isinstance(value, dict):
            return {k: plain(x) for k, x in value.items()}
        return value

    clean = plain(document)
    return participants.SharedView(
        case=_key(case),
        participant=int(clean["participant"]),
        party=clean["party"],
        title=clean["title"],
        fields=dict(clean["fields"]),
        withheld=tuple(clean["withheld"]),
        statuses=tuple((s[0], s[1], s[2]) for s in clean["statuses"]),
        embargo=clean["embargo"],
        stamped=text,
        ref=mark["ref"],
    )


def share(case: str, participant: int) -> tuple[participants.SharedView, str]:
    path = f"{_base(case)}/participants/{int(participant)}/shares"
    answer = _call("POST", path, creating=True)
    return _view(case, answer), str(answer["ledger"])


def set_party_purls(party: str, purls: Sequence[str]) -> tuple[str, ...]:
    path = f"/api/v1/parties/{quote(party.strip(), safe='')}/purls"
    return tuple(_call("PUT", path, body={"purls": list(purls)})["purls"])


# threads


def _message(case: str, m: dict[str, Any]) -> ThreadMessage:
    return ThreadMessage(
        id=int(m["id"]),
        case=_key(case),
        participant=m["participant"],
        author=m["author"],
        at=_when(m["at"]),
        body=m["body"],
        sha256=m["sha256"],
        files=tuple(
            MessageFile(int(m["id"]), f["name"], f["media_type"], int(f["size"]), f["sha256"])
            for f in m.get("attachments", [])
        ),
    )


def _thread(thread: str) -> str:
    return quote(thread.strip(), safe="")


def post(
    case: str, thread: str, body: str, files: Sequence[tuple[str, bytes]] = ()
) -> threads.Posted:
    path = f"{_base(case)}/threads/{_thread(thread)}/messages"
    attachments = [
        {"name": name, "content_base64": base64.b64encode(content).decode()}
        for name, content in files
    ]
    answer = _call("POST", path, body={"body": body, "attachments": attachments}, creating=True)
    return threads.Posted(_message(case, answer), tuple(answer["ledger"]))


def read(case: str, thread: str, limit: int) -> list[ThreadMessage]:
    path = f"{_base(case)}/threads/{_thread(thread)}/messages"
    answer = _call("GET", path, params={"limit": limit})
    return [_message(case, m) for m in answer["messages"]]


# tracing a leaked copy


def trace(text: str) -> list[dict[str, object]]:
    answer = _call("POST", "/api/v1/coordination/trace", body={"text": text})
    return [
        {
            "case": f["case"],
            "participant": f["participant"],
            "party": f["party"],
            "recipient": f["recipient"],
            "kind": f["kind"],
            "at": _when(f["at"]).isoformat(),
            "by": f["by"],
            "ref": f["ref"],
            "document_sha256": f["document_sha256"],
            "found_by": f["found_by"],
        }
        for f in answer["found"]
    ]
