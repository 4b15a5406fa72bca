"""A realistic demo organisation: a US headquarters with Chinese and German subsidiaries."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from vulndesk.domain import egress
from vulndesk.domain.cases import CaseState
from vulndesk.domain.errors import InvalidInput
from vulndesk.domain.ids import CaseKey, UnitId
from vulndesk.services.access import rights as access
from vulndesk.services.accounts import users as accounts
from vulndesk.services.accounts.ports import PasswordHasher
from vulndesk.services.cases import closing, reference
from vulndesk.services.cases import lifecycle as cases
from vulndesk.services.context import Actor, Acts, Deps
from vulndesk.services.ports import CaseFilter

ACTOR = Actor("demo-loader", "demo")
# The demo's cases are opened and moved by use cases a person performs: the loader acts as the
# demo's administrator for them (it is an operator command on a fresh, local database).
LOADER = access.person("demo-loader", {"admin"}, source="demo")

UNITS = [
    ("acme-hq", "Acme Networks Inc.", "US", "America/Los_Angeles", None),
    ("acme-cn", "艾克米网络（深圳）有限公司", "CN", "Asia/Shanghai", "acme-hq"),
    ("acme-de", "Acme Networks GmbH", "DE", "Europe/Berlin", "acme-hq"),
]
# Reporting entity and on-call address per unit: (contact person, e-mail, phone, on-call).
CONTACTS = {
    "acme-hq": ("Dana Reyes", "psirt@acme.example", "+1 408 555 0100", "oncall@acme.example"),
    "acme-cn": (
        "李娜 (Li Na)",
        "psirt-cn@acme.example",
        "+86 755 5555 0100",
        "oncall-cn@acme.example",
    ),
    "acme-de": (
        "Jonas Weber",
        "psirt-de@acme.example",
        "+49 30 5555 0100",
        "oncall-de@acme.example",
    ),
}

PARTIES = [
    (
        "miit-nvdb",
        "工业和信息化部网络安全威胁和漏洞信息共享平台 (NVDB)",
        "regulator",
        "CN",
        ["portal:nvdb"],
        "zh-CN",
    ),
    ("enisa-srp", "ENISA Single Reporting Platform", "regulator", "GR", ["portal:enisa-srp"], "en"),
    ("cert-bund", "CERT-Bund (BSI)", "csirt", "DE", ["email:certbund@bsi.example"], "en"),
    ("cncert", "CNCERT/CC", "csirt", "CN", ["email:vuln@cncert.example"], "zh-CN"),
    ("cisa", "CISA", "csirt", "US", ["email:report@cisa.example"], "en"),
    (
        "openssl",
        "OpenSSL Project",
        "upstream_supplier",
        "US",
        ["email:openssl-security@openssl.example"],
        "en",
    ),
    (
        "busybox",
        "BusyBox maintainers",
        "upstream_supplier",
        "US",
        ["email:security@busybox.example"],
        "en",
    ),
    (
        "chip-vendor",
        "海思芯片供应商",
        "upstream_supplier",
        "CN",
        ["email:psirt@chip.example"],
        "zh-CN",
    ),
    ("telco-cn", "某省电信运营商", "customer", "CN", ["email:noc@telco-cn.example"], "zh-CN"),
    (
        "stadtwerke",
        "Stadtwerke Musterstadt",
        "customer",
        "DE",
        ["email:it-sec@stadtwerke.example", "webhook:https://hooks.stadtwerke.example/vd"],
        "en",
    ),
    (
        "oem-partner",
        "OEM Partner Ltd.",
        "downstream_maker",
        "JP",
        ["email:psirt@oem.example"],
        "en",
    ),
    (
        "researcher",
        "Independent researcher",
        "reporter",
        "SG",
        ["email:finder@research.example"],
        "en",
    ),
    ("public", "The public", "public", "US", ["portal:advisories"], "en"),
]


@dataclass(frozen=True)
class P:
    id: str
    name: str
    model: str
    kind: str
    versions: tuple[str, ...]
    markets: tuple[str, ...]
    owner: str
    components: tuple[str, ...] = ()
    suppliers: tuple[str, ...] = ()
    users_must_act: bool = True
    installed: int | None = None


PRODUCTS = [
    P(
        "ax-router",
        "AX Router",
        "AX-3000",
        "product",
        ("2.1.0", "2.2.0", "2.3.1"),
        ("CN", "DE", "FR", "US"),
        "acme-cn",
        ("pkg:generic/openssl@3.0.13", "pkg:generic/busybox@1.36.1"),
        ("openssl", "busybox"),
        True,
        1_200_000,
    ),
    P(
        "ax-router-lite",
        "AX Router Lite",
        "AX-1500",
        "product",
        ("1.4.2", "1.5.0"),
        ("CN",),
        "acme-cn",
        ("pkg:generic/busybox@1.35.0",),
        ("busybox",),
        True,
        3_400_000,
    ),
    P(
        "edge-fw",
        "EdgeGuard Firewall",
        "EG-900",
        "product",
        ("9.0", "9.1", "9.2"),
        ("DE", "FR", "NL", "US"),
        "acme-de",
        ("pkg:generic/openssl@3.1.4",),
        ("openssl",),
        True,
        85_000,
    ),
    P(
        "ipcam",
        "SmartView IP Camera",
        "SV-C20",
        "product",
        ("5.0.1", "5.0.3"),
        ("CN", "DE", "IT", "ES"),
        "acme-cn",
        ("pkg:generic/hisilicon-sdk@2.0",),
        ("chip-vendor",),
        True,
        600_000,
    ),
    P(
        "cloud-mgmt",
        "Acme Cloud Manager",
        "ACM",
        "service",
        ("2026.10",),
        ("CN", "DE", "US"),
        "acme-hq",
        (),
        (),
        False,
    ),
    P(
        "vpn-gw",
        "SecureLink VPN Gateway",
        "SL-5000",
        "product",
        ("7.2", "7.3"),
        ("US", "DE", "PL"),
        "acme-hq",
        ("pkg:generic/openssl@3.0.13",),
        ("openssl",),
        True,
        40_000,
    ),
    P(
        "mobile-app",
        "Acme Home App",
        "iOS/Android",
        "product",
        ("4.8.0", "4.9.1"),
        ("CN", "US", "DE"),
        "acme-hq",
    ),
    P(
        "billing",
        "Acme Billing Portal",
        "BP",
        "service",
        ("live",),
        ("US",),
        "acme-hq",
        (),
        (),
        False,
    ),
    P(
        "noc-system",
        "运营商网络管理系统",
        "NMS-CN",
        "system",
        ("3.4",),
        ("CN",),
        "acme-cn",
        (),
        (),
        False,
    ),
    P(
        "switch-core",
        "CoreSwitch",
        "CS-48",
        "product",
        ("12.1", "12.2"),
        ("CN", "DE", "US", "FR"),
        "acme-cn",
        ("pkg:generic/linux@5.10.200",),
        (),
        True,
        250_000,
    ),
    P(
        "iot-hub",
        "Acme IoT Hub",
        "IH-2",
        "product",
        ("1.0", "1.1"),
        ("DE", "AT", "CH"),
        "acme-de",
        (),
        (),
        True,
        12_000,
    ),
    P(
        "scada-bridge",
        "Industrial Bridge",
        "IB-7",
        "system",
        ("2.0",),
        ("DE", "CN"),
        "acme-de",
        (),
        (),
        False,
    ),
]

V31 = {
    "crit": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
    "high": "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:N",
    "med": "CVSS:3.1/AV:N/AC:L/PR:L/UI:R/S:U/C:L/I:L/A:N",
    "low": "CVSS:3.1/AV:L/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N",
}

# (title, unit, products, severity, cwe, roles, aware days ago, facts {fact: days ago}, path of states, upstream)
CASES: list[
    tuple[
        str,
        str,
        dict[str, list[str]],
        str,
        str,
        list[str],
        float,
        dict[str, float],
        list[str],
        bool,
    ]
] = [
    (
        "Stack overflow in AX Router web admin",
        "acme-cn",
        {"ax-router": ["2.2.0", "2.3.1"]},
        "crit",
        "CWE-121",
        ["product_provider"],
        0.5,
        {},
        [],
        False,
    ),
    (
        "Command injection in diagnostics page",
        "acme-cn",
        {"ax-router-lite": ["1.4.2"]},
        "crit",
        "CWE-78",
        ["product_provider"],
        1.2,
        {"verified": 1.0},
        ["triage", "verified"],
        False,
    ),
    (
        "OpenSSL flaw reachable through VPN handshake",
        "acme-hq",
        {"vpn-gw": ["7.2", "7.3"]},
        "high",
        "CWE-787",
        ["product_provider"],
        2.5,
        {"verified": 2.0, "exploitation_aware": 1.5},
        ["triage", "verified", "remediating"],
        True,
    ),
    (
        "Default credentials on IP camera telnet",
        "acme-cn",
        {"ipcam": ["5.0.1"]},
        "crit",
        "CWE-798",
        ["product_provider"],
        20,
        {"verified": 19, "fix_available": 5, "exploitation_aware": 10},
        ["triage", "verified", "remediating", "fixed"],
        False,
    ),
    (
        "Firewall rule bypass with fragmented packets",
        "acme-de",
        {"edge-fw": ["9.1", "9.2"]},
        "high",
        "CWE-693",
        ["product_provider"],
        14,
        {"verified": 12, "exploitation_aware": 3},
        ["triage", "verified", "remediating"],
        False,
    ),
    (
        "XSS in cloud manager device list",
        "acme-hq",
        {"cloud-mgmt": ["2026.10"]},
        "med",
        "CWE-79",
        ["product_provider", "network_operator"],
        4,
        {"verified": 3.5},
        ["triage", "verified", "remediating"],
        False,
    ),
    (
        "Session fixation in billing portal",
        "acme-hq",
        {"billing": ["live"]},
        "med",
        "CWE-384",
        ["network_operator"],
        9,
        {"verified": 8, "measures_taken": 2},
        ["triage", "verified", "remediating", "mitigated"],
        False,
    ),
    (
        "BusyBox udhcpc heap overflow",
        "acme-cn",
        {"ax-router": ["2.1.0", "2.2.0"], "ax-router-lite": ["1.4.2", "1.5.0"]},
        "high",
        "CWE-122",
        ["product_provider"],
        30,
        {"verified": 29, "fix_available": 10, "measures_taken": 10, "published": 8},
        ["triage", "verified", "remediating", "fixed", "disclosed"],
        True,
    ),
    (
        "Hard-coded key in mobile app",
        "acme-hq",
        {"mobile-app": ["4.8.0"]},
        "high",
        "CWE-321",
        ["product_provider"],
        60,
        {"verified": 58, "fix_available": 40, "published": 35},
        ["triage", "verified", "remediating", "fixed", "disclosed", "closed"],
        False,
    ),
    (
        "Path traversal in firmware upload",
        "acme-cn",
        {"switch-core": ["12.1"]},
        "high",
        "CWE-22",
        ["product_provider"],
        3,
        {},
        ["triage"],
        False,
    ),
    (
        "Reported: SQL injection in login (not reproducible)",
        "acme-hq",
        {"billing": ["live"]},
        "low",
        "CWE-89",
        ["network_operator"],
        12,
        {},
        ["triage", "rejected"],
        False,
    ),
    (
        "NMS weak TLS configuration",
        "acme-cn",
        {"noc-system": ["3.4"]},
        "med",
        "CWE-326",
        ["network_operator"],
        6,
        {"verified": 5},
        ["triage", "verified", "remediating"],
        False,
    ),
    (
        "IoT hub MQTT auth bypass",
        "acme-de",
        {"iot-hub": ["1.0", "1.1"]},
        "crit",
        "CWE-287",
        ["product_provider"],
        1.8,
        {"verified": 1.5, "exploitation_aware": 0.6},
        ["triage", "verified"],
        False,
    ),
    (
        "Industrial bridge Modbus DoS",
        "acme-de",
        {"scada-bridge": ["2.0"]},
        "med",
        "CWE-400",
        ["product_provider"],
        40,
        {"verified": 38, "measures_taken": 20},
        ["triage", "verified", "remediating", "mitigated"],
        False,
    ),
    (
        "Camera RTSP information leak",
        "acme-cn",
        {"ipcam": ["5.0.1", "5.0.3"]},
        "med",
        "CWE-200",
        ["product_provider"],
        7,
        {"verified": 6},
        ["triage", "verified", "remediating"],
        False,
    ),
    (
        "Chip SDK ioctl privilege escalation",
        "acme-cn",
        {"ipcam": ["5.0.3"]},
        "high",
        "CWE-269",
        ["product_provider"],
        1.0,
        {},
        ["triage"],
        True,
    ),
    (
        "VPN gateway SAML signature wrapping",
        "acme-hq",
        {"vpn-gw": ["7.3"]},
        "crit",
        "CWE-347",
        ["product_provider"],
        25,
        {"verified": 24, "exploitation_aware": 24, "fix_available": 15, "published": 14},
        ["triage", "verified", "remediating", "fixed", "disclosed"],
        False,
    ),
    (
        "Switch SNMP community string disclosure",
        "acme-cn",
        {"switch-core": ["12.1", "12.2"]},
        "low",
        "CWE-200",
        ["product_provider"],
        45,
        {"verified": 44, "fix_available": 30},
        ["triage", "verified", "remediating", "fixed"],
        False,
    ),
    (
        "Duplicate: diagnostics command injection",
        "acme-cn",
        {"ax-router-lite": ["1.4.2"]},
        "crit",
        "CWE-78",
        ["product_provider"],
        1.1,
        {},
        ["triage"],
        False,
    ),
    (
        "Edge firewall admin CSRF",
        "acme-de",
        {"edge-fw": ["9.0", "9.1"]},
        "med",
        "CWE-352",
        ["product_provider"],
        18,
        {"verified": 17},
        ["triage", "verified", "remediating"],
        False,
    ),
    (
        "Third-party report: smart plug cloud API IDOR",
        "acme-hq",
        {},
        "high",
        "CWE-639",
        ["third_party"],
        10,
        {"verified": 9},
        ["triage", "verified"],
        False,
    ),
    (
        "Cloud manager SSRF via webhook test",
        "acme-hq",
        {"cloud-mgmt": ["2026.10"]},
        "high",
        "CWE-918",
        ["product_provider", "network_operator"],
        0.2,
        {},
        [],
        False,
    ),
    (
        "AX Router UPnP exposure",
        "acme-cn",
        {"ax-router": ["2.3.1"]},
        "med",
        "CWE-284",
        ["product_provider"],
        2.0,
        {"verified": 1.9},
        ["triage", "verified", "remediating"],
        False,
    ),
    (
        "Mobile app certificate pinning missing",
        "acme-hq",
        {"mobile-app": ["4.9.1"]},
        "low",
        "CWE-295",
        ["product_provider"],
        16,
        {"verified": 15, "fix_available": 2},
        ["triage", "verified", "remediating", "fixed"],
        False,
    ),
    (
        "IoT hub firmware rollback",
        "acme-de",
        {"iot-hub": ["1.1"]},
        "med",
        "CWE-1328",
        ["product_provider"],
        5,
        {},
        ["triage"],
        False,
    ),
    (
        "Incident: credential stuffing on cloud manager",
        "acme-hq",
        {"cloud-mgmt": ["2026.10"]},
        "high",
        "CWE-307",
        ["product_provider"],
        3,
        {"verified": 3, "incident_aware": 2.5, "incident_notification_submitted": 1.0},
        ["triage", "verified", "remediating"],
        False,
    ),
    (
        "CoreSwitch kernel netfilter UAF",
        "acme-cn",
        {"switch-core": ["12.2"]},
        "high",
        "CWE-416",
        ["product_provider"],
        0.8,
        {"verified": 0.3},
        ["triage", "verified"],
        True,
    ),
]


def _allowed(deps: Deps, channel: str) -> bool:
    """Demo webhooks are kept only where VULNDESK_WEBHOOK_HOSTS lets them be entered."""
    kind, _, address = channel.partition(":")
    if kind != "webhook":
        return True
    try:
        egress.check_url("channels", address, deps.webhooks)
    except InvalidInput:
        return False
    return True


def _seed_reference(deps: Deps) -> None:
    for uid, name, country, tz, parent in UNITS:
        person, email, phone, on_call = CONTACTS[uid]
        contact = reference.UnitContact(name, person, email, phone, on_call)
        reference.add_unit(
            deps,
            LOADER,
            id=uid,
            name=name,
            country=country,
            timezone=tz,
            parent=parent,
            contact=contact,
        )
    for pid, name, kind, country, channels, lang in PARTIES:
        reference.add_party(
            deps,
            LOADER,
            id=pid,
            name=name,
            kind=kind,
            country=country,
            channels=[c for c in channels if _allowed(deps, c)],
            language=lang,
        )
    for p in PRODUCTS:
        reference.add_product(
            deps,
            LOADER,
            reference.ProductInput(
                id=p.id,
                vendor="Acme Networks",
                name=p.name,
                model=p.model,
                kind=p.kind,
                versions=p.versions,
                markets=p.markets,
                components=p.components,
                suppliers=p.suppliers,
                users_must_act=p.users_must_act,
                installed_base=p.installed,
                owner_unit=p.owner,
            ),
        )


def load(deps: Deps, *, only_if_empty: bool = False) -> int:
    """Load the demo through the real use cases; returns the number of cases opened."""
    with deps.uow() as uow:
        empty = not uow.units.list()
    if not empty:
        if only_if_empty:
            return 0
    else:
        _seed_reference(deps)
    now = deps.clock.now()
    opened: list[str] = []
    for title, unit, prods, sev, cwe, roles, aware_ago, facts, path, upstream in CASES:
        aware = now - dt.timedelta(days=aware_ago)
        case = cases.open_case(
            deps,
            LOADER,
            cases.OpenCase(
                title=title,
                unit=unit,
                roles=roles,
                products=prods,
                aware=aware,
                cwe=cwe,
                cvss31=V31[sev],
                upstream_component=upstream,
                evidence="demo data",
                details={
                    "summary": f"{title}.",
                    "harm": "An attacker may take control of affected devices.",
                    "technical_characteristics": f"{cwe} in the affected component; reachable from the network.",
                    "scope_of_impact": "Versions listed; deployed base per product record.",
                    "trigger_location": "demo: handler and parameter withheld",
                    "reporter_identity": "demo researcher",
                },
            ),
        )
        for fact, ago in sorted(facts.items(), key=lambda kv: -kv[1]):
            at = max(now - dt.timedelta(days=ago), aware)
            cases.record_fact(deps, LOADER, case.key, fact, at, "demo data")
        for state in path:
            dup = opened[1] if state == "duplicate" else None
            marks = _resolved_for_close(deps, case.key) if state == "closed" else None
            cases.transition(deps, LOADER, case.key, state, "demo workflow", dup, marks)
        opened.append(case.key)
    dup_case = next(k for k, c in zip(opened, CASES, strict=True) if c[0].startswith("Duplicate"))
    cases.transition(
        deps,
        LOADER,
        dup_case,
        CaseState.DUPLICATE.value,
        "same flaw as the diagnostics report",
        opened[1],
    )
    with deps.uow() as uow:
        return uow.cases.count(CaseFilter(limit=1))


def _resolved_for_close(deps: Deps, key: CaseKey) -> dict[str, str]:
    """The demo's closed case had its notices handled before the demo's records begin."""
    with deps.uow() as uow:
        items = closing.unresolved(uow.obligations.for_case(key))
    return {o.id: "demo: handled before this record was kept" for o in items}


# Demo accounts: (name, role, unit, member of that unit's cases).
USERS = [
    ("admin", "admin", "acme-hq", False),
    ("analyst-cn", "analyst", "acme-cn", True),
    ("approver-hq", "approver", "acme-hq", False),
    ("approver-cn", "approver", "acme-cn", True),
    ("hq-oversight", "hq-oversight", "acme-hq", False),
    ("auditor", "auditor", "acme-hq", False),
]
# Approvers see member cases only; the HQ approver joins the Chinese cases so that a case can
# get its two approvals from two units, as with `reports.require_hq_approver`.
EXTRA_MEMBERSHIPS = {"approver-hq": "acme-cn"}


@dataclass(frozen=True, slots=True)
class DemoAccount:
    """A demo account with its secrets, shown once to whoever loaded the demo."""

    name: str
    role: str
    unit: str
    password: str
    totp_secret: str
    otpauth: str


def users(deps: Deps, actor: Acts, hasher: PasswordHasher) -> list[DemoAccount]:
    """Create the demo accounts that do not exist yet; returns those created, with secrets."""
    with deps.uow() as uow:
        existing = {u.name for u in uow.accounts.list_users()}
    created: list[DemoAccount] = []
    for name, role, unit, member in USERS:
        if name in existing:
            continue
        _, password = accounts.add_user(
            deps,
            actor,
            hasher,
            name=name,
            email=f"{name}@acme.example",
            roles=[role],
            unit=unit,
            display_name=f"Demo {role} ({unit})",
        )
        secret, uri = accounts.enroll_totp(deps, actor, name)
        created.append(DemoAccount(name, role, unit, password, secret, uri))
        joined = unit if member else EXTRA_MEMBERSHIPS.get(name)
        if joined:
            with deps.uow() as uow:
                keys = [c.key for c in uow.cases.list(CaseFilter(unit=UnitId(joined), limit=1000))]
            for key in keys:
                access.set_member(deps, LOADER, key, name, True)
    return created
