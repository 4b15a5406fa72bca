"""Regulator report drafts: build for one recipient under its disclosure policy, version, preview, diff.

A draft is named `CASE/KIND/RECIPIENT/vN`, e.g. `VD-2026-0001/nvdb/miit-nvdb/v2`; without the
`/vN` part the newest version is meant. The kinds, and which recipients each is written for,
are the registry in `exporters.report_kinds`; a kind addressed to a recipient it does not fit
is refused.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from vulndesk.domain import drafts
from vulndesk.domain.audit_tags import AuditTag
from vulndesk.domain.cases import Case
from vulndesk.domain.disclosure import DETAIL_FIELDS, Sensitivity
from vulndesk.domain.drafts import DraftRecord, DraftStatus, NewDraft
from vulndesk.domain.errors import InvalidInput
from vulndesk.domain.ids import CaseKey, PartyId, ProductId, parse_case_key
from vulndesk.domain.parties import Party
from vulndesk.domain.policy import (
    DisclosureException,
    DisclosurePolicy,
    Grant,
    allowed_fields,
)
from vulndesk.domain.products import Product
from vulndesk.exporters.reports.kinds import NAMES, check_recipient, report_kind
from vulndesk.exporters.reports.model import (
    Report,
    ReportContext,
    Stage,
    contact_of,
    to_json,
)
from vulndesk.exporters.reports.redaction import redact
from vulndesk.services.access import rights as access
from vulndesk.services.access.rights import Principal
from vulndesk.services.context import Deps
from vulndesk.services.notify import need_mail
from vulndesk.services.ports import UnitOfWork
from vulndesk.services.reports.rendering import DraftDiff, PdfRenderer, diff_records, render

NVDB = "nvdb"
KINDS: tuple[str, ...] = NAMES
# Decision kinds stored with decision records.
EXCEPTION, CROSS_BORDER, JUSTIFICATION = "exception", "cross-border", "justification"
# A two-person approval of a disclosure without a draft to a government or the public.
RELEASE = "release"
# The justification of a backdated ledger entry (`services.ledger`), approved there only.
BACKDATE = "backdate"
# An obligation's waiver: proposed by one account, in effect once a second approves it.
WAIVER = "waiver"


def parse_kind(value: str) -> str:
    return report_kind(value).name


@dataclass(frozen=True, slots=True)
class DraftName:
    case: CaseKey
    kind: str
    recipient: PartyId
    version: int | None


def parse_ref(value: str) -> DraftName:
    """`CASE/KIND/RECIPIENT[/vN]`."""
    parts = value.strip().split("/")
    accepted = "CASE/KIND/RECIPIENT[/vN], e.g. VD-2026-0001/nvdb/miit-nvdb/v2"
    if len(parts) not in (3, 4):
        raise InvalidInput("draft", f"{value!r} is not a draft id", accepted)
    version = None
    if len(parts) == 4:
        if not parts[3].startswith("v") or not parts[3][1:].isdigit():
            raise InvalidInput("draft", f"{parts[3]!r} is not a version", accepted)
        version = int(parts[3][1:])
    return DraftName(parse_case_key(parts[0]), parse_kind(parts[1]), PartyId(parts[2]), version)


def load_draft(uow: UnitOfWork, ref: str) -> DraftRecord:
    name = parse_ref(ref)
    return uow.reports.get_draft(name.case, name.kind, name.recipient, name.version)


def policy_for(uow: UnitOfWork, case: CaseKey) -> DisclosurePolicy:
    """Default grants, stored per-party overrides, and approved exceptions for this case."""
    policy = DisclosurePolicy()
    for party, (classes, fields) in uow.reports.overrides().items():
        grant = Grant(frozenset(Sensitivity(c) for c in classes), frozenset(fields))
        policy = policy.with_override(party, grant)
    for d in uow.reports.decisions_for(case):
        if d.kind == EXCEPTION and d.approved:
            exc = DisclosureException(frozenset(d.fields), d.reason, d.approvers)
            policy = policy.with_exception(d.recipient, exc)
    return policy


def build(ctx: ReportContext, kind: str, stage: Stage | None) -> Report:
    found = report_kind(kind)
    return found.build(ctx, found.stage(stage))


def _stage(value: str | None) -> Stage | None:
    if value is None:
        return None
    try:
        return Stage(value.strip().lower())
    except ValueError as exc:
        accepted = ", ".join(s.value for s in Stage)
        raise InvalidInput("stage", f"{value!r} is not a stage", accepted) from exc


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def visible_ref(deps: Deps, principal: Principal, ref: str) -> str:
    """`ref` if the principal may see its case; the missing case's NotFound otherwise."""
    access.check_case(deps, principal, parse_ref(ref).case)
    return ref


