"""Third-party mode: cases about other vendors' products, vendor tracking, and platform filing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import replace

from vulndesk.domain import values
from vulndesk.domain.audit_tags import AuditTag
from vulndesk.domain.cases import Role
from vulndesk.domain.errors import GuardFailed, InvalidInput, NotFound
from vulndesk.domain.facts import FactKind, FactRecord, check_fact_order, next_revision
from vulndesk.domain.ids import PartyId, parse_case_key
from vulndesk.rules.publication import Share
from vulndesk.services.access import rights as access
from vulndesk.services.access.rights import ADMINS, CASE_READERS, CASE_WRITERS, Principal
from vulndesk.services.clocks import live as clocks
from vulndesk.services.context import Deps
from vulndesk.services.disclosure import guard as disclosure_guard
from vulndesk.services.publication.ports import FILING_FIELDS, Filing, VendorTracking


def _instant(field: str, at: str | dt.datetime | None, now: dt.datetime) -> dt.datetime:
    when = now if at is None else values.instant(field, at)
    if when > now + dt.timedelta(minutes=5):
        raise InvalidInput(
            field, f"{when.isoformat()} is in the future", "an instant at or before now"
        )
    return when


def track_vendor(deps: Deps, principal: Principal, case: str, vendor: str) -> VendorTracking:
    """Name the vendor of a third-party case; the case must carry the third_party role."""
    access.check_case(deps, principal, case)
    principal.require(CASE_WRITERS, "write")
    actor = principal.acting()
    now = deps.clock.now()
    with deps.uow() as uow:
        found = uow.cases.get(parse_case_key(case))
        if Role.THIRD_PARTY not in found.roles:
            raise GuardFailed("third-party-role", f"{found.key} is not a third_party case")
        try:
            party = uow.parties.get(PartyId(vendor))
        except NotFound as exc:
            raise InvalidInput(
                "vendor", f"party {vendor!r} does not exist", "an existing party id"
            ) from exc
        old = uow.publication.vendor(found.key)
        tracking = VendorTracking(
            found.key, party.id, old.notified_at if old else None, old.fixed_at if old else None
        )
        uow.publication.put_vendor(tracking)
        uow.audit.append(
            actor.event(
                now, AuditTag.THIRDPARTY_VENDOR_NAMED, "case", found.key, (), vendor=party.id
            )
        )
        uow.commit()
    return tracking


def vendor_notified(
    deps: Deps, principal: Principal, case: str, at: str | dt.datetime | None, evidence: str
) -> VendorTracking:
    """The vendor was told: a share with the provider, which Art. 9(7) allows in any country."""
    access.check_case(deps, principal, case)
    principal.require(CASE_WRITERS, "write")
    actor = principal.acting()
    now = deps.clock.now()
    when = _instant("at", at, now)
    with deps.uow() as uow:
        key = parse_case_key(case)
        tracking = uow.publication.vendor(key)
        if tracking is None:
            raise GuardFailed("vendor-named", f"name the vendor of {key} first")
        party = uow.parties.get(PartyId(tracking.vendor))
        vendor = replace(disclosure_guard.recipient_of(party), is_provider=True)
        disclosure_guard.require(
            uow, disclosure_guard.Outgoing(uow.cases.get(key), vendor, way="share")
        )
        updated = VendorTracking(key, tracking.vendor, when, tracking.fixed_at)
        uow.publication.put_vendor(updated)
        uow.publication.add_share(
            key,
            Share(party.name, party.country, when, is_provider=True),
            values.long_text("evidence", evidence, max_len=2000),
        )
        uow.audit.append(
            actor.event(now, AuditTag.THIRDPARTY_VENDOR_NOTIFIED, "case", key, (), vendor=party.id)
        )
        uow.commit()
    return updated


def vendor_fixed(
    deps: Deps, principal: Principal, case: str, at: str | dt.datetime | None, evidence: str
) -> VendorTracking:
    """The vendor shipped a fix: kept on the tracking and as the case's fix_available fact."""
    access.check_case(deps, principal, case)
    principal.require(CASE_WRITERS, "write")
    actor = principal.acting()
    now = deps.clock.now()
    when = _instant("at", at, now)
    if not evidence.strip():
        raise InvalidInput(
            "evidence", "every fact needs an evidence note", "a sentence on how it is known"
        )
    with deps.uow() as uow:
        key = parse_case_key(case)
        tracking = uow.publication.vendor(key)
        if tracking is None:
            raise GuardFailed("vendor-named", f"name the vendor of {key} first")
        found = uow.cases.get(key)
        if FactKind.FIX_AVAILABLE not in found.instants:
            record = FactRecord(
                FactKind.FIX_AVAILABLE,
                when,
                actor.name,
                now,
                evidence,
                next_revision(found.facts, FactKind.FIX_AVAILABLE),
            )
            found = found.with_fact(record)
            check_fact_order(found.instants)
            found = uow.cases.save(found, now)
            clocks.recompute(deps, uow, found, now)
        updated = VendorTracking(key, tracking.vendor, tracking.notified_at, when)
        uow.publication.put_vendor(updated)
        uow.audit.append(
            actor.event(now, AuditTag.THIRDPARTY_VENDOR_FIXED, "case", key, ("fix_available",))
        )
        uow.commit()
    return updated


