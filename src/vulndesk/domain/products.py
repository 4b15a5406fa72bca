"""Products: what an organisation makes or runs, with where it is sold and what it contains."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from vulndesk.domain.ids import PartyId, ProductId


class ProductKind(StrEnum):
    """The regulations distinguish products from services and systems."""

    PRODUCT = "product"
    SERVICE = "service"
    SYSTEM = "system"


@dataclass(frozen=True, slots=True)
class Component:
    """An upstream component inside a product, named by package URL."""

    purl: str
    supplier: PartyId | None = None


@dataclass(frozen=True, slots=True)
class Product:
    """A product line; `versions` are the released versions vulndesk knows of."""

    id: ProductId
    vendor: str
    name: str
    model: str
    kind: ProductKind
    versions: tuple[str, ...] = ()
    markets: tuple[str, ...] = ()
    components: tuple[Component, ...] = ()
    suppliers: tuple[PartyId, ...] = ()
    users_must_act: bool = True
    purl: str | None = None
    installed_base: int | None = None
    owner_unit: str | None = None
    extra: dict[str, str] = field(default_factory=dict)
