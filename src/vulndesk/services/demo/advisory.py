"""The demo's public advisory: drafted by the analyst and approved by two approvers through the
real use cases, then published when a signing key is configured.

Publishing always signs (VULNDESK_CSAF_KEY in VULNDESK_GNUPGHOME); without a key the demo's
advisory stays approved and waits on its case's Advisory page for someone to publish it.
"""

from __future__ import annotations

from vulndesk.services.advisories import publish as advisory_publish
from vulndesk.services.advisories import revisions as advisories
from vulndesk.services.advisories.ports import AdvisorySite, CveState
from vulndesk.services.context import Deps
from vulndesk.services.demo import content
from vulndesk.services.demo.content import Demo
from vulndesk.services.demo.replay import account, case_by_title
from vulndesk.services.reports import approvals


def load(
    deps: Deps, setup: advisories.Setup, site: AdvisorySite | None, demo: Demo | None = None
) -> str:
    """Draft, approve and (with a site that signs) publish; returns the advisory's status."""
    seed = (demo or content.read()).advisory
    key = case_by_title(deps, seed.case)
    with deps.reader() as uow:
        named = [r.cve_id for r in uow.cve_ids.for_case(key) if r.state is not CveState.REJECTED]
    # The advisory names the CVE id reserved for its case (demo/cve.py), if there is one.
    text = {**seed.content, "cve": named[0]} if named else seed.content
    advisories.draft(deps, account(deps, seed.author), key, text)
    first, second = (account(deps, name) for name in seed.approvers)
    advisories.approve(deps, first, key)
    advisories.approve(deps, second, key)
    decision = approvals.record_decision(
        deps, first, seed.decision, key, seed.recipient, seed.reason
    )
    approvals.approve_decision(deps, second, decision.id)
    if site is None:
        return "approved"
    return advisory_publish.publish(deps, first, setup, site, key).record.status
