"""The one write path of public reports, from the API and the web form alike.

A report is planned outside the writer lock (`intake.prepare_report`), then stored in a
shared transaction (`SharedTransactions.run`) together with its idempotency key and its count
against the client's rate, so a stored report costs one durable commit shared with others.
Every request counts once against the client's rate: a stored report in its own transaction,
any other outcome (a replay, bad input, a refusal) on its own, as `count_request` does for
requests refused before they get here.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from vulndesk.domain.errors import Conflict, InvalidInput
from vulndesk.services.accounts.signin import Throttled
from vulndesk.services.context import Deps, joined
from vulndesk.services.intake.ports import IdempotencyKeyTaken, StoredResponse
from vulndesk.services.intake.public import (
    IntakeRequest,
    PreparedReport,
    prepare_report,
    store_report,
)
from vulndesk.services.intake.receipts import Rate, check_rate
from vulndesk.services.ports import UnitOfWork

# Where a reporter follows their report up (the API route), given in every receipt.
STATUS_URL = "/api/v1/intake/{tracking}/messages"
KEY_FIELD = "Idempotency-Key"


@dataclass(frozen=True, slots=True)
class Submission:
    """Who sent a report, under which idempotency key, and the hash of what they sent."""

    scope: str  # whose keys these are: the channel and the client's keyed address digest
    key: str
    digest: str  # the same key with another request is refused
    source: str  # the client's address, counted against the rate


@dataclass(frozen=True, slots=True)
class Received:
    """The answer to a submission: 201 with the receipt, the first answer again if replayed."""

    status: int
    body: dict[str, Any]
    replayed: bool = False


class KeyReused(InvalidInput):
    """The idempotency key was already used with a different request (HTTP 422)."""

    def __init__(self) -> None:
        super().__init__(
            KEY_FIELD, "was already used with a different request body", "a new unique key"
        )


# Work a channel adds to the transaction that stores a new report: (unit of work, receipt body).
Then = Callable[[UnitOfWork, dict[str, Any]], None]


class _OverRate(Exception):
    """Raised inside the shared transaction so that the report is undone."""


def count_request(deps: Deps, source: str, rate: Rate) -> None:
    """Count a request that is refused before it is received; Throttled over the rate."""
    wait = check_rate(deps, source, rate.limit, rate.seconds)
    if wait is not None:
        raise Throttled(wait, "too many reports from this address")


def receive(
    deps: Deps,
    req: IntakeRequest,
    sent: Submission,
    rate: Rate,
    *,
    unit: str | None = None,
    then: Then | None = None,
) -> Received:
    """Store a public report once per idempotency key, or replay the first answer.

    `then` runs in the report's own transaction with the receipt's body (a channel queues its
    acknowledgement there, so the report and its acknowledgement commit together, once).

    InvalidInput (bad report, `KeyReused`), Throttled (over the rate) and Conflict (the key
    is in use by a concurrent request) are raised after the request has been counted.
    """
    try:
        prepared = prepare_report(deps, req, unit=unit)
        got = _store_once(deps, prepared, sent, rate, then)
    except _OverRate:
        count_request(deps, sent.source, rate)  # counted outside the undone transaction
        raise Throttled(1, "too many reports from this address") from None
    except (InvalidInput, Conflict):
        count_request(deps, sent.source, rate)
        raise
    if got.replayed:
        count_request(deps, sent.source, rate)
    return got


def _store_once(
    deps: Deps, prepared: PreparedReport, sent: Submission, rate: Rate, then: Then | None
) -> Received:
    now = prepared.plan.now

    def attempt(uow: UnitOfWork) -> Received | StoredResponse:
        stored = uow.idempotency.get(sent.scope, sent.key)
        if stored is not None:
            return stored
        if uow.intake.hit(sent.source, rate.window(now)) > rate.limit:
            raise _OverRate
        got = store_report(joined(deps, uow), prepared)
        body = {
            "tracking": got.tracking,
            "token": got.token,
            "status_url": STATUS_URL.format(tracking=got.tracking),
        }
        text = json.dumps(body, ensure_ascii=False, sort_keys=True)
        uow.idempotency.put(sent.scope, sent.key, StoredResponse(sent.digest, 201, text), now)
        if then is not None:
            then(uow, body)
        return Received(201, body)

    for _attempt in range(2):
        try:
            got = deps.transactions().run(attempt)
        except IdempotencyKeyTaken:
            continue  # a concurrent twin committed first: read and replay its answer
        if isinstance(got, Received):
            return got
        if got.request_hash != sent.digest:
            raise KeyReused()
        return Received(got.status, json.loads(got.body), replayed=True)
    raise Conflict(f"{KEY_FIELD} is in use by a concurrent request; retry")
