"""Alerts to headquarters about exposure: a secret field to a government, unequal treatment,
and an exposure window that has run past the threshold.

Each alert is a headquarters notice (keys and what happened, never case text), so it reaches
the console's oversight page and, through the worker's outbox, every subscriber's mailbox.
"""

from __future__ import annotations

import datetime as dt

from vulndesk.domain.audit_tags import AuditTag
from vulndesk.domain.exposure import exposures, inequalities
from vulndesk.domain.ids import CaseKey, PartyId
from vulndesk.domain.ledger import LedgerEntry
from vulndesk.services.context import Acts, Deps
from vulndesk.services.disclosure.exposure import case_ends, disclosure_of
from vulndesk.services.ports import UnitOfWork

SECRET_TO_GOVERNMENT = "secret-to-government"  # noqa: S105 - an event name
UNEQUAL = "equal-treatment-broken"
WINDOW = "exposure-window-over-threshold"
DEFAULT_THRESHOLD = dt.timedelta(days=30)


def after_disclosure(uow: UnitOfWork, saved: LedgerEntry) -> None:
    """In the recording transaction: alert on a secret field to a government, and on a new
    inequality this entry creates on its case."""
    told = disclosure_of(uow, saved)
    at = saved.entry.recorded_at
    if told.government and told.secret_fields:
        uow.oversight.add_notice(
            at, saved.entry.case, SECRET_TO_GOVERNMENT, saved.ref, saved.entry.recipient
        )
    case = [disclosure_of(uow, e) for e in uow.ledger.list(saved.entry.case)]
    before = {
        (i.government, i.compared_with)
        for i in inequalities(d for d in case if d.entry != saved.id)
    }
    for item in inequalities(case):
        if (item.government, item.compared_with) not in before:
            ref = f"{saved.ref}/{item.government}/{item.compared_with}"
            uow.oversight.add_notice(at, saved.entry.case, UNEQUAL, ref, PartyId(item.government))


def sweep(deps: Deps, actor: Acts, threshold: dt.timedelta = DEFAULT_THRESHOLD) -> int:
    """Worker producer: one notice per government disclosure whose window, still open, has
    run longer than `threshold`. Returns the number of new notices."""
    now = deps.clock.now()
    added = 0
    with deps.uow() as uow:
        told = [disclosure_of(uow, e) for e in uow.ledger.list(government_only=True)]
        ends = case_ends(uow, {d.case for d in told})
        for e in exposures(told, ends, now):
            ref = f"ledger:{e.disclosure.entry}"
            if not e.open or e.window <= threshold:
                continue
            if uow.oversight.has_notice(CaseKey(e.disclosure.case), WINDOW, ref):
                continue
            uow.oversight.add_notice(
                now, CaseKey(e.disclosure.case), WINDOW, ref, PartyId(e.disclosure.recipient)
            )
            uow.audit.append(
                actor.event(
                    now, AuditTag.WORKER_EXPOSURE_ALERTED, "ledger", ref, case=e.disclosure.case
                )
            )
            added += 1
        if added:
            uow.commit()
    return added
