"""Administering clocks: organisation options and calendar overrides (waivers: `services.waivers`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from vulndesk.domain.audit_tags import AuditTag
from vulndesk.domain.cases import CaseState
from vulndesk.domain.errors import InvalidInput
from vulndesk.domain.obligations import ObligationStatus
from vulndesk.rules import RuleSet, check_options
from vulndesk.rules.calendars import supported_country
from vulndesk.services.access.rights import ADMINS, Principal
from vulndesk.services.background.ports import CalendarOverride, OrgSetting
from vulndesk.services.clocks import live as clocks
from vulndesk.services.context import Deps
from vulndesk.services.ports import CaseFilter, UnitOfWork

_WAIVABLE = {ObligationStatus.OPEN, ObligationStatus.OVERDUE}
_ENDED = (CaseState.REJECTED, CaseState.DUPLICATE, CaseState.CLOSED)
_PAGE = 500


def recompute_open_cases(deps: Deps, uow: UnitOfWork, now: dt.datetime) -> int:
    """Recompute the clocks of every case still in progress, in the caller's transaction."""
    states = tuple(s for s in CaseState if s not in _ENDED)
    done, offset = 0, 0
    while True:
        page = uow.cases.list(CaseFilter(states=states, limit=_PAGE, offset=offset, order="key"))
        for summary in page:
            clocks.recompute(deps, uow, uow.cases.get(summary.key), now)
        done += len(page)
        offset += _PAGE
        if len(page) < _PAGE:
            return done


def set_option(
    deps: Deps,
    principal: Principal,
    catalogue: Mapping[str, RuleSet],
    key: str,
    value: str | None,
) -> int:
    """Set (or with None clear) an organisation option; returns how many cases were recomputed."""
    principal.require(ADMINS, "write")
    now = deps.clock.now()
    with deps.uow() as uow:
        chosen = uow.org_settings.options()
        if value is None:
            chosen.pop(key, None)
        else:
            chosen[key] = value
        # Other areas keep their settings in the same table (reports.*, rules.in_force): only
        # keys naming a loaded rule set are rule options.
        check_options(
            {k: v for k, v in chosen.items() if k == key or k.partition(".")[0] in catalogue},
            catalogue,
        )
        if value is None:
            uow.org_settings.delete(key)
        else:
            uow.org_settings.set(OrgSetting(key, value, now, principal.name))
        uow.audit.append(
            principal.event(
                now, AuditTag.RULES_OPTION_SET, "option", key, value=value or "(default)"
            )
        )
        count = recompute_open_cases(deps, uow, now)
        uow.commit()
    return count


def list_options(deps: Deps, principal: Principal) -> list[OrgSetting]:
    """The organisation's options in force (administrators)."""
    principal.require(ADMINS)
    with deps.uow() as uow:
        return uow.org_settings.list()


def set_calendar_day(
    deps: Deps, principal: Principal, country: str, day: str, working: bool, note: str
) -> int:
    """Declare a date a working day or not in one country; returns cases recomputed."""
    principal.require(ADMINS, "write")
    code = country.strip().upper()
    if not supported_country(code):
        raise InvalidInput("country", f"{country!r} has no calendar", "an ISO 3166-1 alpha-2 code")
    try:
        date = dt.date.fromisoformat(day)
    except ValueError as exc:
        raise InvalidInput("date", f"{day!r} is not a date", "YYYY-MM-DD") from exc
    now = deps.clock.now()
    with deps.uow() as uow:
        uow.calendar.set(CalendarOverride(code, date, working, note.strip(), now, principal.name))
        uow.audit.append(
            principal.event(
                now,
                AuditTag.CALENDAR_DAY_SET,
                "calendar",
                f"{code}/{date.isoformat()}",
                working=str(working).lower(),
            )
        )
        count = recompute_open_cases(deps, uow, now)
        uow.commit()
    return count


def list_calendar(
    deps: Deps, principal: Principal, country: str | None = None
) -> list[CalendarOverride]:
    """The working-day overrides of the country calendars (administrators)."""
    principal.require(ADMINS)
    with deps.uow() as uow:
        return uow.calendar.list(country.upper() if country else None)
