"""Words for codes: every code the console shows (fields, classes, kinds, levels) gets a label.

The English label is the catalogue's message id, so the Chinese comes from the catalogue
(`locale/zh_CN/LC_MESSAGES/labels.po`); report kinds carry both languages in their registry.
"""

from __future__ import annotations

from collections.abc import Callable

from vulndesk.exporters.reports.kinds import REGISTRY

LABELS: dict[str, str] = {
    # detail fields (domain.disclosure.DETAIL_FIELDS)
    "summary": "Summary",
    "harm": "Harm",
    "remediation": "Remediation",
    "workaround": "Workaround",
    "technical_characteristics": "Technical characteristics",
    "scope_of_impact": "Scope of impact",
    "affected_versions_detail": "Affected versions in detail",
    "remediation_plan": "Remediation plan",
    "threat_actors": "Threat actors",
    "root_cause": "Root cause",
    "trigger_location": "Trigger location",
    "proof_of_concept": "Proof of concept",
    "exploit": "Exploit",
    "reporter_identity": "Reporter's identity",
    "operator_system_details": "Operator's system details",
    # sensitivity classes
    "public": "Public",
    "restricted": "Restricted",
    "secret": "Secret",
    # recipient kinds (domain.parties.PartyKind)
    "regulator": "Regulator",
    "csirt": "CSIRT",
    "customer": "Customer",
    "downstream_maker": "Downstream maker",
    "upstream_supplier": "Upstream supplier",
    "reporter": "Reporter",
    "internal": "Internal",
    # severity levels
    "critical": "Critical",
    "high": "High",
    "medium": "Medium",
    "low": "Low",
    "none": "None",
    # disclosure kinds without a report kind of their own
    "public-advisory": "Public advisory",
    "cve-record": "CVE record",
    "coordination": "Coordination",  # services.coordination.sharing.COORDINATION
    "other": "Other",
    # ledger channels (services.disclosure.ledger.CHANNELS)
    "portal": "Portal",
    "email": "E-mail",
    "phone": "Telephone",
    "meeting": "Meeting",
    "post": "Post",
    "webhook": "Webhook",
    "website": "Website",
    "cve-services": "CVE Services",
    # form fields of the console's report pages
    "receipt": "Receipt number",
    "at": "Submitted at",
    "kind": "Kind",
    "recipient": "Recipient",
    "stage": "Stage",
    "reason": "Reason",
    "screenshot": "Screenshot",
    "against": "Compare with version",
    "fields": "Fields",
    # decision kinds and guards
    "justification": "Justification",
    "cross-border": "Cross-border transfer",
    "exception": "Exception",
    "two-persons": "Two different approvers",
    "equal-dissemination": "Equal dissemination",
    "policy": "Policy",
    "two-person": "Two-person approval",
    # what an audit event is about (its object type)
    "case": "Case",
    "decision": "Decision",
    "evidence": "Evidence",
    "exposure-report": "Exposure report",
    "ledger": "Ledger entry",
    "party": "Party",
    "product": "Product",
    "report": "Report",
    "unit": "Unit",
    "user": "User",
    "obligation": "Obligation",
    "escalation": "Escalation",
    "advisory": "Advisory",
    "token": "API token",
    "audit": "Audit trail",
    "setting": "Setting",
    # where an audit event came from (its source, before any ':address')
    "web": "Console",
    "api": "API",
    "cli": "Command line",
    "worker": "Background worker",
    "storage": "Storage",
    "demo": "Demo data",
    "exposure": "Exposure report",
    "mail": "Mail",
}
# Public appears as both a class and a recipient kind; both read "Public".


def _kind_label(code: str, lang: str) -> str | None:
    for kind in REGISTRY:
        if code in {kind.name, kind.disclosure}:
            return kind.label_zh if lang == "zh-CN" else kind.label_en
    return None


def labeller(lang: str, gettext: Callable[..., str]) -> Callable[[str], str]:
    """A function code -> label in `lang`: the label table, the report kinds, then the code
    itself as a catalogue message id (states, facts, roles); an unknown code is shown as it is."""

    def label(code: object) -> str:
        text = str(getattr(code, "value", code))
        if text in LABELS:
            return gettext(LABELS[text])
        return _kind_label(text, lang) or gettext(text)

    return label
