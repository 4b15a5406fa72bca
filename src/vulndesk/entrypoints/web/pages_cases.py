"""Console case pages: the filtered case list and the case page with its clocks and history."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response

from vulndesk.domain import lifecycle
from vulndesk.domain.cases import CaseState
from vulndesk.domain.clocks import CaseObligation
from vulndesk.domain.errors import InvalidInput, NotFound
from vulndesk.domain.facts import FactKind
from vulndesk.domain.ids import CaseKey, ProductId, UnitId
from vulndesk.domain.severity import SeverityLevel
from vulndesk.entrypoints.web import case_work_view
from vulndesk.entrypoints.web.render import render, say
from vulndesk.entrypoints.web.session import CurrentViewer, Viewer
from vulndesk.services.access import ledger as access_ledger
from vulndesk.services.access import rights as access
from vulndesk.services.accounts.users import AccountRole
from vulndesk.services.advisories import cve
from vulndesk.services.cases import closing, reference
from vulndesk.services.cases import lifecycle as cases
from vulndesk.services.cases import views as case_views
from vulndesk.services.clocks import waivers
from vulndesk.services.intake import thread as case_intake
from vulndesk.services.ports import CaseFilter, CaseSummary
from vulndesk.services.reports import approvals
from vulndesk.services.reports import drafts as reports

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 20
SORTS = ("-updated", "updated", "-created", "created", "key", "-key", "-score", "score", "due")
# Who may approve a backdated disclosure as the second person (as for drafts and decisions).
BACKDATE_APPROVERS = frozenset({AccountRole.ADMIN, AccountRole.APPROVER})
# What the reporter (or the team) wrote, in reading order; the labels are catalogue entries.
DETAIL_LABELS = (
    ("summary", "Summary"),
    ("technical_characteristics", "Description"),
    ("proof_of_concept", "Steps to reproduce / proof of concept"),
    ("harm", "Impact"),
    ("scope_of_impact", "Scope of impact"),
    ("affected_versions_detail", "Affected versions"),
    ("trigger_location", "Trigger location"),
    ("exploit", "Exploit"),
    ("root_cause", "Root cause"),
    ("threat_actors", "Threat actors"),
    ("operator_system_details", "Operator system details"),
    ("remediation", "Remediation"),
    ("remediation_plan", "Remediation plan"),
    ("workaround", "Workaround"),
    ("reporter_identity", "Reporter's contact"),
)
DUE_WINDOWS = {"24h": dt.timedelta(hours=24), "72h": dt.timedelta(hours=72)}
DUE_CHOICES = (*DUE_WINDOWS, "overdue")
FILTERS = ("q", "state", "unit", "severity", "product", "regime", "due", "sort")


def not_found(request: Request) -> Response:
    """One page for a missing case and a case the viewer may not see: nothing tells them apart."""
    return render(request, "console/cases/not_found.html", status=404)


def _intersect(a: tuple[CaseKey, ...] | None, b: tuple[CaseKey, ...]) -> tuple[CaseKey, ...]:
    return b if a is None else tuple(k for k in a if k in b)


def _checked(chosen: dict[str, str], known: set[str], units: set[str]) -> tuple[CaseState, ...]:
    product, sort, unit, due = chosen["product"], chosen["sort"], chosen["unit"], chosen["due"]
    if product and product not in known:
        raise InvalidInput("product", f"{product[:64]!r} is not a product", "a listed product")
    if unit and unit not in units:
        raise InvalidInput("unit", f"{unit[:64]!r} is not a unit", "a listed unit")
    if sort not in SORTS:
        raise InvalidInput("sort", f"{sort[:32]!r} is not a sort order", ", ".join(SORTS))
    if due and due not in DUE_CHOICES:
        raise InvalidInput("due", f"{due[:16]!r} is not a due window", ", ".join(DUE_CHOICES))
    if chosen["severity"]:
        SeverityLevel.parse("severity", chosen["severity"])
    return (CaseState.parse("state", chosen["state"]),) if chosen["state"] else ()


def _window(who: Viewer, due: str) -> tuple[CaseKey, ...]:
    """Cases due within the window (never overdue or finished ones), or the overdue ones."""
    if due == "overdue":
        return case_views.overdue_cases(who.deps, who.principal)
    return case_views.cases_due_within(who.deps, who.principal, DUE_WINDOWS[due])


def _case_filter(
    request: Request,
    who: Viewer,
    chosen: dict[str, str],
    known: set[str],
    units: set[str],
    page: int,
) -> tuple[CaseFilter, dict[str, str]]:
    """The list's filter from the query, and what was wrong in it by field (a wrong field is
    dropped from `chosen` and ignored)."""
    deps, p = who.deps, who.principal
    errors: dict[str, str] = {}
    states: tuple[CaseState, ...] = ()
    for _attempt in FILTERS:  # each wrong field is dropped in turn, then the rest is checked
        try:
            states = _checked(chosen, known, units)
            break
        except InvalidInput as exc:
            errors[exc.field] = say(request, exc)
            chosen[exc.field] = "-updated" if exc.field == "sort" else ""
    keys: tuple[CaseKey, ...] | None = None
    if chosen["regime"]:
        keys = case_views.cases_under(deps, p, chosen["regime"])
    if chosen["due"]:
        keys = _intersect(keys, _window(who, chosen["due"]))
    flt = CaseFilter(
        states=states,
        unit=UnitId(chosen["unit"]) if chosen["unit"] else None,
        product=ProductId(chosen["product"]) if chosen["product"] else None,
        keys=keys,
        limit=PAGE_SIZE,
        offset=(page - 1) * PAGE_SIZE,
        order=chosen["sort"] or "-updated",
        text=chosen["q"][:200],
        severity=SeverityLevel(chosen["severity"]) if chosen["severity"] else None,
    )
    return flt, errors


@router.get("/cases")
def case_list(
    request: Request,
    who: CurrentViewer,
    q: str = "",
    state: str = "",
    unit: str = "",
    severity: str = "",
    product: str = "",
    regime: str = "",
    due: str = "",
    sort: str = "-updated",
    page: int = 1,
) -> Response:
    """Cases by text, unit, severity, state, product, regulation and due window; all in the
    URL, so a filtered list can be bookmarked and shared."""
    deps, p = who.deps, who.principal
    if AccountRole.PARTICIPANT.value in p.roles:
        return not_found(request)  # an outside participant's cases are under /shared
    chosen = {"q": q.strip(), "state": state, "unit": unit, "severity": severity}
    chosen |= {"product": product, "regime": regime, "due": due, "sort": sort}
    products = reference.list_products(deps)
    units = reference.list_units(deps)
    page = max(page, 1)
    known = {str(x.id) for x in products}
    flt, errors = _case_filter(request, who, chosen, known, {str(u.id) for u in units}, page)
    # A role that reads no case content (an auditor) sees an empty list, not a refusal.
    rows, total = cases.list_cases(deps, p, flt) if p.has(access.CASE_READERS) else ([], 0)
    pages = max(1, -(-total // PAGE_SIZE))
    return render(
        request,
        "console/cases/list.html",
        status=422 if errors else 200,
        rows=rows,
        total=total,
        page_no=page,
        pages=pages,
        link=_page_link(chosen),
        chosen=chosen,
        errors=errors,
        states=list(CaseState),
        products=products,
        units=units,
        levels=list(SeverityLevel),
        soonest=_soonest(who, rows),
        now=who.container.clock.now(),
        regimes=case_views.regulations(deps, p),
        sorts=SORTS,
    )


def _page_link(chosen: dict[str, str]) -> Callable[..., str]:
    """Links to the same filtered list with some choices changed (the default sort left out)."""
    kept = {k: v for k, v in chosen.items() if v and not (k == "sort" and v == "-updated")}

    def link(**change: Any) -> str:
        return "/cases?" + urlencode({**kept, **change})

    return link


def _soonest(who: Viewer, rows: list[CaseSummary]) -> dict[str, CaseObligation]:
    """Each listed case's soonest open or overdue dated deadline (its time left)."""
    if not rows:
        return {}
    keys = {r.key for r in rows}
    live = case_views.live_deadlines(who.deps, who.principal, keys)
    found: dict[str, CaseObligation] = {}
    for o in live:
        found.setdefault(str(o.case), o)
    return found


