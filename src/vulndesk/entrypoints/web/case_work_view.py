"""What the case page's work partial shows: the field history, product suggestions, units."""

from __future__ import annotations

from typing import Any

from vulndesk.domain.cases import Case
from vulndesk.entrypoints.web.session import Viewer
from vulndesk.services.access import rights as access
from vulndesk.services.cases import editing, linking, reference


def context(who: Viewer, case: Case) -> dict[str, Any]:
    """The partial's values for `case`, which the viewer may see."""
    deps, p = who.deps, who.principal
    writer = p.has(access.CASE_WRITERS)
    return {
        "edits": editing.history(deps, p, case.key),
        "suggestions": linking.suggestions(deps, p, case.key) if writer else [],
        "reporter_product": linking.reporter_text(deps, case) if case.intake_id else "",
        "products_text": editing.show_products(case.products),
        "units": reference.list_units(deps) if p.has(access.MEMBER_MANAGERS) else [],
    }