def _context(uow: UnitOfWork, found: Case, party: Party, now: dt.datetime) -> ReportContext:
    """What a report to `party` may read: the case redacted under the party's policy."""
    unit = uow.units.get(found.unit)
    products: dict[ProductId, Product] = {
        a.product: uow.products.get(a.product) for a in found.products
    }
    allowed = allowed_fields(policy_for(uow, found.key), party)
    return ReportContext(redact(found, allowed), products, unit, contact_of(unit), party, now)


def _supersede_latest(
    uow: UnitOfWork, key: CaseKey, kind: str, party: PartyId
) -> tuple[int, DraftRecord | None]:
    """Supersede the newest version of the draft; its version number (0: none yet) and the
    version that was waiting for approval, if any."""
    latest = uow.reports.latest_version(key, kind, party)
    waiting_before = None
    if latest:
        previous = uow.reports.get_draft(key, kind, party, latest)
        waiting_before = previous if previous.status is DraftStatus.DRAFT else None
        older = drafts.supersede(previous)
        if older.status != previous.status:
            uow.reports.set_status(previous.id, older.status)
    return latest, waiting_before


def _new_draft(
    ctx: ReportContext, kind: str, report: Report, version: int, author: str
) -> NewDraft:
    """Version `version` of the draft: the report as the JSON its recipient gets."""
    content = to_json(report)
    return NewDraft(
        ctx.case.key,
        ctx.unit.id,
        kind,
        report.stage.value,
        ctx.recipient.id,
        ctx.recipient.kind.value,
        version,
        content,
        sha256(content),
        tuple(sorted(report.detail_fields)),
        ctx.now,
        author,
    )


def draft_report(
    deps: Deps,
    principal: Principal,
    case: str,
    kind: str,
    recipient: str,
    stage: str | None = None,
) -> DraftRecord:
    """Build and store the next version of the draft `kind` for `recipient`."""
    key = access.check_case(deps, principal, case)
    principal.require(access.DRAFTERS, "write")
    actor = principal.acting()
    kind, wanted = parse_kind(kind), _stage(stage)
    now = deps.clock.now()
    with deps.uow() as uow:
        found = uow.cases.get(key)
        party = uow.parties.get(PartyId(recipient))
        check_recipient(report_kind(kind), party.kind, party.id)
        ctx = _context(uow, found, party, now)
        report = build(ctx, kind, wanted)
        latest, waiting_before = _supersede_latest(uow, key, kind, party.id)
        record = uow.reports.add_draft(_new_draft(ctx, kind, report, latest + 1, actor.name))
        uow.audit.append(
            actor.event(
                now,
                AuditTag.CASE_REPORT_DRAFTED,
                "report",
                record.ref,
                record.draft.fields,
                sha256=record.draft.sha256,
            )
        )
        if party.kind.is_government:
            uow.oversight.add_notice(now, key, "draft-created", record.ref, party.id)
        need_mail.queue_approval(uow, key, record.ref, now, replaced=waiting_before)
        uow.commit()
    return record


def get_draft(deps: Deps, principal: Principal, ref: str) -> DraftRecord:
    """A draft of a case the principal may see (metadata and content)."""
    visible_ref(deps, principal, ref)
    principal.require(access.CASE_READERS)
    with deps.uow() as uow:
        return load_draft(uow, ref)


