"""Console advisory pages of a case: draft and edit, preview per format, diff, history, approve,
publish.

The same use cases as `vulndesk advisory ...` and `/api/v1/cases/{key}/advisory`; the services
check roles and need-to-know. A case the viewer may not see is the same 404 as a missing one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from vulndesk.bootstrap import Container
from vulndesk.domain.disclosure import DETAIL_FIELDS
from vulndesk.domain.errors import GuardFailed, VulndeskError
from vulndesk.domain.ids import CaseKey
from vulndesk.entrypoints.web import i18n
from vulndesk.entrypoints.web.advisory_form import (
    RESTRICTED,
    TLPS,
    AdvisoryForm,
    changes,
    refusal,
    values_of,
)
from vulndesk.entrypoints.web.pages_cases import not_found, visible_key
from vulndesk.entrypoints.web.render import page_context, render
from vulndesk.entrypoints.web.session import CurrentViewer, Viewer
from vulndesk.exporters.advisories.provider import TreeEntry
from vulndesk.services.access import rights as access
from vulndesk.services.advisories import decisions as advisory_decisions
from vulndesk.services.advisories import publish as advisory_publish
from vulndesk.services.advisories import revisions as advisories
from vulndesk.services.advisories.content import FORMATS, TEXTS, AdvisoryContent
from vulndesk.services.advisories.ports import AdvisoryRecord

router = APIRouter(include_in_schema=False)

FORMAT_NAMES = {
    "csaf": "CSAF 2.0",
    "csaf-vex": "CSAF VEX",
    "cve": "CVE JSON 5",
    "osv": "OSV",
    "cyclonedx-vex": "CycloneDX VEX",
}
DONE = {"drafted", "saved", "approved", "published", "decided"}


class _Site:
    """The configured site, built only when publishing gets that far (as the API does)."""

    def __init__(self, c: Container) -> None:
        self._c = c

    def publish(self, document: str, extra: Mapping[str, str], now: dt.datetime) -> TreeEntry:
        return self._c.advisory_site.publish(document, extra, now)


def _visible(who: Viewer, key: str) -> CaseKey | None:
    found = visible_key(who, key)
    return found if found is not None and who.principal.has(access.CASE_READERS) else None


def _link(key: CaseKey, **query: str) -> str:
    suffix = "?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else ""
    return f"/cases/{key}/advisory{suffix}"


def _base(who: Viewer, request: Request, key: CaseKey, revs: list[AdvisoryRecord]) -> Any:
    """What the form edits: the newest revision, or for a first draft what the case gives."""
    if revs:
        return AdvisoryContent.from_json(revs[-1].content)
    # The same start as the first draft: with the coordinated statuses and their
    # justifications, so the form shows what saving it untouched would store.
    return advisories.first_draft(who.deps, who.principal, key)


def _shown(who: Viewer, key: CaseKey, fmt: str, number: int | None, lang: str) -> dict[str, Any]:
    """The preview of one revision in one format and its diff, or why they cannot be shown."""
    _ = i18n.translator(lang)
    setup = who.container.advisory_setup
    out: dict[str, Any] = {"preview": "", "preview_error": None, "diff": "", "shown": None}
    try:
        out["shown"], out["preview"] = advisories.preview(
            who.deps, who.principal, setup, key, fmt, number
        )
    except VulndeskError as exc:
        out["preview_error"] = refusal(exc, _)
    try:
        out["diff"] = advisories.diff(who.deps, who.principal, setup, key, number)
    except VulndeskError as exc:
        out["diff_error"] = refusal(exc, _)
    return out


def _page(
    request: Request,
    who: Viewer,
    key: CaseKey,
    status: int = 200,
    error: tuple[str, str] | None = None,
    form: dict[str, Any] | None = None,
    fmt: str = "csaf",
    number: int | None = None,
    decide: str | None = None,
) -> Response:
    revs = advisories.revisions(who.deps, who.principal, key)
    lang = page_context(request).lang
    shown = _shown(who, key, fmt, number, lang) if revs else {}
    p = who.principal
    latest = revs[-1] if revs else None
    return render(
        request,
        "console/advisories/advisory.html",
        status=status,
        key=key,
        revisions=list(reversed(revs)),
        latest=latest,
        fmt=fmt,
        formats=[(f, FORMAT_NAMES[f]) for f in FORMATS],
        form=form or values_of(_base(who, request, key, revs)),
        texts=TEXTS,
        restricted=RESTRICTED,
        tlps=TLPS,
        error=error,
        done=request.query_params.get("done") if request.query_params.get("done") in DONE else None,
        may_write=p.has(access.ADVISORY_WRITERS),
        may_approve=p.has(access.APPROVERS)
        and latest is not None
        and p.name not in latest.approvers,
        may_publish=p.has(access.ADVISORY_PUBLISHERS),
        may_decide=p.has(access.APPROVERS),
        decisions=advisory_decisions.public_decisions(who.deps, p, key),
        decision_kinds=advisory_decisions.KINDS,
        decide=decide,
        viewer=p.name,
        detail_fields=list(DETAIL_FIELDS),
        **shown,
    )


@router.get("/cases/{key}/advisory")
def advisory_page(
    request: Request, key: str, who: CurrentViewer, format: str = "csaf", revision: int = 0
) -> Response:
    case_key = _visible(who, key)
    if case_key is None:
        return not_found(request)
    fmt = format if format in FORMATS else "csaf"
    return _page(request, who, case_key, fmt=fmt, number=revision if revision > 0 else None)


def _act(
    request: Request,
    who: Viewer,
    key: str,
    action: Any,
    form: dict[str, Any] | None = None,
    anchor: str = "#history",
) -> Response:
    """Run one form action (it returns what was done); a refusal re-shows the page with the
    reason and the fix."""
    case_key = _visible(who, key)
    if case_key is None:
        return not_found(request)
    try:
        done = action(case_key)
    except VulndeskError as exc:
        code = 403 if exc.code == "forbidden" else 422 if exc.code == "invalid_input" else 409
        _ = i18n.translator(page_context(request).lang)
        # A refusal a two-person decision lifts opens the form for that decision.
        decide = advisory_decisions.LIFTS.get(exc.guard) if isinstance(exc, GuardFailed) else None
        return _page(request, who, case_key, code, refusal(exc, _), form, decide=decide)
    return RedirectResponse(_link(case_key, done=done) + anchor, status_code=303)


@router.post("/cases/{key}/advisory")
def save(
    request: Request, key: str, who: CurrentViewer, data: Annotated[AdvisoryForm, Form()]
) -> Response:
    """Draft the first revision, or save a new one with what the form changed."""

    def run(case_key: CaseKey) -> str:
        revs = advisories.revisions(who.deps, who.principal, case_key)
        ch = changes(data, _base(who, request, case_key, revs))
        if revs:
            advisories.edit(who.deps, who.principal, case_key, ch)
            return "saved"
        advisories.draft(who.deps, who.principal, case_key, ch)
        return "drafted"

    return _act(request, who, key, run, data.model_dump())


@router.post("/cases/{key}/advisory/approvals")
def approve(request: Request, key: str, who: CurrentViewer) -> Response:
    """Approve the newest revision; two different approvers make it publishable."""

    def run(case_key: CaseKey) -> str:
        advisories.approve(who.deps, who.principal, case_key)
        return "approved"

    return _act(request, who, key, run)


@router.post("/cases/{key}/advisory/publication")
def publish(request: Request, key: str, who: CurrentViewer) -> Response:
    """Publish the approved newest revision to the CSAF provider tree, OSV and CVE files."""

    def run(case_key: CaseKey) -> str:
        site, setup = _Site(who.container), who.container.advisory_setup
        advisory_publish.publish(who.deps, who.principal, setup, site, case_key)
        return "published"

    return _act(request, who, key, run)


@router.post("/cases/{key}/advisory/decisions")
def propose_decision(
    request: Request,
    key: str,
    who: CurrentViewer,
    kind: Annotated[str, Form(max_length=20)] = "",
    reason: Annotated[str, Form(max_length=2000)] = "",
    fields: Annotated[list[str] | None, Form()] = None,
) -> Response:
    """Propose the decision a refused publication needs; a second approver approves it."""

    def run(case_key: CaseKey) -> str:
        advisory_decisions.record(
            who.deps, who.principal, case_key, kind, reason, tuple(fields or ())
        )
        return "decided"

    return _act(request, who, key, run, anchor="#decisions")


@router.post("/cases/{key}/advisory/decisions/{decision}/approvals")
def approve_decision(request: Request, key: str, decision: int, who: CurrentViewer) -> Response:
    """Approve a decision of the case as its second (different) person."""

    def run(case_key: CaseKey) -> str:
        advisory_decisions.approve(who.deps, who.principal, case_key, decision)
        return "decided"

    return _act(request, who, key, run, anchor="#decisions")
