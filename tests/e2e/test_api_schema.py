"""Property-based fuzzing of the API from its own OpenAPI document, as an analyst with a token."""

from __future__ import annotations

import time
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

__all__ = ["world"]
OURS = {"auth", "reference", "cases"}


@pytest.mark.slow
def test_no_server_errors_and_responses_match_the_schema(world: World) -> None:
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", world.client.app)
    operations = [cast(Any, r).ok() for r in schema.get_all_operations()]
    ours = [op for op in operations if OURS & set(op.definition.raw.get("tags", []))]
    assert len(ours) >= 20
    headers = world.headers("analyst")
    started = time.monotonic()
    statuses: list[int] = []
    checks = [not_a_server_error, response_schema_conformance, content_type_conformance]
    for op in ours:

        @given(case=op.as_strategy())
        @settings(
            max_examples=10,
            deadline=None,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def run(case: schemathesis.Case) -> None:
            response = case.call_and_validate(headers=headers, checks=checks)
            statuses.append(response.status_code)

        run()
    assert time.monotonic() - started < 120
    assert len(statuses) >= 3 * len(ours)
    assert {200, 404, 422} <= set(statuses), sorted(set(statuses))
