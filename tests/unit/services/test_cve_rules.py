"""The CVE id rules the use cases apply before anything reaches CVE Services or storage."""

from __future__ import annotations

import datetime as dt

import pytest

from vulndesk.domain.errors import InvalidInput
from vulndesk.services.advisories import cve

NOW = dt.datetime(2026, 12, 4, 6, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("given", "kept"),
    [("CVE-2026-1234", "CVE-2026-1234"), (" cve-2026-1234567 ", "CVE-2026-1234567")],
)
def test_cve_ids_are_normalised(given: str, kept: str) -> None:
    assert cve.parse_cve_id(given) == kept


@pytest.mark.parametrize("given", ["CVE-26-1234", "CVE-2026-123", "2026-1234", "CVE-2026-12a4", ""])
def test_other_text_is_refused_naming_the_field(given: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        cve.parse_cve_id(given)
    assert caught.value.field == "cve_id" and "CVE-YYYY-NNNN" in str(caught.value)


def test_years_and_amounts() -> None:
    assert cve.check_year(None, NOW) == 2026
    assert cve.check_year(2027, NOW) == 2027 and cve.check_year(1999, NOW) == 1999
    for bad in (1998, 2028):
        with pytest.raises(InvalidInput, match="1999-2027"):
            cve.check_year(bad, NOW)
    assert cve.check_amount(1) == 1 and cve.check_amount(cve.MAX_AMOUNT) == cve.MAX_AMOUNT
    for bad in (0, cve.MAX_AMOUNT + 1):
        with pytest.raises(InvalidInput, match="at a time"):
            cve.check_amount(bad)


def test_no_cve_services_names_the_settings() -> None:
    with pytest.raises(InvalidInput) as caught:
        cve.configured(None)
    assert caught.value.field == "VULNDESK_CVE_SERVICES_URL"
    assert "VULNDESK_CVE_API_KEY_FILE" in str(caught.value)
