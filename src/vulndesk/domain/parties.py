"""Parties: everyone a case may be disclosed to, from regulators to the public."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from vulndesk.domain.ids import PartyId


class PartyKind(StrEnum):
    """Recipient kinds; disclosure policies are written per kind."""

    REGULATOR = "regulator"
    CSIRT = "csirt"
    CUSTOMER = "customer"
    DOWNSTREAM_MAKER = "downstream_maker"
    UPSTREAM_SUPPLIER = "upstream_supplier"
    REPORTER = "reporter"
    PUBLIC = "public"

    @property
    def is_government(self) -> bool:
        return self in (PartyKind.REGULATOR, PartyKind.CSIRT)


class ChannelKind(StrEnum):
    """How a party is reached."""

    EMAIL = "email"
    WEBHOOK = "webhook"
    PORTAL = "portal"
    POST = "post"


@dataclass(frozen=True, slots=True)
class Channel:
    """One contact channel: kind and address (mail address, URL, portal name)."""

    kind: ChannelKind
    address: str


@dataclass(frozen=True, slots=True)
class Party:
    """A recipient of disclosures."""

    id: PartyId
    name: str
    kind: PartyKind
    country: str
    channels: tuple[Channel, ...] = ()
    language: str = "en"
