"""Exposure: how long each recipient knew of a flaw while users had no fix, and who got more.

A disclosure exposes its case from the instant it was made until the earlier of a fix being
available to users and the flaw becoming public; a window with neither end counts up to `now`.
A disclosure made after the fix or the publication exposes nothing and is left out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from vulndesk.domain.disclosure import DETAIL_FIELDS, Sensitivity

# Two recipients told within this of each other were told at the same time.
SAME_TIME = dt.timedelta(hours=24)
_NO_LEAD = dt.timedelta(0)
GOVERNMENT_KINDS = frozenset({"regulator", "csirt"})
CUSTOMER_KINDS = frozenset({"customer", "downstream_maker"})
_COMPARED_KINDS = GOVERNMENT_KINDS | CUSTOMER_KINDS
_SECRET_FIELDS = frozenset(f for f, s in DETAIL_FIELDS.items() if s is Sensitivity.SECRET)


@dataclass(frozen=True, slots=True)
class Disclosure:
    """One ledger entry as exposure sees it: who got which detail fields of which case, when."""

    entry: int
    case: str
    unit: str
    recipient: str
    recipient_name: str
    country: str
    recipient_kind: str
    at: dt.datetime
    fields: tuple[str, ...]
    classes: tuple[str, ...]
    approvers: tuple[str, ...] = ()
    sha256: str = ""

    @property
    def government(self) -> bool:
        return self.recipient_kind in GOVERNMENT_KINDS

    @property
    def customer(self) -> bool:
        return self.recipient_kind in CUSTOMER_KINDS

    @property
    def secret_fields(self) -> tuple[str, ...]:
        return tuple(f for f in self.fields if f in _SECRET_FIELDS)


@dataclass(frozen=True, slots=True)
class CaseEnds:
    """When users got a fix and when the flaw became public (None: not yet)."""

    fix_available: dt.datetime | None = None
    public: dt.datetime | None = None

    @property
    def end(self) -> tuple[dt.datetime, str] | None:
        ends = [(t, why) for t, why in ((self.fix_available, "fix"), (self.public, "public")) if t]
        return min(ends) if ends else None


@dataclass(frozen=True, slots=True)
class Exposure:
    """A disclosure and its window; `ended` is None while the window is still open."""

    disclosure: Disclosure
    ended: dt.datetime | None
    end_reason: str | None
    now: dt.datetime

    @property
    def open(self) -> bool:
        return self.ended is None

    @property
    def window(self) -> dt.timedelta:
        return (self.ended or self.now) - self.disclosure.at

    @property
    def days(self) -> float:
        return round(((self.ended or self.now) - self.disclosure.at).total_seconds() / 86400, 2)


def exposures(
    disclosures: Iterable[Disclosure], ends: Mapping[str, CaseEnds], now: dt.datetime
) -> list[Exposure]:
    """Every disclosure made while its case had neither a fix nor publicity, oldest first."""
    out = []
    case_end = {case: e.end for case, e in ends.items()}
    for d in sorted(disclosures, key=lambda x: (x.at, x.entry)):
        end = case_end.get(d.case)
        if end is None:
            out.append(Exposure(d, None, None, now))
        elif d.at < end[0]:
            out.append(Exposure(d, end[0], end[1], now))
    return out


@dataclass(frozen=True, slots=True)
class Totals:
    """Figures for one group (a government, a country, a unit): cases, windows, secrets."""

    key: str
    cases: tuple[str, ...]
    disclosures: int
    secret_disclosures: int
    open_windows: int
    total_days: float
    longest_days: float
    entries: tuple[int, ...] = field(default=())


def totals(items: Sequence[Exposure], key: Callable[[Exposure], str]) -> list[Totals]:
    """Figures per group, largest exposure first; one window per case and group counts once."""
    groups: dict[str, list[Exposure]] = {}
    for e in items:
        groups.setdefault(key(e), []).append(e)
    secret: dict[tuple[str, ...], bool] = {}  # the same few lists of fields recur
    for e in items:
        if e.disclosure.fields not in secret:
            secret[e.disclosure.fields] = bool(e.disclosure.secret_fields)
    out = []
    for name, group in groups.items():
        # The window of a case for a group starts at its first disclosure to that group.
        first: dict[str, Exposure] = {}
        for e in group:
            first.setdefault(e.disclosure.case, e)
        windows = [e.days for e in first.values()]
        out.append(
            Totals(
                key=name,
                cases=tuple(sorted(first)),
                disclosures=len(group),
                secret_disclosures=sum(1 for e in group if secret[e.disclosure.fields]),
                open_windows=sum(1 for e in first.values() if e.open),
                total_days=round(sum(windows), 2),
                longest_days=max(windows),
                entries=tuple(e.disclosure.entry for e in group),
            )
        )
    return sorted(out, key=lambda t: (-t.total_days, t.key))


@dataclass(frozen=True, slots=True)
class Inequality:
    """A government that got more, or earlier, than another government or a customer."""

    case: str
    government: str
    compared_with: str
    more_fields: tuple[str, ...]
    earlier_by: dt.timedelta | None
    entries: tuple[int, ...]

    @property
    def reason(self) -> str:
        parts = []
        if self.more_fields:
            parts.append(
                f"received {', '.join(self.more_fields)} that {self.compared_with} did not"
            )
        if self.earlier_by is not None:
            hours = int(self.earlier_by.total_seconds() // 3600)
            parts.append(f"was told {hours} h before {self.compared_with}")
        return f"{self.government} " + " and ".join(parts)


def _first_seen(items: Iterable[Disclosure]) -> dict[str, dict[str, dt.datetime]]:
    """recipient -> field -> the first instant that recipient received it."""
    seen: dict[str, dict[str, dt.datetime]] = {}
    for d in items:
        got = seen.setdefault(d.recipient, {})
        for f in d.fields:
            if f not in got or d.at < got[f]:
                got[f] = d.at
    return seen


def inequalities(disclosures: Iterable[Disclosure]) -> list[Inequality]:
    """Per case, each government compared with every other government and customer told.

    A case with a single recipient has nobody to compare with and yields nothing; a field the
    other recipient got too but more than `SAME_TIME` later counts as told earlier.
    """
    by_case: dict[str, list[Disclosure]] = {}
    for d in disclosures:
        if d.recipient_kind in _COMPARED_KINDS:
            by_case.setdefault(d.case, []).append(d)
    # The fields one recipient got beyond another's, and those both got: the same few sets of
    # fields recur from case to case, so each pair of sets is compared once.
    compared: dict[
        tuple[frozenset[str], frozenset[str]], tuple[tuple[str, ...], tuple[str, ...]]
    ] = {}
    out = []
    for case, items in sorted(by_case.items()):
        seen = _first_seen(items)
        if len(seen) < 2:
            continue
        kinds = {d.recipient: d.recipient_kind in GOVERNMENT_KINDS for d in items}
        entries: dict[str, list[int]] = {}
        for d in items:
            entries.setdefault(d.recipient, []).append(d.entry)
        ordered = [(r, got, frozenset(got)) for r, got in sorted(seen.items())]
        for gov, got, fields in ordered:
            if not kinds[gov]:
                continue
            told = tuple(entries[gov])
            for other, theirs, their_fields in ordered:
                if other == gov:
                    continue
                pair = compared.get((fields, their_fields))
                if pair is None:
                    pair = compared[(fields, their_fields)] = (
                        tuple(sorted(fields - their_fields)),
                        tuple(fields & their_fields),
                    )
                more, common = pair
                lead = _NO_LEAD  # how much later `other` got a field both got, at most
                for f in common:
                    if theirs[f] - got[f] > lead:
                        lead = theirs[f] - got[f]
                earlier = lead if lead > SAME_TIME else None
                if more or earlier:
                    out.append(Inequality(case, gov, other, more, earlier, told))
    return out
