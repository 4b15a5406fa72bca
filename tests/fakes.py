"""In-memory fakes of the ports (unit of work, repositories, clock, notifier, hasher).

Use cases run against them in tests/unit/services without a database; the same repository
contract suite (tests/integration/test_repository_contract.py) runs against these fakes and
the SQL adapters, so a fake cannot drift from what storage does. Every principal and actor
of the unit tests comes from `principal(...)` / `actor_for(...)`, one place to adapt when a
use case changes which of the two it takes.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections import Counter
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from types import TracebackType
from typing import Any, Self, cast

from vulndesk.domain.accounts import SsoLink, User
from vulndesk.domain.audit import GENESIS, AuditEvent, ChainedEvent, chain_hash
from vulndesk.domain.cases import Case
from vulndesk.domain.clocks import CaseObligation
from vulndesk.domain.decisions import Decision
from vulndesk.domain.drafts import Approval, DraftRecord, DraftStatus, NewDraft, draft_ref
from vulndesk.domain.errors import Conflict, NotFound
from vulndesk.domain.ids import CaseKey, PartyId, ProductId, UnitId, case_key
from vulndesk.domain.ledger import Backdate, LedgerEntry, NewLedgerEntry
from vulndesk.domain.obligations import Obligation, ObligationStatus, Situation
from vulndesk.domain.parties import Party
from vulndesk.domain.products import Product
from vulndesk.domain.units import OrgUnit
from vulndesk.rules import Calendars, default_calendars, evaluate, load_rule_sets
from vulndesk.services.access.rights import Principal
from vulndesk.services.background.ports import (
    CalendarOverride,
    OrgSetting,
    OutboxMessage,
    OutboxStatus,
)
from vulndesk.services.context import Deps, Evaluator
from vulndesk.services.notify.ports import OutgoingMail
from vulndesk.services.ports import (
    AuditQuery,
    CaseFilter,
    CaseInstants,
    CaseSummary,
    DueFilter,
    LateCount,
    Outcome,
)
from vulndesk.services.reports.ports import HqNotice, Subscriber

START = dt.datetime(2026, 11, 2, 1, 0, tzinfo=dt.UTC)
GOVERNMENT_KINDS = ("regulator", "csirt")


# ---------------------------------------------------------------- callers


def principal(
    name: str,
    *roles: str,
    unit: str | None = None,
    scopes: frozenset[str] = frozenset({"read", "write"}),
) -> Principal:
    """The caller of a use case, as an entry point would pass it after authentication."""
    return Principal(name, frozenset(roles), unit, scopes, f"session:{name}")


def actor_for(name: str, *roles: str, unit: str | None = None, source: str = "test") -> Principal:
    """A person acting on use cases: `principal(name, *roles)`, an administrator without roles."""
    return principal(name, *(roles or ("admin",)), unit=unit)


# ---------------------------------------------------------------- outside world


class FakeClock:
    """A clock that stands still until told to move."""

    def __init__(self, start: dt.datetime = START) -> None:
        self.at = start

    def now(self) -> dt.datetime:
        return self.at

    def set(self, when: dt.datetime) -> None:
        self.at = when

    def advance(self, delta: dt.timedelta) -> None:
        self.at += delta


class FakeNotifier:
    """A NoticeSender that keeps what it was asked to send."""

    def __init__(self) -> None:
        self.mails: list[OutgoingMail] = []
        self.webhooks: list[tuple[str, str, Mapping[str, Any]]] = []

    def mail(self, message: OutgoingMail) -> str:
        self.mails.append(message)
        return f"<{len(self.mails)}@fake>"

    def webhook(self, party: str, url: str, body: Mapping[str, Any], now: dt.datetime) -> int:
        self.webhooks.append((party, url, body))
        return 200


class FakeHasher:
    """A PasswordHasher that is obviously not one: readable, instant, for tests only."""

    def hash(self, password: str) -> str:
        return f"plain${password}"

    def verify(self, stored: str, password: str) -> bool:
        return stored == self.hash(password)

    def needs_rehash(self, stored: str) -> bool:
        return False


# ---------------------------------------------------------------- state


@dataclass
class State:
    """Everything the fake storage holds; a unit of work copies it to roll back."""

    units: dict[str, OrgUnit] = field(default_factory=dict)
    products: dict[str, Product] = field(default_factory=dict)
    parties: dict[str, Party] = field(default_factory=dict)
    counters: dict[int, int] = field(default_factory=dict)
    cases: dict[str, tuple[Case, dt.datetime]] = field(default_factory=dict)
    obligations: dict[str, dict[str, CaseObligation]] = field(default_factory=dict)
    events: list[ChainedEvent] = field(default_factory=list)
    drafts: list[DraftRecord] = field(default_factory=list)
    decisions: list[Decision] = field(default_factory=list)
    overrides: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = field(default_factory=dict)
    ledger: list[LedgerEntry] = field(default_factory=list)
    notices: list[HqNotice] = field(default_factory=list)
    subscribers: list[Subscriber] = field(default_factory=list)
    settings: dict[str, OrgSetting] = field(default_factory=dict)
    calendar: dict[tuple[str, dt.date], CalendarOverride] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    sso_links: list[SsoLink] = field(default_factory=list)
    outbox: list[OutboxMessage] = field(default_factory=list)
    reference_version: int = 0

    def snapshot(self) -> State:
        """A copy of the containers; the records in them are frozen, so they are shared."""
        copied = {k: copy.copy(v) for k, v in self.__dict__.items()}
        copied["obligations"] = {k: dict(v) for k, v in self.obligations.items()}
        return State(**copied)

    def restore(self, snapshot: State) -> None:
        self.__dict__.update(snapshot.snapshot().__dict__)


class FakeUnitRepository:
    def __init__(self, s: State) -> None:
        self.s = s

    def add(self, unit: OrgUnit) -> None:
        if unit.id in self.s.units or (unit.parent and unit.parent not in self.s.units):
            raise Conflict(
                f"unit {unit.id!r} already exists or names something that does not exist"
            )
        self.s.units[unit.id] = unit
        self.s.reference_version += 1

    def update(self, unit: OrgUnit) -> None:
        if unit.id not in self.s.units:
            raise NotFound("unit", unit.id)
        self.s.units[unit.id] = unit
        self.s.reference_version += 1

    def get(self, unit_id: UnitId) -> OrgUnit:
        if unit_id not in self.s.units:
            raise NotFound("unit", unit_id)
        return self.s.units[unit_id]

    def list(self) -> list[OrgUnit]:
        return [self.s.units[k] for k in sorted(self.s.units)]


class FakeProductRepository:
    def __init__(self, s: State) -> None:
        self.s = s

    def add(self, product: Product) -> None:
        if product.id in self.s.products:
            raise Conflict(f"product {product.id!r} already exists")
        self.s.products[product.id] = product
        self.s.reference_version += 1

    def get(self, product_id: ProductId) -> Product:
        if product_id not in self.s.products:
            raise NotFound("product", product_id)
        return self.s.products[product_id]

    def list(self) -> list[Product]:
        return [self.s.products[k] for k in sorted(self.s.products)]


class FakePartyRepository:
    def __init__(self, s: State) -> None:
        self.s = s

    def add(self, party: Party) -> None:
        if party.id in self.s.parties:
            raise Conflict(f"party {party.id!r} already exists")
        self.s.parties[party.id] = party

    def get(self, party_id: PartyId) -> Party:
        if party_id not in self.s.parties:
            raise NotFound("party", party_id)
        return self.s.parties[party_id]

    def list(self) -> list[Party]:
        return [self.s.parties[k] for k in sorted(self.s.parties)]


_ORDERS: dict[str, Callable[[tuple[Case, dt.datetime]], Any]] = {
    "-updated": lambda cu: cu[1],
    "updated": lambda cu: cu[1],
    "-created": lambda cu: cu[0].created_at,
    "created": lambda cu: cu[0].created_at,
    "key": lambda cu: cu[0].key,
    "-key": lambda cu: cu[0].key,
    "score": lambda cu: cu[0].severity.cvss31_score or -1.0,
    "-score": lambda cu: cu[0].severity.cvss31_score or -1.0,
}


def _text_hit(word: str, c: Case) -> bool:
    plain = [c.key, c.title, c.intake_id or "", *(p.product for p in c.products)]
    return any(word in v.lower() for v in plain)


class FakeCaseRepository:
    def __init__(self, s: State) -> None:
        self.s = s

    def next_key(self, year: int) -> CaseKey:
        self.s.counters[year] = self.s.counters.get(year, 0) + 1
        return case_key(year, self.s.counters[year])

    def add(self, case: Case, now: dt.datetime) -> None:
        if case.key in self.s.cases:
            raise Conflict(f"case {case.key} already exists")
        self.s.cases[case.key] = (replace(case, version=0), now)

    def get(self, key: CaseKey) -> Case:
        if key not in self.s.cases:
            raise NotFound("case", key)
        return self.s.cases[key][0]

    def get_many(self, keys: Collection[CaseKey]) -> dict[CaseKey, Case]:
        return {k: self.s.cases[k][0] for k in keys if k in self.s.cases}

    def fact_instants(self, keys: Collection[CaseKey]) -> dict[CaseKey, CaseInstants]:
        return {
            k: CaseInstants(k, case.unit, case.instants) for k, case in self.get_many(keys).items()
        }

    def save(self, case: Case, now: dt.datetime) -> Case:
        stored = self.get(case.key)
        if stored.version != case.version:
            raise Conflict(
                f"case {case.key} changed since it was read (version {case.version}, "
                f"now {stored.version}); reload and retry"
            )
        saved = replace(case, version=case.version + 1)
        self.s.cases[case.key] = (saved, now)
        return saved

    def _matching(self, flt: CaseFilter) -> list[tuple[Case, dt.datetime]]:
        out = []
        for c, updated in self.s.cases.values():
            if flt.states and c.state not in flt.states:
                continue
            if flt.unit and c.unit != flt.unit:
                continue
            if flt.product and flt.product not in {p.product for p in c.products}:
                continue
            if flt.keys is not None and c.key not in flt.keys:
                continue
            if not all(_text_hit(w, c) for w in flt.text.lower().split()):
                continue
            if flt.severity is not None and c.severity.level is not flt.severity:
                continue
            out.append((c, updated))
        return out

    def _soonest(self, cu: tuple[Case, dt.datetime]) -> tuple[bool, dt.datetime | None]:
        live = (ObligationStatus.OPEN, ObligationStatus.OVERDUE)
        dues = [
            o.due
            for o in self.s.obligations.get(cu[0].key, {}).values()
            if o.status in live and o.due is not None
        ]
        return (not dues, min(dues) if dues else None)

    def list(self, flt: CaseFilter) -> list[CaseSummary]:
        if flt.order == "due":
            rows = sorted(self._matching(flt), key=lambda cu: (*self._soonest(cu), cu[0].key))
        else:
            rows = sorted(self._matching(flt), key=_ORDERS[flt.order], reverse=flt.order[0] == "-")
        page = rows[flt.offset : flt.offset + flt.limit]
        return [
            CaseSummary(
                c.key,
                c.title,
                c.unit,
                c.state,
                c.cwe,
                c.severity.cvss31_score,
                c.severity.cn_grade.value if c.severity.cn_grade else None,
                tuple(p.product for p in c.products),
                c.created_at,
                updated,
            )
            for c, updated in page
        ]

    def count(self, flt: CaseFilter) -> int:
        return len(self._matching(flt))


class FakeObligationRepository:
    def __init__(self, s: State) -> None:
        self.s = s

    def for_case(self, key: CaseKey) -> list[CaseObligation]:
        stored = self.s.obligations.get(key, {})
        return [stored[k] for k in sorted(stored)]

    def replace_for_case(
        self, key: CaseKey, unit: UnitId, items: Sequence[CaseObligation], now: dt.datetime
    ) -> None:
        if key not in self.s.cases:
            raise NotFound("case", key)
        stored = self.s.obligations.setdefault(key, {})
        wanted = {i.id for i in items}
        for name, o in list(stored.items()):
            if name not in wanted and o.status is not ObligationStatus.NOT_APPLICABLE:
                stored[name] = replace(o, status=ObligationStatus.NOT_APPLICABLE)
        for item in items:
            stored[item.id] = replace(item, case=key)

    def regulations(self, cases: tuple[CaseKey, ...] | None) -> list[str]:
        return sorted(
            {
                o.obligation.regulation
                for key, stored in self.s.obligations.items()
                if cases is None or key in cases
                for o in stored.values()
                if o.due is not None and o.status is not ObligationStatus.NOT_APPLICABLE
            }
        )

    def late_counts(self, unit: UnitId | None) -> list[LateCount]:
        late = (ObligationStatus.OVERDUE, ObligationStatus.MET_LATE)
        counted: Counter[tuple[UnitId, str, str, ObligationStatus]] = Counter(
            (self.s.cases[key][0].unit, o.obligation.regulation, o.obligation.id, o.status)
            for key, stored in self.s.obligations.items()
            for o in stored.values()
            if o.status in late and o.due is not None
            if unit is None or self.s.cases[key][0].unit == unit
        )
        return [LateCount(*k, n) for k, n in counted.items()]

    def outcomes(
        self, since: dt.datetime, until: dt.datetime, cases: tuple[CaseKey, ...] | None
    ) -> list[Outcome]:
        ended = (ObligationStatus.MET, ObligationStatus.MET_LATE, ObligationStatus.OVERDUE)
        counted: Counter[tuple[str, dt.date, ObligationStatus, bool]] = Counter(
            (
                o.obligation.regulation,
                o.due.astimezone(dt.UTC).date(),
                o.status,
                o.met_at is not None and o.met_at <= o.due,
            )
            for key, stored in self.s.obligations.items()
            if cases is None or key in cases
            for o in stored.values()
            if o.status in ended and o.due is not None and since <= o.due <= until
        )
        return [Outcome(*k, n) for k, n in counted.items()]

    def due(self, flt: DueFilter) -> list[CaseObligation]:
        found = [
            o
            for key, stored in self.s.obligations.items()
            if flt.cases is None or key in flt.cases
            if flt.unit is None or self.s.cases[key][0].unit == flt.unit
            if self.s.cases[key][0].state not in flt.skip_states
            for o in stored.values()
            if o.status in flt.statuses and o.due is not None and o.due <= flt.until
        ]
        found.sort(key=lambda o: (o.due or flt.until, o.case, o.id))
        return found[: flt.limit]


class FakeAuditLog:
    """The same hash chain as storage, so `verify_chain` works on what the fakes record."""

    def __init__(self, s: State) -> None:
        self.s = s

    def append(self, event: AuditEvent) -> ChainedEvent:
        return self.append_many([event])[0]

    def append_many(self, events: list[AuditEvent]) -> list[ChainedEvent]:
        out = []
        for event in events:
            seq = len(self.s.events) + 1
            prev = self.s.events[-1].hash if self.s.events else GENESIS
            chained = ChainedEvent(seq, event, prev, chain_hash(seq, event, prev))
            self.s.events.append(chained)
            out.append(chained)
        return out

    def events(self, start: int = 1, end: int | None = None) -> list[ChainedEvent]:
        return [e for e in self.s.events if e.seq >= start and (end is None or e.seq <= end)]

    def for_object(self, object_type: str, object_id: str, limit: int = 200) -> list[ChainedEvent]:
        found = [
            e
            for e in reversed(self.s.events)
            if e.event.object_type == object_type and e.event.object_id == object_id
        ]
        return found[:limit]

    def search(self, query: AuditQuery) -> list[ChainedEvent]:
        def hit(e: AuditEvent) -> bool:
            wanted = [
                (e.object_type, query.object_type),
                (e.object_id, query.object_id),
                (e.actor, query.actor),
                (e.tag, query.tag),
            ]
            return (
                all(w is None or w == v for v, w in wanted)
                and (query.since is None or e.at >= query.since)
                and (query.until is None or e.at < query.until)
            )

        found = [c for c in reversed(self.s.events) if hit(c.event)]
        return found[query.offset : query.offset + query.limit]


class FakeReportRepository:
    def __init__(self, s: State) -> None:
        self.s = s

    def add_draft(self, draft: NewDraft) -> DraftRecord:
        record = DraftRecord(len(self.s.drafts) + 1, draft, DraftStatus.DRAFT, ())
        self.s.drafts.append(record)
        return record

    def latest_version(self, case: CaseKey, kind: str, recipient: PartyId) -> int:
        return max((r.draft.version for r in self._of(case, kind, recipient)), default=0)

    def _of(self, case: str, kind: str, recipient: str) -> list[DraftRecord]:
        return [
            r
            for r in self.s.drafts
            if (r.draft.case, r.draft.kind, r.draft.recipient) == (case, kind, recipient)
        ]

    def get_draft(
        self, case: CaseKey, kind: str, recipient: PartyId, version: int | None = None
    ) -> DraftRecord:
        number = version if version is not None else self.latest_version(case, kind, recipient)
        for r in self._of(case, kind, recipient):
            if r.draft.version == number:
                return r
        raise NotFound("draft", draft_ref(case, kind, recipient, number))

    def drafts_for_case(self, case: CaseKey) -> list[DraftRecord]:
        found = [r for r in self.s.drafts if r.draft.case == case]
        return sorted(found, key=lambda r: (r.draft.kind, r.draft.recipient, r.draft.version))

    def set_status(self, draft_id: int, status: DraftStatus) -> None:
        r = self.s.drafts[draft_id - 1]
        self.s.drafts[draft_id - 1] = replace(r, status=status)

    def add_approval(self, draft_id: int, approval: Approval) -> None:
        r = self.s.drafts[draft_id - 1]
        if approval.actor in r.approvers:
            raise Conflict(
                f"{approval.actor} has already approved this; a second person must approve"
            )
        self.s.drafts[draft_id - 1] = replace(r, approvals=(*r.approvals, approval))

    def add_decision(self, decision: Decision) -> Decision:
        new = replace(decision, id=len(self.s.decisions) + 1, approvers=())
        self.s.decisions.append(new)
        for actor in decision.approvers:
            self.approve_decision(new.id, actor, decision.created_at)
        return self.get_decision(new.id)

    def approve_decision(self, decision_id: int, actor: str, at: dt.datetime) -> None:
        d = self.get_decision(decision_id)
        if actor in d.approvers:
            raise Conflict(f"{actor} has already approved this; a second person must approve")
        self.s.decisions[decision_id - 1] = replace(d, approvers=(*d.approvers, actor))

    def get_decision(self, decision_id: int) -> Decision:
        if not 1 <= decision_id <= len(self.s.decisions):
            raise NotFound("decision", str(decision_id))
        return self.s.decisions[decision_id - 1]

    def decisions_for(self, case: CaseKey) -> list[Decision]:
        return [d for d in self.s.decisions if d.case == case]

    def decisions_for_cases(self, cases: Collection[CaseKey]) -> dict[CaseKey, list[Decision]]:
        return {c: found for c in cases if (found := self.decisions_for(c))}

    def set_override(
        self,
        party: PartyId,
        classes: tuple[str, ...],
        fields: tuple[str, ...],
        at: dt.datetime,
        by: str,
    ) -> None:
        self.s.overrides[party] = (classes, fields)
        self.s.reference_version += 1

    def overrides(self) -> dict[PartyId, tuple[tuple[str, ...], tuple[str, ...]]]:
        return {PartyId(p): v for p, v in self.s.overrides.items()}


class FakeLedgerRepository:
    """Disclosures are only ever added, as in storage."""

    def __init__(self, s: State) -> None:
        self.s = s

    def add(self, entry: NewLedgerEntry) -> LedgerEntry:
        saved = LedgerEntry(len(self.s.ledger) + 1, entry)
        self.s.ledger.append(saved)
        return self._with_backdate(saved)

    def _with_backdate(self, e: LedgerEntry, *, content: bool = True) -> LedgerEntry:
        entry = e.entry if content else replace(e.entry, content="")
        found = None
        if e.backdate_decision is not None:
            d = self.s.decisions[e.backdate_decision - 1]
            found = Backdate(d.id, d.reason, d.approvers)
        return LedgerEntry(e.id, entry, found)

    def get(self, entry_id: int, *, content: bool = False) -> LedgerEntry:
        if not 1 <= entry_id <= len(self.s.ledger):
            raise NotFound("ledger entry", str(entry_id))
        return self._with_backdate(self.s.ledger[entry_id - 1], content=content)

    def list(
        self, case: CaseKey | None = None, *, government_only: bool = False
    ) -> list[LedgerEntry]:
        found = [
            self._with_backdate(e, content=False)
            for e in self.s.ledger
            if (case is None or e.entry.case == case)
            and (not government_only or e.entry.recipient_kind in GOVERNMENT_KINDS)
        ]
        return sorted(found, key=lambda e: (e.entry.at, e.id))

    def earliest_by_kind_for(
        self, cases: Collection[CaseKey]
    ) -> dict[CaseKey, dict[str, tuple[dt.datetime, str]]]:
        return {c: found for c in cases if (found := self.earliest_by_kind(c))}

    def earliest_by_kind(self, case: CaseKey) -> dict[str, tuple[dt.datetime, str]]:
        out: dict[str, tuple[dt.datetime, str]] = {}
        for e in self.list(case):
            if e.backdate_pending:
                continue
            kind = e.entry.disclosure_kind
            if kind not in out or e.entry.at < out[kind][0]:
                out[kind] = (e.entry.at, e.ref)
        return out


class FakeOversightRepository:
    def __init__(self, s: State) -> None:
        self.s = s

    def add_notice(
        self, at: dt.datetime, case: CaseKey, event: str, draft_ref: str, recipient: PartyId
    ) -> None:
        self.s.notices.append(
            HqNotice(len(self.s.notices) + 1, at, case, event, draft_ref, recipient)
        )

    def notices(self, limit: int = 200) -> list[HqNotice]:
        return sorted(self.s.notices, key=lambda n: (n.created_at, n.id))[:limit]

    def add_subscriber(self, subscriber: Subscriber, at: dt.datetime) -> None:
        if any(s.email == subscriber.email for s in self.s.subscribers):
            raise Conflict(f"{subscriber.email} is already subscribed")
        self.s.subscribers.append(subscriber)

    def subscribers(self) -> list[Subscriber]:
        return list(self.s.subscribers)


class FakeOrgSettingsRepository:
    def __init__(self, s: State) -> None:
        self.s = s

    def options(self) -> dict[str, str]:
        return {k: v.value for k, v in self.s.settings.items()}

    def list(self) -> list[OrgSetting]:
        return [self.s.settings[k] for k in sorted(self.s.settings)]

    def set(self, setting: OrgSetting) -> None:
        self.s.settings[setting.key] = setting
        self.s.reference_version += 1

    def delete(self, key: str) -> bool:
        self.s.reference_version += 1
        return self.s.settings.pop(key, None) is not None


class FakeCalendarRepository:
    def __init__(self, s: State) -> None:
        self.s = s

    def overrides(self) -> dict[str, dict[dt.date, bool]]:
        out: dict[str, dict[dt.date, bool]] = {}
        for (country, day), o in self.s.calendar.items():
            out.setdefault(country, {})[day] = o.working
        return out

    def list(self, country: str | None = None) -> list[CalendarOverride]:
        found = [o for o in self.s.calendar.values() if country is None or o.country == country]
        return sorted(found, key=lambda o: (o.country, o.day))

    def set(self, override: CalendarOverride) -> None:
        self.s.calendar[(override.country, override.day)] = override
        self.s.reference_version += 1

    def delete(self, country: str, day: dt.date) -> bool:
        self.s.reference_version += 1
        return self.s.calendar.pop((country, day), None) is not None


class FakeAccountRepository:
    """Users and case membership; sessions and tokens are for the database suites."""

    def __init__(self, s: State) -> None:
        self.s = s

    def add_user(self, user: User) -> None:
        if user.name in self.s.users:
            raise Conflict(f"user {user.name!r} already exists")
        self.s.users[user.name] = user

    def get_user(self, name: str) -> User:
        if name not in self.s.users:
            raise NotFound("user", name)
        return self.s.users[name]

    def find_user(self, name: str) -> User | None:
        return self.s.users.get(name)

    def list_users(self) -> list[User]:
        return [self.s.users[k] for k in sorted(self.s.users)]

    def save_user(self, user: User) -> None:
        self.get_user(user.name)
        self.s.users[user.name] = user

    def member_cases(self, user: str) -> tuple[CaseKey, ...]:
        return tuple(sorted(CaseKey(k) for k, (c, _) in self.s.cases.items() if user in c.members))

    def delete_sessions_of(self, user: str) -> None:
        return None

    def sso_link(self, issuer: str, subject: str) -> SsoLink | None:
        return next(
            (k for k in self.s.sso_links if (k.issuer, k.subject) == (issuer, subject)), None
        )

    def sso_links_of(self, user: str) -> list[SsoLink]:
        return [k for k in self.s.sso_links if k.user == user]

    def add_sso_link(self, link: SsoLink) -> None:
        if self.sso_link(link.issuer, link.subject) is not None:
            raise Conflict("this subject is linked already")
        self.s.sso_links.append(link)

    def move_credentials_epoch(self, user: str) -> None:
        u = self.get_user(user)
        self.s.users[user] = replace(u, credentials_epoch=u.credentials_epoch + 1)


class _NotFaked:
    """A port the fakes leave to the database suites: any use of it says so."""

    def __init__(self, port: str) -> None:
        self._port = port

    def __getattr__(self, name: str) -> Any:
        raise NotImplementedError(f"tests/fakes.py has no fake of {self._port}.{name}")


class FakeOutbox:
    """Queued work, unique by dedupe key; the worker's side (claim, send) is left to the
    database suites."""

    def __init__(self, s: State) -> None:
        self.s = s

    def enqueue(
        self, kind: str, dedupe_key: str, payload: Mapping[str, Any], now: dt.datetime
    ) -> bool:
        if any(m.dedupe_key == dedupe_key for m in self.s.outbox):
            return False
        self.s.outbox.append(
            OutboxMessage(
                len(self.s.outbox) + 1, kind, dedupe_key, dict(payload),
                OutboxStatus.PENDING, 0, now, created_at=now,
            )
        )  # fmt: skip
        return True

    def list(self, status: OutboxStatus | None = None, limit: int = 100) -> list[OutboxMessage]:
        return [m for m in self.s.outbox if status is None or m.status is status][:limit]

    def pending(self, prefix: str) -> bool:
        waiting = (OutboxStatus.PENDING, OutboxStatus.CLAIMED)
        return any(m.dedupe_key.startswith(prefix) and m.status in waiting for m in self.s.outbox)


class FakeUnitOfWork:
    """One transaction over the fake repositories: leaving without commit restores the state."""

    def __init__(self, state: State) -> None:
        self.state = state
        self.committed = False
        self._before: State | None = None
        self.units = FakeUnitRepository(state)
        self.products = FakeProductRepository(state)
        self.parties = FakePartyRepository(state)
        self.cases = FakeCaseRepository(state)
        self.obligations = FakeObligationRepository(state)
        self.audit = FakeAuditLog(state)
        self.reports = FakeReportRepository(state)
        self.ledger = FakeLedgerRepository(state)
        self.oversight = FakeOversightRepository(state)
        self.org_settings = FakeOrgSettingsRepository(state)
        self.calendar = FakeCalendarRepository(state)
        self.accounts = FakeAccountRepository(state)
        self.outbox = FakeOutbox(state)
        for port in (
            "publication",
            "components",
            "intake",
            "idempotency",
            "keys",
            "escalations",
            "sweep",
            "notifications",
            "coordination",
        ):
            setattr(self, port, _NotFaked(port))

    def __enter__(self) -> Self:
        self._before = self.state.snapshot()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.rollback()

    def commit(self) -> None:
        self._before = self.state.snapshot()
        self.committed = True

    def rollback(self) -> None:
        if self._before is not None:
            self.state.restore(self._before)

    def reference_version(self) -> int:
        return self.state.reference_version

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        mark = self.state.snapshot()
        try:
            yield
        except BaseException:
            self.state.restore(mark)
            raise

    def wait_turn(self) -> None:
        return None


def rules_evaluator() -> Evaluator:
    """The built-in rule sets and calendars: pure code and package data, no storage."""
    rule_sets = list(load_rule_sets().values())

    def evaluate_situation(
        situation: Situation,
        options: Mapping[str, str],
        overrides: Mapping[str, Mapping[dt.date, bool]] | None = None,
    ) -> list[Obligation]:
        calendars = Calendars(overrides) if overrides else default_calendars()
        return evaluate(situation, rule_sets, options, calendars)

    return evaluate_situation


@dataclass
class FakeWorld:
    """A fake store with its clock and the `Deps` use cases receive."""

    state: State = field(default_factory=State)
    clock: FakeClock = field(default_factory=FakeClock)
    evaluate: Evaluator | None = None
    options: dict[str, str] = field(default_factory=dict)

    def uow(self) -> FakeUnitOfWork:
        return FakeUnitOfWork(self.state)

    def deps(self) -> Deps:
        return Deps(cast(Any, self.uow), self.clock, self.evaluate, read=cast(Any, self.uow))

    def tags(self) -> list[str]:
        """The audit tags recorded so far, in order."""
        return [e.event.tag for e in self.state.events]
