"""The demo's CVE ids: one reserved, one published (the id the demo's advisory names) and one
rejected, recorded as services/advisories/cve.py records them once CVE Services has answered.

The demo never calls CVE Services. Each id is recorded by the demo account the data names,
with that account's rights and need-to-know checked as the use case checks them, at the time
the data gives (days before the demo was loaded), with the answer CVE Services gives for such
an id, and audited with the use case's tag.
"""

from __future__ import annotations

import datetime as dt
import json

from vulndesk.domain.audit_tags import AuditTag
from vulndesk.domain.errors import Conflict
from vulndesk.services.access import rights as access
from vulndesk.services.access.rights import ADVISORY_PUBLISHERS, CASE_WRITERS, Principal
from vulndesk.services.accounts.users import AccountRole
from vulndesk.services.advisories import cve as cve_service
from vulndesk.services.advisories.ports import CveState
from vulndesk.services.context import Deps
from vulndesk.services.demo import content
from vulndesk.services.demo.content import CveSeed, CveSeeds, Demo
from vulndesk.services.demo.replay import account, case_by_title

_TAGS = {"published": AuditTag.CASE_CVE_PUBLISHED, "rejected": AuditTag.CASE_CVE_REJECTED}


def cve_id(seed: CveSeed, year: int) -> str:
    return cve_service.parse_cve_id(f"CVE-{year}-{seed.number}")


def _stamp(at: dt.datetime) -> str:
    return at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _answer(
    seeds: CveSeeds, seed: CveSeed, year: int, state: str, reserved: dt.datetime, at: dt.datetime
) -> str:
    """What CVE Services answers for the id in `state` (its ID record, as the adapter keeps it)."""
    return json.dumps(
        {
            "cve_id": cve_id(seed, year),
            "cve_year": str(year),
            "owning_cna": seeds.short_name,
            "requested_by": {"cna": seeds.short_name, "user": seeds.user},
            "reserved": _stamp(reserved),
            "state": state.upper(),
            "time": {"created": _stamp(reserved), "modified": _stamp(at)},
        },
        sort_keys=True,
    )


def _as(deps: Deps, name: str, case: str, rights: frozenset[AccountRole]) -> Principal:
    p = account(deps, name)
    access.check_case(deps, p, case)
    p.require(rights, "write")
    return p


def reserve(deps: Deps, demo: Demo | None = None) -> int:
    """Record each demo id as reserved (before the advisory that names one is drafted)."""
    seeds = (demo or content.read()).cve
    now = deps.clock.now()
    for seed in seeds.ids:
        key = case_by_title(deps, seed.case)
        p = _as(deps, seed.reserved_by, str(key), CASE_WRITERS)
        at = now - dt.timedelta(days=seed.reserved_days_ago)
        wanted = cve_id(seed, now.year)
        answer = _answer(seeds, seed, now.year, "reserved", at, at)
        with deps.uow() as uow:
            if uow.cve_ids.get(wanted) is not None:
                raise Conflict(f"{wanted} is already recorded for a case")
            uow.cve_ids.add(key, uow.cases.get(key).unit, wanted, now.year, at, p.name, answer)
            uow.audit.append(
                p.actor(cve_service.SOURCE).event(
                    now, AuditTag.CASE_CVE_RESERVED, "case", key, (), cve=wanted
                )
            )
            uow.commit()
    return len(seeds.ids)


def settle(deps: Deps, demo: Demo | None = None) -> dict[str, int]:
    """Move the demo ids on to their state (published, rejected); the count of each state."""
    seeds = (demo or content.read()).cve
    now = deps.clock.now()
    for seed in seeds.ids:
        if seed.state == CveState.RESERVED.value:
            continue
        key = case_by_title(deps, seed.case)
        wanted = cve_id(seed, now.year)
        rights = ADVISORY_PUBLISHERS if seed.state == "published" else CASE_WRITERS
        p = _as(deps, seed.by or seed.reserved_by, str(key), rights)
        at = now - dt.timedelta(days=seed.days_ago)
        reserved = now - dt.timedelta(days=seed.reserved_days_ago)
        answer = _answer(seeds, seed, now.year, seed.state, reserved, at)
        reason = seed.reason if seed.state == "rejected" else None
        with deps.uow() as uow:
            stored = uow.cve_ids.get(wanted)
            if stored is None or stored.case != key or stored.state is not CveState.RESERVED:
                raise Conflict(f"{wanted} is not reserved for {key}")
            actor = p.actor(cve_service.SOURCE)
            uow.audit.append(actor.event(now, _TAGS[seed.state], "case", key, (), cve=wanted))
            uow.cve_ids.mark(stored.id, seed.state, at, p.name, answer, reason)
            uow.commit()
    states: dict[str, int] = {}
    for seed in seeds.ids:
        states[seed.state] = states.get(seed.state, 0) + 1
    return states
