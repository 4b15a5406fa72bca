"""A local CVE Services: the endpoints vulndesk uses, answering as CVE Services documents them.

A real HTTP server in a thread (http.server). It checks the CVE-API-ORG / -USER / -KEY
headers (401 UNAUTHORIZED), reserves ids against the organisation's quota (403
EXCEEDED_ID_QUOTA, with the `CVE-API-REMAINING-QUOTA` header on every reservation answer),
refuses bad query parameters (INVALID_AMOUNT, NO_YEAR, NO_BATCH_TYPE,
ORG_CANNOT_RESERVE_FOR_OTHER) and CNA containers that miss required parts
(400 INVALID_JSON_SCHEMA with `details.errors`), and keeps each id's state: RESERVED,
PUBLISHED, REJECTED (CVE_RECORD_EXISTS, CVE_RECORD_DNE, CVE_ID_NOT_FOUND otherwise).
`fail_next` makes the next request answer that HTTP status (a 5xx outage).
"""

from __future__ import annotations

import json
import threading
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit

QUOTA_HEADER = "CVE-API-REMAINING-QUOTA"
UNAUTHORIZED = {"error": "UNAUTHORIZED", "message": "Unauthorized"}


@dataclass
class CveId:
    cve_id: str
    year: str
    state: str = "RESERVED"
    record: dict[str, Any] | None = None
    reserved: str = "2026-12-04T05:00:00.000Z"

    def answer(self, org: str, user: str) -> dict[str, Any]:
        return {
            "cve_id": self.cve_id,
            "cve_year": self.year,
            "owning_cna": org,
            "requested_by": {"cna": org, "user": user},
            "reserved": self.reserved,
            "state": self.state,
            "time": {"created": self.reserved, "modified": self.reserved},
        }


@dataclass
class CveServicesState:
    org: str = "acme"
    user: str = "psirt@acme.example"
    key: str = "local-test-api-key-0000"
    org_uuid: str = field(default_factory=lambda: str(uuid.uuid4()))
    quota: int = 5
    next_number: int = 1000
    ids: dict[str, CveId] = field(default_factory=dict)
    requests: list[tuple[str, str, dict[str, Any] | None]] = field(default_factory=list)
    fail_next: int | None = None

    def reserved_count(self) -> int:
        return sum(1 for i in self.ids.values() if i.state == "RESERVED")


