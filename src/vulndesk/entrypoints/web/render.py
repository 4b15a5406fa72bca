"""Page rendering: the Jinja2 environment with autoescaping, time and Markdown filters."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import nh3
from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markdown_it import MarkdownIt
from markupsafe import Markup, escape

from vulndesk.domain.errors import GuardFailed, InvalidInput, VulndeskError
from vulndesk.entrypoints.web import clockfmt, i18n, labels, messages, nav
from vulndesk.services.notify import coord_mail

TEMPLATES = str(resources.files("vulndesk.entrypoints.web") / "templates")
_MD = MarkdownIt("commonmark", {"html": False, "linkify": False})
_SAFE_SCHEMES = {"http", "https", "mailto"}


def markdown(text: str | None) -> Markup:
    """Markdown to HTML: raw HTML off, then an allowlist sanitiser (links: http, https, mailto)."""
    rendered = _MD.render(text or "")
    clean = nh3.clean(rendered, url_schemes=_SAFE_SCHEMES, link_rel="noopener noreferrer nofollow")
    return Markup(clean)  # noqa: S704 - sanitised by nh3 with an allowlist just above


def mentions(text: str | None) -> Markup:
    """A thread message as text, every character escaped, each `@name` in a <mark>."""
    raw, out, at = text or "", [], 0
    for found in coord_mail.MENTION.finditer(raw):
        out += [escape(raw[at : found.start()]), Markup('<mark class="mention">')]
        out += [escape(found.group(0)), Markup("</mark>")]
        at = found.end()
    out.append(escape(raw[at:]))
    return Markup("").join(out)


def localtime(value: dt.datetime | None, zone: str, rule_zone: str | None = None) -> Markup:
    """A <time> element in the viewer's zone, with UTC and the rule's zone on hover."""
    if value is None:
        return Markup("")
    hover = [f"UTC {value.astimezone(dt.UTC):%Y-%m-%d %H:%M}"]
    if rule_zone:
        rz = value.astimezone(zoneinfo.ZoneInfo(rule_zone))
        hover.append(f"{rule_zone} {rz:%Y-%m-%d %H:%M %z}")
    return Markup('<time datetime="{}" title="{}">{}</time>').format(
        value.astimezone(dt.UTC).isoformat(), " · ".join(hover), clockfmt.local_text(value, zone)
    )


def duration(delta: dt.timedelta | None, _: Callable[..., str]) -> str:
    """How long, in the page's language: `3 d 4 h`, `5 h 20 min`, `12 min`."""
    if delta is None:
        return ""
    minutes = max(0, int(delta.total_seconds()) // 60)
    days, rest = divmod(minutes, 1440)
    hours, minutes = divmod(rest, 60)
    if days:
        return _("%(days)s d %(hours)s h", days=days, hours=hours)
    if hours:
        return _("%(hours)s h %(minutes)s min", hours=hours, minutes=minutes)
    return _("%(minutes)s min", minutes=minutes)


@cache
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html", "xml"], default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["markdown"] = markdown
    env.filters["localtime"] = localtime
    env.filters["mentions"] = mentions
    env.filters["duration"] = duration
    env.globals["nav_sections"] = nav.sections
    env.globals["nav_current"] = nav.current
    env.globals["nav_may"] = nav.may
    env.filters["zoned"] = clockfmt.zoned
    env.filters["localtext"] = clockfmt.local_text
    env.filters["action_text"] = clockfmt.action_text
    return env


@dataclass
class Page:
    """What every console page knows: language, zone, the signed-in user, the CSRF token."""

    lang: str
    zone: str = "UTC"
    user: Any = None
    csrf: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def page_context(request: Request) -> Page:
    ctx: Page | None = getattr(request.state, "page", None)
    if ctx is None:
        lang = i18n.negotiate(
            request.headers.get("accept-language"), request.cookies.get("vd_lang")
        )
        ctx = Page(lang=lang)
        request.state.page = ctx
    return ctx


_CODE_LIST = re.compile(r"[a-z0-9_-]+((, | / )[a-z0-9_-]+)*")


def coded(value: str, label: Callable[[str], str]) -> str:
    """A message value that is a list of codes (roles, kinds) with each code given its label."""
    if not _CODE_LIST.fullmatch(value):
        return value
    return re.sub(r"[a-z0-9_-]+", lambda m: label(m.group(0)), value)


def say(request: Request, exc: VulndeskError, *, named: bool = False) -> str:
    """What the console says about a refused action, in the page's language.

    English keeps the service's own words (the problem and what is accepted; `named`: with the
    field's name first, for a message shown away from its field); every other language gets
    the catalogue's sentence for the error, with codes given their labels.
    """
    lang = page_context(request).lang
    if lang == i18n.DEFAULT:
        if named:
            return str(exc)
        if isinstance(exc, InvalidInput):
            return exc.problem + (f" ({exc.accepted})" if exc.accepted else "")
        return exc.detail if isinstance(exc, GuardFailed) else str(exc)
    gettext = i18n.translator(lang)
    return messages.error_message(exc, lang, gettext, labels.labeller(lang, gettext))


def render(request: Request, template: str, status: int = 200, **values: Any) -> HTMLResponse:
    page = page_context(request)
    gettext = i18n.translator(page.lang)
    label = labels.labeller(page.lang, gettext)
    body = (
        environment()
        .get_template(template)
        .render(
            _=gettext,
            label=label,
            labels=lambda codes: (
                "、".join(map(label, codes))
                if page.lang == "zh-CN"
                else ", ".join(map(label, codes))
            ),
            rule_text=lambda rule: messages.rule_message(rule, gettext, label),
            coded=lambda values: {k: coded(str(v), label) for k, v in values.items()},
            page=page,
            request_path=request.url.path,
            **values,
        )
    )
    return HTMLResponse(body, status_code=status)
