"""The demo's coordinated disclosure, built through the coordination use cases by demo
accounts: the lead invites the chip supplier, the OEM and CNCERT, proposes an embargo that
each participant accepts, records what each says of the case's products (approved by a
second person) and posts a few messages, each told through the disclosure guard and kept in
the ledger."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from vulndesk.services.context import Deps
from vulndesk.services.coordination import embargo, participants, statuses, threads
from vulndesk.services.demo import content
from vulndesk.services.demo.content import Demo
from vulndesk.services.demo.replay import account, case_by_title
from vulndesk.services.reports import approvals


@dataclass(frozen=True, slots=True)
class Loaded:
    """The coordinated case and how much of it the demo recorded."""

    case: str
    participants: int
    statements: int
    messages: int


def embargo_end(days: int, time: str, now: dt.datetime) -> str:
    """The embargo's end: `days` after `now`'s date at wall-clock `time` (in the embargo's zone)."""
    return f"{(now + dt.timedelta(days=days)).date().isoformat()}T{time}"


def load(deps: Deps, demo: Demo | None = None) -> Loaded:
    seed = (demo or content.read()).coordination
    key = str(case_by_title(deps, seed.case))
    lead, second = account(deps, seed.lead), account(deps, seed.second)
    ids: dict[str, int] = {}
    for p in seed.participants:
        ids[p.party] = participants.invite(deps, lead, key, p.party, p.role, p.people).id
    end = embargo_end(seed.embargo_days, seed.embargo_time, deps.clock.now())
    embargo.propose(deps, lead, key, end, seed.embargo_zone, seed.embargo_reason)
    for p in seed.participants:
        embargo.accept(deps, lead, key, p.accepts, participant=ids[p.party])
    embargo.accept(deps, second, key, seed.embargo_agreed)
    for s in seed.statements:
        recorded = statuses.record(
            deps,
            lead,
            key,
            ids[s.party],
            s.product,
            s.status,
            s.statement,
            s.justification,
            s.fixed_versions,
        )
        statuses.approve(deps, second, key, recorded.id)
    first, other = (account(deps, name) for name in seed.deciders)
    for d in seed.decisions:
        decision = approvals.record_decision(
            deps, first, d.kind, key, d.recipient, d.reason, d.fields
        )
        approvals.approve_decision(deps, other, decision.id)
    for m in seed.messages:
        thread = None if m.thread == threads.SHARED else ids[m.thread]
        threads.post(deps, lead, key, thread, m.body)
    return Loaded(key, len(ids), len(seed.statements), len(seed.messages))
