"""Organisation units: the legal entities that handle cases (headquarters and subsidiaries)."""

from __future__ import annotations

from dataclasses import dataclass

from vulndesk.domain.ids import UnitId
from vulndesk.domain.regimes import CnOperatorClass, Nis2Entity


@dataclass(frozen=True, slots=True)
class OrgUnit:
    """A legal entity; `parent` is None for the headquarters.

    The reporting-entity fields (legal name, contact person, e-mail, phone) are what regulator
    reports, notices and mail headers name; the on-call fields are where deadline escalations go.
    None means not set.
    """

    id: UnitId
    name: str
    country: str
    timezone: str
    parent: UnitId | None = None
    legal_name: str | None = None
    contact_person: str | None = None
    contact_email: str | None = None
    contact_phone: str | None = None
    on_call_email: str | None = None
    on_call_webhook: str | None = None
    # What the newer rule sets bind on (docs/rules.md); None (False) is "not recorded".
    eu_main_establishment_timezone: str | None = None
    nis2_entity: Nis2Entity | None = None
    financial_entity: bool = False
    cn_operator_class: CnOperatorClass | None = None

    @property
    def entity_name(self) -> str:
        """The name regulators and recipients see: the legal name when set, else the unit name."""
        return self.legal_name or self.name
