"""CSAF 2.0 advisories and VEX: golden files, the OASIS schema, the §6.1 mandatory tests, redaction."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import socket
from pathlib import Path
from typing import Any

import pytest
from advisory_fixtures import (
    CANARIES,
    CVSS31,
    INTERNAL_CANARIES,
    OTHER,
    PRODUCTS,
    ROUTER,
    check_golden,
    csaf_failures,
    router_advisory,
    router_case,
    tracking,
    vex_advisory,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from vulndesk.domain.cases import AffectedProduct, Case
from vulndesk.domain.errors import InvalidInput
from vulndesk.domain.ids import ProductId
from vulndesk.domain.products import Product, ProductKind
from vulndesk.domain.severity import Severity
from vulndesk.exporters import validation
from vulndesk.exporters.advisories.advisory import (
    AdvisoryInput,
    Justification,
    ProductState,
    Revision,
    Tracking,
    TrackingStatus,
    VersionStatus,
)
from vulndesk.exporters.advisories.csaf import build_csaf, build_csaf_vex, csaf_filename
from vulndesk.exporters.advisories.support import to_json
from vulndesk.exporters.validation import validate_csaf

SAMPLES = sorted(
    (Path(__file__).resolve().parents[4] / "shared" / "samples" / "csaf-2.0").glob("*.json")
)


def _vulnerability(doc: dict[str, Any]) -> dict[str, Any]:
    vulnerability: dict[str, Any] = doc["vulnerabilities"][0]
    return vulnerability


def test_security_advisory_matches_golden_schema_and_mandatory_tests() -> None:
    doc = build_csaf(router_advisory())
    check_golden("csaf-security-advisory.json", doc)
    assert validate_csaf(doc) == []
    assert csaf_failures(doc) == []


def test_vex_matches_golden_schema_and_mandatory_tests() -> None:
    doc = build_csaf_vex(vex_advisory())
    check_golden("csaf-vex.json", doc)
    assert validate_csaf(doc) == []
    assert csaf_failures(doc) == []
    status = _vulnerability(doc)["product_status"]
    assert set(status) == {"known_affected", "fixed", "known_not_affected", "under_investigation"}
    flags = _vulnerability(doc)["flags"]
    assert flags == [
        {"label": "vulnerable_code_not_present", "product_ids": status["known_not_affected"]}
    ]


def test_samples_are_present() -> None:
    assert len(SAMPLES) >= 5


@pytest.mark.parametrize("path", SAMPLES, ids=[p.name for p in SAMPLES])
def test_real_advisories_pass_the_schema_and_mandatory_tests(path: Path) -> None:
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert validate_csaf(doc) == []
    assert csaf_failures(doc) == []


def test_checks_catch_broken_documents() -> None:
    doc = build_csaf(router_advisory())
    del doc["document"]["title"]
    doc["vulnerabilities"][0]["scores"][0]["cvss_v3"]["baseScore"] = 11.0
    errors = validate_csaf(doc)
    assert "/document: 'title' is a required property" in errors
    assert any(
        e.startswith("/vulnerabilities/0/scores/0/cvss_v3/baseScore: 11.0 is greater")
        for e in errors
    )

    doc = build_csaf(router_advisory())
    doc["vulnerabilities"][0]["product_status"]["known_affected"].append("CSAFPID-9999")
    doc["vulnerabilities"][0]["scores"][0]["cvss_v3"]["baseScore"] = 5.0
    failures = csaf_failures(doc)
    assert any(f.startswith("6.1.1:") for f in failures)
    assert any(f.startswith("6.1.9:") for f in failures)


def test_product_ids_are_stable_and_purls_carry_the_version() -> None:
    first, second = build_csaf(router_advisory()), build_csaf(router_advisory())
    assert to_json(first) == to_json(second)
    leaves = first["product_tree"]["branches"][0]["branches"][0]["branches"]
    assert [leaf["product"]["product_id"] for leaf in leaves] == [
        "CSAFPID-0001",
        "CSAFPID-0002",
        "CSAFPID-0003",
    ]
    assert [leaf["product"]["product_identification_helper"]["purl"] for leaf in leaves] == [
        f"pkg:generic/acme-networks/ax3000-firmware@{v}" for v in ("1.0.0", "1.1.0", "1.2.0")
    ]
    status = _vulnerability(first)["product_status"]
    assert status == {"fixed": ["CSAFPID-0003"], "known_affected": ["CSAFPID-0001", "CSAFPID-0002"]}


def test_cvss_v3_is_computed_and_v4_becomes_a_note() -> None:
    vector = "CVSS:3.1/AV:L/AC:H/PR:L/UI:R/S:U/C:L/I:N/A:N"
    case = router_case(severity=Severity(cvss31_vector=vector, cvss40_vector=None))
    vulnerability = _vulnerability(build_csaf(router_advisory(case=case)))
    # 8.22 x 0.55 x 0.44 x 0.62 x 0.62 = 0.765 exploitability, 6.42 x 0.22 = 1.412 impact: 2.2
    assert vulnerability["scores"][0]["cvss_v3"]["baseScore"] == 2.2
    assert vulnerability["scores"][0]["cvss_v3"]["baseSeverity"] == "LOW"
    assert all(note["title"] != "CVSS v4.0" for note in vulnerability["notes"])

    notes = _vulnerability(build_csaf(router_advisory()))["notes"]
    assert {
        "category": "other",
        "title": "CVSS v4.0",
        "text": "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N (base score 9.3, critical)",
    } in notes


def test_bad_cvss_vector_names_the_field() -> None:
    case = router_case(severity=Severity(cvss31_vector="CVSS:3.1/AV:X"))
    with pytest.raises(InvalidInput, match=r"severity\.cvss31_vector"):
        build_csaf(router_advisory(case=case))


def test_no_restricted_or_secret_detail_leaves() -> None:
    outputs = [to_json(build_csaf(router_advisory())), to_json(build_csaf_vex(vex_advisory()))]
    for text in outputs:
        for canary in (*CANARIES.values(), *INTERNAL_CANARIES):
            assert canary not in text


def test_restricted_details_appear_only_when_included() -> None:
    doc = to_json(build_csaf(router_advisory(include=frozenset({"technical_characteristics"}))))
    assert CANARIES["technical_characteristics"] in doc
    assert all(
        canary not in doc
        for name, canary in CANARIES.items()
        if name != "technical_characteristics"
    )


@pytest.mark.parametrize("name", ["proof_of_concept", "reporter_identity", "exploit"])
def test_secret_details_cannot_be_included(name: str) -> None:
    with pytest.raises(InvalidInput, match="secret"):
        router_advisory(include=frozenset({name}))


def test_a_public_summary_is_required() -> None:
    case = router_case(details={"proof_of_concept": CANARIES["proof_of_concept"]})
    with pytest.raises(InvalidInput, match=r"details\.summary"):
        build_csaf(router_advisory(case=case))


def test_cwe_name_is_required_for_a_cwe() -> None:
    with pytest.raises(InvalidInput, match="cwe_name"):
        build_csaf(router_advisory(cwe_name=None))


def test_contradicting_statuses_are_refused() -> None:
    statuses = (
        VersionStatus(ROUTER, "1.0.0", ProductState.KNOWN_AFFECTED),
        VersionStatus(ROUTER, "1.0.0", ProductState.FIXED),
    )
    with pytest.raises(InvalidInput, match="both known_affected and fixed"):
        build_csaf(router_advisory(statuses=statuses))


def test_unknown_products_are_refused() -> None:
    statuses = (VersionStatus(OTHER, "3.0.0", ProductState.KNOWN_AFFECTED),)
    with pytest.raises(InvalidInput, match="not among the advisory's products"):
        router_advisory(statuses=statuses)


def test_vex_needs_an_action_for_each_affected_and_a_reason_for_each_unaffected() -> None:
    advisory = vex_advisory()
    with pytest.raises(InvalidInput, match="no action statement"):
        build_csaf_vex(dataclasses.replace(advisory, remediations=advisory.remediations[1:]))
    bare = tuple(
        dataclasses.replace(s, justification=None)
        if s.state is ProductState.KNOWN_NOT_AFFECTED
        else s
        for s in advisory.statuses
    )
    with pytest.raises(InvalidInput, match="without a reason"):
        build_csaf_vex(dataclasses.replace(advisory, statuses=bare))
    with_impact = tuple(
        dataclasses.replace(s, impact="The web server is not built in.")
        if s.justification is None and s.state is ProductState.KNOWN_NOT_AFFECTED
        else s
        for s in bare
    )
    doc = build_csaf_vex(dataclasses.replace(advisory, statuses=with_impact))
    assert csaf_failures(doc) == []
    assert {
        "category": "impact",
        "details": "The web server is not built in.",
        "product_ids": ["CSAFPID-0004"],
    } in (_vulnerability(doc)["threats"])


def test_vex_without_cve_identifies_the_vulnerability_by_tracking_id() -> None:
    doc = build_csaf_vex(dataclasses.replace(vex_advisory(), cve=None))
    assert _vulnerability(doc)["ids"] == [
        {"system_name": "Acme Networks PSIRT", "text": "ACME-SA-2026-0001"}
    ]
    assert csaf_failures(doc) == []


def test_draft_documents_pass_the_mandatory_tests() -> None:
    t0 = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    draft = Tracking(
        "ACME-SA-2026-0001",
        TrackingStatus.DRAFT,
        "0.2.0",
        t0,
        t0 + dt.timedelta(days=1),
        (
            Revision("0.1.0", t0, "First draft."),
            Revision("0.2.0", t0 + dt.timedelta(days=1), "Review."),
        ),
    )
    doc = build_csaf(router_advisory(tracking=draft))
    assert doc["document"]["tracking"]["status"] == "draft"
    assert validate_csaf(doc) == []
    assert csaf_failures(doc) == []


@pytest.mark.parametrize(
    ("status", "version", "numbers", "problem"),
    [
        (TrackingStatus.FINAL, "0.1.0", ("0.1.0",), "pre-release"),
        (TrackingStatus.FINAL, "1", ("1", "1"), "used twice"),
        (TrackingStatus.FINAL, "1", ("1", "2"), "newest revision"),
        (TrackingStatus.FINAL, "3", ("1", "3"), "missing"),
        (TrackingStatus.INTERIM, "2", ("2", "1"), "rise with dates"),
    ],
)
def test_inconsistent_tracking_is_refused(
    status: TrackingStatus, version: str, numbers: tuple[str, ...], problem: str
) -> None:
    t0 = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    revisions = tuple(
        Revision(n, t0 + dt.timedelta(days=i), "change") for i, n in enumerate(numbers)
    )
    bad = Tracking("ACME-SA-2026-0001", status, version, t0, t0 + dt.timedelta(days=5), revisions)
    with pytest.raises(InvalidInput, match=problem):
        router_advisory(tracking=bad)


def test_naive_instants_are_refused() -> None:
    with pytest.raises(InvalidInput, match="now"):
        router_advisory(now=dt.datetime(2026, 3, 18, 9, 30))  # noqa: DTZ001 - the point of the test
    naive = dataclasses.replace(tracking(), initial_release_date=dt.datetime(2026, 3, 10))  # noqa: DTZ001
    with pytest.raises(InvalidInput, match="initial_release_date"):
        router_advisory(tracking=naive)


def test_filename_follows_the_csaf_rule() -> None:
    assert csaf_filename("ACME-SA-2026-0001") == "acme-sa-2026-0001.json"
    assert csaf_filename("RHSA-2021:5217") == "rhsa-2021_5217.json"


def test_validation_is_offline(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: Any) -> None:
        raise AssertionError("schema validation tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    validation._validator.cache_clear()
    validation._registry.cache_clear()
    assert validate_csaf(build_csaf(router_advisory())) == []


def test_ten_thousand_product_versions_are_all_listed() -> None:
    # How fast this builds is measured by bench/bench_csaf.py beside its baseline, not here.
    products, affected = [], []
    for p in range(100):
        pid = ProductId(f"model-{p:03d}")
        versions = tuple(f"{major}.{minor}.0" for major in range(1, 11) for minor in range(10))
        products.append(
            Product(
                pid,
                "Acme Networks",
                f"Router {p:03d}",
                "",
                ProductKind.PRODUCT,
                versions,
                purl=f"pkg:generic/acme/router-{p:03d}",
            )
        )
        affected.append(AffectedProduct(pid, versions[:-1], versions[-1:]))
    case: Case = router_case(products=tuple(affected))
    advisory: AdvisoryInput = router_advisory(case=case, products=tuple(products), ranges=())
    doc = build_csaf(advisory)
    status = _vulnerability(doc)["product_status"]
    assert len(status["known_affected"]) == 9_900
    assert len(status["fixed"]) == 100
    assert status["fixed"][-1] == "CSAFPID-10000"
    assert _vulnerability(doc)["scores"][0]["cvss_v3"]["vectorString"] == CVSS31


_VERSIONS = [(pid, v) for pid in (ROUTER, OTHER) for v in ("1.0.0", "1.1.0", "1.2.0", "2.0.0")]


@settings(max_examples=25, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(_VERSIONS), st.sampled_from(ProductState)),
        min_size=1,
        unique_by=lambda t: t[0],
    )
)
def test_any_consistent_statuses_give_a_conforming_advisory(
    picks: list[tuple[tuple[ProductId, str], ProductState]],
) -> None:
    statuses = tuple(
        VersionStatus(
            pid,
            version,
            state,
            Justification.COMPONENT_NOT_PRESENT
            if state is ProductState.KNOWN_NOT_AFFECTED
            else None,
        )
        for (pid, version), state in picks
    )
    advisory = router_advisory(
        products=(PRODUCTS[ROUTER], PRODUCTS[OTHER]), statuses=statuses, ranges=(), remediations=()
    )
    if all(state is ProductState.UNDER_INVESTIGATION for _, state in picks):
        with pytest.raises(InvalidInput, match="under investigation"):
            build_csaf(advisory)
        return
    doc = build_csaf(advisory)
    assert validate_csaf(doc) == []
    assert csaf_failures(doc) == []
    listed = [pid for ids in _vulnerability(doc)["product_status"].values() for pid in ids]
    assert sorted(listed) == [f"CSAFPID-{n:04d}" for n in range(1, len(picks) + 1)]
