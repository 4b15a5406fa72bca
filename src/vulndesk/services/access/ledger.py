"""Who may read which disclosure-ledger entries: one rule for the API, the console and the CLI."""

from __future__ import annotations

from vulndesk.domain.errors import NotFound
from vulndesk.domain.ids import CaseKey, parse_case_key
from vulndesk.domain.ledger import LedgerEntry
from vulndesk.services.access import rights as access
from vulndesk.services.access.rights import CASE_READERS, LEDGER_ALL, LEDGER_READERS, Principal
from vulndesk.services.context import Deps
from vulndesk.services.disclosure import ledger
from vulndesk.services.ports import CaseFilter


def case_exists(d: Deps, key: str) -> CaseKey:
    """For roles that read every case's records but no case details: a missing case is a 404."""
    case_key = parse_case_key(key)
    with d.uow() as uow:
        if not uow.cases.count(CaseFilter(keys=(case_key,), limit=1)):
            raise NotFound("case", case_key)
    return case_key


def entries(deps: Deps, principal: Principal, case: str | None) -> list[LedgerEntry]:
    """The ledger entries the principal may list, of one case or of all, oldest first."""
    d, who = deps, principal
    if case is not None:
        # Visibility before roles, so a hidden case answers like a missing one for everyone.
        if who.has(LEDGER_ALL) and not who.has(CASE_READERS):
            key = case_exists(d, case)
        else:
            key = access.check_case(d, who, case)
        who.require(LEDGER_READERS)
        return ledger.list_entries(d, key)
    who.require(LEDGER_READERS)
    found = ledger.list_entries(d)
    if who.has(LEDGER_ALL):
        return found
    keys = access.case_filter(d, who, CaseFilter()).keys
    return found if keys is None else [e for e in found if e.entry.case in keys]


def entry(deps: Deps, principal: Principal, entry_id: int) -> tuple[LedgerEntry, bool]:
    """One entry and whether the principal may read its content: with need-to-know on its
    case the entry carries the exact content sent, and reading it is audited."""
    d, who = deps, principal
    who.require(LEDGER_READERS)
    with d.uow() as uow:
        found = uow.ledger.get(entry_id)
    keys = access.case_filter(d, who, CaseFilter()).keys
    sees_case = who.has(CASE_READERS) and (keys is None or found.entry.case in keys)
    if not sees_case and not who.has(LEDGER_ALL):
        raise NotFound("ledger entry", str(entry_id))  # like a missing entry
    if sees_case:
        found = ledger.show_entry(d, who.acting(), entry_id)
    return found, sees_case
