"""Reading the audit trail: verifying the chain, listing events, one case's events; each read
checks the principal (auditors and administrators; case members for their own cases)."""

from __future__ import annotations

from vulndesk.domain.audit import ChainedEvent, VerifyResult
from vulndesk.services.access import rights as access
from vulndesk.services.access.ledger import case_exists
from vulndesk.services.access.rights import AUDIT_READERS, CASE_READERS, Principal
from vulndesk.services.audit import checkpoints
from vulndesk.services.context import Deps


def verify_chain(deps: Deps, principal: Principal) -> VerifyResult:
    """Walk the whole hash chain, the stored head and the evidence rows (auditors, admins)."""
    principal.require(AUDIT_READERS)
    return checkpoints.verify(deps)


def events(deps: Deps, principal: Principal, start: int, limit: int) -> list[ChainedEvent]:
    """Audit events in chain order from `start` on (auditors, admins)."""
    principal.require(AUDIT_READERS)
    return checkpoints.list_events(deps, start, limit)


def case_events(deps: Deps, principal: Principal, key: str, limit: int = 200) -> list[ChainedEvent]:
    """One case's audit events, newest first: auditors see any case, others the cases they see.

    A case the principal may not see answers like a missing one (NotFound).
    """
    if principal.has(CASE_READERS) or not principal.has(AUDIT_READERS):
        case_key = access.check_case(deps, principal, key)
    else:
        principal.require(AUDIT_READERS)
        case_key = case_exists(deps, key)
    with deps.uow() as uow:
        return uow.audit.for_object("case", case_key, limit)
