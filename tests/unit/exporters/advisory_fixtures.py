"""Test data for the advisory exporters: one realistic router firmware case, and golden files."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
from pathlib import Path
from typing import Any

from csaf.csaf.v20 import validate as csaf_validate

from vulndesk.domain.cases import AffectedProduct, Case, CaseState, Role
from vulndesk.domain.disclosure import DETAIL_FIELDS, Sensitivity
from vulndesk.domain.facts import FactKind, FactRecord
from vulndesk.domain.ids import CaseKey, ProductId, UnitId
from vulndesk.domain.products import Product, ProductKind
from vulndesk.domain.severity import Severity
from vulndesk.exporters.advisories.advisory import (
    Acknowledgment,
    AdvisoryInput,
    Justification,
    ProductState,
    Publisher,
    Reference,
    ReferenceKind,
    Remediation,
    RemediationKind,
    Revision,
    Tracking,
    TrackingStatus,
    VersionRange,
    VersionStatus,
)
from vulndesk.exporters.advisories.support import to_json

GOLDEN = Path(__file__).parent / "golden"
UPDATE_GOLDEN = os.environ.get("VULNDESK_UPDATE_GOLDEN") == "1"
UTC = dt.UTC
NOW = dt.datetime(2026, 3, 18, 9, 30, tzinfo=UTC)
ORG_ID = "b3476cb9-2e0e-4f2c-9a8c-0f6f3c4b9a11"
CVSS31 = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"
CVSS40 = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"
ROUTER = ProductId("ax3000")
SDK = ProductId("routerctl")
OTHER = ProductId("ax1800")

# A marker planted in every detail field that is not public, and in other internal fields.
CANARIES = {
    name: f"CANARY-{name.upper()}-7f3a"
    for name, level in DETAIL_FIELDS.items()
    if level is not Sensitivity.PUBLIC
}
INTERNAL_CANARIES = (
    "CANARY-CASE-TITLE-7f3a",
    "CANARY-PRODUCT-EXTRA-7f3a",
    "CANARY-OPTION-7f3a",
    "CANARY-EVIDENCE-7f3a",
)

PUBLIC_DETAILS = {
    "summary": (
        "A stack-based buffer overflow in the web management interface of Acme Networks AX3000 "
        "router firmware allows a remote, unauthenticated attacker to write past the end of a "
        "fixed-size buffer by sending a crafted HTTP request."
    ),
    "harm": (
        "Successful exploitation allows the attacker to execute arbitrary code with root "
        "privileges on the router, taking full control of the device and the traffic it carries."
    ),
    "remediation": "Install firmware 1.2.0, which checks the length of the request field.",
    "workaround": "Disable remote management on the WAN interface until the update is installed.",
}

PRODUCTS = {
    ROUTER: Product(
        id=ROUTER,
        vendor="Acme Networks",
        name="AX3000 Router Firmware",
        model="AX3000",
        kind=ProductKind.PRODUCT,
        versions=("1.0.0", "1.1.0", "1.2.0"),
        markets=("CN", "DE"),
        purl="pkg:generic/acme-networks/ax3000-firmware",
        installed_base=120_000,
        extra={"internal": INTERNAL_CANARIES[1]},
    ),
    SDK: Product(
        id=SDK,
        vendor="Acme Networks",
        name="routerctl",
        model="",
        kind=ProductKind.PRODUCT,
        versions=("2.3.0", "2.3.1", "2.4.0"),
        purl="pkg:pypi/acme-routerctl",
    ),
    OTHER: Product(
        id=OTHER,
        vendor="Acme Networks",
        name="AX1800 Router Firmware",
        model="AX1800",
        kind=ProductKind.PRODUCT,
        versions=("3.0.0",),
        purl="pkg:generic/acme-networks/ax1800-firmware",
    ),
}


def router_case(**changes: Any) -> Case:
    """CWE-787 in the AX3000 firmware: 1.0.0 and 1.1.0 affected, 1.2.0 fixed, exploited."""
    aware = dt.datetime(2026, 2, 2, 8, 0, tzinfo=UTC)
    case = Case(
        key=CaseKey("VD-2026-0001"),
        title=INTERNAL_CANARIES[0],
        unit=UnitId("cn"),
        roles=frozenset({Role.PRODUCT_PROVIDER}),
        created_at=aware,
        created_by="analyst",
        state=CaseState.FIXED,
        products=(AffectedProduct(ROUTER, ("1.0.0", "1.1.0"), ("1.2.0",)),),
        cwe="CWE-787",
        severity=Severity(
            cvss31_vector=CVSS31, cvss31_score=9.8, cvss40_vector=CVSS40, cvss40_score=9.3
        ),
        facts=(
            FactRecord(FactKind.AWARE, aware, "analyst", aware, INTERNAL_CANARIES[3]),
            FactRecord(
                FactKind.EXPLOITATION_AWARE,
                aware + dt.timedelta(days=3),
                "analyst",
                aware,
                "honeypot",
            ),
        ),
        details=PUBLIC_DETAILS | CANARIES,
        options={"internal": INTERNAL_CANARIES[2]},
    )
    return dataclasses.replace(case, **changes)


def tracking(status: TrackingStatus = TrackingStatus.FINAL) -> Tracking:
    first = dt.datetime(2026, 3, 10, 2, 0, tzinfo=UTC)
    second = dt.datetime(2026, 3, 18, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    return Tracking(
        id="ACME-SA-2026-0001",
        status=status,
        version="2",
        initial_release_date=first,
        current_release_date=second,
        revisions=(
            Revision("1", first, "Initial public release."),
            Revision("2", second, "Added the CVSS v4.0 score and a workaround."),
        ),
    )


def router_advisory(**changes: Any) -> AdvisoryInput:
    """The published advisory for the router case, with statuses and fixes derived from the case."""
    advisory = AdvisoryInput(
        case=router_case(),
        products=(PRODUCTS[ROUTER],),
        publisher=Publisher(
            "Acme Networks PSIRT", "https://psirt.acme.example", contact="psirt@acme.example"
        ),
        tracking=tracking(),
        title="AX3000 router firmware: stack-based buffer overflow in web management",
        now=NOW,
        cve="CVE-2026-10001",
        cwe_name="Out-of-bounds Write",
        ranges=(VersionRange(ROUTER, fixed="1.2.0", introduced="1.0.0"),),
        references=(
            Reference(
                "https://psirt.acme.example/csaf/2026/acme-sa-2026-0001.json",
                "Canonical URL",
                ReferenceKind.ADVISORY,
                own=True,
            ),
            Reference(
                "https://psirt.acme.example/advisories/ACME-SA-2026-0001",
                "Acme Networks security advisory ACME-SA-2026-0001",
                ReferenceKind.ADVISORY,
            ),
            Reference(
                "https://downloads.acme.example/ax3000/1.2.0/",
                "AX3000 firmware 1.2.0",
                ReferenceKind.FIX,
            ),
        ),
        acknowledgments=(
            Acknowledgment(
                ("Li Wei",), "Example Security Lab", "reporting the vulnerability in coordination"
            ),
        ),
    )
    return dataclasses.replace(advisory, **changes)


def vex_advisory() -> AdvisoryInput:
    """A VEX view across three product lines: affected, fixed, not affected, under investigation."""
    statuses = (
        VersionStatus(ROUTER, "1.0.0", ProductState.KNOWN_AFFECTED),
        VersionStatus(ROUTER, "1.1.0", ProductState.KNOWN_AFFECTED),
        VersionStatus(ROUTER, "1.2.0", ProductState.FIXED),
        VersionStatus(
            OTHER,
            "3.0.0",
            ProductState.KNOWN_NOT_AFFECTED,
            Justification.VULNERABLE_CODE_NOT_PRESENT,
        ),
        VersionStatus(SDK, "2.4.0", ProductState.UNDER_INVESTIGATION),
    )
    return router_advisory(
        products=(PRODUCTS[ROUTER], PRODUCTS[OTHER], PRODUCTS[SDK]),
        statuses=statuses,
        ranges=(),
        remediations=(
            Remediation(
                RemediationKind.VENDOR_FIX,
                "Install firmware 1.2.0.",
                ROUTER,
                ("1.2.0",),
                "https://downloads.acme.example/ax3000/1.2.0/",
            ),
            Remediation(
                RemediationKind.NONE_AVAILABLE,
                "The analysis of routerctl 2.4.0 is not finished.",
                SDK,
            ),
        ),
    )


def sdk_advisory() -> AdvisoryInput:
    """The router case plus the Python management library that shipped the same parser."""
    case = router_case(
        products=(
            AffectedProduct(ROUTER, ("1.0.0", "1.1.0"), ("1.2.0",)),
            AffectedProduct(SDK, ("2.3.0", "2.3.1"), ("2.4.0",)),
        )
    )
    return router_advisory(
        case=case,
        products=(PRODUCTS[ROUTER], PRODUCTS[SDK]),
        ranges=(
            VersionRange(ROUTER, fixed="1.2.0", introduced="1.0.0"),
            VersionRange(SDK, fixed="2.4.0", introduced="2.3.0"),
        ),
    )


def check_golden(name: str, doc: dict[str, Any]) -> None:
    """Compare with the golden file; with VULNDESK_UPDATE_GOLDEN=1, rewrite it instead."""
    path = GOLDEN / name
    text = to_json(doc)
    if UPDATE_GOLDEN:
        path.write_text(text, encoding="utf-8")
        return
    assert path.exists(), f"{path.name} is missing; run with VULNDESK_UPDATE_GOLDEN=1 to create it"
    assert text == path.read_text(encoding="utf-8"), (
        f"{path.name} differs; review, then VULNDESK_UPDATE_GOLDEN=1"
    )


def csaf_failures(doc: dict[str, Any]) -> list[str]:
    """Failures of the CSAF 2.0 schema and the §6.1 mandatory tests, as the `csaf` package runs them.

    csaf 2026.10.25 implements every CSAF 2.0 mandatory test, 6.1.1 to 6.1.33 with the 6.1.27.x
    profile tests; the assertion below fails if any of them were skipped as not implemented.
    """
    report = csaf_validate(doc, preset="mandatory")
    failures = [
        f"{result.id}: {error.instance_path} {error.message}"
        for result in report.results
        if not result.passed and not result.skipped
        for error in result.errors
    ]
    skipped = [result.id for result in report.results if result.skipped]
    assert not skipped, f"mandatory tests skipped: {skipped}"
    assert report.overall_valid or failures
    return failures
