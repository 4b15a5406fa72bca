"""The dashboard: clocks overdue and due soon, compliance per regulation (inline SVG), ledger."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

from fastapi import Request
from fastapi.responses import Response
from markupsafe import Markup, escape

from vulndesk.domain.obligations import ObligationStatus
from vulndesk.entrypoints.web import i18n
from vulndesk.entrypoints.web.render import page_context, render
from vulndesk.entrypoints.web.session import Viewer
from vulndesk.services.access import rights as access
from vulndesk.services.cases import lifecycle as cases
from vulndesk.services.cases import views as case_views
from vulndesk.services.cases.views import WeekRate
from vulndesk.services.disclosure import exposure, ledger
from vulndesk.services.ports import CaseFilter

WIDTH, HEIGHT, LEFT, RIGHT, TOP, BOTTOM = 720, 240, 48, 170, 16, 36
SERIES = 6  # distinct line styles in cases.css; more regulations reuse them


def _x(i: int, n: int) -> float:
    span = WIDTH - LEFT - RIGHT
    return LEFT + (span * i / (n - 1) if n > 1 else span / 2)


def _y(rate: float) -> float:
    return TOP + (HEIGHT - TOP - BOTTOM) * (1 - rate)


def compliance_svg(series: dict[str, list[WeekRate]], gettext: Callable[..., str]) -> Markup:
    """A line per regulation: share of deadlines met on time, per week; gaps where none fell due."""
    weeks: Sequence[WeekRate] = next(iter(series.values()), [])
    n = len(weeks)
    title = gettext("Deadlines met on time, per regulation and week")
    parts = [
        (
            f'<svg class="chart" role="img" viewBox="0 0 {WIDTH} {HEIGHT}" '
            f'xmlns="http://www.w3.org/2000/svg" aria-labelledby="chart-title">'
            f'<title id="chart-title">{escape(title)}</title>'
        )
    ]
    for pct in (0, 50, 100):
        y = _y(pct / 100)
        parts.append(
            f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}"/>'
            f'<text class="axis" x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{pct}%</text>'
        )
    for i, week in enumerate(weeks):
        if i % 2 == 0 or i == n - 1:
            parts.append(
                f'<text class="axis" x="{_x(i, n):.1f}" y="{HEIGHT - 14}" '
                f'text-anchor="middle">{week.week_start:%m-%d}</text>'
            )
    for s, (regulation, rates) in enumerate(series.items()):
        cls = f"series-{s % SERIES}"
        points = [(i, r) for i, r in enumerate(rates) if r.rate is not None]
        if len(points) > 1:
            coords = " ".join(f"{_x(i, n):.1f},{_y(r.rate or 0):.1f}" for i, r in points)
            parts.append(f'<polyline class="{cls}" points="{coords}"/>')
        for i, r in points:
            label = f"{regulation} {r.week_start:%Y-%m-%d}: {r.on_time}/{r.due}"
            if r.late:
                label += " · " + gettext("%(n)s met late", n=r.late)
            parts.append(
                f'<circle class="{cls}" cx="{_x(i, n):.1f}" cy="{_y(r.rate or 0):.1f}" r="3.5">'
                f"<title>{escape(label)}</title></circle>"
            )
        ly = TOP + 10 + 18 * s
        parts.append(
            f'<line class="{cls}" x1="{WIDTH - RIGHT + 12}" x2="{WIDTH - RIGHT + 30}" '
            f'y1="{ly}" y2="{ly}"/><text class="legend" x="{WIDTH - RIGHT + 36}" '
            f'y="{ly + 4}">{escape(regulation)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every interpolated text is escaped above


def page(request: Request, who: Viewer) -> Response:
    deps, p = who.deps, who.principal
    now = who.container.clock.now()
    readers = p.has(access.CASE_READERS)  # an auditor's dashboard has no case deadlines
    due = access.due_soon(deps, p, dt.timedelta(hours=72), None, 300) if readers else []
    overdue = [o for o in due if o.status is ObligationStatus.OVERDUE or (o.due and o.due < now)]
    soon = [o for o in due if o not in overdue]
    day = [o for o in soon if o.due and o.due <= now + dt.timedelta(hours=24)]
    later = [o for o in soon if o not in day]
    keys = tuple(sorted({o.case for o in due}))
    titles: dict[str, str] = {}
    if keys:
        rows, _n = cases.list_cases(deps, p, CaseFilter(keys=keys, limit=500))
        titles = {str(r.key): r.title for r in rows}
    with deps.uow() as uow:
        visible = access.visible_cases(uow, p)
    entries = [e for e in ledger.list_entries(deps) if visible is None or e.entry.case in visible]
    entries.sort(key=lambda e: e.entry.at, reverse=True)
    series = case_views.compliance(deps, p)
    gettext = i18n.translator(page_context(request).lang)
    penalties = (
        exposure.penalty_overview(deps, p, who.container.rule_sets)
        if p.has(access.EXPOSURE_READERS)
        else None
    )
    return render(
        request,
        "console/dashboard.html",
        now=now,
        groups=[
            ("overdue", gettext("Overdue"), overdue),
            ("due-24h", gettext("Due within 24 hours"), day),
            ("due-72h", gettext("Due within 72 hours"), later),
        ],
        titles=titles,
        chart=compliance_svg(series, gettext) if series else None,
        series=series,
        entries=entries[:15],
        penalties=penalties,
    )
