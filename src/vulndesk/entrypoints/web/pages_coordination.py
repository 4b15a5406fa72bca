"""Console coordinator page of a case: participants, statuses with "no answer since", the
embargo in its zone and the viewer's, threads, and the forms that act on them.

The same use cases as `vulndesk coord ...` and `/api/v1/cases/{key}/coordination/...`; a case
the viewer may not see is the same 404 as a missing one.
"""

from __future__ import annotations

import contextlib
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import UploadFile as StarletteUpload

from vulndesk.domain.coordination import ParticipantRole, ProductStatus, VexJustification
from vulndesk.domain.embargo import show_instant
from vulndesk.domain.errors import InvalidInput, NotFound, VulndeskError
from vulndesk.domain.ids import CaseKey
from vulndesk.domain.threads import MessageFile
from vulndesk.entrypoints.web import i18n
from vulndesk.entrypoints.web.pages_cases import not_found, visible_key
from vulndesk.entrypoints.web.pages_reports import not_found as nothing_here
from vulndesk.entrypoints.web.render import page_context, render
from vulndesk.entrypoints.web.session import CurrentViewer, Viewer
from vulndesk.services.access import rights as access
from vulndesk.services.coordination import (
    embargo,
    overview,
    participants,
    statuses,
    suggest,
    threads,
    watermark,
)
from vulndesk.services.coordination.sharing import Refusal
from vulndesk.services.intake.public import MAX_ATTACHMENT_BYTES, MAX_ATTACHMENTS

router = APIRouter(include_in_schema=False)
DONE = {"invited", "recorded", "approved", "embargo", "posted", "shared"}
EMBARGO_ACTIONS = ("propose", "accept", "decline", "extend", "break", "end")


def labels(lang: str) -> dict[str, str]:
    """Words for the enum values the page shows, each a literal message for the catalogue."""
    _ = i18n.translator(lang)
    return {
        "none": _("no embargo"),
        "proposed": _("proposed"),
        "active": _("active"),
        "revise": _("being revised"),
        "exited": _("exited"),
        "step:proposed": _("proposed"),
        "step:accepted": _("accepted"),
        "step:declined": _("declined"),
        "step:extended": _("extension asked"),
        "step:broken": _("broken"),
        "step:ended": _("ended"),
        "act:propose": _("propose"),
        "act:accept": _("accept"),
        "act:decline": _("decline"),
        "act:extend": _("extend"),
        "act:break": _("record a break"),
        "act:end": _("end"),
        "upstream_supplier": _("upstream supplier"),
        "downstream_maker": _("downstream maker"),
        "coordinator": _("coordinator"),
        "finder": _("finder"),
        "customer": _("customer"),
        "affected": _("affected"),
        "not_affected": _("not affected"),
        "under_investigation": _("under investigation"),
        "fixed": _("fixed"),
        "invited": _("participant invited"),
        "recorded": _("status recorded"),
        "approved": _("status approved"),
        "embargo": _("embargo step recorded"),
        "posted": _("message posted"),
        "shared": _("shared view sent"),
        # VEX justifications (CSAF flag labels, CISA's VEX minimum requirements)
        "component_not_present": _("the component is not present"),
        "vulnerable_code_not_present": _("the vulnerable code is not present"),
        "vulnerable_code_cannot_be_controlled_by_adversary": _(
            "the vulnerable code cannot be controlled by an adversary"
        ),
        "vulnerable_code_not_in_execute_path": _("the vulnerable code is not in the execute path"),
        "inline_mitigations_already_exist": _("inline mitigations already exist"),
    }


def fixed_versions(text: str) -> list[str]:
    """The fixing versions typed in one field, separated by commas or spaces."""
    return [v for v in text.replace(",", " ").split() if v]


def visible(who: Viewer, key: str) -> CaseKey | None:
    found = visible_key(who, key)
    return found if found is not None and who.principal.has(access.CASE_READERS) else None


def page(
    request: Request,
    who: Viewer,
    key: CaseKey,
    status: int = 200,
    error: str | None = None,
    invited: tuple[str, str, str] | None = None,
    not_told: tuple[Refusal, ...] = (),
) -> Response:
    ctx = page_context(request)
    zone = ctx.zone
    try:
        found = overview.overview(
            who.deps, who.principal, key, zone, request.query_params.get("thread")
        )
    except InvalidInput as exc:  # a thread that is not one of the case's: the shared one
        _ = i18n.translator(ctx.lang)
        status, error = 422, error or _("Refused: %(why)s", why=str(exc))
        found = overview.overview(who.deps, who.principal, key, zone)
    done = request.query_params.get("done")
    # The suggestions name why each party should be invited (the SBOMs, suppliers, CSIRTs).
    suggested = suggest.suggestions(who.deps, who.principal, key)
    return render(
        request,
        "console/coordination/coordination.html",
        status=status,
        key=key,
        o=found,
        word=labels(ctx.lang),
        names={r.participant.id: f"{r.participant.party}" for r in found.participants},
        roles=[r.value for r in ParticipantRole],
        states=[s.value for s in ProductStatus if s is not ProductStatus.NO_ANSWER],
        justifications=[j.value for j in VexJustification],
        actions=EMBARGO_ACTIONS,
        error=error,
        not_told=not_told,
        suggested=suggested,
        asked_end=show_instant,
        done=done if done in DONE else None,
        may_write=who.principal.has(access.CASE_WRITERS),
        viewer=who.principal.name,
        invited=invited,
    )


