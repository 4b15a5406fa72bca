"""CVE ids of a case at CVE Services: reserve, attach to the advisory, publish, update, reject.

Reserving is a case writer's act; the ids CVE Services answers are stored with the case
(state `reserved`). Publishing or updating the CVE record sends the advisory's CVE JSON 5 CNA
container to CVE Services: information leaves the organisation, so, as for an advisory
publication, the newest revision must be approved by two people, intact, TLP:WHITE and name
the CVE id, the RMSV Art. 9 gate and the disclosure guard must pass, and a `cve-record`
ledger entry keeps exactly what was sent. Rejecting needs a reason (it is published as the
record's rejected reason). Every state change is audited.

CVE Services is called inside the transaction that records the change, last (as the advisory
site is written last): a refusal leaves the case unchanged. A reservation is called before
its transaction: ids CVE Services reserved but the database could not record stay reserved
at CVE Services and are listed there (`cve list` of cvelib).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from vulndesk.domain.audit_tags import AuditTag
from vulndesk.domain.errors import Conflict, GuardFailed, InvalidInput, NotFound
from vulndesk.domain.ids import CaseKey, UnitId
from vulndesk.domain.ledger import NewLedgerEntry
from vulndesk.domain.parties import Party
from vulndesk.services.access import rights as access
from vulndesk.services.access.rights import (
    ADVISORY_PUBLISHERS,
    ADVISORY_WRITERS,
    CASE_READERS,
    CASE_WRITERS,
    Principal,
)
from vulndesk.services.advisories import publish as advisory_publish
from vulndesk.services.advisories import revisions as advisories
from vulndesk.services.advisories.content import AdvisoryContent
from vulndesk.services.advisories.ports import (
    AdvisoryRecord,
    CveIdRecord,
    CveServices,
    CveState,
)
from vulndesk.services.advisories.revisions import Setup, latest, release_of, render_record
from vulndesk.services.context import Deps
from vulndesk.services.disclosure import ledger
from vulndesk.services.ports import UnitOfWork
from vulndesk.services.reports.drafts import sha256

SOURCE = "cve"
KIND = "cve-record"
CHANNEL = "cve-services"
MAX_AMOUNT = 10
MAX_REASON = 4096  # a CVE record's text limit
FIRST_YEAR = 1999
_CVE_ID = re.compile(r"CVE-(\d{4})-(\d{4,19})")


def parse_cve_id(value: str) -> str:
    """`CVE-YYYY-NNNN` (upper case); anything else is refused naming the field."""
    text = value.strip().upper()
    if not _CVE_ID.fullmatch(text):
        raise InvalidInput(
            "cve_id", f"{value[:40]!r} is not a CVE id", "CVE-YYYY-NNNN, e.g. CVE-2026-1234"
        )
    return text


def configured(cve: CveServices | None) -> CveServices:
    if cve is None:
        raise InvalidInput(
            "VULNDESK_CVE_SERVICES_URL",
            "CVE Services is not configured",
            "set VULNDESK_CVE_SERVICES_URL, VULNDESK_CVE_SHORT_NAME, VULNDESK_CVE_USER and "
            "VULNDESK_CVE_API_KEY (or VULNDESK_CVE_API_KEY_FILE)",
        )
    return cve


def _org_id(setup: Setup) -> str:
    if not setup.cve_org:
        raise InvalidInput(
            "VULNDESK_CVE_ORG_ID",
            "no CNA organisation id is configured",
            "the CNA's organisation UUID from CVE Services",
        )
    return setup.cve_org


def check_year(year: int | None, now: dt.datetime) -> int:
    if year is None:
        return now.year
    if not FIRST_YEAR <= year <= now.year + 1:
        raise InvalidInput(
            "year", f"{year} is not a year CVE ids are reserved for", f"{FIRST_YEAR}-{now.year + 1}"
        )
    return year


def check_amount(amount: int) -> int:
    if not 1 <= amount <= MAX_AMOUNT:
        raise InvalidInput("amount", f"{amount} ids", f"1 to {MAX_AMOUNT} ids at a time")
    return amount


def reserve(
    deps: Deps,
    p: Principal,
    cve: CveServices | None,
    case: str,
    amount: int = 1,
    year: int | None = None,
) -> list[CveIdRecord]:
    """Reserve `amount` CVE ids of `year` (default this year) for the case; audited each."""
    key = access.check_case(deps, p, case)
    p.require(CASE_WRITERS, "write")
    now = deps.clock.now()
    wanted, when = check_amount(amount), check_year(year, now)
    got = configured(cve).reserve(wanted, when)
    actor = p.actor(SOURCE)
    with deps.uow() as uow:
        found = uow.cases.get(key)
        saved = []
        for cve_id in got.ids:
            if uow.cve_ids.get(cve_id) is not None:
                raise Conflict(f"{cve_id} is already recorded for a case")
            record = uow.cve_ids.add(
                key, found.unit, cve_id, when, now, p.name, got.answers.get(cve_id, "{}")
            )
            saved.append(record)
            uow.audit.append(
                actor.event(now, AuditTag.CASE_CVE_RESERVED, "case", key, (), cve=cve_id)
            )
        uow.commit()
    return saved


def list_ids(deps: Deps, p: Principal, case: str) -> list[CveIdRecord]:
    """The case's CVE ids, oldest first, each with its state."""
    key = access.check_case(deps, p, case)
    p.require(CASE_READERS)
    with deps.reader() as uow:
        return uow.cve_ids.for_case(key)


