"""What each government knows, and for how long: exposure, inequality and penalty exposure.

Built from the disclosure ledger (what was actually told), the cases' `fix_available` and
`published` facts, and the obligations that are overdue or were met late. Only headquarters
oversight, auditors and admins may build it. Every build is recorded in the audit trail and
the report carries that event's sequence number and hash, and a digest of the ledger entries
it used, so `verify_report` can later show the figures still follow from an intact record.
"""

from __future__ import annotations

import datetime as dt
import gc
import hashlib
import json
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace

from vulndesk.domain.audit_tags import AuditTag
from vulndesk.domain.clocks import CaseObligation
from vulndesk.domain.decisions import Decision
from vulndesk.domain.errors import InvalidInput
from vulndesk.domain.exposure import (
    CUSTOMER_KINDS,
    GOVERNMENT_KINDS,
    CaseEnds,
    Disclosure,
    Inequality,
    exposures,
    inequalities,
    totals,
)
from vulndesk.domain.facts import FactKind
from vulndesk.domain.ids import CaseKey, PartyId, UnitId
from vulndesk.domain.ledger import LedgerEntry
from vulndesk.domain.obligations import ObligationStatus
from vulndesk.domain.parties import Party
from vulndesk.rules.model import Penalty, RuleSet
from vulndesk.services.access.rights import EXPOSURE_READERS, Principal
from vulndesk.services.audit import checkpoints as audit_tools
from vulndesk.services.clocks import whatif, whatif_snapshot
from vulndesk.services.context import Deps
from vulndesk.services.disclosure.exposure_json import as_json
from vulndesk.services.disclosure.exposure_records import (
    ExposureReport,
    Flagged,
    LateGroup,
    PenaltyExposure,
    PenaltyTotal,
    Period,
    Submission,
    grouped_penalty_totals,
    parse_period,
    penalty_totals,
)
from vulndesk.services.ports import DueFilter, UnitOfWork

SOURCE = "exposure"
_FAR = dt.timedelta(days=365 * 200)
_DECISION_KINDS = ("justification", "exception", "cross-border", "release")

__all__ = [
    "ExposureReport",
    "Flagged",
    "PenaltyExposure",
    "PenaltyTotal",
    "Period",
    "Submission",
    "Verification",
    "as_json",
    "build",
    "parse_period",
    "penalty_overview",
    "penalty_totals",
    "verify_report",
]


def disclosure_of(
    uow: UnitOfWork, e: LedgerEntry, known: Mapping[PartyId, Party] | None = None
) -> Disclosure:
    """A ledger entry as exposure sees it, with its recipient's name and country (from
    `known`, the parties already read, when it holds the recipient)."""
    party = (known or {}).get(e.entry.recipient) or uow.parties.get(e.entry.recipient)
    return Disclosure(
        entry=e.id,
        case=e.entry.case,
        unit=e.entry.unit,
        recipient=e.entry.recipient,
        recipient_name=party.name,
        country=party.country,
        recipient_kind=e.entry.recipient_kind,
        at=e.entry.at,
        fields=tuple(e.entry.fields),
        classes=tuple(e.entry.classes),
        approvers=tuple(e.entry.approvers),
        sha256=e.entry.sha256,
    )


def ledger_digest(entries: Sequence[LedgerEntry]) -> str:
    """A digest of the ledger entries a report used: id, claimed instant and content hash."""
    lines = [
        f"{e.id}|{e.entry.at.isoformat()}|{e.entry.sha256}\n"
        for e in sorted(entries, key=lambda x: x.id)
    ]
    return hashlib.sha256("".join(lines).encode()).hexdigest()


def case_ends(uow: UnitOfWork, cases: set[str]) -> dict[str, CaseEnds]:
    """When each case's users got a fix and when it became public."""
    found = uow.cases.fact_instants([CaseKey(key) for key in cases])
    out = {}
    for key in cases:
        instants = found[CaseKey(key)].instants
        out[key] = CaseEnds(instants.get(FactKind.FIX_AVAILABLE), instants.get(FactKind.PUBLISHED))
    return out


def _late(
    uow: UnitOfWork,
    period: Period,
    catalogue: Mapping[str, RuleSet],
    now: dt.datetime,
    limit: int = 1_000_000,
) -> list[PenaltyExposure]:
    """Late and overdue duties, longest due first (the first `limit` of them)."""
    flt = DueFilter(
        until=now + _FAR,
        unit=period.unit,
        statuses=(ObligationStatus.OVERDUE, ObligationStatus.MET_LATE),
        limit=limit,
    )
    found = uow.obligations.due(flt)
    units = {k: c.unit for k, c in uow.cases.fact_instants({o.case for o in found}).items()}
    return [_penalty(units[o.case], o, catalogue) for o in found]


