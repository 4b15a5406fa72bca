"""CVE Services through `cvelib`: reserve ids; publish, update and reject CVE records.

Each refusal CVE Services answers (`{"error": ..., "message": ...}`) becomes a domain error
naming the fix; the API key goes only into the request headers, never into a message.
Records are not validated again by cvelib: its bundled schema is CVE JSON 5.1.1, while the
exporters build 5.2 containers and validate them against the 5.2 schema themselves.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any, NoReturn, TypeVar

import requests
from cvelib.cve_api import CveApi

from vulndesk.domain.errors import Conflict, GuardFailed, InvalidInput, Unavailable
from vulndesk.services.advisories.ports import Reservation

T = TypeVar("T")
_KEY_FIX = (
    "check VULNDESK_CVE_USER, VULNDESK_CVE_SHORT_NAME and VULNDESK_CVE_API_KEY (a lost key "
    "is reset by the CNA's administrator at CVE Services)"
)
_NOT_THERE = {"CVE_ID_NOT_FOUND", "CVEID_DNE", "NOT_FOUND"}
_RECORD_REFUSED = {"INVALID_JSON_SCHEMA", "BAD_INPUT", "CVE_BAD_REQUEST", "CVEID_MISMATCH"}


def _answer(response: requests.Response | None) -> tuple[int, str, str, Any]:
    if response is None:
        return 0, "", "", None
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        return response.status_code, "", response.reason or "", None
    return (
        response.status_code,
        str(body.get("error", "")),
        str(body.get("message", "")),
        body.get("details"),
    )


def _details(details: Any) -> str:
    if isinstance(details, dict) and isinstance(details.get("errors"), list):
        items = details["errors"][:3]
        said = [
            f"{e.get('instancePath', '')} {e.get('message', '')}".strip()
            if isinstance(e, dict)
            else str(e)
            for e in items
        ]
        return "; ".join(said)[:500]
    if isinstance(details, (dict, list)):
        return json.dumps(details, sort_keys=True)[:500]
    return ""


class CveServicesClient:
    """The CNA's account at CVE Services (the `CveServices` port)."""

    def __init__(self, url: str, short_name: str, user: str, api_key: str) -> None:
        self.url = url
        self._api = CveApi(username=user, org=short_name, api_key=api_key, url=url)

    def _refused(self, what: str, exc: requests.HTTPError, cve_id: str = "") -> NoReturn:
        status, error, message, details = _answer(exc.response)
        said = f"CVE Services refused {what} ({status} {error or 'error'}: {message})"
        extra = _details(details)
        if extra:
            said += f": {extra}"
        if status == 401:
            raise InvalidInput("VULNDESK_CVE_API_KEY", said, _KEY_FIX)
        if error == "EXCEEDED_ID_QUOTA":
            raise GuardFailed(
                "cve-quota",
                f"{said}; reject reserved ids the organisation will not use (vulndesk cve "
                "reject CASE CVE-ID --reason ...) or ask the CNA's root to raise the quota",
            )
        if error == "CVE_RECORD_EXISTS":
            raise Conflict(
                f"{said}; send the change as an update (vulndesk cve update CASE {cve_id})"
            )
        if error == "CVE_RECORD_DNE":
            raise GuardFailed(
                "cve-state",
                f"{said}; publish the record first (vulndesk cve publish CASE {cve_id})",
            )
        if error in _RECORD_REFUSED or (status == 400 and cve_id and error not in _NOT_THERE):
            raise InvalidInput(
                "cnaContainer", said, "correct the advisory (vulndesk advisory edit) and retry"
            )
        if error in _NOT_THERE or status == 404:
            raise GuardFailed(
                "cve-services",
                f"{said}; the id is not the CNA's at {self.url}: check "
                "VULNDESK_CVE_SERVICES_URL (production or test) and VULNDESK_CVE_SHORT_NAME",
            )
        if status == 429 or status >= 500:
            raise Unavailable(f"{said}; try again later")
        raise GuardFailed("cve-services", f"{said}; check the CVE Services user's role and the id")

    def _call(self, what: str, call: Callable[[], T], cve_id: str = "") -> T:
        try:
            return call()
        except requests.HTTPError as exc:
            self._refused(what, exc, cve_id)
        except (requests.RequestException, ValueError) as exc:
            raise Unavailable(
                f"CVE Services at {self.url} did not answer {what} "
                f"({type(exc).__name__}); check VULNDESK_CVE_SERVICES_URL and the network"
            ) from None

    def reserve(self, amount: int, year: int) -> Reservation:
        body = self._call(
            f"reserving {amount} id(s) for {year}",
            lambda: self._api.reserve(amount, False, str(year)),
        )
        found = body.get("cve_ids") if isinstance(body, dict) else None
        if not isinstance(found, list) or not found:
            raise Unavailable("CVE Services answered a reservation without any cve_ids")
        answers = {str(i["cve_id"]): json.dumps(i, sort_keys=True) for i in found}
        ids = tuple(answers)
        partial = body.get("error") == "RESERVED_PARTIAL_AMOUNT" or len(ids) < amount
        return Reservation(ids, answers, partial)

    def publish(self, cve_id: str, container: Mapping[str, Any]) -> str:
        body = self._call(
            f"the record of {cve_id}",
            lambda: self._api.publish(cve_id, dict(container), validate=False),
            cve_id,
        )
        return json.dumps(body, sort_keys=True)

    def update(self, cve_id: str, container: Mapping[str, Any]) -> str:
        body = self._call(
            f"the update of {cve_id}",
            lambda: self._api.update_published(cve_id, dict(container), validate=False),
            cve_id,
        )
        return json.dumps(body, sort_keys=True)

    def reject(self, cve_id: str, container: Mapping[str, Any], published: bool) -> str:
        send = self._api.update_rejected if published else self._api.reject
        body = self._call(
            f"the rejection of {cve_id}",
            lambda: send(cve_id, dict(container), validate=False),
            cve_id,
        )
        return json.dumps(body, sort_keys=True)
