"""Property-based fuzzing of the report, ledger, publication and admin routes from the OpenAPI.

Run as each role that reaches different code: an analyst (member of one case), an approver,
an auditor and an administrator. No request may give a 5xx or a response outside the schema.
"""

from __future__ import annotations

from typing import Any, cast

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
)

from tests.e2e.test_api_support import World, world
from vulndesk.services.reports import drafts as reports

__all__ = ["world"]
OURS = {"reports", "ledger", "oversight", "publication", "admin", "audit"}


@pytest.mark.slow
@pytest.mark.parametrize("user", ["analyst", "admin", "auditor"])
def test_no_server_errors_and_responses_match_the_schema(world: World, user: str) -> None:
    reports.draft_report(world.container.deps(), world.admin_actor, world.own, "nvdb", "nvdb")
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", world.client.app)
    operations = [cast(Any, r).ok() for r in schema.get_all_operations()]
    ours = [op for op in operations if OURS & set(op.definition.raw.get("tags", []))]
    assert len(ours) >= 30
    headers = world.headers(user)
    statuses: list[int] = []
    checks = [not_a_server_error, response_schema_conformance, content_type_conformance]
    for op in ours:

        @given(case=op.as_strategy())
        @settings(
            max_examples=8,
            deadline=None,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def run(case: schemathesis.Case) -> None:
            params = case.path_parameters
            # Half the examples aim at a real case so the handlers run past the 404.
            if params is not None and "key" in params and len(statuses) % 2:
                params["key"] = world.own
            if case.headers is not None and "Idempotency-Key" in case.headers:
                case.headers["Idempotency-Key"] = f"fuzz-{len(statuses)}"
            response = case.call_and_validate(headers=headers, checks=checks)
            statuses.append(response.status_code)

        run()
    assert len(statuses) >= 3 * len(ours)
    assert {200, 404, 422} <= set(statuses), sorted(set(statuses))
