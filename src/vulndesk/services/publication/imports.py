"""Imports of supplier documents (CSAF advisories, CycloneDX SBOMs), each in one transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace

from vulndesk.domain import values
from vulndesk.domain.audit import AuditEvent
from vulndesk.domain.audit_tags import AuditTag, import_tag
from vulndesk.domain.cases import AffectedProduct, Case, Role, check_details
from vulndesk.domain.errors import InvalidInput, NotFound
from vulndesk.domain.facts import FactKind, FactRecord
from vulndesk.domain.ids import CaseKey, ProductId, UnitId
from vulndesk.rules.matching import (
    AffectedPackage,
    ComponentRow,
    Match,
    find_affected,
    package_key,
    parse_purl,
    parse_range,
)
from vulndesk.rules.scoring import assess
from vulndesk.services.access import rights as access
from vulndesk.services.access.rights import (
    CASE_READERS,
    REFERENCE_READERS,
    REFERENCE_WRITERS,
    Principal,
)
from vulndesk.services.clocks import live as clocks
from vulndesk.services.context import Acts, Deps
from vulndesk.services.ports import UnitOfWork
from vulndesk.services.publication.ports import (
    DocumentReaders,
    SupplierAdvisory,
    UpstreamLink,
    UpstreamVulnerability,
)

NO_IMPACT = "no-impact"


@dataclass(frozen=True, slots=True)
class ImportedCase:
    """One vulnerability of an import: the case it opened or updated, or no impact (no case)."""

    ref: str
    case: CaseKey | None
    action: str  # opened, updated or no-impact
    products: tuple[str, ...]


@contextmanager
def _at(path: str) -> Iterator[None]:
    """Prefix errors raised while storing one part with that part's path in the document."""
    try:
        yield
    except InvalidInput as exc:
        raise InvalidInput(f"{path}/{exc.field}", exc.problem, exc.accepted) from exc


def _pkg(purl: str) -> str:
    return "/".join(package_key(parse_purl("purl", purl)))


def _link_products(uow: UnitOfWork, purls: tuple[str, ...]) -> tuple[AffectedProduct, ...]:
    """Our products that contain one of the supplier's affected packages, by SBOM or product data."""
    affected = [AffectedPackage(p) for p in purls]
    rows = uow.components.components(sorted({_pkg(p) for p in purls}))
    rows += [
        ComponentRow(product.id, "", c.purl)
        for product in uow.products.list()
        for c in product.components
    ]
    versions: dict[str, set[str]] = {}
    for m in find_affected(rows, affected):
        versions.setdefault(m.product, set())
        if m.product_version:
            versions[m.product].add(m.product_version)
    return tuple(
        AffectedProduct(ProductId(pid), tuple(sorted(vs))) for pid, vs in sorted(versions.items())
    )


def _new_case(
    uow: UnitOfWork,
    actor: Acts,
    v: UpstreamVulnerability,
    a: SupplierAdvisory,
    unit: UnitId,
    now: dt.datetime,
    products: tuple[AffectedProduct, ...],
) -> Case:
    title = f"{v.ref} in {a.publisher_name} product: {v.title or a.title}"
    details = {"summary": v.description or a.title, "remediation": v.remediation}
    return Case(
        key=uow.cases.next_key(now.year),
        title=values.text("title", title[:300], max_len=300),
        unit=unit,
        roles=frozenset({Role.PRODUCT_PROVIDER}),
        created_at=now,
        created_by=actor.name,
        products=products,
        cwe=v.cwe,
        severity=assess(v.cvss31_vector, None, None),
        upstream_component=True,
        details=check_details({k: x for k, x in details.items() if x.strip()}),
        facts=(
            FactRecord(FactKind.AWARE, now, actor.name, now, f"supplier advisory {a.tracking_id}"),
        ),
    )


def _merge(case: Case, v: UpstreamVulnerability, products: tuple[AffectedProduct, ...]) -> Case:
    known = {p.product: p for p in case.products}
    for p in products:
        old = known.get(p.product)
        merged = tuple(sorted(set(p.versions) | set(old.versions))) if old else p.versions
        known[p.product] = AffectedProduct(p.product, merged, old.fixed_versions if old else ())
    details = dict(case.details)
    if v.description:
        details["summary"] = v.description
    if v.remediation.strip():
        details["remediation"] = v.remediation
    return replace(case, products=tuple(known.values()), details=check_details(details))


def _no_impact(
    actor: Acts, a: SupplierAdvisory, v: UpstreamVulnerability, now: dt.datetime
) -> AuditEvent:
    """The audit event of a vulnerability that affects no product of ours."""
    return actor.event(
        now,
        import_tag(NO_IMPACT),
        "advisory",
        f"{a.tracking_id}#{v.ref}",
        (),
        advisory=a.tracking_id,
        version=a.tracking_version,
    )