def vendor_status(deps: Deps, principal: Principal, case: str) -> VendorTracking | None:
    access.check_case(deps, principal, case)
    principal.require(CASE_READERS)
    with deps.uow() as uow:
        return uow.publication.vendor(parse_case_key(case))


def set_filing(deps: Deps, principal: Principal, fields: Mapping[str, object]) -> Filing:
    """Store the collection platform's filing content; unknown fields are refused by name
    (administrators)."""
    principal.require(ADMINS, "write")
    if len(fields) > 50:
        raise InvalidInput("filing", "has too many fields", "the filing fields only")
    now = deps.clock.now()
    unknown = sorted(set(fields) - set(FILING_FIELDS))
    if unknown:
        raise InvalidInput(
            f"filing.{unknown[0]}", "is not a filing field", ", ".join(FILING_FIELDS)
        )
    clean: dict[str, str] = {}
    for name in FILING_FIELDS:
        value = fields.get(name, "")
        if isinstance(value, list):
            value = "\n".join(str(v) for v in value)
        clean[name] = values.long_text(f"filing.{name}", str(value), max_len=20_000)
    for required in (
        "platform_name",
        "homepage_url",
        "sponsor_name",
        "contact_name",
        "contact_details",
    ):
        if not clean[required].strip():
            raise InvalidInput(
                f"filing.{required}", "is required", "the value the filing form asks for"
            )
    filing = Filing(clean, principal.name, now)
    with deps.uow() as uow:
        uow.publication.put_filing(filing)
        uow.audit.append(
            principal.event(
                now, AuditTag.THIRDPARTY_FILING_UPDATED, "filing", "platform", tuple(sorted(clean))
            )
        )
        uow.commit()
    return filing


def filing(deps: Deps, principal: Principal) -> Filing:
    """The stored filing; sponsor identity numbers are personal data, so the read is audited
    (administrators)."""
    principal.require(ADMINS)
    now = deps.clock.now()
    with deps.uow() as uow:
        found = uow.publication.filing()
        if found is None:
            raise NotFound("filing", "platform")
        uow.audit.append(
            principal.event(
                now, AuditTag.THIRDPARTY_FILING_READ, "filing", "platform", ("sponsor_id_number",)
            )
        )
        uow.commit()
    return found


def filing_document(f: Filing) -> dict[str, object]:
    """The export: every field in the Filing Measures' order, with the list of what is still empty."""
    return {
        "format": "vulndesk-platform-filing/1",
        "basis": "Administrative Measures for the Filing of Network Product Security Vulnerability Collection Platforms, Art. 4 (draft)",
        "fields": {name: f.fields.get(name, "") for name in FILING_FIELDS},
        "missing": [
            name for name in FILING_FIELDS if not f.fields.get(name, "").strip() and name != "other"
        ],
        "updated_by": f.updated_by,
        "updated_at": f.updated_at.isoformat(),
    }
