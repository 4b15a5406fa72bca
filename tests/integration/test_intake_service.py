"""Intake use cases: receipt log and its retention, duplicate suggestions, messages."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

import pytest

from tests.builders import open_case, seed_reference
from vulndesk.adapters.clock import SettableClock
from vulndesk.bootstrap import Container
from vulndesk.domain.errors import InvalidInput, NotFound
from vulndesk.services.access.rights import Principal
from vulndesk.services.cases import lifecycle as cases
from vulndesk.services.cases import reference
from vulndesk.services.intake import duplicates as intake_duplicates
from vulndesk.services.intake import public as intake
from vulndesk.services.intake import receipts as intake_receipts


def _report(container: Container, **kw: str) -> intake.IntakeReceipt:
    fields: dict[str, Any] = {
        "product": "router",
        "version": "1.0",
        "description": "Heap overflow in the httpd request parser via long Host header",
        "steps": "send a 70000 byte Host header",
        "impact": "remote code execution",
        "source_address": "203.0.113.9",
    } | kw
    return intake.submit_report(container.deps(), intake.IntakeRequest(**fields))


@pytest.fixture
def seeded(container: Container, actor: Principal) -> Container:
    seed_reference(container.deps(), actor)
    return container


def test_receipt_logs_time_channel_keyed_source_hash_size(seeded: Container) -> None:
    got = _report(seeded, channel="web")
    [receipt] = intake_receipts.receipts(seeded.deps())
    assert receipt.tracking == got.tracking
    assert receipt.channel == "web"
    assert receipt.at == dt.datetime(2026, 11, 2, 1, 0, tzinfo=dt.UTC)
    assert receipt.size > 0
    assert len(receipt.source_hmac) == 64
    assert receipt.source_hmac != hashlib.sha256(b"203.0.113.9").hexdigest()
    assert "203.0.113.9" not in receipt.source_hmac


def test_purge_refuses_entries_younger_than_six_shanghai_months(
    seeded: Container, actor: Principal, clock: SettableClock
) -> None:
    _report(seeded)
    clock.set(dt.datetime(2027, 5, 1, 17, 0, tzinfo=dt.UTC))  # 2027-05-02 01:00 in Shanghai
    with pytest.raises(InvalidInput) as refused:
        intake_receipts.purge_receipts(seeded.deps(), actor, dt.date(2026, 11, 3))
    assert "6 months" in refused.value.problem
    assert "2026-11-02" in (refused.value.accepted or "")
    assert len(intake_receipts.receipts(seeded.deps())) == 1
    assert intake_receipts.purge_receipts(seeded.deps(), actor, dt.date(2026, 11, 2)) == 0
    clock.set(dt.datetime(2027, 5, 2, 17, 0, tzinfo=dt.UTC))
    assert intake_receipts.purge_receipts(seeded.deps(), actor, dt.date(2026, 11, 3)) == 1
    assert intake_receipts.receipts(seeded.deps()) == []


@pytest.mark.parametrize(
    ("now", "floor"),
    [
        (dt.datetime(2027, 8, 30, 16, 30, tzinfo=dt.UTC), "2027-02-28"),  # 08-31 local
        (dt.datetime(2028, 8, 30, 16, 30, tzinfo=dt.UTC), "2028-02-29"),
        (dt.datetime(2027, 1, 15, 0, 0, tzinfo=dt.UTC), "2026-07-15"),
    ],
)
def test_retention_floor_counts_calendar_months_in_shanghai(now: dt.datetime, floor: str) -> None:
    assert (
        intake_receipts.retention_floor(now).astimezone(intake_receipts.SHANGHAI).date().isoformat()
        == floor
    )


def test_duplicate_suggestion_finds_the_similar_case(seeded: Container, actor: Principal) -> None:
    deps = seeded.deps()
    similar = open_case(
        deps,
        actor,
        title="Heap overflow in httpd",
        details={
            "technical_characteristics": "Heap overflow in the httpd request parser via Host header"
        },
    )
    open_case(
        deps,
        actor,
        title="Weak TLS ciphers",
        details={"technical_characteristics": "RC4 suites offered on the management port"},
    )
    got = _report(seeded)
    suggestions = intake_duplicates.suggest_duplicates(deps, actor, got.tracking)
    assert [s.case for s in suggestions] == [similar.key]
    assert suggestions[0].score >= 0.5


def test_messages_need_the_token(seeded: Container, actor: Principal) -> None:
    got = _report(seeded)
    intake.reply(seeded.deps(), actor, got.tracking, "Thanks, we are looking")
    status = intake.report_status(seeded.deps(), got.tracking, got.token)
    assert [(m.author, m.body) for m in status.messages] == [("team", "Thanks, we are looking")]
    with pytest.raises(NotFound):
        intake.post_message(seeded.deps(), got.tracking, got.token[:-1] + "x", "hi")


def test_unknown_unit_or_language_is_refused(seeded: Container) -> None:
    with pytest.raises(InvalidInput) as bad:
        _report(seeded, language="fr")
    assert bad.value.field == "language"


def test_a_report_is_filed_under_the_unit_that_makes_the_product(
    seeded: Container, actor: Principal
) -> None:
    """The maker's unit carries the duty to act; unknown products go to the intake unit."""
    reference.add_product(
        seeded.deps(),
        actor,
        reference.ProductInput(
            id="cam",
            vendor="Acme",
            name="Camera",
            model="K",
            versions=("1.0",),
            markets=("CN",),
            owner_unit="cn",
        ),
    )

    def unit_of(receipt: intake.IntakeReceipt) -> str:
        return str(cases.show_case(seeded.deps(), actor, receipt.case_key).case.unit)

    assert unit_of(_report(seeded, product="cam")) == "cn"
    assert unit_of(_report(seeded, product="no-such-thing")) == "hq"
    configured = intake.IntakeRequest(
        product="cam", version="1.0", description="Overflow in the RTSP parser."
    )
    assert unit_of(intake.submit_report(seeded.deps(), configured, unit="de")) == "cn"
    unknown = intake.IntakeRequest(product="other", description="Overflow in the RTSP parser.")
    assert unit_of(intake.submit_report(seeded.deps(), unknown, unit="de")) == "de"