def _schema_errors(cna: Any, org_uuid: str, rejected: bool) -> list[dict[str, str]]:
    """The CVE JSON 5 container's required parts, as CVE Services' validator names them."""
    if not isinstance(cna, dict):
        return [{"instancePath": "", "message": "must be object"}]
    errors = []
    provider = cna.get("providerMetadata")
    if not isinstance(provider, dict) or "orgId" not in provider:
        errors.append({"instancePath": "/providerMetadata", "message": "must have orgId"})
    elif provider["orgId"] != org_uuid:
        errors.append({"instancePath": "/providerMetadata/orgId", "message": "is not your org"})
    need = ("rejectedReasons",) if rejected else ("descriptions", "affected", "references")
    for name in need:
        value = cna.get(name)
        if not isinstance(value, list) or not value:
            errors.append({"instancePath": "", "message": f"must have required property '{name}'"})
    texts = cna.get("descriptions" if not rejected else "rejectedReasons") or []
    bad = [d for d in texts if not isinstance(d, dict) or not d.get("lang") or not d.get("value")]
    errors.extend(
        {"instancePath": "/descriptions", "message": "must have lang and value"} for _ in bad
    )
    return errors


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        return

    def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def _body(self) -> dict[str, Any] | None:
        length = int(self.headers.get("Content-Length") or 0)
        if not length:
            return None
        try:
            loaded = json.loads(self.rfile.read(length))
        except ValueError:
            return {}
        return loaded if isinstance(loaded, dict) else {}

    def _handle(self, method: str) -> None:
        st = self.server.state
        parts = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        body = self._body()
        with self.server.lock:
            st.requests.append((method, self.path, body))
            if st.fail_next is not None:
                status, st.fail_next = st.fail_next, None
                self._send(
                    status,
                    {
                        "error": "SERVICE_NOT_AVAILABLE",
                        "message": "This service appears to not be available.",
                    },
                )
                return
            path = parts.path.removeprefix("/api/").strip("/").split("/")
            if path == ["health-check"]:
                self._send(200, {})
                return
            if (
                self.headers.get("CVE-API-ORG") != st.org
                or self.headers.get("CVE-API-USER") != st.user
                or self.headers.get("CVE-API-KEY") != st.key
            ):
                self._send(401, UNAUTHORIZED)
                return
            self._route(method, path, query, body)

    def _route(
        self, method: str, path: list[str], query: dict[str, str], body: dict[str, Any] | None
    ) -> None:
        st = self.server.state
        if method == "POST" and path == ["cve-id"]:
            self._reserve(query)
        elif method == "GET" and len(path) == 2 and path[0] == "cve-id":
            found = st.ids.get(path[1])
            if found is None:
                self._send(404, {"error": "CVE_ID_NOT_FOUND", "message": f"{path[1]} not found"})
            else:
                self._send(200, found.answer(st.org, st.user))
        elif method == "GET" and path == ["org", st.org]:
            self._send(200, {"UUID": st.org_uuid, "short_name": st.org, "name": "ACME"})
        elif len(path) == 3 and path[0] == "cve" and path[2] in ("cna", "reject"):
            self._record(method, path[1], path[2], body)
        else:
            self._send(404, {"error": "NOT_FOUND", "message": "404: resource not found"})

    def _reserve(self, q: dict[str, str]) -> None:
        st = self.server.state
        remaining = {QUOTA_HEADER: str(st.quota - st.reserved_count())}
        if "amount" not in q:
            self._send(
                400,
                {
                    "error": "NO_AMOUNT",
                    "message": "The amount query parameter is required and needs to be above 0.",
                },
            )
            return
        if not q["amount"].isdigit() or int(q["amount"]) < 1:
            self._send(
                400,
                {
                    "error": "INVALID_AMOUNT",
                    "message": "The amount query parameter needs to be above 0.",
                },
            )
            return
        amount = int(q["amount"])
        if "cve_year" not in q:
            self._send(
                400,
                {
                    "error": "NO_YEAR",
                    "message": "The cve_year query parameter is required [1999-present+1].",
                },
            )
            return
        if q.get("short_name") != st.org:
            self._send(
                403,
                {
                    "error": "ORG_CANNOT_RESERVE_FOR_OTHER",
                    "message": "The organization designated by the CVE-API-ORG header is not allowed to reserve IDs for the organization specified by the short_name query parameter.",
                },
            )
            return
        if amount > 1 and q.get("batch_type") not in (
            "sequential",
            "nonsequential",
            "non-sequential",
        ):
            self._send(
                400,
                {
                    "error": "NO_BATCH_TYPE",
                    "message": "The batch_type query parameter must be specified when reserving more than one CVE ID.",
                },
            )
            return
        if st.reserved_count() + amount > st.quota:
            self._send(
                403,
                {
                    "error": "EXCEEDED_ID_QUOTA",
                    "message": "The amount requested would exceed the organization's ID quota.",
                    "details": {
                        "id_quota": st.quota,
                        "total_reserved": st.reserved_count(),
                        "available": st.quota - st.reserved_count(),
                    },
                },
                remaining,
            )
            return
        made = []
        for _ in range(amount):
            cve = CveId(f"CVE-{q['cve_year']}-{st.next_number}", q["cve_year"])
            st.next_number += 1
            st.ids[cve.cve_id] = cve
            made.append(cve.answer(st.org, st.user))
        self._send(200, {"cve_ids": made}, {QUOTA_HEADER: str(st.quota - st.reserved_count())})

    def _record(self, method: str, cve_id: str, kind: str, body: dict[str, Any] | None) -> None:
        st = self.server.state
        found = st.ids.get(cve_id)
        if found is None:
            self._send(404, {"error": "CVE_ID_NOT_FOUND", "message": f"{cve_id} not found"})
            return
        if not isinstance(body, dict) or "cnaContainer" not in body:
            self._send(
                400, {"error": "CVE_BAD_REQUEST", "message": "Request body format is incorrect."}
            )
            return
        errors = _schema_errors(body["cnaContainer"], st.org_uuid, kind == "reject")
        if errors:
            self._send(
                400,
                {
                    "error": "INVALID_JSON_SCHEMA",
                    "message": "CVE JSON schema validation FAILED.",
                    "details": {"errors": errors},
                },
            )
            return
        creating = method == "POST"
        if creating and found.record is not None:
            self._send(
                400,
                {
                    "error": "CVE_RECORD_EXISTS",
                    "message": "The cve record for the cve id already exists.",
                },
            )
            return
        if not creating and found.record is None:
            self._send(
                400,
                {
                    "error": "CVE_RECORD_DNE",
                    "message": "The cve record for the cve id does not exist.",
                },
            )
            return
        if creating and found.state != "RESERVED":
            self._send(
                400,
                {
                    "error": "CVE_UNSUPPORTED_RECORD_STATE",
                    "message": f"Cannot create cve record in state {found.state}.",
                },
            )
            return
        found.state = "REJECTED" if kind == "reject" else "PUBLISHED"
        record = {
            "containers": {"cna": body["cnaContainer"]},
            "cveMetadata": {"assignerOrgId": st.org_uuid, "cveId": cve_id, "state": found.state},
            "dataType": "CVE_RECORD",
            "dataVersion": "5.1",
        }
        found.record = record
        verb = "created" if creating else "updated"
        self._send(200, {"message": f"{cve_id} record was successfully {verb}.", verb: record})

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_PUT(self) -> None:
        self._handle("PUT")


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, state: CveServicesState) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.state = state
        self.lock = threading.Lock()


class LocalCveServices:
    """`with LocalCveServices() as cve:` runs the server; `cve.url` is its API base."""

    def __init__(self, state: CveServicesState | None = None) -> None:
        self.state = state or CveServicesState()
        self._server = _Server(self.state)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/api/"

    def env(self) -> dict[str, str]:
        """The VULNDESK_CVE_* variables of this server's account."""
        s = self.state
        return {
            "VULNDESK_CVE_SERVICES_URL": self.url,
            "VULNDESK_CVE_SHORT_NAME": s.org,
            "VULNDESK_CVE_USER": s.user,
            "VULNDESK_CVE_API_KEY": s.key,
            "VULNDESK_CVE_ORG_ID": s.org_uuid,
        }

    def __enter__(self) -> LocalCveServices:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)
