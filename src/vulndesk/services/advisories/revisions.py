"""Use cases of a case's advisory: draft, edit, preview, diff, approve by two people, publish.

Every edit is a new revision (encrypted at rest); approvals bind to one revision; only the
newest revision, approved by two different approver accounts, is published. Publishing passes
the RMSV Art. 9 gate and the disclosure guard (the public is the recipient), writes the CSAF
provider tree, OSV and CVE files, records the `published` fact and a `public-advisory` ledger
entry (which meets the user-notification obligations the rule sets let it meet).
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from vulndesk.domain.audit_tags import AuditTag
from vulndesk.domain.cases import Case
from vulndesk.domain.coordination import ProductStatus, board
from vulndesk.domain.drafts import MIN_APPROVERS
from vulndesk.domain.errors import Conflict, GuardFailed, InvalidInput, NotFound
from vulndesk.domain.ids import CaseKey, ProductId
from vulndesk.exporters.advisories.advisory import ProductState, Publisher
from vulndesk.exporters.advisories.support import Revision
from vulndesk.services.access import rights as access
from vulndesk.services.access.rights import ADVISORY_WRITERS, CASE_READERS, Principal
from vulndesk.services.advisories.content import (
    AdvisoryContent,
    Release,
    advisory_input,
    from_case,
    render,
)
from vulndesk.services.advisories.ports import AdvisoryRecord
from vulndesk.services.context import Deps
from vulndesk.services.ports import UnitOfWork
from vulndesk.services.reports.approvals import approving_account
from vulndesk.services.reports.drafts import sha256

SOURCE = "advisory"


@dataclass(frozen=True, slots=True)
class Setup:
    """Who publishes (CSAF publisher) and the CNA organisation id for CVE records."""

    publisher: Publisher
    cve_org: str = ""


def revisions_of(uow: UnitOfWork, key: CaseKey) -> list[AdvisoryRecord]:
    return uow.advisories.revisions(key)


def latest(uow: UnitOfWork, key: CaseKey) -> AdvisoryRecord:
    found = revisions_of(uow, key)
    if not found:
        raise NotFound("advisory", key)
    return found[-1]


def _pick(uow: UnitOfWork, key: CaseKey, number: int | None) -> AdvisoryRecord:
    if number is None:
        return latest(uow, key)
    for r in revisions_of(uow, key):
        if r.number == number:
            return r
    raise NotFound("advisory revision", f"{key}/r{number}")


def _store(
    deps: Deps, p: Principal, uow: UnitOfWork, key: CaseKey, c: AdvisoryContent, tag: AuditTag
) -> AdvisoryRecord:
    now = deps.clock.now()
    case = uow.cases.get(key)
    text = c.to_json()
    saved = uow.advisories.add(key, case.unit, text, sha256(text), c.tlp, now, p.name, c.cve)
    uow.audit.append(
        p.actor(SOURCE).event(
            now, tag, "case", key, tuple(sorted(c.texts)), revision=str(saved.number)
        )
    )
    return saved


def draft(deps: Deps, p: Principal, case: str, changes: Mapping[str, Any]) -> AdvisoryRecord:
    """The first revision, drafted from the case and the given changes."""
    key = access.check_case(deps, p, case)
    p.require(ADVISORY_WRITERS, "write")
    with deps.uow() as uow:
        if revisions_of(uow, key):
            raise Conflict(
                f"{key} already has an advisory; change it with `vulndesk advisory edit`"
            )
        found = uow.cases.get(key)
        content = replace(from_case(found, coordinated(uow, found)), **dict(changes))
        saved = _store(deps, p, uow, key, content, AuditTag.CASE_ADVISORY_DRAFTED)
        uow.commit()
    return saved


def first_draft(deps: Deps, p: Principal, case: str) -> AdvisoryContent:
    """What a first draft starts from, as `draft` builds it: the case's texts and statuses and
    the approved statuses of its coordination participants (a form shows this to edit)."""
    key = access.check_case(deps, p, case)
    p.require(CASE_READERS)
    with deps.reader() as uow:
        found = uow.cases.get(key)
        return from_case(found, coordinated(uow, found))


def edit(deps: Deps, p: Principal, case: str, changes: Mapping[str, Any]) -> AdvisoryRecord:
    """A new revision: the newest one with `changes`; earlier approvals do not carry over."""
    key = access.check_case(deps, p, case)
    p.require(ADVISORY_WRITERS, "write")
    if not changes:
        raise InvalidInput("changes", "nothing to change", "at least one option, e.g. --title")
    with deps.uow() as uow:
        current = AdvisoryContent.from_json(latest(uow, key).content)
        saved = _store(
            deps, p, uow, key, replace(current, **dict(changes)), AuditTag.CASE_ADVISORY_EDITED
        )
        uow.commit()
    return saved


_STATES = {
    ProductStatus.AFFECTED: ProductState.KNOWN_AFFECTED,
    ProductStatus.NOT_AFFECTED: ProductState.KNOWN_NOT_AFFECTED,
    ProductStatus.UNDER_INVESTIGATION: ProductState.UNDER_INVESTIGATION,
    ProductStatus.FIXED: ProductState.FIXED,
}


def coordinated(uow: UnitOfWork, case: Case) -> list[tuple[str, str, str, str | None]]:
    """The approved statuses of the case's participants as (product, version, state,
    justification), for statements naming a registered product by id or package URL; a
    statement on a package vulndesk does not know is not in the advisory."""
    products = {str(p.id): p for p in uow.products.list()}
    by_purl = {p.purl.split("@")[0]: p for p in products.values() if p.purl}
    case_versions = {str(a.product): a.versions for a in case.products}
    cells = board(
        uow.coordination.participants(case.key), (), uow.coordination.statements(case.key)
    )
    out: list[tuple[str, str, str, str | None]] = []
    for cell in cells:
        s = cell.current
        if s is None or cell.status not in _STATES:
            continue
        name, _, pinned = (
            s.product.partition("@") if s.product.startswith("pkg:") else (s.product, "", "")
        )
        product = products.get(s.product) or by_purl.get(name)
        if product is None:
            continue
        pid = str(product.id)
        if s.status is ProductStatus.FIXED:
            versions: tuple[str, ...] = s.fixed_versions
        elif pinned:
            versions = (pinned.split("?")[0],)
        else:
            versions = case_versions.get(pid) or product.versions
        why = s.justification.value if s.justification else None
        out += [(pid, v, _STATES[s.status].value, why) for v in versions]
    return out


def revisions(deps: Deps, p: Principal, case: str) -> list[AdvisoryRecord]:
    key = access.check_case(deps, p, case)
    p.require(CASE_READERS)
    with deps.reader() as uow:
        return revisions_of(uow, key)


def release_of(uow: UnitOfWork, key: CaseKey, now: Any) -> Release:
    published = tuple(
        Revision(str(r.csaf_version), r.published_at, AdvisoryContent.from_json(r.content).change)
        for r in revisions_of(uow, key)
        if r.published_at is not None
    )
    return Release(published, now)


def render_record(
    uow: UnitOfWork, setup: Setup, record: AdvisoryRecord, fmt: str, release: Release
) -> str:
    case = uow.cases.get(record.case)
    c = AdvisoryContent.from_json(record.content)
    products = [uow.products.get(ProductId(pid)) for pid in sorted({s[0] for s in c.statuses})]
    return render(advisory_input(c, case, products, setup.publisher, release), fmt, setup.cve_org)


def preview(
    deps: Deps, p: Principal, setup: Setup, case: str, fmt: str = "csaf", number: int | None = None
) -> tuple[AdvisoryRecord, str]:
    """A revision in one format exactly as publishing it now would write it; audited."""
    key = access.check_case(deps, p, case)
    p.require(CASE_READERS)
    now = deps.clock.now()
    with deps.uow() as uow:
        record = _pick(uow, key, number)
        text = render_record(uow, setup, record, fmt, release_of(uow, key, now))
        c = AdvisoryContent.from_json(record.content)
        uow.audit.append(
            p.actor(SOURCE).event(
                now, AuditTag.CASE_ADVISORY_READ, "case", key, tuple(sorted(c.texts)), format=fmt
            )
        )
        uow.commit()
    return record, text


def diff(deps: Deps, p: Principal, setup: Setup, case: str, number: int | None = None) -> str:
    """Unified diff of the CSAF of a revision against the previous one, rendered alike."""
    _, new = preview(deps, p, setup, case, "csaf", number)
    key = access.check_case(deps, p, case)
    with deps.reader() as uow:
        record = _pick(uow, key, number)
        if record.number == 1:
            old, name = "", "(none)"
        else:
            prev = _pick(uow, key, record.number - 1)
            old = render_record(uow, setup, prev, "csaf", release_of(uow, key, deps.clock.now()))
            name = f"r{prev.number}"
    # Both renderings carry the generator instant; diff them with the same one.
    return "".join(
        difflib.unified_diff(
            _steady(old).splitlines(keepends=True),
            _steady(new).splitlines(keepends=True),
            name,
            f"r{record.number}",
        )
    )


def _steady(text: str) -> str:
    return "".join(line for line in text.splitlines(keepends=True) if '"date": "' not in line)


def approve(deps: Deps, p: Principal, case: str) -> AdvisoryRecord:
    """An approver account approves the newest revision; two different ones approve it."""
    key = access.check_case(deps, p, case)
    now = deps.clock.now()
    actor = p.actor(SOURCE)
    with deps.uow() as uow:
        record = latest(uow, key)
        user = approving_account(uow, actor)
        if record.status not in ("draft", "approved"):
            raise GuardFailed("draft", f"{record.ref} is {record.status}; edit for a new revision")
        if p.name in record.approvers:
            raise GuardFailed(
                "two-persons", f"{p.name} already approved {record.ref}; a second person must"
            )
        uow.advisories.approve(record.id, user.name, user.unit, now)
        if len({*record.approvers, user.name}) >= MIN_APPROVERS:
            uow.advisories.set_status(record.id, "approved")
        uow.audit.append(
            actor.event(
                now, AuditTag.CASE_ADVISORY_APPROVED, "case", key, (), revision=str(record.number)
            )
        )
        uow.commit()
    with deps.reader() as uow:
        return latest(uow, key)