def _store(
    deps: Deps,
    uow: UnitOfWork,
    actor: Acts,
    a: SupplierAdvisory,
    v: UpstreamVulnerability,
    unit: UnitId,
    now: dt.datetime,
) -> ImportedCase:
    purls = tuple(dict.fromkeys(p.purl for p in v.known_affected if p.purl))
    products = _link_products(uow, purls)
    link = uow.components.upstream(a.publisher_namespace, a.tracking_id, v.ref)
    if link is None and not products:
        # No product of ours ships an affected version (or the supplier says known_not_affected):
        # recorded as no impact; no case, so no clock starts.
        uow.audit.append(_no_impact(actor, a, v, now))
        return ImportedCase(v.ref, None, NO_IMPACT, ())
    if link is None:
        case = _new_case(uow, actor, v, a, unit, now, products)
        uow.cases.add(case, now)
        action = "opened"
    else:
        case = uow.cases.save(_merge(uow.cases.get(CaseKey(link.case)), v, products), now)
        action = "updated"
    uow.components.put_upstream(
        UpstreamLink(
            a.publisher_namespace, a.tracking_id, v.ref, a.tracking_version, case.key, purls
        ),
        now,
    )
    uow.audit.append(
        actor.event(
            now,
            import_tag(action),
            "case",
            case.key,
            ("summary", "remediation"),
            advisory=a.tracking_id,
        )
    )
    clocks.recompute(deps, uow, case, now)
    return ImportedCase(v.ref, case.key, action, tuple(p.product for p in case.products))


def import_csaf(
    deps: Deps, principal: Principal, readers: DocumentReaders, data: bytes, unit: str
) -> list[ImportedCase]:
    """Open or update one upstream case per vulnerability; any error stores nothing."""
    principal.require(REFERENCE_WRITERS, "write")
    actor = principal
    advisory = readers.csaf(data)
    now = deps.clock.now()
    done = []
    with deps.uow() as uow:
        try:
            uow.units.get(UnitId(unit))
        except NotFound as exc:
            raise InvalidInput(
                "unit", f"unit {unit!r} does not exist", "an existing unit id"
            ) from exc
        for i, v in enumerate(advisory.vulnerabilities):
            with _at(f"/vulnerabilities/{i}"):
                done.append(_store(deps, uow, actor, advisory, v, UnitId(unit), now))
        uow.commit()
    return done


def import_sbom(
    deps: Deps,
    principal: Principal,
    readers: DocumentReaders,
    product: str,
    data: bytes,
    version: str | None = None,
) -> int:
    """Replace the component list of one product version with the SBOM's; returns the count."""
    principal.require(REFERENCE_WRITERS, "write")
    actor = principal
    sbom = readers.sbom(data)
    now = deps.clock.now()
    chosen = version or sbom.product_version
    if not chosen:
        raise InvalidInput(
            "version",
            "the SBOM names no product version",
            "--version or metadata.component.version",
        )
    with deps.uow() as uow:
        try:
            known = uow.products.get(ProductId(product))
        except NotFound as exc:
            raise InvalidInput(
                "product", f"product {product!r} does not exist", "an existing product id"
            ) from exc
        if known.versions and chosen not in known.versions:
            raise InvalidInput(
                "version", f"{product} has no version {chosen!r}", ", ".join(known.versions)
            )
        count = uow.components.replace_sbom(known.id, chosen, sbom.purls)
        uow.audit.append(
            actor.event(
                now,
                AuditTag.IMPORT_SBOM_REPLACED,
                "product",
                known.id,
                (),
                version=chosen,
                components=str(count),
            )
        )
        uow.commit()
    return count


def is_package(target: str) -> bool:
    """Whether an `affected` target names a package (a package URL) rather than a case."""
    return target.strip().lower().startswith("pkg:")


def affected_package(
    deps: Deps, principal: Principal, purl: str, vers: str | None = None
) -> list[Match]:
    """Product versions containing a package (in a vers range) (reference readers)."""
    principal.require(REFERENCE_READERS)
    if not is_package(purl):
        raise InvalidInput("purl", "is not a package URL", "pkg:type/namespace/name@version")
    return _affected(deps, [AffectedPackage.parse("purl", purl, vers)], vers)


def affected_case(
    deps: Deps, principal: Principal, case: str, vers: str | None = None
) -> list[Match]:
    """Product versions containing the packages of an upstream case the principal may see."""
    key = access.check_case(deps, principal, case)  # a hidden case is a missing one
    principal.require(CASE_READERS)
    with deps.uow() as uow:
        uow.cases.get(key)
        links = uow.components.upstream_for_case(key)
    wanted = [AffectedPackage.parse("purl", p, vers) for link in links for p in link.purls]
    return _affected(deps, wanted, vers)


def _affected(deps: Deps, wanted: list[AffectedPackage], vers: str | None) -> list[Match]:
    if vers is not None:
        parse_range("range", vers)
    with deps.uow() as uow:
        rows = uow.components.components(sorted({_pkg(a.purl) for a in wanted}))
    return find_affected(rows, wanted)