def list_drafts(deps: Deps, principal: Principal, case: str) -> list[DraftRecord]:
    """Every draft version of a case the principal may see, oldest first."""
    case = access.check_case(deps, principal, case)
    principal.require(access.CASE_READERS)
    with deps.uow() as uow:
        return uow.reports.drafts_for_case(parse_case_key(case))


def preview(
    deps: Deps, principal: Principal, ref: str, fmt: str = "md", pdf: PdfRenderer | None = None
) -> bytes:
    """Render a draft; reading it is audited since it may carry restricted fields."""
    visible_ref(deps, principal, ref)
    principal.require(access.CASE_READERS)
    actor = principal.acting()
    now = deps.clock.now()
    with deps.uow() as uow:
        record = load_draft(uow, ref)
        party = uow.parties.get(record.draft.recipient)
        out = render(record, party, fmt, pdf)
        uow.audit.append(
            actor.event(
                now,
                AuditTag.CASE_REPORT_PREVIEWED,
                "report",
                record.ref,
                record.draft.fields,
                format=fmt,
            )
        )
        uow.commit()
    return out


def detail_fields_known(fields: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(f for f in fields if f in DETAIL_FIELDS)


def diff_draft(
    deps: Deps,
    principal: Principal,
    ref: str,
    against: int | None = None,
    *,
    recipients: bool = False,
) -> list[DraftDiff]:
    """Compare with an earlier version (default: the one before) or with other recipients' drafts."""
    visible_ref(deps, principal, ref)
    principal.require(access.CASE_READERS)
    actor = principal.acting()
    now = deps.clock.now()
    with deps.uow() as uow:
        record = load_draft(uow, ref)
        d = record.draft
        if recipients:
            newest: dict[tuple[str, str], DraftRecord] = {}
            for other in uow.reports.drafts_for_case(d.case):
                if other.draft.recipient != d.recipient:
                    newest[(other.draft.kind, other.draft.recipient)] = other
            others = list(newest.values())
        else:
            version = against if against is not None else d.version - 1
            if version < 1 or version == d.version:
                raise InvalidInput(
                    "against", f"no earlier version {version}", f"1..{d.version - 1}"
                )
            others = [uow.reports.get_draft(d.case, d.kind, d.recipient, version)]
        parties = {
            p: uow.parties.get(p) for p in {d.recipient, *(o.draft.recipient for o in others)}
        }
        diffs = [diff_records(other, record, parties) for other in others]
        uow.audit.append(
            actor.event(now, AuditTag.CASE_REPORT_DIFFED, "report", record.ref, d.fields)
        )
        uow.commit()
    return diffs


def set_override(
    deps: Deps,
    principal: Principal,
    party: str,
    classes: tuple[str, ...],
    fields: tuple[str, ...] = (),
) -> Grant:
    """Replace a party's kind-wide grant with its own; secret classes and fields are refused
    (an administrator's act)."""
    principal.require(access.ADMINS, "write")
    try:
        grant = Grant(frozenset(Sensitivity(c) for c in classes), frozenset(fields))
    except ValueError as exc:
        raise InvalidInput("classes", str(exc), "public, restricted") from exc
    now = deps.clock.now()
    with deps.uow() as uow:
        pid = uow.parties.get(PartyId(party)).id
        ordered = tuple(sorted((c.value for c in grant.classes), key=lambda v: Sensitivity(v).rank))
        uow.reports.set_override(pid, ordered, tuple(sorted(grant.fields)), now, principal.name)
        uow.audit.append(
            principal.event(
                now, AuditTag.REF_POLICY_OVERRIDDEN, "party", pid, tuple(sorted(grant.fields))
            )
        )
        uow.commit()
    return grant


def overrides(
    deps: Deps, principal: Principal
) -> dict[PartyId, tuple[tuple[str, ...], tuple[str, ...]]]:
    """The recipients with their own disclosure grant: (classes, fields) (administrators)."""
    principal.require(access.ADMINS)
    with deps.uow() as uow:
        return uow.reports.overrides()
