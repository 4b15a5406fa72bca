"""The domain's exception tree; entry points map each class to an exit or HTTP code.

VulndeskError
├── InvalidInput        bad value for a named field (exit 2 / HTTP 422)
├── NotFound            missing or not visible (exit 3 / HTTP 404)
├── GuardFailed         a lifecycle or approval guard refused (exit 4 / HTTP 409)
├── Conflict            a uniqueness or concurrency clash (exit 4 / HTTP 409)
├── Forbidden           authenticated but not allowed (HTTP 403; never for case reads)
└── Unavailable         a service vulndesk calls did not answer (HTTP 502)
"""

from __future__ import annotations


class VulndeskError(Exception):
    """Base of every error vulndesk raises on purpose."""

    code = "error"


class InvalidInput(VulndeskError):
    """A value is not acceptable; the message names the field and what is accepted."""

    code = "invalid_input"

    def __init__(self, field: str, problem: str, accepted: str | None = None) -> None:
        self.field = field
        self.problem = problem
        self.accepted = accepted
        message = f"{field}: {problem}"
        if accepted:
            message += f" (accepted: {accepted})"
        super().__init__(message)


class NotFound(VulndeskError):
    """The object does not exist or the caller may not know it exists."""

    code = "not_found"

    def __init__(self, kind: str, key: str) -> None:
        self.kind = kind
        self.key = key
        super().__init__(f"{kind} {key!r} not found")


class GuardFailed(VulndeskError):
    """A state change was refused by a named guard."""

    code = "guard_failed"

    def __init__(self, guard: str, detail: str) -> None:
        self.guard = guard
        self.detail = detail
        super().__init__(f"refused by guard {guard!r}: {detail}")


class Conflict(VulndeskError):
    """The change clashes with existing data or a concurrent change."""

    code = "conflict"


class Forbidden(VulndeskError):
    """The principal is known but lacks the permission."""

    code = "forbidden"


class Unavailable(VulndeskError):
    """A service vulndesk calls (CVE Services) could not be reached or failed; the message
    names the service and what to check."""

    code = "unavailable"
