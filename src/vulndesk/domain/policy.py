"""Disclosure policy: which case detail fields each recipient may receive, and equal-dissemination checks.

Decisions (see the defaults below):

- Regulators and CSIRTs get PUBLIC and RESTRICTED: the RMSV Art. 7(2) minimum (product, model,
  version, technical characteristics, harm, scope of impact) is RESTRICTED or PUBLIC.
- Downstream makers get PUBLIC plus `remediation_plan`: RMSV Art. 7(3) asks the provider to
  give them the fix and technical support, and they must schedule their own releases.
- Customers, reporters and the public get PUBLIC only.
- Upstream suppliers get PUBLIC and RESTRICTED: enough to reproduce and fix in most cases.
  The trigger location or a proof of concept leave only by an approved exception.
- SECRET fields leave only through a `DisclosureException` approved by two different people;
  no default and no per-party override can grant them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from vulndesk.domain.disclosure import DETAIL_FIELDS, Sensitivity
from vulndesk.domain.errors import InvalidInput
from vulndesk.domain.ids import PartyId
from vulndesk.domain.parties import Party, PartyKind

MIN_EXCEPTION_APPROVERS = 2

_P, _R = Sensitivity.PUBLIC, Sensitivity.RESTRICTED


def _check_fields(name: str, fields: frozenset[str]) -> None:
    unknown = sorted(fields - set(DETAIL_FIELDS))
    if unknown:
        raise InvalidInput(
            name, f"{unknown[0]!r} is not a case detail field", ", ".join(DETAIL_FIELDS)
        )


@dataclass(frozen=True, slots=True)
class Grant:
    """Sensitivity classes a recipient gets in full, plus single named fields beyond them."""

    classes: frozenset[Sensitivity]
    fields: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        if Sensitivity.SECRET in self.classes:
            raise InvalidInput(
                "classes",
                "secret fields cannot be granted by policy",
                "public, restricted; secret only by exception",
            )
        _check_fields("fields", self.fields)
        secret = sorted(f for f in self.fields if DETAIL_FIELDS[f] is Sensitivity.SECRET)
        if secret:
            raise InvalidInput(
                "fields",
                f"{secret[0]!r} is secret and cannot be granted by policy",
                "an approved disclosure exception",
            )


@dataclass(frozen=True, slots=True)
class DisclosureException:
    """An approved decision to send named fields to one recipient beyond its policy."""

    fields: frozenset[str]
    reason: str
    approved_by: tuple[str, ...]

    def __post_init__(self) -> None:
        if not self.fields:
            raise InvalidInput(
                "fields", "an exception must name at least one field", ", ".join(DETAIL_FIELDS)
            )
        _check_fields("fields", self.fields)
        if not self.reason.strip():
            raise InvalidInput("reason", "an exception needs a recorded reason", "a short sentence")
        if len(set(self.approved_by)) < MIN_EXCEPTION_APPROVERS:
            raise InvalidInput(
                "approved_by",
                f"{len(set(self.approved_by))} distinct approver(s)",
                f"at least {MIN_EXCEPTION_APPROVERS} different approvers",
            )


DEFAULT_GRANTS: Mapping[PartyKind, Grant] = {
    PartyKind.REGULATOR: Grant(frozenset({_P, _R})),
    PartyKind.CSIRT: Grant(frozenset({_P, _R})),
    PartyKind.CUSTOMER: Grant(frozenset({_P})),
    PartyKind.DOWNSTREAM_MAKER: Grant(frozenset({_P}), frozenset({"remediation_plan"})),
    PartyKind.UPSTREAM_SUPPLIER: Grant(frozenset({_P, _R})),
    PartyKind.REPORTER: Grant(frozenset({_P})),
    PartyKind.PUBLIC: Grant(frozenset({_P})),
}

# A kind missing from a policy's grants receives public information only.
_FALLBACK = Grant(frozenset({_P}))


@dataclass(frozen=True, slots=True)
class DisclosurePolicy:
    """Grants per party kind, per-party overrides (replacing the kind's grant), and exceptions."""

    grants: Mapping[PartyKind, Grant] = field(default_factory=lambda: dict(DEFAULT_GRANTS))
    overrides: Mapping[PartyId, Grant] = field(default_factory=dict)
    exceptions: Mapping[PartyId, tuple[DisclosureException, ...]] = field(default_factory=dict)

    def with_override(self, party: PartyId, grant: Grant) -> DisclosurePolicy:
        return replace(self, overrides={**self.overrides, party: grant})

    def with_exception(self, party: PartyId, exception: DisclosureException) -> DisclosurePolicy:
        current = self.exceptions.get(party, ())
        return replace(self, exceptions={**self.exceptions, party: (*current, exception)})


def grant_for(policy: DisclosurePolicy, party: Party) -> Grant:
    """The party's override if it has one, else its kind's grant."""
    override = policy.overrides.get(party.id)
    if override is not None:
        return override
    return policy.grants.get(party.kind, _FALLBACK)


def classes_for(policy: DisclosurePolicy, party: Party) -> frozenset[Sensitivity]:
    """The sensitivity classes the party receives in full."""
    return grant_for(policy, party).classes


def exception_fields(policy: DisclosurePolicy, party: Party) -> frozenset[str]:
    """Fields granted to the party by approved exceptions."""
    return frozenset(f for exc in policy.exceptions.get(party.id, ()) for f in exc.fields)


def allowed_fields(policy: DisclosurePolicy, party: Party) -> frozenset[str]:
    """Every case detail field the party may receive."""
    grant = grant_for(policy, party)
    by_class = {name for name, cls in DETAIL_FIELDS.items() if cls in grant.classes}
    return frozenset(by_class | grant.fields | exception_fields(policy, party))


def withheld_classes(allowed: frozenset[str]) -> frozenset[Sensitivity]:
    """Classes with at least one field outside `allowed` (said in reports, never their content)."""
    return frozenset(cls for name, cls in DETAIL_FIELDS.items() if name not in allowed)


@dataclass(frozen=True, slots=True)
class DisseminationFinding:
    """A government recipient would get fields that another government or customer did not,
    or (`earlier`) would get them before a home government that is due them."""

    recipient: PartyId
    recipient_kind: PartyKind
    compared_to: PartyId
    compared_kind: PartyKind
    extra_fields: tuple[str, ...]
    earlier: bool = False

    @property
    def extra_classes(self) -> tuple[Sensitivity, ...]:
        found = {DETAIL_FIELDS[f] for f in self.extra_fields if f in DETAIL_FIELDS}
        return tuple(sorted(found, key=lambda s: s.rank))

    @property
    def message(self) -> str:
        if self.earlier:
            return (
                f"{self.recipient} ({self.recipient_kind.value}) would receive "
                f"{', '.join(self.extra_fields)} before {self.compared_to} "
                f"({self.compared_kind.value}), which is due them and has not received them"
            )
        return (
            f"{self.recipient} ({self.recipient_kind.value}) would receive {', '.join(self.extra_fields)} "
            f"which {self.compared_to} ({self.compared_kind.value}) did not"
        )


def compare_disclosure(
    recipient: Party, this: frozenset[str], others: Mapping[Party, frozenset[str]]
) -> list[DisseminationFinding]:
    """Equal dissemination: compare what a government recipient gets with other governments and customers.

    `others` maps every other recipient of the same case to the fields it received (or will).
    Non-government recipients produce no findings; each finding names one compared recipient.
    """
    _check_fields("this", this)
    if not recipient.kind.is_government:
        return []
    findings = []
    for other, fields in sorted(others.items(), key=lambda item: item[0].id):
        if other.id == recipient.id or not (
            other.kind.is_government or other.kind is PartyKind.CUSTOMER
        ):
            continue
        _check_fields(f"others.{other.id}", fields)
        extra = tuple(name for name in DETAIL_FIELDS if name in this and name not in fields)
        if extra:
            findings.append(
                DisseminationFinding(recipient.id, recipient.kind, other.id, other.kind, extra)
            )
    return findings


def compare_timing(
    recipient: Party, this: frozenset[str], home: str, due: Mapping[Party, frozenset[str]]
) -> list[DisseminationFinding]:
    """Equal dissemination in time: a government abroad gets no detail before a government of
    the handling unit's country (`home`) that is due it.

    `due` maps other recipients to the fields they are due (an approved draft) and have not
    received yet. Only a government outside `home` can be early, so two drafts never wait for
    each other.
    """
    _check_fields("this", this)
    if not recipient.kind.is_government or recipient.country == home:
        return []
    findings = []
    for other, fields in sorted(due.items(), key=lambda item: item[0].id):
        if other.id == recipient.id or not other.kind.is_government or other.country != home:
            continue
        early = tuple(name for name in DETAIL_FIELDS if name in this and name in fields)
        if early:
            findings.append(
                DisseminationFinding(
                    recipient.id, recipient.kind, other.id, other.kind, early, earlier=True
                )
            )
    return findings
