"""The demo's coordinated disclosure, built through the coordination use cases by demo
accounts: the lead invites the chip supplier, the OEM and CNCERT, proposes an embargo that
each participant accepts, records what each says of the case's products (approved by a
second person) and posts a few messages, each told through the disclosure guard and kept in
the ledger.

The chip supplier's person signs in with an account of their own (decision 0045): the lead
invites them, the loader joins through the one-time link (a fresh password and TOTP secret,
returned to be written with the other demo accounts' secrets) and, as that account, accepts
the embargo, answers in its private thread and states a product, waiting for the case team's
approval. The lead sends the shared view to one participant: a copy watermarked for its
people, so the watermark trace finds a recipient."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

import pyotp

from vulndesk.services.accounts.ports import PasswordHasher
from vulndesk.services.context import Deps
from vulndesk.services.coordination import (
    embargo,
    invitations,
    participants,
    portal,
    statuses,
    threads,
)
from vulndesk.services.demo import content
from vulndesk.services.demo.content import Demo, PortalSeed
from vulndesk.services.demo.organisation import DemoAccount
from vulndesk.services.demo.replay import account, case_by_title
from vulndesk.services.reports import approvals


@dataclass(frozen=True, slots=True)
class Loaded:
    """The coordinated case and how much of it the demo recorded."""

    case: str
    participants: int
    statements: int
    messages: int
    # The participant's account, with its secrets (shown once, as the demo accounts' are).
    participant: DemoAccount
    # The watermark ref of the shared view the lead sent.
    shared: str


def embargo_end(days: int, time: str, now: dt.datetime) -> str:
    """The embargo's end: `days` after `now`'s date at wall-clock `time` (in the embargo's zone)."""
    return f"{(now + dt.timedelta(days=days)).date().isoformat()}T{time}"


def _join(deps: Deps, hasher: PasswordHasher, token: str, user: str, label: str) -> DemoAccount:
    """Join through the invitation as its person would, with a fresh password and TOTP secret.
    The code given is the previous time step's (one step either side is accepted), so whoever
    loaded the demo may sign in at once with the code their app shows now."""
    password = secrets.token_urlsafe(18)
    secret, uri = invitations.new_secret(user)
    totp = pyotp.TOTP(secret)
    code = totp.generate_otp(totp.timecode(deps.clock.now()) - 1)
    invitations.join(deps, hasher, token, password, password, secret, code, "demo")
    return DemoAccount(user, "participant", label, password, secret, uri)


def _as_participant(deps: Deps, key: str, seed: PortalSeed) -> None:
    """What the chip supplier's person does, signed in: answer the lead, state a product."""
    person = account(deps, seed.name)
    portal.post(deps, person, key, portal.PRIVATE, seed.message)
    portal.state(
        deps,
        person,
        key,
        seed.product,
        seed.status,
        seed.statement,
        seed.justification,
        seed.fixed_versions,
    )


def load(deps: Deps, hasher: PasswordHasher, demo: Demo | None = None) -> Loaded:
    seed = (demo or content.read()).coordination
    key = str(case_by_title(deps, seed.case))
    lead, second = account(deps, seed.lead), account(deps, seed.second)
    ids: dict[str, int] = {}
    for p in seed.participants:
        ids[p.party] = participants.invite(deps, lead, key, p.party, p.role, p.people).id
    outside = seed.portal
    invited = invitations.invite_person(
        deps, lead, key, ids[outside.party], outside.email, outside.name
    )
    label = f"outside participant: {invited.party} on {key}"
    joined = _join(deps, hasher, invited.token, invited.user, label)
    end = embargo_end(seed.embargo_days, seed.embargo_time, deps.clock.now())
    embargo.propose(deps, lead, key, end, seed.embargo_zone, seed.embargo_reason)
    for p in seed.participants:
        if p.party == outside.party:
            portal.answer_embargo(deps, account(deps, joined.name), key, True, p.accepts)
        else:
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
    _as_participant(deps, key, outside)
    view, _ = participants.share(deps, lead, key, ids[outside.shared_to])
    return Loaded(key, len(ids), len(seed.statements), len(seed.messages), joined, view.ref)
