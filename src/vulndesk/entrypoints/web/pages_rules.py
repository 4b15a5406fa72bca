"""Console what-if: upload or paste a hypothetical rule file, see its effect on your open cases.

Case readers only (anyone else gets the page of a missing address); each sees only the cases
they may see. Nothing is stored: the form posts the file, the answer is this page.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import Response

from vulndesk.domain.errors import InvalidInput, VulndeskError
from vulndesk.entrypoints.web.pages_reports import not_found
from vulndesk.entrypoints.web.render import render, say
from vulndesk.entrypoints.web.session import CurrentViewer, Viewer
from vulndesk.services.access.rights import CASE_READERS
from vulndesk.services.clocks import whatif

router = APIRouter(include_in_schema=False)
PAGE = "console/rules/what_if.html"


def _page(request: Request, status: int = 200, **extra: Any) -> Response:
    response = render(request, PAGE, status=status, max_text=whatif.MAX_TEXT, **extra)
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get("/rules/what-if")
def what_if_form(request: Request, who: CurrentViewer) -> Response:
    if not who.principal.has(CASE_READERS):
        return not_found(request)
    return _page(request, result=None, within=72)


async def _text(file: UploadFile | None, pasted: str) -> str:
    """The uploaded file's text, else the pasted text."""
    if file is not None and file.filename:
        raw = await file.read(whatif.MAX_TEXT + 1)
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InvalidInput("file", "is not UTF-8 text", "a TOML rule file") from exc
    return pasted


@router.post("/rules/what-if")
async def what_if_run(
    request: Request,
    who: CurrentViewer,
    text: Annotated[str, Form(max_length=whatif.MAX_TEXT)] = "",
    within: Annotated[int, Form(ge=1, le=24 * 90)] = 72,
    file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    if not who.principal.has(CASE_READERS):
        return not_found(request)
    try:
        body = await _text(file, text)
        if not body.strip():
            raise InvalidInput("file", "no rule file was given", "upload a TOML file or paste one")
        result = _run(who, body, within)
    except VulndeskError as exc:
        return _page(
            request, 422, result=None, within=within, error=say(request, exc, named=True), text=text
        )
    return _page(request, result=result, within=within, text=body)


def _run(who: Viewer, text: str, within: int) -> whatif.WhatIf:
    return whatif.what_if(
        who.deps,
        who.principal,
        text,
        "what-if.toml",
        dt.timedelta(hours=within),
        who.container.rule_sets,
    )
