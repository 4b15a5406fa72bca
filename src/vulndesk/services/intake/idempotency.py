"""Retention of idempotency keys: kept at least a day so retries replay, then purged."""

from __future__ import annotations

import datetime as dt

from vulndesk.domain.audit_tags import AuditTag
from vulndesk.domain.errors import InvalidInput
from vulndesk.services.context import Acts, Deps

MIN_HOURS = 24


def purge_keys(deps: Deps, actor: Acts, older_than_hours: int = MIN_HOURS) -> int:
    """Delete stored idempotent responses older than the given age; at least 24 hours are kept.

    A request retried with its key after the purge is treated as new, so the floor is the
    retry horizon the API promises clients.
    """
    if older_than_hours < MIN_HOURS:
        raise InvalidInput(
            "--older-than-hours",
            f"{older_than_hours} is too short: keys are kept at least {MIN_HOURS} hours",
            f"a whole number of hours, {MIN_HOURS} or more",
        )
    now = deps.clock.now()
    cutoff = now - dt.timedelta(hours=older_than_hours)
    with deps.uow() as uow:
        removed = uow.idempotency.purge(cutoff)
        uow.audit.append(
            actor.event(
                now,
                AuditTag.API_IDEMPOTENCY_PURGED,
                "idempotency",
                "keys",
                (),
                before=cutoff.isoformat(),
                removed=str(removed),
            )
        )
        uow.commit()
    return removed
