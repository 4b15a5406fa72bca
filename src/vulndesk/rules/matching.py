"""Which product versions contain an affected component: package URLs against version ranges."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, cast

from packageurl import PackageURL
from univers.version_range import VersionRange
from univers.versions import InvalidVersion

from vulndesk.domain.errors import InvalidInput

PackageKey = tuple[str, str, str]
# univers ships no annotations; its range parser returns a VersionRange subclass per scheme.
_range_from_string = cast(Callable[[str], Any], VersionRange.from_string)


def parse_purl(field: str, text: str) -> PackageURL:
    try:
        return PackageURL.from_string(text.strip())
    except ValueError as exc:
        raise InvalidInput(
            field, f"{text!r} is not a package URL ({exc})", "pkg:type/namespace/name@version"
        ) from exc


def package_key(purl: PackageURL) -> PackageKey:
    """Type, namespace and name, lower-cased: versions and qualifiers do not name the package."""
    return (purl.type.lower(), (purl.namespace or "").lower(), purl.name.lower())


def parse_range(field: str, text: str) -> Any:
    """A `vers:` range (https://github.com/package-url/purl-spec VERS) as univers reads it."""
    try:
        return _range_from_string(text.strip())
    except (ValueError, TypeError, InvalidVersion) as exc:
        raise InvalidInput(
            field,
            f"{text!r} is not a version range ({exc})",
            'vers:<scheme>/<constraints>, e.g. "vers:generic/>=3.0.0|<3.0.14"',
        ) from exc


@dataclass(frozen=True, slots=True)
class ComponentRow:
    """A component of one product version, as an SBOM lists it."""

    product: str
    product_version: str
    purl: str


@dataclass(frozen=True, slots=True)
class AffectedPackage:
    """A package and the versions affected: a range, one exact version, or (neither) all."""

    purl: str
    range: str | None = None

    @classmethod
    def parse(cls, field: str, purl: str, vers: str | None = None) -> AffectedPackage:
        parse_purl(field, purl)
        if vers is not None:
            parse_range("range", vers)
        return cls(purl.strip(), vers.strip() if vers else None)


@dataclass(frozen=True, slots=True)
class Match:
    product: str
    product_version: str
    component: str
    affected: AffectedPackage


class Matcher:
    """Indexes components once by package, so each affected package looks at its own rows only."""

    def __init__(self, components: Iterable[ComponentRow]) -> None:
        self._by_package: dict[PackageKey, list[tuple[ComponentRow, str | None]]] = defaultdict(
            list
        )
        for row in components:
            purl = PackageURL.from_string(row.purl)
            self._by_package[package_key(purl)].append((row, purl.version))
        self._versions: dict[tuple[type[Any], str], Any] = {}

    def _version(self, cls: type[Any], text: str) -> Any:
        key = (cls, text)
        if key not in self._versions:
            try:
                self._versions[key] = cls(text)
            except (InvalidVersion, ValueError, TypeError):
                self._versions[key] = None
        return self._versions[key]

    def matches(self, affected: AffectedPackage) -> list[Match]:
        target = PackageURL.from_string(affected.purl)
        rows = self._by_package.get(package_key(target), [])
        vrange = _range_from_string(affected.range) if affected.range else None
        found = []
        for row, version in rows:
            if self._contains(target, vrange, version):
                found.append(Match(row.product, row.product_version, row.purl, affected))
        return found

    def _contains(self, target: PackageURL, vrange: Any, version: str | None) -> bool:
        if vrange is not None:
            if version is None:
                return False  # an unversioned component cannot be placed in a range
            parsed = self._version(vrange.version_class, version)
            return parsed is not None and parsed in vrange
        return target.version is None or target.version == version


def find_affected(
    components: Iterable[ComponentRow], affected: Iterable[AffectedPackage]
) -> list[Match]:
    """Every (product version, component) pair inside one of the affected packages."""
    matcher = Matcher(components)
    return [m for a in affected for m in matcher.matches(a)]
