"""A case list filtered by product stays within the statement budget on either of its plans."""

from __future__ import annotations

import pytest

from tests.e2e.test_api_support import World, world
from tests.integration.test_perf_statements import BUDGET, _more_cases, counted

__all__ = ["world"]


# limit=1: the product is on most cases, so the first page walks the order's index; limit=50
# is past what the walk is worth for a dozen cases, so the page joins and sorts.
@pytest.mark.parametrize("limit", [1, 50])
def test_product_filtered_list_stays_within_budget(world: World, limit: int) -> None:
    _more_cases(world, 12)
    path = f"/api/v1/cases?product=router&sort=-updated&limit={limit}"
    with counted(world) as seen:
        r = world.client.get(path, headers=world.headers("coordinator"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["total"] >= 12
    assert len(body["cases"]) == min(limit, body["total"])
    walked = any("EXISTS" in s.upper() and "cases.title" in s for s in seen)
    assert walked == (limit == 1)
    assert len(seen) <= BUDGET, "\n".join(seen)
