"""The dashboard: what I must do next, clocks by unit, compliance per regulation (SVG), ledger."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence

from fastapi import Request
from fastapi.responses import Response
from markupsafe import Markup, escape

from vulndesk.entrypoints.web import clockfmt, i18n
from vulndesk.entrypoints.web.render import duration, page_context, render
from vulndesk.entrypoints.web.session import Viewer
from vulndesk.rules import RuleSet
from vulndesk.services.access import rights as access
from vulndesk.services.cases import views as case_views
from vulndesk.services.cases.views import WeekRate
from vulndesk.services.clocks import worklist
from vulndesk.services.disclosure import exposure, ledger

WIDTH, HEIGHT, LEFT, RIGHT, TOP, BOTTOM = 720, 240, 48, 170, 16, 36
SERIES = 6  # distinct line styles in cases.css; more regulations reuse them
HORIZON = dt.timedelta(hours=72)  # how far ahead the dashboard lists deadlines


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
    work = worklist.worklist(deps, p, HORIZON) if readers else worklist.Worklist((), (), ())
    with deps.uow() as uow:
        visible = access.visible_cases(uow, p)
    entries = [e for e in ledger.list_entries(deps) if visible is None or e.entry.case in visible]
    entries.sort(key=lambda e: e.entry.at, reverse=True)
    series = case_views.compliance(deps, p)
    lang = page_context(request).lang
    gettext = i18n.translator(lang)
    penalties = (
        exposure.penalty_overview(deps, p, who.container.rule_sets)
        if p.has(access.EXPOSURE_READERS)
        else None
    )
    return render(
        request,
        "console/dashboard.html",
        now=now,
        work=work,
        readers=readers,
        regulations=regulation_titles(who.container.rule_sets, lang),
        state_text=lambda clock: clockfmt.state_text(clock, now, gettext, duration),
        chart=compliance_svg(series, gettext) if series else None,
        series=series,
        entries=entries[:15],
        penalties=penalties,
    )


def regulation_titles(rule_sets: Mapping[str, RuleSet], lang: str) -> dict[str, str]:
    """Rule-set id -> its title in the page's language."""
    return {
        rid: (rs.title_zh if lang == "zh-CN" and rs.title_zh else rs.title)
        for rid, rs in rule_sets.items()
    }
