"""Who to invite: suggestions from the SBOMs, the products' suppliers and the package URLs
each party declares it makes, every one with the reasons that led to it.

    upstream supplier   named supplier of an affected product, or of one of its components;
                        a party making a package of an upstream advisory linked to the case;
                        when the case is in an upstream component, a party making a package
                        an affected product's SBOM contains (RMSV Art. 7(1))
    downstream maker    a party making a product whose SBOM contains an affected product's
                        package (RMSV Art. 7(3))
    coordinator         a CSIRT of the handling unit's country
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from vulndesk.domain.audit_tags import AuditTag
from vulndesk.domain.cases import Case
from vulndesk.domain.coordination import ParticipantRole
from vulndesk.domain.errors import InvalidInput, NotFound
from vulndesk.domain.ids import PartyId, ProductId
from vulndesk.domain.parties import Party, PartyKind
from vulndesk.rules.matching import PackageKey, package_key, parse_purl
from vulndesk.services.access import rights as access
from vulndesk.services.access.rights import CASE_READERS, Principal
from vulndesk.services.context import Deps
from vulndesk.services.ports import UnitOfWork


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A party to invite, in which role, and why (each reason one sentence)."""

    party: PartyId
    name: str
    role: ParticipantRole
    reasons: tuple[str, ...]
    invited: bool


def _key(text: str) -> PackageKey | None:
    try:
        return package_key(parse_purl("purl", text))
    except InvalidInput:
        return None


def _makers(
    purls: Mapping[PartyId, tuple[str, ...]],
) -> dict[PackageKey, list[tuple[PartyId, str]]]:
    out: dict[PackageKey, list[tuple[PartyId, str]]] = {}
    for party, declared in purls.items():
        for text in declared:
            key = _key(text)
            if key is not None:
                out.setdefault(key, []).append((party, text))
    return out


class _Found:
    def __init__(self) -> None:
        self.reasons: dict[tuple[PartyId, ParticipantRole], list[str]] = {}

    def add(self, party: PartyId, role: ParticipantRole, reason: str) -> None:
        found = self.reasons.setdefault((party, role), [])
        if reason not in found:
            found.append(reason)


def _upstream(
    uow: UnitOfWork,
    case: Case,
    makers: Mapping[PackageKey, list[tuple[PartyId, str]]],
    found: _Found,
) -> None:
    role = ParticipantRole.UPSTREAM_SUPPLIER
    ours = [a.product for a in case.products]
    for pid in ours:
        product = uow.products.get(pid)
        for s in product.suppliers:
            found.add(s, role, f"named supplier of {product.id} ({product.name})")
        for c in product.components:
            if c.supplier is not None:
                found.add(c.supplier, role, f"supplies {c.purl}, a component of {product.id}")
    for link in uow.components.upstream_for_case(case.key):
        for text in link.purls:
            key = _key(text)
            for party, declared in makers.get(key, []) if key else []:
                found.add(
                    party,
                    role,
                    f"declares it makes {declared}, named by upstream advisory "
                    f"{link.tracking_id} ({link.vulnerability}) linked to this case",
                )
    if not case.upstream_component:
        return
    wanted = {str(p) for p in ours}
    for row in uow.components.components():
        if row.product not in wanted:
            continue
        key = _key(row.purl)
        for party, declared in makers.get(key, []) if key else []:
            found.add(
                party,
                role,
                f"declares it makes {declared}; the SBOM of {row.product} {row.product_version} "
                f"contains {row.purl} and the case is in an upstream component",
            )


def _downstream(
    uow: UnitOfWork,
    case: Case,
    makers: Mapping[PackageKey, list[tuple[PartyId, str]]],
    found: _Found,
) -> None:
    role = ParticipantRole.DOWNSTREAM_MAKER
    affected: dict[PackageKey, str] = {}
    for a in case.products:
        product = uow.products.get(a.product)
        key = _key(product.purl) if product.purl else None
        if key is not None and product.purl:
            affected[key] = product.purl
    if not affected:
        return
    ours = {str(a.product) for a in case.products}
    containing: dict[str, list[tuple[str, str]]] = {}
    for row in uow.components.components(["/".join(k) for k in affected]):
        if row.product not in ours:
            containing.setdefault(row.product, []).append((row.product_version, row.purl))
    for pid, rows in containing.items():
        try:
            product = uow.products.get(ProductId(pid))
        except NotFound:
            continue
        key = _key(product.purl) if product.purl else None
        version, inside = rows[0]
        for party, declared in makers.get(key, []) if key else []:
            found.add(
                party,
                role,
                f"declares it makes {declared}; the SBOM of {pid} {version} contains {inside}",
            )
        for s in product.suppliers:
            found.add(s, role, f"named supplier of {pid}, whose SBOM {version} contains {inside}")


def _coordinators(parties: Iterable[Party], country: str, found: _Found) -> None:
    for p in parties:
        if p.kind is PartyKind.CSIRT and p.country == country:
            found.add(
                p.id,
                ParticipantRole.COORDINATOR,
                f"a CSIRT of {country}, where the case is handled",
            )


def suggestions(deps: Deps, principal: Principal, case: str) -> list[Suggestion]:
    """Every suggested party with its role and reasons; reading the SBOMs is audited."""
    key = access.check_case(deps, principal, case)
    principal.require(CASE_READERS)
    now = deps.clock.now()
    with deps.uow() as uow:
        found_case = uow.cases.get(key)
        makers = _makers(uow.coordination.party_purls())
        found = _Found()
        _upstream(uow, found_case, makers, found)
        _downstream(uow, found_case, makers, found)
        parties = {p.id: p for p in uow.parties.list()}
        _coordinators(parties.values(), uow.units.get(found_case.unit).country, found)
        invited = {p.party for p in uow.coordination.participants(key)}
        out = [
            Suggestion(
                party,
                parties[party].name if party in parties else str(party),
                role,
                tuple(reasons),
                party in invited,
            )
            for (party, role), reasons in found.reasons.items()
            if party in parties
        ]
        out.sort(key=lambda s: (s.invited, list(ParticipantRole).index(s.role), s.party))
        uow.audit.append(
            principal.event(
                now,
                AuditTag.CASE_COORD_SUGGESTIONS_BUILT,
                "case",
                key,
                (),
                suggestions=str(len(out)),
            )
        )
        uow.commit()
    return out
