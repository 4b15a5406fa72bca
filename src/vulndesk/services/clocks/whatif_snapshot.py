"""The in-force what-if kept by the worker: computed ahead of the exposure page, sealed.

`whatif.in_force_by_unit` evaluates every open case under the rule sets in force: at
200,000 cases that is 76,000 cases loaded, decrypted and assessed ten times (about 20 s), too
slow for a page. The worker (`refresh`) runs that same code and stores its result as a
snapshot: the body sealed with the field keyring, the instant it was computed, and a
fingerprint of its inputs (the rule sets in force and their content, the organisation's
options, and markers that move on any change to a case, its facts or state, a ledger entry
or the reference data). It recomputes when the fingerprint differs or the snapshot is
older than `MAX_AGE` (the figures follow the clock: overdue and due soon as of an instant),
changed inputs at most once per `MIN_GAP`.

A reader (`current`) takes the snapshot with the instant it was computed; when the inputs
have changed since, the summary says so (`current=False`) and the page shows it as being
recomputed, never as the present figures. See docs/decisions/0048-console-pages-at-scale.md.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import hashlib
import json
from collections.abc import Mapping
from typing import Any

from vulndesk.domain.ids import UnitId
from vulndesk.rules.model import RuleSet
from vulndesk.rules.whatif import WINDOW, Tally
from vulndesk.services.background.ports import Snapshot
from vulndesk.services.clocks.live import in_force, org_options
from vulndesk.services.clocks.whatif import InForceSummary, in_force_by_unit, narrowed
from vulndesk.services.context import Deps
from vulndesk.services.ports import UnitOfWork

NAME = "in-force-whatif"
MAX_AGE = dt.timedelta(minutes=10)
# Changed inputs are recomputed at most this often: under a stream of new cases each pass
# would otherwise spend the whole what-if again (about 30 s at 200,000 cases).
MIN_GAP = dt.timedelta(minutes=1)
_DIGESTS: dict[int, tuple[RuleSet, str]] = {}


def fingerprint(uow: UnitOfWork, catalogue: Mapping[str, RuleSet]) -> str:
    """A digest of everything the in-force what-if reads, except the clock."""
    org = org_options(uow)
    chosen = [r for _, r in sorted(catalogue.items()) if in_force(r.id, org)]
    parts = [
        uow.snapshots.inputs_marker(),
        json.dumps(sorted(org.items())),
        *(_rule_digest(r) for r in chosen),
    ]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _rule_digest(rule_set: RuleSet) -> str:
    """The rule set's content as a digest, the same in every process (no set order or
    object identity in it); kept per loaded rule set."""
    held = _DIGESTS.get(id(rule_set))
    if held is not None and held[0] is rule_set:
        return held[1]
    text = json.dumps(_canonical(rule_set), sort_keys=True, separators=(",", ":"))
    digest = hashlib.sha256(text.encode()).hexdigest()
    _DIGESTS[id(rule_set)] = (rule_set, digest)
    return digest


def _canonical(value: object) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _canonical(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, enum.Enum):
        return _canonical(value.value)
    if isinstance(value, Mapping):
        return {str(k): _canonical(v) for k, v in value.items()}
    if isinstance(value, (set, frozenset)):
        return sorted((_canonical(v) for v in value), key=repr)
    if isinstance(value, (list, tuple)):
        return [_canonical(v) for v in value]
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return value.isoformat()
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def refresh(
    deps: Deps,
    catalogue: Mapping[str, RuleSet],
    *,
    max_age: dt.timedelta = MAX_AGE,
    min_gap: dt.timedelta = MIN_GAP,
    force: bool = False,
) -> int:
    """Recompute and store the snapshot when its inputs changed (and it is `min_gap` old),
    it is `max_age` old, there is none, or `force`: 1 when it was recomputed, else 0."""
    now = deps.clock.now()
    with deps.reader() as uow:
        # Taken before the computation: a change made while it runs leaves the stored
        # fingerprint behind, so the snapshot shows as stale and the next pass recomputes it.
        mark = fingerprint(uow, catalogue)
        held = uow.snapshots.get(NAME)
        if not force and held is not None:
            age = now - held.computed_at
            if age < (max_age if held.fingerprint == mark else min_gap):
                return 0
        whole, cases_by_unit = in_force_by_unit(uow, catalogue, now, WINDOW)
    body = json.dumps(_body(whole, cases_by_unit), sort_keys=True)
    with deps.uow() as uow:
        uow.snapshots.put(Snapshot(NAME, now, mark, body))
        uow.commit()
    return 1


def current(
    uow: UnitOfWork, catalogue: Mapping[str, RuleSet], unit: UnitId | None
) -> InForceSummary | None:
    """The stored summary (one unit's, or every unit's) with the instant it was computed and
    whether its inputs are unchanged since; None when the worker has not computed one yet."""
    held = uow.snapshots.get(NAME)
    if held is None:
        return None
    whole, cases_by_unit = _parse(held)
    fresh = held.fingerprint == fingerprint(uow, catalogue)
    return dataclasses.replace(narrowed(whole, cases_by_unit, unit), current=fresh)


def _body(whole: InForceSummary, cases_by_unit: Mapping[str, int]) -> dict[str, object]:
    return {
        "rule_sets": list(whole.rule_sets),
        "window_hours": whole.window_hours,
        "cases": whole.cases,
        "cases_by_unit": dict(cases_by_unit),
        "tallies": [
            [t.unit, t.regulation, t.recipient, t.overdue, t.due_soon] for t in whole.tallies
        ],
    }


def _parse(held: Snapshot) -> tuple[InForceSummary, dict[str, int]]:
    data = json.loads(held.body)
    whole = InForceSummary(
        tuple(str(r) for r in data["rule_sets"]),
        int(data["window_hours"]),
        int(data["cases"]),
        tuple(
            Tally(UnitId(str(u)), str(reg), str(rec), int(o), int(d))
            for u, reg, rec, o, d in data["tallies"]
        ),
        computed_at=held.computed_at,
    )
    return whole, {str(k): int(v) for k, v in data["cases_by_unit"].items()}