def _find(uow: UnitOfWork, key: CaseKey, cve_id: str) -> CveIdRecord:
    record = uow.cve_ids.get(parse_cve_id(cve_id))
    if record is None or record.case != key:
        raise NotFound("CVE id", cve_id)
    return record


def attach(deps: Deps, p: Principal, case: str, cve_id: str) -> AdvisoryRecord:
    """Name the CVE id in the case's advisory: a new revision (drafted when there is none);
    approvals start again, as for any edit."""
    key = access.check_case(deps, p, case)
    p.require(ADVISORY_WRITERS, "write")
    with deps.reader() as uow:
        record = _find(uow, key, cve_id)
        has_advisory = bool(uow.advisories.revisions(key))
    if record.state is CveState.REJECTED:
        raise GuardFailed("cve-state", f"{record.cve_id} is rejected; reserve another id")
    change = {"cve": record.cve_id}
    if has_advisory:
        return advisories.edit(deps, p, str(key), change)
    return advisories.draft(deps, p, str(key), change)


@dataclass(frozen=True, slots=True)
class _Cleared:
    """What may go out: the advisory revision, its CNA container (and its text), the fields
    it tells, the public party and the approvers the disclosure guard accepted."""

    record: AdvisoryRecord
    container: dict[str, Any]
    text: str
    fields: tuple[str, ...]
    public: Party
    approvers: tuple[str, ...]


def _cleared(
    uow: UnitOfWork, setup: Setup, key: CaseKey, cve_id: str, now: dt.datetime
) -> _Cleared:
    """The newest revision's CVE container once every check has passed (or a refusal)."""
    record = latest(uow, key)
    named = AdvisoryContent.from_json(record.content).cve or "no CVE id"
    if named.upper() != cve_id:
        raise GuardFailed(
            "cve-attached",
            f"{record.ref} names {named}, not {cve_id}: attach it (vulndesk cve attach "
            f"{key} {cve_id}) and have two people approve the new revision",
        )
    content = advisory_publish.ready(record, ("approved", "published"))
    found = uow.cases.get(key)
    public, fields, verdict = advisory_publish.clear_for_public(
        uow, found, record, content, now, "cve-record"
    )
    _org_id(setup)
    text = render_record(uow, setup, record, "cve", release_of(uow, key, now))
    return _Cleared(
        record, json.loads(text), text, tuple(sorted(fields)), public, tuple(verdict.approvers)
    )


def _check_state(stored: CveIdRecord, needs: CveState, key: CaseKey, wanted: str) -> None:
    """The id is in the state the action needs (reserved to publish, published to update)."""
    if stored.state is not needs:
        fix = (
            f"update it: vulndesk cve update {key} {wanted}"
            if stored.state is CveState.PUBLISHED
            else f"publish it first: vulndesk cve publish {key} {wanted}"
            if stored.state is CveState.RESERVED
            else "reserve another id"
        )
        raise GuardFailed("cve-state", f"{wanted} is {stored.state.value}; {fix}")


def _ledger_entry(
    out: _Cleared, unit: UnitId, cve_id: str, now: dt.datetime, by: str
) -> NewLedgerEntry:
    """The CVE record told to the public, as a ledger entry with the CVE id as its receipt."""
    return NewLedgerEntry(
        out.record.case,
        unit,
        KIND,
        out.public.id,
        out.public.kind.value,
        CHANNEL,
        now,
        out.record.ref,
        cve_id,
        None,
        None,
        out.text,
        sha256(out.text),
        out.fields,
        ledger.classes_of(out.fields),
        out.approvers,
        now,
        by,
    )