def _late_groups(
    uow: UnitOfWork, period: Period, catalogue: Mapping[str, RuleSet]
) -> tuple[LateGroup, ...]:
    """Every late and overdue duty of the period's unit, counted in the database (the
    dashboard's index) per unit, regulation, obligation and status, with its penalties."""
    return tuple(
        LateGroup(
            c.unit,
            c.regulation,
            c.status.value,
            _penalties_of(c.regulation, c.obligation, catalogue),
            c.count,
        )
        for c in uow.obligations.late_counts(period.unit)
    )


def _penalties_of(
    regulation: str, obligation: str, catalogue: Mapping[str, RuleSet]
) -> tuple[Penalty, ...]:
    rule_set = catalogue.get(regulation)
    local = obligation.split("/", 1)[-1]
    return rule_set.penalties_for(local) if rule_set is not None else ()


def _penalty(unit: UnitId, o: CaseObligation, catalogue: Mapping[str, RuleSet]) -> PenaltyExposure:
    ob = o.obligation
    return PenaltyExposure(
        o.case, unit, ob.id, ob.regulation, o.status.value, o.due, o.late_by,
        _penalties_of(ob.regulation, ob.id, catalogue),
    )  # fmt: skip


def _flag(uow: UnitOfWork, found: list[Inequality], told: Sequence[Disclosure]) -> list[Flagged]:
    approvers = {d.entry: d.approvers for d in told}
    decisions = uow.reports.decisions_for_cases({CaseKey(item.case) for item in found})
    names: dict[tuple[int, ...], tuple[str, ...]] = {}  # one government's entries recur
    # A government is flagged against several others in one case: its decisions once.
    allowed: dict[tuple[str, str], tuple[Decision, ...]] = {}
    out = []
    for item in found:
        who = item.entries
        if who not in names:
            names[who] = tuple(sorted({a for e in who for a in approvers.get(e, ())}))
        pair = (item.case, item.government)
        if pair not in allowed:
            allowed[pair] = tuple(
                d
                for d in decisions.get(CaseKey(item.case), ())
                if d.recipient == item.government and d.kind in _DECISION_KINDS and d.approved
            )
        out.append(Flagged(item, allowed[pair], names[who]))
    return out


def build(
    deps: Deps,
    principal: Principal,
    period: Period,
    catalogue: Mapping[str, RuleSet],
    *,
    late_rows: int | None = None,
) -> ExposureReport:
    """The report for `period`; the build is audited and the report names that event.

    `late_rows` (the console page) keeps only that many late and overdue duties, longest due
    first, with grouped counts in the database for the totals: at 200,000 cases there are
    30,000 of them. Such a report is for showing, not for export (`as_json` refuses it)."""
    principal.require(EXPOSURE_READERS)
    if period.start and period.end and period.start >= period.end:
        raise InvalidInput("from", "is not before to", "a period whose start precedes its end")
    now = deps.clock.now()
    # Read in a read-only transaction: on SQLite a writing one would hold the writers' lock for
    # the whole build, and at scale every report, filing and notice would wait behind it.
    with deps.reader() as uow, _collector_paused():
        entries = _entries_in(uow, period)
        known = {p.id: p for p in uow.parties.list()}
        told = [disclosure_of(uow, e, known) for e in entries]
        windows = exposures(told, case_ends(uow, {d.case for d in told}), now)
        gov = [e for e in windows if e.disclosure.recipient_kind in GOVERNMENT_KINDS]
        customers = [e for e in windows if e.disclosure.recipient_kind in CUSTOMER_KINDS]
        report = ExposureReport(
            period=period,
            built_at=now,
            built_by=principal.name,
            exposures=tuple(windows),
            governments=tuple(totals(gov, lambda e: e.disclosure.recipient)),
            countries=tuple(totals(gov, lambda e: e.disclosure.country)),
            units=tuple(totals(gov, lambda e: e.disclosure.unit)),
            customers=tuple(totals(customers, lambda e: e.disclosure.recipient)),
            flagged=tuple(_flag(uow, inequalities(told), told)),
            submissions=tuple(
                _submission(e, d)
                for e, d in zip(entries, told, strict=True)
                if d.recipient_kind in GOVERNMENT_KINDS
            ),
            late=tuple(_late(uow, period, catalogue, now, late_rows or 1_000_000)),
            late_groups=None if late_rows is None else _late_groups(uow, period, catalogue),
            ledger_digest=ledger_digest(entries),
            in_force=_in_force(uow, catalogue, now, period.unit),
        )
    return _audited(deps, principal, report, len(entries))


def _entries_in(uow: UnitOfWork, period: Period) -> list[LedgerEntry]:
    """The ledger entries of `period` and of its unit (which must exist)."""
    if period.unit is not None:
        uow.units.get(period.unit)
    entries = uow.ledger.list()
    if period != Period():  # an open period keeps every entry: no test per entry
        entries = [
            e
            for e in entries
            if period.holds(e.entry.at) and (period.unit is None or e.entry.unit == period.unit)
        ]
    return entries


