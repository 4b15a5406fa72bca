"""The demo's public advisory: drafted by the analyst and approved by two approvers through the
real use cases, then published when a signing key is configured.

Publishing always signs (VULNDESK_CSAF_KEY in VULNDESK_GNUPGHOME); without a key the demo's
advisory stays approved and waits on its case's Advisory page for someone to publish it.
"""

from __future__ import annotations

from vulndesk.domain.ids import CaseKey
from vulndesk.services.access.rights import Principal
from vulndesk.services.advisories import publish as advisory_publish
from vulndesk.services.advisories import revisions as advisories
from vulndesk.services.advisories.ports import AdvisorySite
from vulndesk.services.context import Deps
from vulndesk.services.demo.history import _case_by_title
from vulndesk.services.reports import approvals

TITLE = "Default credentials on IP camera telnet"
CONTENT = {
    "title": "IP camera: default credentials on the telnet service",
    "texts": {
        "summary": "The telnet service of IP camera firmware 5.0.1 accepts a default password.",
        "harm": "An attacker on the network may take control of the camera.",
        "remediation": "Update the camera firmware to 5.0.2, which removes the telnet service.",
        "workaround": "Block TCP port 23 to the camera.",
    },
    "statuses": (("ipcam", "5.0.1", "known_affected"), ("ipcam", "5.0.2", "fixed")),
    "cwe_name": "Use of Hard-coded Credentials",
}
# The demo's public party is abroad, so RMSV Art. 9(7) wants a cross-border decision by two.
REASON = "The advisory goes to everyone at once, after the fix is out and NVDB was told."


def _who(name: str, role: str, unit: str) -> Principal:
    return Principal(name, frozenset({role}), unit, frozenset({"read", "write"}), "demo")


def load(deps: Deps, setup: advisories.Setup, site: AdvisorySite | None) -> str:
    """Draft, approve and (with a site that signs) publish; returns the advisory's status."""
    key: CaseKey = _case_by_title(deps, TITLE)
    advisories.draft(deps, _who("analyst-cn", "analyst", "acme-cn"), key, CONTENT)
    first, second = (
        _who("approver-cn", "approver", "acme-cn"),
        _who("approver-hq", "approver", "acme-hq"),
    )
    advisories.approve(deps, first, key)
    advisories.approve(deps, second, key)
    decision = approvals.record_decision(deps, first, "cross-border", key, "public", REASON)
    approvals.approve_decision(deps, second, decision.id)
    if site is None:
        return "approved"
    return advisory_publish.publish(deps, first, setup, site, key).record.status