def _send(
    deps: Deps,
    p: Principal,
    setup: Setup,
    cve: CveServices | None,
    case: str,
    cve_id: str,
    action: str,
) -> tuple[CveIdRecord, str]:
    key = access.check_case(deps, p, case)
    p.require(ADVISORY_PUBLISHERS, "write")
    services = configured(cve)
    wanted = parse_cve_id(cve_id)
    now = deps.clock.now()
    actor = p.actor(SOURCE)
    needs = CveState.RESERVED if action == "published" else CveState.PUBLISHED
    with deps.uow() as uow:
        stored = _find(uow, key, wanted)
        _check_state(stored, needs, key, wanted)
        out = _cleared(uow, setup, key, wanted, now)
        record, fields = out.record, out.fields
        entry = _ledger_entry(out, uow.cases.get(key).unit, wanted, now, p.name)
        saved = ledger.add_entry(deps, actor, uow, entry)
        tag = AuditTag.CASE_CVE_PUBLISHED if action == "published" else AuditTag.CASE_CVE_UPDATED
        uow.audit.append(
            actor.event(now, tag, "case", key, fields, cve=wanted, revision=str(record.number))
        )
        # CVE Services is told last: a refusal above (or its own) records nothing.
        send = services.publish if action == "published" else services.update
        answer = send(wanted, out.container)
        uow.cve_ids.mark(stored.id, action, now, p.name, answer)
        uow.commit()
    with deps.reader() as uow:
        return _find(uow, key, wanted), saved.ref


def publish(
    deps: Deps, p: Principal, setup: Setup, cve: CveServices | None, case: str, cve_id: str
) -> tuple[CveIdRecord, str]:
    """Publish the CVE record of a reserved id from the approved advisory; the record and
    the ledger entry's reference."""
    return _send(deps, p, setup, cve, case, cve_id, "published")


def update(
    deps: Deps, p: Principal, setup: Setup, cve: CveServices | None, case: str, cve_id: str
) -> tuple[CveIdRecord, str]:
    """Send the newest approved advisory revision as the published CVE record's update."""
    return _send(deps, p, setup, cve, case, cve_id, "updated")


def reject(
    deps: Deps,
    p: Principal,
    setup: Setup,
    cve: CveServices | None,
    case: str,
    cve_id: str,
    reason: str,
) -> CveIdRecord:
    """Reject a reserved id (a case writer) or a published record (a publisher), with the
    reason CVE Services publishes as the rejected record's text."""
    key = access.check_case(deps, p, case)
    p.require(CASE_WRITERS, "write")
    services = configured(cve)
    wanted = parse_cve_id(cve_id)
    text = reason.strip()
    if not text:
        raise InvalidInput("reason", "a rejection needs a reason", "why the id is not used")
    if len(text) > MAX_REASON:
        raise InvalidInput("reason", f"is {len(text)} characters long", f"at most {MAX_REASON}")
    org = _org_id(setup)
    now = deps.clock.now()
    actor = p.actor(SOURCE)
    with deps.uow() as uow:
        stored = _find(uow, key, wanted)
        if stored.state is CveState.REJECTED:
            raise GuardFailed("cve-state", f"{wanted} is already rejected")
        published = stored.state is CveState.PUBLISHED
        if published:
            p.require(ADVISORY_PUBLISHERS, "write")
        container: Mapping[str, Any] = {
            "providerMetadata": {"orgId": org},
            "rejectedReasons": [{"lang": "en", "value": text}],
        }
        uow.audit.append(actor.event(now, AuditTag.CASE_CVE_REJECTED, "case", key, (), cve=wanted))
        answer = services.reject(wanted, container, published)
        uow.cve_ids.mark(stored.id, "rejected", now, p.name, answer, text)
        uow.commit()
    with deps.reader() as uow:
        return _find(uow, key, wanted)


def record_fields(r: CveIdRecord) -> dict[str, Any]:
    """A CVE id's state and history as plain fields (the API's and the CLI's JSON)."""
    return {
        "cve_id": r.cve_id,
        "case": str(r.case),
        "year": r.year,
        "state": r.state.value,
        "reserved_at": r.reserved_at,
        "reserved_by": r.reserved_by,
        "published_at": r.published_at,
        "published_by": r.published_by,
        "updated_at": r.updated_at,
        "updated_by": r.updated_by,
        "rejected_at": r.rejected_at,
        "rejected_by": r.rejected_by,
        "reason": r.reason,
    }
