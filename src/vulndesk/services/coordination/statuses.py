"""Use cases: record what a participant says of a product, approve it, and the status board.

A statement is shared (shown to participants, written into the advisory's CSAF and VEX) only
once a second person of the case team approved it; until then the board shows the earlier
approved status, or "no answer since" the invitation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from vulndesk.domain import values
from vulndesk.domain.audit_tags import AuditTag
from vulndesk.domain.coordination import (
    ProductStatus,
    StatusCell,
    StatusStatement,
    VexJustification,
    board,
    check_statement,
)
from vulndesk.domain.errors import Forbidden, InvalidInput
from vulndesk.domain.ids import parse_case_key
from vulndesk.services.access import rights as access
from vulndesk.services.access.rights import CASE_READERS, CASE_WRITERS, Principal
from vulndesk.services.context import Deps
from vulndesk.services.coordination import sharing
from vulndesk.services.ports import UnitOfWork


def record(
    deps: Deps,
    principal: Principal,
    case: str,
    participant: int,
    product: str,
    status: str,
    statement: str,
    justification: str | None = None,
    fixed_versions: Sequence[str] = (),
) -> StatusStatement:
    """Record a participant's status of one product (a product id or package URL)."""
    key = access.check_case(deps, principal, case)
    principal.require(CASE_WRITERS, "write")
    chosen = ProductStatus.parse("status", status)
    why = VexJustification.parse("justification", justification) if justification else None
    name = values.text("product", product, max_len=400)
    text = values.long_text("statement", statement, max_len=20_000)
    versions = check_statement(chosen, why, fixed_versions, text)
    now = deps.clock.now()
    with deps.uow() as uow:
        p = sharing.participant_of(uow, key, participant)
        saved = uow.coordination.add_statement(
            key, p.id, name, chosen, why, versions, text.strip(), now, principal.name
        )
        uow.audit.append(
            principal.event(
                now,
                AuditTag.CASE_COORD_STATUS_RECORDED,
                "case",
                key,
                (),
                statement=str(saved.id),
                participant=str(p.id),
                status=chosen.value,
            )
        )
        uow.commit()
    return saved


def approve(deps: Deps, principal: Principal, case: str, statement: int) -> StatusStatement:
    """Approve a statement for sharing: a case writer other than the one who recorded it."""
    key = access.check_case(deps, principal, case)
    principal.require(CASE_WRITERS, "write")
    now = deps.clock.now()
    with deps.uow() as uow:
        found = next((s for s in uow.coordination.statements(key) if s.id == statement), None)
        if found is None:
            raise InvalidInput(
                "statement",
                f"{statement} is not a statement of {key}",
                f"an id from vulndesk coord status list {key} --json",
            )
        if found.recorded_by == principal.name:
            raise Forbidden(
                f"{principal.name} recorded statement {statement}: a second person approves it"
            )
        saved = uow.coordination.approve_statement(key, statement, now, principal.name)
        uow.audit.append(
            principal.event(
                now,
                AuditTag.CASE_COORD_STATUS_APPROVED,
                "case",
                key,
                (),
                statement=str(statement),
                status=saved.status.value,
            )
        )
        uow.commit()
    return saved


def case_products(uow: UnitOfWork, case: str) -> list[str]:
    """The products a board lists for a case: each affected product's package URL, else its id."""
    found = uow.cases.get(parse_case_key(case))
    out = []
    for a in found.products:
        product = uow.products.get(a.product)
        out.append(product.purl or str(product.id))
    return out


@dataclass(frozen=True, slots=True)
class Board:
    cells: list[StatusCell]
    statements: list[StatusStatement]


def status_board(deps: Deps, principal: Principal, case: str) -> Board:
    """Every participant and product: approved status or no answer since, pending beside it."""
    key = access.check_case(deps, principal, case)
    principal.require(CASE_READERS)
    with deps.reader() as uow:
        everyone = uow.coordination.participants(key)
        statements = uow.coordination.statements(key)
        return Board(board(everyone, case_products(uow, key), statements), statements)
