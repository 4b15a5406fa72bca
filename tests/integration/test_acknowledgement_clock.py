"""The reporter acknowledgement clock (house-sla/acknowledge), on both engines.

A public report records `reported` and starts a three-working-day clock; the team's first
reply records `reporter_acknowledged` and meets it; the reporter's own messages do not; the
reporter sees it on the status page and in the status API; a case found by the team itself
owes no acknowledgement.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
import warnings
from zoneinfo import ZoneInfo

from fastapi import FastAPI

from tests.builders import open_case, seed_reference
from tests.integration.test_intake_api import REPORT
from vulndesk.adapters.clock import SettableClock
from vulndesk.bootstrap import Container
from vulndesk.domain.facts import FactKind
from vulndesk.domain.ids import CaseKey
from vulndesk.entrypoints.api.intake import build_router
from vulndesk.entrypoints.web import public_form
from vulndesk.services.audit import checkpoints as audit_tools
from vulndesk.services.context import Actor
from vulndesk.services.intake import public as intake

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", "Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

ACK = "house-sla/acknowledge"
# The router's maker is the US headquarters: START is Sunday 2026-11-01 17:00 in Los Angeles,
# three US working days are Monday to Wednesday, so the acknowledgement is due at the start
# of Thursday, Los Angeles time.
DUE = dt.datetime(2026, 11, 5, 0, 0, tzinfo=ZoneInfo("America/Los_Angeles"))


def _ack(container: Container, key: str) -> tuple[str, dt.datetime | None, dt.datetime | None]:
    with container.uow() as uow:
        [found] = [o for o in uow.obligations.for_case(CaseKey(key)) if o.id == ACK]
    return found.status.value, found.due, found.met_at


def _client(container: Container) -> TestClient:
    app = FastAPI()
    app.include_router(build_router(container))
    app.include_router(public_form.build_router(container))
    return TestClient(app, base_url="https://testserver")


def test_the_first_team_reply_meets_the_acknowledgement(
    container: Container, clock: SettableClock, actor: Actor
) -> None:
    deps = container.deps()
    seed_reference(deps, actor)
    client = _client(container)
    made = client.post(
        "/api/v1/intake", json=REPORT, headers={"Idempotency-Key": str(uuid.uuid4())}
    )
    assert made.status_code == 201, made.text
    tracking, token = made.json()["tracking"], made.json()["token"]
    first = intake.report_status(deps, tracking, token)
    with container.uow() as uow:
        case_key = uow.intake.get(tracking).case_key
        assert case_key is not None
        assert FactKind.REPORTED in uow.cases.get(CaseKey(case_key)).instants
    assert _ack(container, case_key) == ("open", DUE, None)
    assert first.acknowledge is not None and first.acknowledge.due == DUE.astimezone(dt.UTC)

    intake.post_message(deps, tracking, token, "any news?")  # the reporter's own message
    assert _ack(container, case_key)[0] == "open"
    clock.advance(dt.timedelta(days=1))
    replied_at = clock.now()
    intake.reply(deps, actor, tracking, "Thank you, we are looking into it.")
    assert _ack(container, case_key) == ("met", DUE, replied_at)
    clock.advance(dt.timedelta(hours=1))
    intake.reply(deps, actor, tracking, "Reproduced.")  # later replies change nothing
    assert _ack(container, case_key) == ("met", DUE, replied_at)
    assert audit_tools.verify(deps).ok

    bearer = {"Authorization": f"Bearer {token}"}
    shown = client.get(f"/api/v1/intake/{tracking}/messages", headers=bearer).json()
    assert shown["acknowledgement"] == {
        "due": DUE.astimezone(dt.UTC).isoformat(),
        "status": "met",
        "acknowledged_at": replied_at.isoformat(),
    }
    form = client.get("/report/status").text
    csrf = re.search(r'name="csrf" value="([^"]*)"', form)
    assert csrf
    page = client.post(
        "/report/status", data={"csrf": csrf.group(1), "tracking": tracking, "token": token}
    )
    assert page.status_code == 200
    assert f"Acknowledged {replied_at.strftime('%Y-%m-%d %H:%M')} UTC" in page.text


def test_a_late_first_reply_is_met_late_and_shown_as_such(
    container: Container, clock: SettableClock, actor: Actor
) -> None:
    deps = container.deps()
    seed_reference(deps, actor)
    got = intake.submit_report(
        deps, intake.IntakeRequest(product="router", description="overflow", source_address="")
    )
    clock.advance(dt.timedelta(days=6))
    status = intake.report_status(deps, got.tracking, got.token)
    assert status.acknowledge is not None and status.acknowledge.status in {"open", "overdue"}
    intake.reply(deps, actor, got.tracking, "Sorry for the delay.")
    assert _ack(container, got.case_key)[0] == "met_late"
    shown = intake.report_status(deps, got.tracking, got.token).acknowledge
    assert shown is not None and shown.status == "met_late"


def test_a_case_the_team_found_itself_owes_no_acknowledgement(
    container: Container, actor: Actor
) -> None:
    deps = container.deps()
    seed_reference(deps, actor)
    case = open_case(deps, actor)
    with container.uow() as uow:
        assert ACK not in {o.id for o in uow.obligations.for_case(case.key)}
