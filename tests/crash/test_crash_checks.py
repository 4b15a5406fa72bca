"""The crash checks themselves: each one fails on the damage it exists to find."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from tests.crash import checks
from tests.crash.harness import Stack, report_body
from vulndesk.domain.audit_tags import AuditTag
from vulndesk.services.context import Actor
from vulndesk.services.intake import public as intake

pytestmark = pytest.mark.xdist_group("crash")


def _submit(stack: Stack, key: str) -> str:
    c = stack.container()
    try:
        body: dict[str, Any] = report_body(key)
        req = intake.IntakeRequest(**body, channel="api", source_address="127.0.0.1")
        return intake.submit_report(c.deps(), req, unit="hq").tracking
    finally:
        c.close()


def test_check_intake_finds_lost_and_doubled_reports(tmp_path: Path) -> None:
    stack = Stack(tmp_path)
    stack.prepare()
    acked = {"k1": _submit(stack, "k1")}
    with pytest.raises(AssertionError, match="idempotency records differ"):
        checks.check_intake(stack, acked)  # stored without an idempotency record
    with pytest.raises(AssertionError, match="lost"):
        checks.check_intake(stack, acked | {"k2": "R-000000000000"})
    _submit(stack, "k1")
    with pytest.raises(AssertionError, match="more than once"):
        checks.check_intake(stack, acked)


def test_check_outbox_finds_unsent_and_twice_audited(tmp_path: Path) -> None:
    stack = Stack(tmp_path)
    stack.prepare()
    now = dt.datetime.now(dt.UTC)
    c = stack.container()
    try:
        with c.uow() as uow:
            uow.outbox.enqueue("escalation", "c/o/d/50", {}, now)
            uow.commit()
        with pytest.raises(AssertionError, match="not sent"):
            checks.check_outbox(stack)
        assert checks.check_outbox(stack, all_sent=False) == 0
        with c.uow() as uow:
            for _ in range(2):
                uow.audit.append(
                    Actor("w", "worker").event(
                        now, AuditTag.WORKER_ESCALATION_DELIVERED, "case", "c", obligation="o"
                    )
                )
            uow.commit()
    finally:
        c.close()
    with pytest.raises(AssertionError, match="audited twice"):
        checks.check_outbox(stack, all_sent=False)
