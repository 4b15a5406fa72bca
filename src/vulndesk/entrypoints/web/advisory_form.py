"""The console's advisory form: its fields, the changes it makes, and refusals in words.

The form shows a revision's whole content (for a first draft, what the case gives); what the
viewer changed is passed to the same `advisories.draft` / `advisories.edit` as the CLI.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, Field

from vulndesk.domain.disclosure import DETAIL_FIELDS, Sensitivity
from vulndesk.domain.errors import (
    Conflict,
    Forbidden,
    GuardFailed,
    InvalidInput,
    NotFound,
    VulndeskError,
)
from vulndesk.services.advisories.content import TEXTS, AdvisoryContent

RESTRICTED = tuple(n for n, s in DETAIL_FIELDS.items() if s is Sensitivity.RESTRICTED)
TLPS = ("WHITE", "GREEN", "AMBER", "RED")
_LONG = 20_000


class AdvisoryForm(BaseModel):
    """Every field of `vulndesk advisory draft/edit` (and the CWE name), as the form posts them."""

    title: str = Field(default="", max_length=300)
    summary: str = Field(default="", max_length=_LONG)
    harm: str = Field(default="", max_length=_LONG)
    remediation: str = Field(default="", max_length=_LONG)
    workaround: str = Field(default="", max_length=_LONG)
    technical_characteristics: str = Field(default="", max_length=_LONG)
    scope_of_impact: str = Field(default="", max_length=_LONG)
    affected_versions_detail: str = Field(default="", max_length=_LONG)
    remediation_plan: str = Field(default="", max_length=_LONG)
    threat_actors: str = Field(default="", max_length=_LONG)
    root_cause: str = Field(default="", max_length=_LONG)
    include: list[str] = Field(default_factory=list, max_length=len(RESTRICTED))
    statuses: str = Field(default="", max_length=_LONG)
    tlp: str = Field(default="WHITE", max_length=10)
    cve: str = Field(default="", max_length=40)
    cwe: str = Field(default="", max_length=20)
    cwe_name: str = Field(default="", max_length=200)
    cvss31: str = Field(default="", max_length=200)
    cvss40: str = Field(default="", max_length=300)
    references: str = Field(default="", max_length=_LONG)
    credit: str = Field(default="", max_length=200)
    credit_consent: str = Field(default="", max_length=2000)
    change: str = Field(default="", max_length=2000)


def values_of(c: AdvisoryContent) -> dict[str, Any]:
    """The form's fields filled from a revision's content."""
    out: dict[str, Any] = {name: c.texts.get(name, "") for name in (*TEXTS, *RESTRICTED)}
    out |= {"title": c.title, "tlp": c.tlp, "cve": c.cve or "", "cwe": c.cwe or ""}
    out["cwe_name"] = c.cwe_name or ""
    out |= {"cvss31": c.cvss31 or "", "cvss40": c.cvss40 or "", "include": list(c.include)}
    out["statuses"] = "\n".join(":".join(s) for s in c.statuses)
    out["references"] = "\n".join(f"{u} {s}".strip() for u, s in c.references)
    out |= {"credit": c.credit, "credit_consent": c.credit_consent, "change": ""}
    return out


def _statuses(text: str) -> tuple[tuple[str, ...], ...]:
    rows = [line.strip() for line in text.splitlines() if line.strip()]
    return tuple(tuple(part.strip() for part in [*row.split(":", 2), "", ""][:3]) for row in rows)


def _references(text: str) -> tuple[tuple[str, str], ...]:
    rows = [line.strip().split(None, 1) for line in text.splitlines() if line.strip()]
    return tuple((r[0], r[1] if len(r) > 1 else "") for r in rows)


def changes(form: AdvisoryForm, base: AdvisoryContent) -> dict[str, Any]:
    """What the form changes in `base`, named as the services take it."""
    texts = {n: getattr(form, n).strip() for n in (*TEXTS, *RESTRICTED)}
    new: dict[str, Any] = {
        "title": form.title.strip(),
        "texts": {n: v for n, v in texts.items() if v},
        "statuses": _statuses(form.statuses),
        "tlp": form.tlp.strip().upper(),
        "cve": form.cve.strip() or None,
        "cwe": form.cwe.strip() or None,
        "cwe_name": form.cwe_name.strip() or None,
        "cvss31": form.cvss31.strip() or None,
        "cvss40": form.cvss40.strip() or None,
        "include": tuple(sorted(n for n in form.include if n)),
        "references": _references(form.references),
        "credit": form.credit.strip(),
        "credit_consent": form.credit_consent.strip(),
    }
    old = {name: getattr(base, name) for name in new}
    old["texts"] = dict(base.texts)
    old["include"] = tuple(sorted(base.include))
    out = {k: v for k, v in new.items() if v != old[k]}
    if "statuses" in out:
        # The form has no field for the VEX justifications a coordinated draft carries: one
        # whose known_not_affected row the form removed goes with it.
        kept = {(s[0], s[1]) for s in out["statuses"] if s[2:] == ("known_not_affected",)}
        still = tuple(j for j in base.justifications if (j[0], j[1]) in kept)
        if still != base.justifications:
            out["justifications"] = still
    if form.change.strip():
        out["change"] = form.change.strip()
    return out


# A refusal's guard or field -> (what is wrong, how to fix it), translated on the page.
GUARDS: dict[str, tuple[str, str]] = {
    "two-person": (
        "Two different approvers must approve the newest revision before it is published.",
        "Ask a second approver to open this page and approve it.",
    ),
    "two-persons": (
        "You have already approved this revision.",
        "A second, different approver must approve it.",
    ),
    "draft": (
        "This revision is no longer open for approval.",
        "Edit the advisory to make a new revision, then approve that.",
    ),
    "intact": (
        "The revision does not match its recorded SHA-256.",
        "Edit the advisory to make a new revision, and tell an administrator.",
    ),
    "fix-before-publication": (
        "RMSV Art. 9(1): no fix or preventive measure is recorded yet.",
        "Record the fact 'fix available' (or 'measures taken') on the case, then publish.",
    ),
    "remediation-published-together": (
        "RMSV Art. 9(5): the advisory carries no remediation or workaround.",
        "Fill in Remediation or Workaround in a new revision.",
    ),
    "no-exploit-or-poc": (
        "RMSV Art. 9(4): the advisory looks like it carries exploit code.",
        "Remove the exploit details from the texts in a new revision.",
    ),
    "no-live-system-details": (
        "RMSV Art. 9(2): the advisory names details of an operator's live systems.",
        "Remove those details in a new revision.",
    ),
    "outside-major-event-blackout": (
        "RMSV Art. 9(6): now is inside a major-event window.",
        "Publish after the window, or record the public security authority's consent.",
    ),
    "no-undisclosed-overseas-sharing": (
        "RMSV Art. 9(7): details went overseas before they were disclosed at home.",
        "Resolve what the details below name before publishing.",
    ),
    "coordinated-embargo-respected": (
        "RMSV Art. 9(1): a coordinated embargo is in force until its end.",
        (
            "Publish after the end, end or extend the embargo on the coordination page, or record "
            "an embargo_early_publication decision approved by two people."
        ),
    ),
    "severity-not-exaggerated": (
        "RMSV Art. 9(3): the stated severity does not match the CVSS vectors.",
        "Correct the CVSS vectors in a new revision.",
    ),
    "policy": (
        "The disclosure policy does not let these fields go to the public.",
        "Leave those fields out, or record an exception approved by two people.",
    ),
    "equal-dissemination": (
        "Equal dissemination: others would learn later than the public.",
        "Resolve what the details below name before publishing.",
    ),
    "cross-border": (
        "RMSV Art. 9(7): this disclosure crosses a border without permission.",
        "Record a cross-border decision approved by two people.",
    ),
}
FIELDS: dict[str, tuple[str, str]] = {
    "VULNDESK_CSAF_KEY": (
        "No OpenPGP key is configured for signing advisories.",
        "An administrator sets VULNDESK_CSAF_KEY (and VULNDESK_GNUPGHOME) and restarts vulndesk.",
    ),
    "parties": (
        "No party of kind 'public' is defined: the public is an advisory's recipient.",
        "An administrator adds one under Administration, reference data.",
    ),
    "tlp": (
        "Only a TLP:WHITE (CLEAR) advisory is published on the public site.",
        "Set TLP to WHITE in a new revision, or share through reports and notices.",
    ),
    "credit": (
        "The reporter's consent to be named is not recorded.",
        "Fill in how and when the reporter agreed, or leave the credit empty.",
    ),
    "changes": ("Nothing was changed.", "Change at least one field."),
    "cwe_name": (
        "CSAF needs the name of the CWE.",
        "Fill in the CWE name from the CWE catalogue, e.g. Out-of-bounds Write.",
    ),
    "statuses": (
        "The product versions are missing or not written as PRODUCT:VERSION:STATE.",
        "Write one line per version, e.g. router:2.0:fixed, in a new revision.",
    ),
    "title": ("The advisory needs a title.", "Write a short headline."),
    "kind": (
        "Choose the kind of decision.",
        "Choose cross-border transfer, justification, exception or release.",
    ),
    "case.products": (
        "A product of the case has no version in the advisory.",
        "Add a line PRODUCT:VERSION:STATE for it under product versions, in a new revision.",
    ),
}


def refusal(exc: VulndeskError, _: Callable[..., str]) -> tuple[str, str]:
    """A refusal as (translated sentence naming the fix, the service's own detail)."""
    known: tuple[str, str] | None = None
    if isinstance(exc, GuardFailed):
        known = GUARDS.get(exc.guard)
        detail = exc.detail
    elif isinstance(exc, InvalidInput):
        known = FIELDS.get(exc.field)
        fix = f" ({exc.accepted})" if exc.accepted else ""
        detail = f"{exc.field}: {exc.problem}{fix}"
        if known is None:
            what = _("The field %(field)s is refused.", field=exc.field)
            return what + " " + _("Fix: %(fix)s", fix=exc.accepted or exc.problem), detail
    elif isinstance(exc, Forbidden):
        known = (
            "Your roles do not allow this.",
            "Ask someone with the approver or coordinator role.",
        )
        detail = str(exc)
    elif isinstance(exc, NotFound) and exc.kind == "decision":
        known = ("There is no such decision.", "Choose a decision from the list.")
        detail = str(exc)
    elif isinstance(exc, NotFound) and exc.kind == "advisory revision":
        known = ("There is no such revision.", "Choose a revision from the history.")
        detail = str(exc)
    elif isinstance(exc, NotFound):
        known = ("This case has no advisory yet.", "Draft one with the form below.")
        detail = str(exc)
    elif isinstance(exc, Conflict):
        known = ("This case already has an advisory.", "Edit it to make a new revision.")
        detail = str(exc)
    else:
        detail = str(exc)
    if known is None:
        return _("The action was refused."), detail
    return _(known[0]) + " " + _("Fix: %(fix)s", fix=_(known[1])), detail
