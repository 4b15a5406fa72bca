"""A realistic case with its products, parties and reporting unit, and every document built from it."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from vulndesk.domain.cases import AffectedProduct, Case, CaseState, Role
from vulndesk.domain.facts import FactKind, FactRecord
from vulndesk.domain.ids import CaseKey, PartyId, ProductId, UnitId
from vulndesk.domain.parties import Channel, ChannelKind, Party, PartyKind
from vulndesk.domain.policy import DisclosurePolicy, allowed_fields
from vulndesk.domain.products import Component, Product, ProductKind
from vulndesk.domain.severity import CnGrade, Severity
from vulndesk.domain.units import OrgUnit
from vulndesk.exporters.reports.enisa import EnisaKind
from vulndesk.exporters.reports.kinds import KINDS
from vulndesk.exporters.reports.model import (
    ReportContext,
    Stage,
    contact_of,
    to_html,
    to_json,
    to_markdown,
)
from vulndesk.exporters.reports.notices import NoticeKind, build_notice
from vulndesk.exporters.reports.redaction import redact

GOLDEN = Path(__file__).parent / "golden"
NOW = dt.datetime(2026, 3, 21, 2, 30, tzinfo=dt.UTC)
CST = dt.timezone(dt.timedelta(hours=8))

UNIT = OrgUnit(
    UnitId("xinghe-hq"),
    "星河网络科技有限公司 (Xinghe Networks Co., Ltd.)",
    "CN",
    "Asia/Shanghai",
    contact_person="李娜 (Li Na)",
    contact_email="psirt@xinghe.example",
    contact_phone="+86 10 5555 0100",
)
# The reporting entity as the services build it from the unit.
CONTACT = contact_of(UNIT)

ROUTER = Product(
    id=ProductId("xh-r300"),
    vendor="Xinghe Networks",
    name="XH-R300 企业路由器",
    model="R300-E",
    kind=ProductKind.PRODUCT,
    versions=("2.1.0", "2.1.1", "2.2.0", "2.2.1"),
    markets=("CN", "DE", "FR", "SG"),
    components=(
        Component("pkg:generic/acme/httpd-lite@1.4.2", PartyId("acme-httpd")),
        Component("pkg:generic/openssl/openssl@3.0.13"),
    ),
    installed_base=120_000,
)
CONSOLE = Product(
    id=ProductId("xh-cloud"),
    vendor="Xinghe Networks",
    name="XH Cloud Console",
    model="SaaS",
    kind=ProductKind.SERVICE,
    versions=("2026.02",),
    markets=("CN", "IT"),
)
PRODUCTS: Mapping[ProductId, Product] = {ROUTER.id: ROUTER, CONSOLE.id: CONSOLE}

DETAILS = {
    "summary": "A stack buffer overflow in the web management interface lets an adjacent attacker run code.",
    "harm": "远程代码执行：攻击者可完全控制设备。\nRemote code execution with full control of the device.",
    "remediation": "Upgrade to firmware 2.2.2 or later.",
    "workaround": "Disable the web management interface on untrusted interfaces.",
    "technical_characteristics": "The handler for /cgi-bin/diag copies the host parameter into a 256-byte stack buffer.",
    "scope_of_impact": "All R300-E units with web management enabled on the LAN side (default).",
    "affected_versions_detail": "2.1.0 to 2.2.1; 2.0.x is not affected because the diag page did not exist.",
    "remediation_plan": "Firmware 2.2.2 ships 2026-03-20; cloud console hot fix deployed 2026-03-13.",
    "threat_actors": "Scanning from a botnet known for router compromises; no attribution.",
    "root_cause": "Unchecked length when copying the Host header into a fixed buffer.",
    "trigger_location": "httpd-lite src/cgi/diag.c line 212, function diag_ping()",
    "proof_of_concept": "curl -d 'host=AAAA…(300 bytes)' http://192.168.1.1/cgi-bin/diag",
    "exploit": "Exploit chain with ROP gadgets at 0x0040a1b0 in firmware 2.2.1",
    "reporter_identity": "张伟 <zhang.wei@researcher.example>",
    "operator_system_details": "Customer A runs 40 units at 10.20.0.0/16 behind VPN gateway gw-3",
}


def _fact(kind: FactKind, at: dt.datetime) -> FactRecord:
    return FactRecord(kind, at, "analyst", at, f"recorded {kind.value}")


def make_case(details: Mapping[str, str] | None = None, **changes: Any) -> Case:
    """The fixture case; `details` replaces the detail texts, `changes` any other attribute."""
    case = Case(
        key=CaseKey("VD-2026-0007"),
        title="Stack buffer overflow in the R300 web management interface",
        unit=UNIT.id,
        roles=frozenset({Role.PRODUCT_PROVIDER}),
        created_at=dt.datetime(2026, 3, 10, 7, tzinfo=dt.UTC),
        created_by="analyst",
        state=CaseState.REMEDIATING,
        products=(
            AffectedProduct(ROUTER.id, ("2.1.0", "2.1.1", "2.2.0", "2.2.1"), ("2.2.2",)),
            AffectedProduct(CONSOLE.id, ("2026.02",), ("2026.03",)),
        ),
        cwe="CWE-121",
        severity=Severity(
            cvss31_vector="CVSS:3.1/AV:A/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
            cvss31_score=8.8,
            cn_grade=CnGrade.HIGH,
        ),
        upstream_component=True,
        facts=(
            _fact(FactKind.AWARE, dt.datetime(2026, 3, 10, 15, 0, tzinfo=CST)),
            _fact(FactKind.VERIFIED, dt.datetime(2026, 3, 11, 10, 30, tzinfo=CST)),
            _fact(FactKind.EXPLOITATION_AWARE, dt.datetime(2026, 3, 12, 9, 0, tzinfo=CST)),
            _fact(FactKind.INCIDENT_AWARE, dt.datetime(2026, 3, 12, 9, 0, tzinfo=CST)),
            _fact(FactKind.MEASURES_TAKEN, dt.datetime(2026, 3, 13, 18, 0, tzinfo=CST)),
            _fact(FactKind.FIX_AVAILABLE, dt.datetime(2026, 3, 20, 12, 0, tzinfo=CST)),
        ),
        details=dict(DETAILS if details is None else details),
        options={"gbt30279_class": "code_issue", "suspected_malicious": "yes"},
    )
    return replace(case, **changes)


def party(kind: PartyKind, language: str = "en") -> Party:
    """One recipient of each kind; the upstream supplier maintains the httpd component."""
    names = {
        PartyKind.REGULATOR: ("miit-nvdb", "工业和信息化部网络安全威胁和漏洞信息共享平台", "CN"),
        PartyKind.CSIRT: ("cert-fr", "CERT-FR", "FR"),
        PartyKind.CUSTOMER: ("bank-a", "Bank A IT Operations", "DE"),
        PartyKind.DOWNSTREAM_MAKER: ("gateway-co", "Gateway Co.", "SG"),
        PartyKind.UPSTREAM_SUPPLIER: ("acme-httpd", "ACME httpd-lite maintainers", "US"),
        PartyKind.REPORTER: ("finder", "Independent researcher", "CN"),
        PartyKind.PUBLIC: ("public", "Public advisory readers", "CN"),
    }
    pid, name, country = names[kind]
    return Party(
        PartyId(pid),
        name,
        kind,
        country,
        (Channel(ChannelKind.EMAIL, f"{pid}@example.org"),),
        language,
    )


def context(case: Case, recipient: Party, policy: DisclosurePolicy | None = None) -> ReportContext:
    allowed = allowed_fields(policy or DisclosurePolicy(), recipient)
    return ReportContext(redact(case, allowed), PRODUCTS, UNIT, CONTACT, recipient, NOW)


@dataclass(frozen=True)
class Output:
    """One rendered document: its golden file name and its text."""

    name: str
    text: str


def outputs(ctx: ReportContext) -> Iterator[Output]:
    """Every builder in every format for one recipient."""
    tag = f"{ctx.recipient.kind.value}-{ctx.recipient.language}"
    renders = (("json", to_json), ("md", to_markdown), ("html", to_html))
    # Built through the registry of report kinds, as the services build them.
    staged = (
        ("nvdb", "nvdb"),
        ("cac.incident", "cac-incident"),
        ("gdpr.breach_notification", "gdpr"),
    )
    for name, prefix in staged:
        for stage in KINDS[name].stages:
            report = KINDS[name].build(ctx, stage)
            for ext, render in renders:
                yield Output(f"{prefix}-{stage.value}-{tag}.{ext}", render(report))
    for kind in EnisaKind:
        report = KINDS[f"enisa.{kind.value}"].build(ctx, Stage.INITIAL)
        for ext, render in renders:
            yield Output(f"enisa-{kind.value}-{tag}.{ext}", render(report))
    for name in ("early_warning", "notification", "final_report"):
        report = KINDS[f"nis2.{name}"].build(ctx, Stage.INITIAL)
        for ext, render in renders:
            yield Output(f"nis2-{name}-{tag}.{ext}", render(report))
    for notice_kind in NoticeKind:
        notice = build_notice(ctx, notice_kind)
        base = f"notice-{notice_kind.value}-{tag}"
        yield Output(f"{base}.subject.txt", notice.subject + "\n")
        yield Output(f"{base}.txt", notice.text)
        yield Output(f"{base}.html", notice.html)
        yield Output(f"{base}.json", to_json(notice.report))
        yield Output(f"{base}.md", to_markdown(notice.report))


def every_output(
    case: Case, policy: DisclosurePolicy | None = None
) -> Iterator[tuple[Party, Output]]:
    """Every builder, every format, every recipient kind, both languages."""
    for kind in PartyKind:
        for language in ("en", "zh-CN"):
            recipient = party(kind, language)
            for out in outputs(context(case, recipient, policy)):
                yield recipient, out


def check_golden(name: str, text: str) -> None:
    """Compare with the golden file; VULNDESK_UPDATE_GOLDEN=1 rewrites it instead."""
    path = GOLDEN / name
    if os.environ.get("VULNDESK_UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return
    assert path.exists(), (
        f"golden file {name} is missing; run with VULNDESK_UPDATE_GOLDEN=1 to create it"
    )
    assert text == path.read_text(encoding="utf-8"), f"{name} differs from its golden file"