def _audited(
    deps: Deps, principal: Principal, report: ExposureReport, entries: int
) -> ExposureReport:
    """Audit the build of `report` (over `entries` ledger entries); the report names the event."""
    ident = report_id(report)
    with deps.uow() as uow:
        uow.audit.append(
            principal.actor(SOURCE).event(
                report.built_at,
                AuditTag.EXPOSURE_REPORT_BUILT,
                "exposure-report",
                ident,
                entries=str(entries),
                digest=report.ledger_digest[:16],
            )
        )
        uow.commit()
    with deps.uow() as uow:
        built = uow.audit.for_object("exposure-report", ident, limit=1)
    if built:
        report = _with_event(report, built[0].seq, built[0].hash)
    return report


def _in_force(
    uow: UnitOfWork, catalogue: Mapping[str, RuleSet], now: dt.datetime, unit: UnitId | None
) -> whatif.InForceSummary:
    """The worker's snapshot of the in-force what-if, with the instant it was computed and
    whether its inputs changed since; computed here, as of now, while there is none yet."""
    kept = whatif_snapshot.current(uow, catalogue, unit)
    return kept if kept is not None else whatif.in_force_summary(uow, catalogue, now, unit)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """The cyclic garbage collector held off while the report builds its few hundred
    thousand short, acyclic records: otherwise its passes over every live object cost about
    a fifth of the build's CPU time. Resumed (if it ran before) however the build ends."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


def penalty_overview(
    deps: Deps, principal: Principal, catalogue: Mapping[str, RuleSet]
) -> list[PenaltyTotal]:
    """The penalty totals of the whole organisation (the report's `penalty_totals`) for the
    dashboard card: counts and sums only, no disclosure detail, so no audit event is written;
    the report itself, with its evidence, is built and audited on the exposure page."""
    principal.require(EXPOSURE_READERS)
    with deps.reader() as uow:
        return grouped_penalty_totals(list(_late_groups(uow, Period(), catalogue)))


def _with_event(report: ExposureReport, seq: int, digest: str) -> ExposureReport:
    return replace(report, audit_seq=seq, audit_hash=digest)


def _submission(e: LedgerEntry, d: Disclosure) -> Submission:
    return Submission(
        e.id,
        d.case,
        d.unit,
        d.recipient,
        d.country,
        e.entry.at,
        e.entry.recorded_at,
        d.approvers,
        d.classes,
        e.backdate_status,
    )


def report_id(report: ExposureReport) -> str:
    p = report.period
    text = "|".join(
        str(x) for x in (p.start, p.end, p.unit, report.built_at.isoformat(), report.ledger_digest)
    )
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class Verification:
    ok: bool
    problem: str


def verify_report(
    deps: Deps, principal: Principal, saved: Mapping[str, object] | str
) -> Verification:
    """Whether a saved report (its JSON form, or that text) still follows from an intact
    record: the audit chain verifies, still holds the build event with its hash, and the
    ledger entries of the period still digest to the same value."""
    principal.require(EXPOSURE_READERS)
    try:
        if isinstance(saved, str):
            saved = json.loads(saved)
            assert isinstance(saved, dict)  # noqa: S101 - narrowed; a list is not a report
        seq = int(str(saved["audit_seq"]))
        digest = str(saved["audit_hash"])
        ledger = str(saved["ledger_digest"])
        period = saved["period"]
        assert isinstance(period, dict)  # noqa: S101 - narrowed for the type checker
        start, end, unit = period.get("from"), period.get("to"), period.get("unit")
    except (KeyError, ValueError, TypeError, AssertionError) as exc:
        raise InvalidInput(
            "report", "is not an exposure report", "the JSON vulndesk wrote"
        ) from exc
    chain = audit_tools.verify(deps)
    if not chain.ok:
        return Verification(
            False, f"the audit chain does not verify at seq {chain.first_bad}: {chain.problem}"
        )
    with deps.uow() as uow:
        event = uow.audit.events(seq, seq)
        if not event or event[0].hash != digest:
            return Verification(
                False, f"the audit chain no longer holds the report's event at seq {seq}"
            )
        p = Period(_instant(start), _instant(end), UnitId(str(unit)) if unit else None)
        entries = [
            e
            for e in uow.ledger.list()
            if p.holds(e.entry.at) and (p.unit is None or e.entry.unit == p.unit)
        ]
    if ledger_digest(entries) != ledger:
        return Verification(
            False, "the ledger entries of the period differ from those the report used"
        )
    return Verification(
        True, f"verified against audit event {seq} and {len(entries)} ledger entries"
    )


def _instant(value: object) -> dt.datetime | None:
    return dt.datetime.fromisoformat(str(value)) if value else None
