"""What an advisory revision says (the edited content) and how it becomes every published format.

The content is a small JSON object: the texts (public detail fields, plus the restricted
ones named in `include`; secret fields are refused), the CVSS vectors, CWE, CVE, TLP, the
version statuses, references, and the reporter credit, which is published only when the
reporter's consent is recorded with it.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from vulndesk.domain.cases import Case
from vulndesk.domain.disclosure import DETAIL_FIELDS, Sensitivity
from vulndesk.domain.errors import InvalidInput
from vulndesk.domain.ids import ProductId
from vulndesk.domain.products import Product
from vulndesk.domain.severity import Severity
from vulndesk.exporters.advisories.advisory import (
    Acknowledgment,
    AdvisoryInput,
    Justification,
    ProductState,
    Publisher,
    Reference,
    Tlp,
    VersionStatus,
)
from vulndesk.exporters.advisories.csaf import build_csaf, build_csaf_vex
from vulndesk.exporters.advisories.cve import build_cve_cna
from vulndesk.exporters.advisories.osv import build_osv
from vulndesk.exporters.advisories.support import (
    Revision,
    Tracking,
    TrackingStatus,
    cvss3_metrics,
    cvss4_metrics,
    to_json,
)

TEXTS = ("summary", "harm", "remediation", "workaround")
FORMATS = ("csaf", "csaf-vex", "cve", "osv", "cyclonedx-vex")


@dataclass(frozen=True, slots=True)
class AdvisoryContent:
    """The editable content of one revision."""

    title: str
    texts: Mapping[str, str]
    statuses: tuple[tuple[str, str, str], ...]  # (product, version, state)
    tlp: str = "WHITE"
    cve: str | None = None
    cwe: str | None = None
    cwe_name: str | None = None
    cvss31: str | None = None
    cvss40: str | None = None
    include: tuple[str, ...] = ()
    references: tuple[tuple[str, str], ...] = ()  # (url, summary)
    credit: str = ""
    credit_consent: str = ""
    change: str = "Initial public release."
    extra: Mapping[str, Any] = field(default_factory=dict)
    # (product, version, VEX justification) of known_not_affected statuses, e.g. from the
    # approved statements of a coordinated case; written to JSON only when there are some.
    justifications: tuple[tuple[str, str, str], ...] = ()

    def __post_init__(self) -> None:
        check(self)

    def to_json(self) -> str:
        extra = {"justifications": [list(j) for j in self.justifications]}
        return to_json(
            (extra if self.justifications else {})
            | {
                "title": self.title,
                "texts": dict(self.texts),
                "statuses": [list(s) for s in self.statuses],
                "tlp": self.tlp,
                "cve": self.cve,
                "cwe": self.cwe,
                "cwe_name": self.cwe_name,
                "cvss31": self.cvss31,
                "cvss40": self.cvss40,
                "include": list(self.include),
                "references": [list(r) for r in self.references],
                "credit": self.credit,
                "credit_consent": self.credit_consent,
                "change": self.change,
            }
        )

    @classmethod
    def from_json(cls, text: str) -> AdvisoryContent:
        d = json.loads(text)
        return cls(
            title=d["title"],
            texts=dict(d["texts"]),
            statuses=tuple((str(a), str(b), str(c)) for a, b, c in d["statuses"]),
            tlp=d["tlp"],
            cve=d["cve"],
            cwe=d["cwe"],
            cwe_name=d["cwe_name"],
            cvss31=d["cvss31"],
            cvss40=d["cvss40"],
            include=tuple(d["include"]),
            references=tuple((str(u), str(s)) for u, s in d["references"]),
            credit=d["credit"],
            credit_consent=d["credit_consent"],
            change=d["change"],
            justifications=tuple(
                (str(a), str(b), str(c)) for a, b, c in d.get("justifications", [])
            ),
        )


def check(c: AdvisoryContent) -> None:
    """Refuse what can never be published: secret fields, a credit without consent, bad labels."""
    if c.tlp not in {t.value for t in Tlp}:
        raise InvalidInput("tlp", f"{c.tlp!r} is not a TLP label", "WHITE, GREEN, AMBER or RED")
    for name in (*c.texts, *c.include):
        level = DETAIL_FIELDS.get(name)
        if level is None:
            raise InvalidInput("texts", f"{name!r} is not a detail field", ", ".join(TEXTS))
        if level is Sensitivity.SECRET:
            raise InvalidInput(name, "is secret and never published", "public or restricted fields")
        if level is Sensitivity.RESTRICTED and name not in c.include:
            raise InvalidInput(name, "is restricted", f"publish it only with --include {name}")
    if c.credit.strip() and not c.credit_consent.strip():
        raise InvalidInput(
            "credit",
            "the reporter's consent to be named is not recorded",
            "--credit-consent 'how and when the reporter agreed', or no credit",
        )
    states = {s.value for s in ProductState}
    for product, version, state in c.statuses:
        if state not in states or not product or not version:
            raise InvalidInput(
                "statuses", f"{product}:{version}:{state} is not a status", "PRODUCT:VERSION:STATE"
            )
    not_affected = {
        (p, v) for p, v, state in c.statuses if state == ProductState.KNOWN_NOT_AFFECTED.value
    }
    reasons = {j.value for j in Justification}
    for product, version, why in c.justifications:
        if why not in reasons or (product, version) not in not_affected:
            raise InvalidInput(
                "justifications",
                f"{product}:{version}:{why} is not a justification of a known_not_affected status",
                ", ".join(sorted(reasons)),
            )
    for vector, metrics in ((c.cvss31, cvss3_metrics), (c.cvss40, cvss4_metrics)):
        if vector:
            metrics(vector)


def from_case(
    case: Case, coordinated: Sequence[tuple[str, str, str, str | None]] = ()
) -> AdvisoryContent:
    """A first draft: the case's public texts, versions, CVSS vectors and CWE, and the
    approved statuses of a coordinated case (product, version, state, justification) for
    product versions the case itself does not state."""
    own = tuple(
        (str(ap.product), v, state.value)
        for ap in case.products
        for state, versions in (
            (ProductState.KNOWN_AFFECTED, ap.versions),
            (ProductState.FIXED, ap.fixed_versions),
        )
        for v in versions
    )
    stated = {(p, v) for p, v, _ in own}
    added = [c for c in dict.fromkeys(coordinated) if (c[0], c[1]) not in stated]
    statuses = own + tuple((p, v, state) for p, v, state, _ in added)
    justifications = tuple((p, v, why) for p, v, _, why in added if why)
    texts = {n: case.details[n] for n in TEXTS if case.details.get(n, "").strip()}
    sev = case.severity
    return AdvisoryContent(
        title=f"{case.key}: security advisory",
        texts=texts,
        statuses=statuses,
        cwe=case.cwe,
        cvss31=sev.cvss31_vector,
        cvss40=sev.cvss40_vector,
        justifications=justifications,
    )


@dataclass(frozen=True, slots=True)
class Release:
    """When each published revision was released, and the one being rendered."""

    published: tuple[Revision, ...]
    now: dt.datetime
    status: TrackingStatus = TrackingStatus.FINAL


def tracking(case: Case, release: Release, change: str) -> Tracking:
    """Revision history: every earlier publication and this one (numbered from 1)."""
    this = Revision(str(len(release.published) + 1), release.now, change or "Update.")
    revisions = (*release.published, this)
    return Tracking(
        str(case.key),
        release.status,
        this.number,
        revisions[0].date,
        release.now,
        revisions,
    )


def advisory_input(
    c: AdvisoryContent,
    case: Case,
    products: Sequence[Product],
    publisher: Publisher,
    release: Release,
) -> AdvisoryInput:
    """The exporters' input: the case seen through the content (texts, severity, CWE only)."""
    seen = replace(
        case,
        details=dict(c.texts),
        severity=Severity(cvss31_vector=c.cvss31, cvss40_vector=c.cvss40),
        cwe=c.cwe,
    )
    acks = (Acknowledgment(names=(c.credit,)),) if c.credit.strip() else ()
    why = {(p, v): j for p, v, j in c.justifications}
    return AdvisoryInput(
        case=seen,
        products=tuple(products),
        publisher=publisher,
        tracking=tracking(case, release, c.change),
        title=c.title,
        now=release.now,
        cve=c.cve,
        cwe_name=c.cwe_name,
        tlp=Tlp(c.tlp),
        statuses=tuple(
            VersionStatus(
                ProductId(p),
                v,
                ProductState(s),
                Justification(why[(p, v)]) if (p, v) in why else None,
            )
            for p, v, s in c.statuses
        ),
        references=tuple(Reference(u, s) for u, s in c.references),
        acknowledgments=acks,
        include=frozenset(c.include),
    )


def render(a: AdvisoryInput, fmt: str, cve_org: str = "") -> str:
    """One published format as text; the CVE container needs the CNA's organisation id."""
    if fmt == "csaf":
        return to_json(build_csaf(a))
    if fmt == "csaf-vex":
        return to_json(build_csaf_vex(a))
    if fmt == "osv":
        return to_json(build_osv(a, osv_id(a)))
    if fmt == "cve":
        if not cve_org:
            raise InvalidInput(
                "VULNDESK_CVE_ORG_ID", "no CNA organisation id is configured", "the CNA's UUID"
            )
        return to_json(build_cve_cna(a, cve_org))
    if fmt == "cyclonedx-vex":
        from vulndesk.exporters.advisories.cyclonedx_vex import build_cyclonedx_vex

        return build_cyclonedx_vex(a)
    raise InvalidInput("format", f"{fmt!r} is not a format", ", ".join(FORMATS))


def osv_id(a: AdvisoryInput) -> str:
    """The stable OSV id: `x_` and the tracking id (the case key)."""
    return f"x_{a.tracking.id}"