def case_page(
    request: Request,
    who: Viewer,
    key: CaseKey,
    errors: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    """The case page; `errors` (field -> problem) and `form` re-show a refused submission."""
    deps = who.deps
    view = cases.show_case(deps, who.principal, key)
    case = view.case
    with deps.uow() as uow:
        trail = uow.audit.for_object("case", key)
    history = sorted(case.facts, key=lambda f: (f.kind.value, f.revision))
    return render(
        request,
        "console/cases/case.html",
        status=status,
        case=case,
        obligations=view.obligations,
        to_resolve=closing.unresolved(view.obligations),
        may_mark=who.principal.has(access.NOT_APPLICABLE_MARKERS),
        detail_fields=DETAIL_LABELS,
        now=who.container.clock.now(),
        history=history,
        fact_kinds=list(FactKind),
        next_states=sorted(lifecycle.TRANSITIONS.get(case.state, frozenset())),
        thread=case_intake.thread(deps, who.principal, key),
        drafts=reports.list_drafts(deps, who.principal, key),
        entries=access_ledger.entries(deps, who.principal, key),
        conflicts=approvals.case_conflicts(deps, who.principal, key),
        trail=list(reversed(trail)),
        may_write=who.principal.has(access.CASE_WRITERS),
        may_manage=who.principal.has(access.MEMBER_MANAGERS),
        may_approve=who.principal.has(BACKDATE_APPROVERS),
        may_waive=who.principal.has(access.WAIVERS),
        pending_waivers=waivers.pending(deps, who.principal, key),
        viewer=who.principal.name,
        errors=errors or {},
        form=form or {},
        work=case_work_view.context(who, case),
        cve_ids=cve.list_ids(deps, who.principal, key),
        may_reserve=who.principal.has(access.CASE_WRITERS),
        may_attach=who.principal.has(access.ADVISORY_WRITERS),
        may_send_cve=who.principal.has(access.ADVISORY_PUBLISHERS),
        cve_configured=who.container.cve_services is not None,
    )


def visible_key(who: Viewer, key: str) -> CaseKey | None:
    """The case key if the viewer may see it; None for missing, hidden or malformed keys."""
    try:
        return access.check_case(who.deps, who.principal, key)
    except (NotFound, InvalidInput):
        return None


@router.get("/cases/{key}")
def show(request: Request, key: str, who: CurrentViewer) -> Response:
    case_key = visible_key(who, key)
    if case_key is None:
        return not_found(request)
    return case_page(request, who, case_key)
