"""SQL repositories for blackout windows, decisions, shares, vendor tracking, filing and SBOMs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from packageurl import PackageURL
from sqlalchemy import Connection, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from vulndesk.adapters.storage import evidence
from vulndesk.adapters.storage.tables.publication import (
    blackout_windows,
    case_shares,
    platform_filing,
    publication_approvals,
    publication_decisions,
    sbom_components,
    upstream_advisories,
    vendor_tracking,
)
from vulndesk.domain.errors import Conflict, NotFound
from vulndesk.rules.matching import ComponentRow, package_key
from vulndesk.rules.publication import Blackout, Decision, DecisionKind, Share
from vulndesk.services.publication.ports import (
    FILING_FIELDS,
    Filing,
    UpstreamLink,
    VendorTracking,
)

_FILING_ROW = "platform"


def package_text(purl: PackageURL) -> str:
    """The indexed form of a package: `type/namespace/name`, lower-cased."""
    return "/".join(package_key(purl))


class SqlPublicationRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add_blackout(self, window: Blackout, by: str, now: dt.datetime) -> None:
        try:
            with self.conn.begin_nested():
                self.conn.execute(
                    insert(blackout_windows).values(
                        name=window.name,
                        start_at=window.start,
                        end_at=window.end,
                        note=window.note,
                        created_by=by,
                        created_at=now,
                    )
                )
        except IntegrityError as exc:
            raise Conflict(f"blackout window {window.name!r} already exists") from exc

    def blackouts(self) -> list[Blackout]:
        rows = self.conn.execute(select(blackout_windows).order_by(blackout_windows.c.start_at))
        return [Blackout(r.name, r.start_at, r.end_at, r.note) for r in rows]

    def add_decision(self, case: str, decision: Decision) -> Decision:
        """Store the decision with its recorder as the first approver."""
        new_id = int(
            self.conn.execute(
                insert(publication_decisions)
                .values(
                    case_key=case,
                    kind=decision.kind.value,
                    subject=decision.subject,
                    by=decision.by,
                    at=decision.at,
                    note=decision.note,
                )
                .returning(publication_decisions.c.id)
            ).scalar_one()
        )
        evidence.note_ids(self.conn, publication_decisions, [new_id])
        self.approve_decision(new_id, decision.by, decision.at)
        return self.decision(case, new_id)

    def approve_decision(self, decision_id: int, actor: str, at: dt.datetime) -> None:
        t = publication_approvals
        seen = self.conn.execute(
            select(t.c.id).where(t.c.decision_id == decision_id, t.c.actor == actor)
        ).first()
        if seen is not None:
            raise Conflict(f"{actor} has already approved this; a second person must approve")
        approval_id = self.conn.execute(
            insert(t).values(decision_id=decision_id, actor=actor, at=at).returning(t.c.id)
        ).scalar_one()
        evidence.note_ids(self.conn, t, [approval_id])

    def decision(self, case: str, decision_id: int) -> Decision:
        t = publication_decisions
        row = self.conn.execute(
            select(t).where(t.c.id == decision_id, t.c.case_key == case)
        ).first()
        if row is None:
            raise NotFound("decision", str(decision_id))
        return self._with_approvers([row])[0]

    def decisions(self, case: str) -> list[Decision]:
        t = publication_decisions
        rows = self.conn.execute(select(t).where(t.c.case_key == case).order_by(t.c.id)).all()
        return self._with_approvers(rows)

    def _with_approvers(self, rows: Sequence[Any]) -> list[Decision]:
        a = publication_approvals
        by: dict[int, list[str]] = {int(r.id): [] for r in rows}
        if by:
            found = self.conn.execute(
                select(a.c.decision_id, a.c.actor)
                .where(a.c.decision_id.in_(list(by)))
                .order_by(a.c.id)
            )
            for decision_id, actor in found:
                by[int(decision_id)].append(actor)
        return [
            Decision(
                DecisionKind(r.kind), r.subject, r.by, r.at, r.note, tuple(by[int(r.id)]), int(r.id)
            )
            for r in rows
        ]

    def add_share(self, case: str, share: Share, note: str) -> int:
        """Store a share; returns its id (the audit trail names the share by it)."""
        new_id = self.conn.execute(
            insert(case_shares)
            .values(
                case_key=case,
                recipient=share.recipient,
                country=share.country,
                is_provider=share.is_provider,
                at=share.at,
                note=note,
            )
            .returning(case_shares.c.id)
        ).scalar_one()
        evidence.note_ids(self.conn, case_shares, [new_id])
        return int(new_id)

    def shares(self, case: str) -> list[Share]:
        t = case_shares
        rows = self.conn.execute(select(t).where(t.c.case_key == case).order_by(t.c.at))
        return [Share(r.recipient, r.country, r.at, bool(r.is_provider)) for r in rows]

    def vendor(self, case: str) -> VendorTracking | None:
        t = vendor_tracking
        r = self.conn.execute(select(t).where(t.c.case_key == case)).first()
        return None if r is None else VendorTracking(case, r.vendor, r.notified_at, r.fixed_at)

    def put_vendor(self, tracking: VendorTracking) -> None:
        values = {
            "vendor": tracking.vendor,
            "notified_at": tracking.notified_at,
            "fixed_at": tracking.fixed_at,
        }
        t = vendor_tracking
        if self.vendor(tracking.case) is None:
            self.conn.execute(insert(t).values(case_key=tracking.case, notes=[], **values))
        else:
            self.conn.execute(update(t).where(t.c.case_key == tracking.case).values(**values))

    def filing(self) -> Filing | None:
        t = platform_filing
        r = self.conn.execute(select(t).where(t.c.id == _FILING_ROW)).first()
        if r is None:
            return None
        m: Any = r._mapping
        return Filing({f: m[f] for f in FILING_FIELDS}, m["updated_by"], m["updated_at"])

    def put_filing(self, filing: Filing) -> None:
        values = {f: filing.fields.get(f, "") for f in FILING_FIELDS} | {
            "updated_by": filing.updated_by,
            "updated_at": filing.updated_at,
        }
        t = platform_filing
        self.conn.execute(delete(t).where(t.c.id == _FILING_ROW))
        self.conn.execute(insert(t).values(id=_FILING_ROW, **values))


class SqlComponentRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def replace_sbom(self, product: str, version: str, purls: Sequence[str]) -> int:
        t = sbom_components
        self.conn.execute(
            delete(t).where(t.c.product_id == product, t.c.product_version == version)
        )
        rows = []
        for text in dict.fromkeys(purls):
            purl = PackageURL.from_string(text)
            rows.append(
                {
                    "product_id": product,
                    "product_version": version,
                    "purl": text,
                    "package": package_text(purl),
                    "name": purl.name,
                    "version": purl.version,
                }
            )
        if rows:
            self.conn.execute(insert(t), rows)
        return len(rows)

    def components(self, package_keys: Sequence[str] | None = None) -> list[ComponentRow]:
        t = sbom_components
        stmt = select(t.c.product_id, t.c.product_version, t.c.purl).order_by(t.c.id)
        if package_keys is not None:
            stmt = stmt.where(t.c.package.in_(list(package_keys)))
        return [
            ComponentRow(r.product_id, r.product_version, r.purl) for r in self.conn.execute(stmt)
        ]

    def upstream(self, publisher: str, tracking_id: str, vulnerability: str) -> UpstreamLink | None:
        t = upstream_advisories
        r = self.conn.execute(
            select(t).where(
                t.c.publisher == publisher,
                t.c.tracking_id == tracking_id,
                t.c.vulnerability == vulnerability,
            )
        ).first()
        if r is None:
            return None
        return _link(r)

    def upstream_for_case(self, case: str) -> list[UpstreamLink]:
        t = upstream_advisories
        rows = self.conn.execute(select(t).where(t.c.case_key == case).order_by(t.c.id))
        return [_link(r) for r in rows]

    def put_upstream(self, link: UpstreamLink, now: dt.datetime) -> None:
        t = upstream_advisories
        where = (
            t.c.publisher == link.publisher,
            t.c.tracking_id == link.tracking_id,
            t.c.vulnerability == link.vulnerability,
        )
        values = {
            "tracking_version": link.tracking_version,
            "case_key": link.case,
            "purls": list(link.purls),
            "imported_at": now,
        }
        if self.upstream(link.publisher, link.tracking_id, link.vulnerability) is None:
            self.conn.execute(
                insert(t).values(
                    publisher=link.publisher,
                    tracking_id=link.tracking_id,
                    vulnerability=link.vulnerability,
                    **values,
                )
            )
        else:
            self.conn.execute(update(t).where(*where).values(**values))


def _link(r: Any) -> UpstreamLink:
    return UpstreamLink(
        r.publisher, r.tracking_id, r.vulnerability, r.tracking_version, r.case_key, tuple(r.purls)
    )