@router.get("/cases/{key}/coordination")
def coordination_page(request: Request, key: str, who: CurrentViewer) -> Response:
    case_key = visible(who, key)
    if case_key is None:
        return not_found(request)
    return page(request, who, case_key)


def refusal(request: Request, exc: VulndeskError) -> tuple[int, str]:
    """A refused coordination act (the desk's or a participant's): its status code and the
    translated line the page shows."""
    code = 403 if exc.code == "forbidden" else 422 if exc.code == "invalid_input" else 409
    _ = i18n.translator(page_context(request).lang)
    return code, _("Refused: %(why)s", why=str(exc))


def _act(request: Request, who: Viewer, key: str, action: Any, anchor: str) -> Response:
    case_key = visible(who, key)
    if case_key is None:
        return not_found(request)
    try:
        done = action(case_key)
    except VulndeskError as exc:
        code, why = refusal(request, exc)
        return page(request, who, case_key, code, why)
    if isinstance(done, embargo.Step):
        if done.refused:
            # A break told every participant the guard lets through; the others are named
            # here with the guard's reason, never silently dropped.
            return page(request, who, case_key, not_told=done.refused)
        done = "embargo"
    return RedirectResponse(f"/cases/{case_key}/coordination?done={done}{anchor}", 303)


@router.post("/cases/{key}/coordination/participants")
def invite(
    request: Request,
    key: str,
    who: CurrentViewer,
    party: Annotated[str, Form(max_length=63)] = "",
    role: Annotated[str, Form(max_length=32)] = "",
    people: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    def run(case_key: CaseKey) -> str:
        lines = [line for line in people.splitlines() if line.strip()]
        participants.invite(who.deps, who.principal, case_key, party, role, lines)
        return "invited"

    return _act(request, who, key, run, "#participants")


@router.post("/cases/{key}/coordination/statuses")
def record_status(
    request: Request,
    key: str,
    who: CurrentViewer,
    participant: Annotated[int, Form(ge=1)] = 0,
    product: Annotated[str, Form(max_length=400)] = "",
    status: Annotated[str, Form(max_length=32)] = "",
    statement: Annotated[str, Form(max_length=20_000)] = "",
    justification: Annotated[str, Form(max_length=64)] = "",
    fixed: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    def run(case_key: CaseKey) -> str:
        versions = fixed_versions(fixed)
        statuses.record(
            who.deps, who.principal, case_key, participant, product, status, statement,
            justification or None, versions,
        )  # fmt: skip
        return "recorded"

    return _act(request, who, key, run, "#statuses")


@router.post("/cases/{key}/coordination/statuses/{statement}/approval")
def approve_status(request: Request, key: str, statement: int, who: CurrentViewer) -> Response:
    def run(case_key: CaseKey) -> str:
        statuses.approve(who.deps, who.principal, case_key, statement)
        return "approved"

    return _act(request, who, key, run, "#statuses")


@router.post("/cases/{key}/coordination/embargo")
def embargo_step(
    request: Request,
    key: str,
    who: CurrentViewer,
    action: Annotated[str, Form(max_length=16)] = "",
    reason: Annotated[str, Form(max_length=4000)] = "",
    end: Annotated[str, Form(max_length=40)] = "",
    zone: Annotated[str, Form(max_length=64)] = "",
    participant: Annotated[str, Form(max_length=20)] = "",
    where: Annotated[str, Form(max_length=1000)] = "",
    seen_at: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    def run(case_key: CaseKey) -> str | embargo.Step:
        d, p = who.deps, who.principal
        answer = int(participant) if participant.strip().isdigit() else None
        if action in ("propose", "extend"):
            act = embargo.propose if action == "propose" else embargo.extend
            act(d, p, case_key, end, zone, reason)
        elif action == "accept":
            embargo.accept(d, p, case_key, reason, answer)
        elif action == "decline":
            embargo.decline(d, p, case_key, reason, answer)
        elif action == "break":
            return embargo.record_break(d, p, case_key, where, seen_at, reason)
        elif action == "end":
            embargo.end_embargo(d, p, case_key, reason)
        else:
            raise InvalidInput("action", f"{action!r}", ", ".join(EMBARGO_ACTIONS))
        return "embargo"

    return _act(request, who, key, run, "#embargo")


def file_download(found: tuple[MessageFile, bytes]) -> Response:
    """A message file as a download, never shown inline."""
    f, content = found
    return Response(
        content,
        media_type=f.media_type,
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(f.name)}",
            "X-Content-Type-Options": "nosniff",
        },
    )


async def uploaded(request: Request) -> list[tuple[str, bytes]]:
    """The files a thread form sent as `attachments` (an empty file input sends a part with
    no name: left out), each read to one byte past the limit so an oversized file is refused
    by name."""
    form = await request.form()
    parts = [v for v in form.getlist("attachments") if isinstance(v, StarletteUpload)]
    return [
        (f.filename, await f.read(MAX_ATTACHMENT_BYTES + 1))
        for f in parts[: MAX_ATTACHMENTS + 1]
        if f.filename
    ]


@router.post("/cases/{key}/coordination/threads")
async def post_message(
    request: Request,
    key: str,
    who: CurrentViewer,
    thread: Annotated[str, Form(max_length=20)] = "shared",
    body: Annotated[str, Form(max_length=50_000)] = "",
) -> Response:
    which = None
    with contextlib.suppress(InvalidInput):
        which = threads.parse_thread(thread)
    files = await uploaded(request)

    def run(case_key: CaseKey) -> str:
        threads.post(who.deps, who.principal, case_key, thread, body, files)
        return "posted"

    shown = "" if which is None else f"&thread={which}"
    return _act(request, who, key, run, f"{shown}#threads")


@router.get("/cases/{key}/coordination/threads/{thread}/messages/{message}/attachments/{sha256}")
def download_file(
    request: Request, key: str, thread: str, message: int, sha256: str, who: CurrentViewer
) -> Response:
    """A file of a thread message (the download is audited); 404 alike for missing and
    forbidden."""
    case_key = visible(who, key)
    if case_key is None:
        return not_found(request)
    try:
        found = threads.file(who.deps, who.principal, case_key, thread, message, sha256)
    except NotFound:
        return not_found(request)
    return file_download(found)


@router.post("/cases/{key}/coordination/participants/{participant}/share")
def share(request: Request, key: str, participant: int, who: CurrentViewer) -> Response:
    def run(case_key: CaseKey) -> str:
        participants.share(who.deps, who.principal, case_key, participant)
        return "shared"

    return _act(request, who, key, run, "#participants")


@router.get("/cases/{key}/coordination/participants/{participant}/download")
def download_view(
    request: Request, key: str, participant: int, who: CurrentViewer, format: str = "text"
) -> Response:
    """The participant's shared view as a file, watermarked for it (the read is audited)."""
    case_key = visible(who, key)
    if case_key is None:
        return not_found(request)
    chosen = "json" if format == "json" else "text"
    try:
        view = participants.shared_view(who.deps, who.principal, case_key, participant, chosen)
    except VulndeskError as exc:
        code, why = refusal(request, exc)
        return page(request, who, case_key, code, why)
    suffix = "json" if chosen == "json" else "txt"
    name = f"{view.case}-participant-{view.participant}-{view.ref}.{suffix}"
    media = "application/json" if chosen == "json" else "text/plain; charset=utf-8"
    return Response(
        view.stamped,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _trace_page(
    request: Request,
    who: Viewer,
    found: list[watermark.Found] | None,
    status: int = 200,
    error: str | None = None,
) -> Response:
    return render(
        request,
        "console/coordination/trace.html",
        status=status,
        found=found,
        error=error,
        kinds=trace_kinds(page_context(request).lang),
    )


def trace_kinds(lang: str) -> dict[str, str]:
    _ = i18n.translator(lang)
    return {
        "preview": _("preview of the shared view"),
        "preview-json": _("shared view downloaded as JSON"),
        "share": _("shared view sent"),
        "invisible": _("the invisible mark"),
        "ref": _("the visible reference only"),
    }


@router.get("/coordination/trace")
def trace_form(request: Request, who: CurrentViewer) -> Response:
    """Paste a leaked copy to find whose it is."""
    if not who.principal.has(access.CASE_READERS):
        return nothing_here(request)
    return _trace_page(request, who, None)


@router.post("/coordination/trace")
def trace_post(
    request: Request,
    who: CurrentViewer,
    text: Annotated[str, Form(max_length=300_000)] = "",
) -> Response:
    if not who.principal.has(access.CASE_READERS):
        return nothing_here(request)
    _ = i18n.translator(page_context(request).lang)
    if not text.strip():
        return _trace_page(
            request, who, None, 422, _("Text: paste the leaked copy into the box, then trace.")
        )
    try:
        found = watermark.trace(who.deps, who.principal, text)
    except VulndeskError as exc:
        code = 403 if exc.code == "forbidden" else 422
        return _trace_page(request, who, None, code, _("Refused: %(why)s", why=str(exc)))
    return _trace_page(request, who, found)
