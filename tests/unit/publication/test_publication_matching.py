"""Package URLs against version ranges: which product versions contain an affected component."""

from __future__ import annotations

import pytest

from vulndesk.domain.errors import InvalidInput
from vulndesk.rules.matching import AffectedPackage, ComponentRow, find_affected

ROWS = [
    ComponentRow("router", "1.0", "pkg:generic/openssl@3.0.13"),
    ComponentRow("router", "2.0", "pkg:generic/openssl@3.0.14"),
    ComponentRow("camera", "5", "pkg:generic/OpenSSL@1.1.1w"),
    ComponentRow("camera", "5", "pkg:pypi/requests@2.31.0"),
    ComponentRow("camera", "6", "pkg:generic/openssl"),
    ComponentRow("nas", "1", "pkg:generic/openssl@not-a-version"),
]


def _hits(purl: str, vers: str | None = None) -> set[tuple[str, str]]:
    found = find_affected(ROWS, [AffectedPackage.parse("purl", purl, vers)])
    return {(m.product, m.product_version) for m in found}


def test_range_selects_versions_inside_it() -> None:
    assert _hits("pkg:generic/openssl", "vers:generic/>=3.0.0|<3.0.14") == {("router", "1.0")}
    assert _hits("pkg:generic/openssl", "vers:generic/<3.0.0") == {("camera", "5")}


def test_exact_version_and_any_version() -> None:
    assert _hits("pkg:generic/openssl@3.0.14") == {("router", "2.0")}
    assert _hits("pkg:generic/openssl") == {
        ("router", "1.0"),
        ("router", "2.0"),
        ("camera", "5"),
        ("camera", "6"),
        ("nas", "1"),
    }


def test_other_ecosystems_use_their_own_version_rules() -> None:
    assert _hits("pkg:pypi/requests", "vers:pypi/>=2.0|<2.32.0") == {("camera", "5")}
    assert _hits("pkg:pypi/requests", "vers:pypi/>=2.32.0") == set()
    assert _hits("pkg:npm/requests") == set()


@pytest.mark.parametrize(
    ("purl", "vers", "field"),
    [("openssl", None, "purl"), ("pkg:generic/openssl", "vers:generic/<<3", "range")],
)
def test_bad_input_names_the_field(purl: str, vers: str | None, field: str) -> None:
    with pytest.raises(InvalidInput) as err:
        AffectedPackage.parse("purl", purl, vers)
    assert err.value.field == field
