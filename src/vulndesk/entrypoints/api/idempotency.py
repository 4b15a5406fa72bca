"""Idempotency keys for creating requests: a retried POST replays its first response.

The key row is written in the same transaction as whatever the request creates, so a request
either created its objects and its key together or neither; a concurrent duplicate loses on
the primary key, rolls back, and replays the winner's stored response. Keys are kept at least
24 hours; `vulndesk idempotency purge` deletes older ones, after which a retry is a new request.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from fastapi import HTTPException, Request
from fastapi.responses import JSONResponse

from vulndesk.bootstrap import Container
from vulndesk.services.context import Deps, joined
from vulndesk.services.intake.ports import IdempotencyKeyTaken, StoredResponse
from vulndesk.services.ports import UnitOfWork

HEADER = "Idempotency-Key"
RETENTION_NOTE = (
    "A unique key per creating request (1-200 printable ASCII characters). A retry with the "
    "same key and body within 24 hours replays the first response (header "
    "Idempotent-Replayed: true); the same key with another body is refused with 422. Keys "
    "are kept at least 24 hours and may then be purged, after which the key is new again."
)


def require_key(request: Request) -> str:
    """The header value; 400 naming the header when it is missing or malformed."""
    key = request.headers.get(HEADER, "").strip()
    if not key or len(key) > 200 or not key.isprintable():
        raise HTTPException(
            400, f"the {HEADER} header is required on this request (1-200 printable characters)"
        )
    return key


def request_hash(method: str, path: str, body: bytes) -> str:
    return hashlib.sha256(method.encode() + b" " + path.encode() + b"\n" + body).hexdigest()


def _replay(stored: StoredResponse, digest: str) -> JSONResponse:
    if stored.request_hash != digest:
        raise HTTPException(422, f"{HEADER} was already used with a different request body")
    return JSONResponse(
        json.loads(stored.body), status_code=stored.status, headers={"Idempotent-Replayed": "true"}
    )


def run_idempotent(
    container: Container,
    scope: str,
    key: str,
    digest: str,
    create: Callable[[Deps], tuple[int, dict[str, Any]]],
    *,
    grouped: bool = False,
    deps: Deps | None = None,
) -> JSONResponse:
    """Replay a stored response, or run `create` and store its response in one transaction.

    With `grouped`, that transaction is shared with concurrent requests (one commit for all).
    """
    deps = deps or container.deps()

    def attempt(uow: UnitOfWork) -> tuple[StoredResponse | None, int, dict[str, Any]]:
        stored = uow.idempotency.get(scope, key)
        if stored is not None:
            return stored, 0, {}
        status, body = create(joined(deps, uow))
        text = json.dumps(body, ensure_ascii=False, sort_keys=True)
        uow.idempotency.put(scope, key, StoredResponse(digest, status, text), deps.clock.now())
        return None, status, body

    for _attempt in range(2):
        try:
            stored, status, body = deps.transactions().run(attempt, grouped=grouped)
        except IdempotencyKeyTaken:
            continue  # a concurrent twin committed first: read and replay its response
        if stored is not None:
            return _replay(stored, digest)
        return JSONResponse(body, status_code=status)
    raise HTTPException(409, f"{HEADER} is in use by a concurrent request; retry")
