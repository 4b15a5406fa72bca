"""Bulk acts on a selection of cases: each case on its own transaction, each result reported."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from vulndesk.domain.errors import Conflict, Forbidden, GuardFailed, InvalidInput, NotFound
from vulndesk.services.access import rights as access
from vulndesk.services.access.rights import Principal
from vulndesk.services.cases import editing
from vulndesk.services.cases import lifecycle as cases
from vulndesk.services.context import Deps

MAX_BULK = 100


@dataclass(frozen=True, slots=True)
class BulkResult:
    """One case's outcome: done, or refused with the guard or field that refused it."""

    key: str
    done: bool
    reason: str = ""
    guard: str = ""


def _each(keys: Sequence[str], act: Callable[[str], object]) -> list[BulkResult]:
    if not keys:
        raise InvalidInput("keys", "no case is selected", "select at least one case")
    if len(keys) > MAX_BULK:
        raise InvalidInput("keys", f"{len(keys)} cases are selected", f"at most {MAX_BULK}")
    out = []
    for key in dict.fromkeys(keys):
        try:
            act(key)
        except GuardFailed as exc:
            out.append(BulkResult(key, False, exc.detail, exc.guard))
        except InvalidInput as exc:
            out.append(BulkResult(key, False, f"{exc.field}: {exc.problem}"))
        except NotFound:
            out.append(BulkResult(key, False, "no such case"))
        except (Conflict, Forbidden) as exc:
            out.append(BulkResult(key, False, str(exc)))
        else:
            out.append(BulkResult(key, True))
    return out


def bulk_assign(
    deps: Deps, principal: Principal, keys: Sequence[str], owner: str
) -> list[BulkResult]:
    """Make `owner` the owner of each selected case."""
    principal.require(access.MEMBER_MANAGERS, "write")
    return _each(keys, lambda k: editing.edit_case(deps, principal, k, {"owner": owner}))


def bulk_transition(
    deps: Deps, principal: Principal, keys: Sequence[str], to: str, reason: str
) -> list[BulkResult]:
    """Move each selected case to state `to`; the lifecycle's guards decide case by case."""
    principal.require(access.CASE_WRITERS, "write")
    if not reason.strip():
        raise InvalidInput("reason", "a reason is required", "a sentence on why")
    return _each(keys, lambda k: cases.transition(deps, principal, k, to, reason))
