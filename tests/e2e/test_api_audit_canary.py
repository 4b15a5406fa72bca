"""Audit events name fields and ids, never values: a canary typed everywhere never reaches them.

One unique string goes into every free-text and case value the API and the console accept
(title, attachment file name, reporter contact and report text, fact evidence, transition and
decision reasons, justification, ledger text, waiver reason, publication notes, shares,
messages both ways); then every audit event is read three ways (the chain in the
database, `/api/v1/cases/KEY/audit` as an auditor and as an administrator, the console's case
page) and none may contain it. On both engines.
"""

from __future__ import annotations

import itertools
import json
from typing import Any

from tests.e2e.test_api_support import World, world
from vulndesk.domain.audit import canonical
from vulndesk.services.intake import public as intake

__all__ = ["world"]

LEAK = "auditleak-4b2e"  # compared case-insensitively: some fields are folded
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
NOW = "2026-11-02T01:00:00+00:00"
_keys = itertools.count()


def _post(w: World, user: str, path: str, body: Any, method: str = "POST") -> Any:
    headers = w.headers(user, **{"Idempotency-Key": f"leak-{next(_keys)}"})
    r = w.client.request(method, path, headers=headers, json=body)
    assert r.status_code in {200, 201}, (path, r.text)
    return r.json()


def _intake(w: World) -> tuple[str, str, str]:
    """A public report with the canary in its text, contact and attachment name."""
    report = {
        "product": "router",
        "version": "1.0",
        "description": f"Overflow {LEAK} in the login handler",
        "steps": f"POST /login {LEAK}",
        "impact": f"Remote code execution {LEAK}",
        "contact": f"{LEAK}@example.org",
        "language": "en",
    }
    r = w.client.post(
        "/api/v1/intake",
        data=report,
        files=[("attachments", (f"{LEAK}.png", PNG, "application/octet-stream"))],
        headers={"Idempotency-Key": "leak-intake"},
    )
    assert r.status_code == 201, r.text
    tracking, token = r.json()["tracking"], r.json()["token"]
    with w.container.uow() as uow:
        record = uow.intake.get(tracking)
        [stored] = uow.intake.attachments(tracking)
    assert stored.name.lower().startswith(LEAK)
    return tracking, token, record.case_key


def _console(w: World, user: str) -> dict[str, str]:
    r = w.client.post(
        "/api/v1/session", json={"name": user, "password": _password(), "totp": w.totp(user)}
    )
    assert r.status_code == 200, r.text
    return {"Cookie": f"vd_session={r.cookies['vd_session']}"}


def _password() -> str:
    from tests.e2e.test_api_support import PASSWORD

    return PASSWORD


def _plant(w: World, key: str, tracking: str, token: str) -> None:
    case = f"/api/v1/cases/{key}"
    _post(w, "coordinator", case, {"title": f"Title {LEAK}"}, "PATCH")
    _post(w, "coordinator", case + "/facts", {"kind": "verified", "evidence": f"lab {LEAK}"})
    _post(w, "coordinator", case + "/transitions", {"to": "triage", "reason": f"why {LEAK}"})
    _post(w, "coordinator", case + "/drafts", {"kind": "nvdb", "recipient": "nvdb"})
    draft = case + "/drafts/nvdb/nvdb/1"
    _post(w, "admin", draft + "/justifications", {"reason": f"equal {LEAK}"})
    decision = {
        "kind": "exception",
        "recipient": "nvdb",
        "reason": f"because {LEAK}",
        "fields": ["scope_of_impact"],
    }
    _post(w, "admin", case + "/decisions", decision)
    release = {"kind": "release", "recipient": "nvdb", "reason": f"duty call {LEAK}"}
    released = _post(w, "admin", case + "/decisions", release)
    _post(w, "coordinator", case + "/members/approver", None, method="PUT")
    _post(w, "approver", f"{case}/decisions/{released['id']}/approvals", {})
    ledger = {"recipient": "nvdb", "kind": "other", "at": NOW, "said": f"a call {LEAK}"}
    _post(w, "coordinator", case + "/ledger", ledger)
    waiver = {"obligation": "cn-rmsv-2021/report-to-nvdb", "reason": f"n/a {LEAK}"}
    proposed = _post(w, "coordinator", case + "/waivers", waiver)
    _post(w, "approver", f"{case}/waivers/{proposed['id']}/approvals", None)
    note = {"kind": "attachment_cleared", "subject": f"file {LEAK}", "note": f"read {LEAK}"}
    _post(w, "admin", case + "/publication-decisions", note)
    share = {"recipient": f"Lab {LEAK}", "country": "US", "note": f"sent {LEAK}"}
    _post(w, "coordinator", case + "/shares", share)
    intake.post_message(w.container.deps(), tracking, token, f"more {LEAK}")
    intake.reply(w.container.deps(), w.admin_actor, tracking, f"thanks {LEAK}")
    # The console reads the case, its thread and the attachment (each read is audited).
    cookie = _console(w, "coordinator")
    page = w.client.get(f"/cases/{key}", headers=cookie)
    assert page.status_code == 200 and LEAK in page.text.lower()
    with w.container.uow() as uow:
        [stored] = uow.intake.attachments(tracking)
    got = w.client.get(f"/cases/{key}/attachments/{stored.sha256}", headers=cookie)
    assert got.status_code == 200 and got.content == PNG


def test_no_audit_event_carries_a_value_typed_into_a_case(world: World) -> None:
    tracking, token, key = _intake(world)
    _plant(world, key, tracking, token)
    with world.container.uow() as uow:
        events = uow.audit.events()
    tags = {e.event.tag for e in events}
    # The planting reached every kind of event it meant to.
    assert {
        "case:attachment:read",
        "case:case:updated",
        "case:fact:recorded",
        "case:state:changed",
        "case:decision:exception-recorded",
        "case:ledger:recorded",
        "case:obligation:waiver-proposed",
        "case:obligation:waived",
        "publication:share:recorded",
        "publication:decision:recorded",
        "intake:message:posted",
        "intake:message:replied",
    } <= tags, sorted(tags)
    for e in events:
        text = canonical(e.seq, e.event, e.prev_hash).decode().lower()
        assert LEAK not in text, (e.event.tag, text)
    for user in ("auditor", "admin", "coordinator"):
        r = world.client.get(f"/api/v1/cases/{key}/audit", headers=world.headers(user))
        assert r.status_code == 200, (user, r.text)
        assert len(r.json()) >= 8 and LEAK not in r.text.lower(), user
        assert "case:attachment:read" in {e["tag"] for e in r.json()}
    shown = [json.dumps(e["detail"]) for e in r.json() if e["tag"] == "case:attachment:read"]
    assert shown and all(LEAK not in d.lower() for d in shown)
