"""Publishing an approved advisory: the Art. 9 gate, the disclosure guard, the site, the ledger.

In one transaction: the newest revision must be approved by two different approver accounts
and intact (its SHA-256); the RMSV Art. 9 publication gate must pass; the disclosure guard
judges telling the public the published fields (the revision's approvers are its two people).
Then the site is written (CSAF document, hashes, signature, index, feed; OSV and CVE files),
the `published` fact recorded, and a `public-advisory` ledger entry added, which recomputes
the clocks: rule sets that accept a public advisory for the user notice count it as met.
If the site cannot be written, nothing is recorded.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from vulndesk.domain.audit_tags import AuditTag
from vulndesk.domain.cases import Case
from vulndesk.domain.drafts import MIN_APPROVERS
from vulndesk.domain.errors import GuardFailed, InvalidInput
from vulndesk.domain.facts import FactKind, FactRecord, check_fact_order, next_revision
from vulndesk.domain.ledger import NewLedgerEntry
from vulndesk.domain.parties import Party, PartyKind
from vulndesk.exporters.advisories.advisory import Tlp
from vulndesk.rules.publication import Result, check_publication
from vulndesk.services.access import rights as access
from vulndesk.services.access.rights import ADVISORY_PUBLISHERS, Principal
from vulndesk.services.advisories.content import AdvisoryContent, Release
from vulndesk.services.advisories.ports import AdvisoryRecord, AdvisorySite
from vulndesk.services.advisories.revisions import SOURCE, Setup, latest, release_of, render_record
from vulndesk.services.context import Actor, Deps
from vulndesk.services.disclosure import guard as disclosure_guard
from vulndesk.services.disclosure import ledger
from vulndesk.services.ports import UnitOfWork
from vulndesk.services.publication import gate as publication
from vulndesk.services.reports.drafts import sha256

KIND = "public-advisory"


@dataclass(frozen=True, slots=True)
class Published:
    record: AdvisoryRecord
    path: str
    version: str
    ledger_ref: str


def public_party(uow: UnitOfWork) -> Party:
    for party in uow.parties.list():
        if party.kind is PartyKind.PUBLIC:
            return party
    raise InvalidInput(
        "parties",
        "no party of kind public is defined: the public is the recipient of an advisory",
        "add one, e.g. vulndesk reference add-party --kind public",
    )


def ready(record: AdvisoryRecord, statuses: tuple[str, ...] = ("approved",)) -> AdvisoryContent:
    """The revision's content when two approvers approved it and it is intact and TLP:WHITE."""
    if record.status not in statuses or len(set(record.approvers)) < MIN_APPROVERS:
        raise GuardFailed(
            "two-person",
            f"{record.ref} is {record.status}: two different approvers must approve it first",
        )
    if sha256(record.content) != record.sha256:
        raise GuardFailed("intact", f"{record.ref} does not match its recorded SHA-256")
    content = AdvisoryContent.from_json(record.content)
    if content.tlp != Tlp.WHITE:
        raise InvalidInput(
            "tlp",
            f"a TLP:{content.tlp} advisory is not published on the public site",
            "TLP WHITE (CLEAR) to publish; share other labels through reports and notices",
        )
    return content


def clear_for_public(
    uow: UnitOfWork,
    found: Case,
    record: AdvisoryRecord,
    content: AdvisoryContent,
    now: dt.datetime,
    way: str = "advisory",
) -> tuple[Party, frozenset[str], disclosure_guard.Verdict]:
    """The RMSV Art. 9 gate and the disclosure guard on telling the public what `content`
    publishes: the public party, the fields told, and the guard's verdict (or a refusal)."""
    planned = publication.gather(
        uow, found, publication.CheckRequest(str(found.key), "advisory", now, content.include), now
    )
    # The gate judges the texts the advisory publishes, not the case's own.
    gate = check_publication(replace(planned, included=dict(content.texts)))
    if gate.result is not Result.PASS:
        blocking = [c for c in gate.checks if c.result is not Result.PASS]
        raise GuardFailed(blocking[0].id, "; ".join(f"{c.article}: {c.message}" for c in blocking))
    public = public_party(uow)
    fields = frozenset(content.texts)
    verdict = disclosure_guard.require(
        uow,
        disclosure_guard.Outgoing(
            found, disclosure_guard.recipient_of(public), fields, way, approved_by=record.approvers
        ),
    )
    return public, fields, verdict


def _files(
    uow: UnitOfWork,
    setup: Setup,
    record: AdvisoryRecord,
    content: AdvisoryContent,
    release: Release,
) -> tuple[str, dict[str, str]]:
    """The CSAF document, and the other files beside it: OSV, and a CVE record when the
    advisory names a CVE and the site publishes them."""
    document = render_record(uow, setup, record, "csaf", release)
    osv = render_record(uow, setup, record, "osv", release)
    extra = {f"osv/{osv_id_for(str(record.case))}.json": osv}
    if content.cve and setup.cve_org:
        extra[f"cve/{content.cve}.json"] = render_record(uow, setup, record, "cve", release)
    return document, extra


def _record_published(
    uow: UnitOfWork, actor: Actor, found: Case, evidence: str, now: dt.datetime
) -> None:
    """The case's `published` fact at the first publication, audited; later ones keep it."""
    if FactKind.PUBLISHED not in found.instants:
        fact = FactRecord(
            FactKind.PUBLISHED,
            now,
            actor.name,
            now,
            evidence,
            next_revision(found.facts, FactKind.PUBLISHED),
        )
        check_fact_order(found.with_fact(fact).instants)
        uow.cases.save(found.with_fact(fact), now)
        uow.audit.append(
            actor.event(now, AuditTag.CASE_FACT_RECORDED, "case", found.key, ("published",))
        )


def publish(deps: Deps, p: Principal, setup: Setup, site: AdvisorySite, case: str) -> Published:
    key = access.check_case(deps, p, case)
    p.require(ADVISORY_PUBLISHERS, "write")
    now = deps.clock.now()
    actor = p.actor(SOURCE)
    with deps.uow() as uow:
        record = latest(uow, key)
        content = ready(record)
        found = uow.cases.get(key)
        public, fields, verdict = clear_for_public(uow, found, record, content, now)
        release = release_of(uow, key, now)
        document, extra = _files(uow, setup, record, content, release)
        version = str(len(release.published) + 1)
        uow.advisories.mark_published(record.id, now, p.name, version)
        evidence = f"Advisory {record.ref} published (CSAF version {version})"
        _record_published(uow, actor, found, evidence, now)
        entry = NewLedgerEntry(
            key,
            found.unit,
            KIND,
            public.id,
            public.kind.value,
            "website",
            now,
            record.ref,
            None,
            None,
            None,
            document,
            sha256(document),
            tuple(sorted(fields)),
            ledger.classes_of(tuple(fields)),
            verdict.approvers,
            now,
            p.name,
        )
        saved = ledger.add_entry(deps, actor, uow, entry)
        uow.audit.append(
            actor.event(
                now, AuditTag.CASE_ADVISORY_PUBLISHED, "case", key, (), revision=str(record.number)
            )
        )
        # The files go out last: a refusal above leaves the site untouched.
        tree = site.publish(document, extra, now)
        uow.commit()
    done = replace(
        record, status="published", published_at=now, published_by=p.name, csaf_version=version
    )
    return Published(done, tree.path, version, saved.ref)


def osv_id_for(case_key: str) -> str:
    """The stable OSV id of a case's advisory (the tracking id is the case key)."""
    return f"x_{case_key}"
