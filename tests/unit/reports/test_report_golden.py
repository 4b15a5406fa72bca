"""Golden files: every report kind in every format, built from the fixture case."""

from __future__ import annotations

import pytest

from tests.unit.reports.report_fixtures import (
    GOLDEN,
    check_golden,
    context,
    make_case,
    outputs,
    party,
)
from vulndesk.domain.parties import PartyKind

# Which recipient each document is written for, and the documents kept as golden files.
GOLDEN_SETS = (
    (PartyKind.REGULATOR, "zh-CN", "nvdb-"),
    (PartyKind.CSIRT, "en", "enisa-"),
    (PartyKind.CUSTOMER, "en", "notice-users-"),
    (PartyKind.CUSTOMER, "zh-CN", "notice-users-"),
    (PartyKind.DOWNSTREAM_MAKER, "en", "notice-downstream-"),
    (PartyKind.DOWNSTREAM_MAKER, "zh-CN", "notice-downstream-"),
    (PartyKind.UPSTREAM_SUPPLIER, "en", "notice-upstream-"),
    (PartyKind.UPSTREAM_SUPPLIER, "zh-CN", "notice-upstream-"),
    (PartyKind.CSIRT, "en", "notice-csirt-"),
    (PartyKind.CSIRT, "zh-CN", "notice-csirt-"),
    (PartyKind.REGULATOR, "zh-CN", "cac-incident-"),
    (PartyKind.CSIRT, "en", "nis2-"),
    (PartyKind.REGULATOR, "en", "gdpr-"),
)


def _documents() -> dict[str, str]:
    case = make_case()
    found = {}
    for kind, language, prefix in GOLDEN_SETS:
        for out in outputs(context(case, party(kind, language))):
            if out.name.startswith(prefix):
                found[out.name] = out.text
    return found


DOCUMENTS = _documents()


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_matches_golden_file(name: str) -> None:
    check_golden(name, DOCUMENTS[name])


def test_every_kind_and_format_has_a_golden_file() -> None:
    kinds = {
        "nvdb-initial",
        "nvdb-update",
        *(f"notice-{k}" for k in ("users", "downstream", "upstream", "csirt")),
        *(f"cac-incident-{s}" for s in ("initial", "update", "final")),
        *(f"nis2-{k}" for k in ("early_warning", "notification", "final_report")),
        *(f"gdpr-{s}" for s in ("initial", "update")),
    }
    kinds |= {
        f"enisa-{k}"
        for k in (
            "vulnerability_early_warning",
            "vulnerability_notification",
            "vulnerability_final_report",
            "incident_early_warning",
            "incident_notification",
            "incident_final_report",
        )
    }
    for kind in kinds:
        for ext in ("json", "md", "html"):
            assert any(n.startswith(kind) and n.endswith("." + ext) for n in DOCUMENTS), (kind, ext)


def test_no_stale_golden_files() -> None:
    assert {p.name for p in GOLDEN.iterdir()} == set(DOCUMENTS)
