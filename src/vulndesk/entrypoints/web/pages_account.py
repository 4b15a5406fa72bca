"""Console account page: the signed-in user's own time zone and language."""

from __future__ import annotations

import zoneinfo
from functools import cache
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from vulndesk.domain.errors import InvalidInput
from vulndesk.entrypoints.web import i18n
from vulndesk.entrypoints.web.render import render, say
from vulndesk.entrypoints.web.session import CurrentViewer, Viewer
from vulndesk.services.accounts import admin as account_admin

router = APIRouter(include_in_schema=False)

Short = Annotated[str, Form(max_length=100)]


@cache
def zones() -> tuple[str, ...]:
    """Every IANA zone this machine knows, for the form's suggestion list."""
    return tuple(sorted(zoneinfo.available_timezones()))


def _page(
    request: Request,
    who: Viewer,
    form: dict[str, str],
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    return render(
        request,
        "console/account/index.html",
        status=status,
        form=form,
        errors=errors or {},
        zones=zones(),
        languages=i18n.LANGUAGES,
        org_zone=who.container.settings.timezone,
        saved=request.query_params.get("saved") == "1",
    )


@router.get("/account")
def account_page(request: Request, who: CurrentViewer) -> Response:
    chosen = account_admin.my_preferences(who.deps, who.principal)
    form = {"timezone": chosen.timezone or "", "language": chosen.language or ""}
    return _page(request, who, form)


@router.post("/account")
def save_account(
    request: Request, who: CurrentViewer, timezone: Short = "", language: Short = ""
) -> Response:
    form = {"timezone": timezone, "language": language}
    try:
        account_admin.change_preferences(
            who.deps, who.principal, who.principal.name, timezone, language
        )
    except InvalidInput as exc:
        return _page(request, who, form, {exc.field: say(request, exc)}, status=422)
    return RedirectResponse("/account?saved=1", status_code=303)
