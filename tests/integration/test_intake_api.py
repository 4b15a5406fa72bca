"""Public intake over HTTP: idempotency, rate limits, attachments, tokens, security.txt."""

from __future__ import annotations

import json
import threading
import uuid
import warnings

import pytest
from fastapi import FastAPI

from tests.builders import seed_reference
from vulndesk.bootstrap import Container
from vulndesk.entrypoints.api.intake import build_router
from vulndesk.entrypoints.web import public_form
from vulndesk.services.context import Actor
from vulndesk.services.intake.receipts import Rate
from vulndesk.services.ports import CaseFilter

with warnings.catch_warnings():
    # Starlette deprecates httpx in favour of httpx2, which is not installed here.
    warnings.filterwarnings("ignore", "Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
REPORT = {
    "product": "router",
    "version": "1.0",
    "description": "Stack overflow in the web admin login handler",
    "steps": "POST /login with a 5000-byte user name",
    "impact": "Remote code execution as root",
    "contact": "alice@example.org",
    "language": "en",
}


@pytest.fixture
def client(container: Container, actor: Actor) -> TestClient:
    seed_reference(container.deps(), actor)
    app = FastAPI()
    app.include_router(build_router(container))
    app.include_router(public_form.build_router(container))
    return TestClient(app, base_url="https://testserver")


def _key() -> dict[str, str]:
    return {"Idempotency-Key": str(uuid.uuid4())}


def test_report_opens_received_case_and_token_reads_status(
    client: TestClient, container: Container
) -> None:
    r = client.post("/api/v1/intake", json=REPORT, headers=_key())
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["tracking"].startswith("R-")
    status = client.get(
        f"/api/v1/intake/{body['tracking']}/messages",
        headers={"Authorization": f"Bearer {body['token']}"},
    )
    assert status.status_code == 200
    assert status.json()["state"] == "received"
    posted = client.post(
        f"/api/v1/intake/{body['tracking']}/messages",
        json={"body": "any news?"},
        headers={"Authorization": f"Bearer {body['token']}"},
    )
    assert posted.status_code == 201
    again = client.get(
        f"/api/v1/intake/{body['tracking']}/messages",
        headers={"Authorization": f"Bearer {body['token']}"},
    )
    assert [m["body"] for m in again.json()["messages"]] == ["any news?"]
    with container.uow() as uow:
        [row] = uow.cases.list(CaseFilter())
        case = uow.cases.get(row.key)
    assert case.state.value == "received"
    assert case.unit == "hq"
    assert row.title == f"Report {body['tracking']}: router"
    assert case.details["proof_of_concept"] == REPORT["steps"]
    assert case.details["reporter_identity"] == "alice@example.org"


def test_wrong_token_and_unknown_tracking_give_identical_404(client: TestClient) -> None:
    body = client.post("/api/v1/intake", json=REPORT, headers=_key()).json()
    wrong = client.get(
        f"/api/v1/intake/{body['tracking']}/messages", headers={"Authorization": "Bearer nope"}
    )
    missing = client.get(f"/api/v1/intake/{body['tracking']}/messages")
    unknown = client.get(
        "/api/v1/intake/R-000000000000/messages",
        headers={"Authorization": f"Bearer {body['token']}"},
    )
    assert wrong.status_code == missing.status_code == unknown.status_code == 404
    assert wrong.content == missing.content == unknown.content


def test_idempotency_key_required_replayed_and_conflicting(
    client: TestClient, container: Container
) -> None:
    missing = client.post("/api/v1/intake", json=REPORT)
    assert missing.status_code == 400
    assert "Idempotency-Key" in missing.text
    key = _key()
    first = client.post("/api/v1/intake", json=REPORT, headers=key)
    replay = client.post("/api/v1/intake", json=REPORT, headers=key)
    assert first.status_code == replay.status_code == 201
    assert first.json() == replay.json()
    assert replay.headers["Idempotent-Replayed"] == "true"
    conflict = client.post("/api/v1/intake", json=REPORT | {"impact": "other"}, headers=key)
    assert conflict.status_code == 422
    assert "Idempotency-Key" in conflict.text
    with container.uow() as uow:
        assert uow.cases.count(CaseFilter()) == 1


def test_concurrent_duplicates_open_one_case(client: TestClient, container: Container) -> None:
    key = _key()
    results: list[int] = []
    barrier = threading.Barrier(4)

    def send() -> None:
        barrier.wait()
        results.append(client.post("/api/v1/intake", json=REPORT, headers=key).status_code)

    threads = [threading.Thread(target=send) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [201] * 4
    with container.uow() as uow:
        assert uow.cases.count(CaseFilter()) == 1


def test_rate_limit_gives_429_with_retry_after(container: Container, actor: Actor) -> None:
    seed_reference(container.deps(), actor)
    limited = Container(
        container.settings.__class__(
            home=container.settings.home,
            database_url=container.settings.database_url,
            keys_json=container.settings.keys_json,
            intake_rate=Rate(2, 60),
        ),
        container.clock,
    )
    app = FastAPI()
    app.include_router(build_router(limited))
    app.include_router(public_form.build_router(limited))
    client = TestClient(app)
    codes = [client.post("/api/v1/intake", json=REPORT, headers=_key()) for _ in range(3)]
    assert [c.status_code for c in codes] == [201, 201, 429]
    assert 1 <= int(codes[2].headers["Retry-After"]) <= 60
    limited.close()


def test_the_form_and_the_api_share_one_write_path_and_one_rate(
    container: Container, actor: Actor
) -> None:
    seed_reference(container.deps(), actor)
    limited = Container(
        container.settings.__class__(
            home=container.settings.home,
            database_url=container.settings.database_url,
            keys_json=container.settings.keys_json,
            intake_rate=Rate(3, 60),
        ),
        container.clock,
    )
    app = FastAPI()
    app.include_router(build_router(limited))
    app.include_router(public_form.build_router(limited))
    client = TestClient(app, base_url="https://testserver")

    def form() -> int:
        page = client.get("/report").text
        csrf = page.split('name="csrf" value="')[1].split('"')[0]
        idem = page.split('name="idempotency_key" value="')[1].split('"')[0]
        return client.post(
            "/report", data=REPORT | {"csrf": csrf, "idempotency_key": idem}
        ).status_code

    api = client.post("/api/v1/intake", json=REPORT, headers=_key()).status_code
    assert (api, form()) == (201, 201)
    # The form's report was stored by the shared (group-committed) transactions, as the API's.
    assert limited.shared_transactions.group.items == 2
    # Each report counted once against the one rate of the client's address.
    assert form() == 201
    assert client.post("/api/v1/intake", json=REPORT, headers=_key()).status_code == 429
    assert form() == 429
    with container.uow() as uow:
        assert uow.cases.count(CaseFilter()) == 3
    limited.close()


def _multipart(files: list[tuple[str, bytes]]) -> dict[str, object]:
    return {
        "data": REPORT,
        "files": [
            ("attachments", (name, content, "application/octet-stream")) for name, content in files
        ],
        "headers": _key(),
    }


@pytest.mark.parametrize(
    "name", ["../../etc/passwd", "..\\..\\win.ini", "/abs/path.png", "....//x.png", ".hidden"]
)
def test_attachment_names_cannot_traverse(
    client: TestClient, container: Container, name: str
) -> None:
    r = client.post("/api/v1/intake", **_multipart([(name, PNG)]))
    assert r.status_code == 201, r.text
    with container.uow() as uow:
        [stored] = uow.intake.attachments(r.json()["tracking"])
    assert "/" not in stored.name
    assert "\\" not in stored.name
    assert not stored.name.startswith(".")
    assert stored.media_type == "image/png"


def test_oversized_attachment_is_413(client: TestClient) -> None:
    big = b"%PDF-" + b"0" * (10 * 1024 * 1024)
    r = client.post("/api/v1/intake", **_multipart([("big.pdf", big)]))
    assert r.status_code == 413


@pytest.mark.parametrize("content", [b"MZ\x90\x00\x03" + b"\x00" * 20, b"\x7fELF\x02\x01\x00\x00"])
def test_disallowed_magic_bytes_are_415(client: TestClient, content: bytes) -> None:
    r = client.post("/api/v1/intake", **_multipart([("report.png", content)]))
    assert r.status_code == 415
    assert json.loads(r.text)["detail"]["field"] == "attachments[0]"


def test_security_txt(client: TestClient) -> None:
    r = client.get("/.well-known/security.txt")
    assert r.status_code == 200
    lines = dict(
        line.split(": ", 1) for line in r.text.strip().splitlines() if "Contact" not in line
    )
    assert lines["Expires"] == "2027-11-02T01:00:00Z"
    assert lines["Preferred-Languages"] == "en, zh-CN"
    assert lines["Canonical"].endswith("/.well-known/security.txt")
    assert "Contact: mailto:security@example.invalid" in r.text


def test_html_form_works_without_javascript(client: TestClient, container: Container) -> None:
    page = client.get("/report")
    assert page.status_code == 200
    assert "<script" not in page.text
    assert "style=" not in page.text
    csrf = page.text.split('name="csrf" value="')[1].split('"')[0]
    idem = page.text.split('name="idempotency_key" value="')[1].split('"')[0]
    form = REPORT | {"csrf": csrf, "idempotency_key": idem}
    done = client.post("/report", data=form)
    assert done.status_code == 201, done.text
    assert "R-" in done.text
    forged = client.post("/report", data=form | {"csrf": "forged"})
    assert forged.status_code == 403
    with container.uow() as uow:
        assert uow.cases.count(CaseFilter()) == 1


def test_status_page_with_token_shows_state_and_posts_message(client: TestClient) -> None:
    body = client.post("/api/v1/intake", json=REPORT, headers=_key()).json()
    page = client.get("/report/status")
    csrf = page.text.split('name="csrf" value="')[1].split('"')[0]
    shown = client.post(
        "/report/status",
        data={
            "csrf": csrf,
            "tracking": body["tracking"],
            "token": body["token"],
            "message": "hi <b>",
        },
    )
    assert shown.status_code == 200
    assert "received" in shown.text
    assert "hi &lt;b&gt;" in shown.text
    assert shown.headers["Cache-Control"] == "no-store"
    csrf = shown.text.split('name="csrf" value="')[1].split('"')[0]
    wrong = client.post(
        "/report/status", data={"csrf": csrf, "tracking": body["tracking"], "token": "guess"}
    )
    assert wrong.status_code == 404
    assert body["tracking"] not in wrong.text.replace(f'value="{body["tracking"]}"', "")


def test_a_lone_surrogate_in_a_report_or_message_is_a_422_naming_the_field(
    client: TestClient, container: Container
) -> None:
    """Observation 12, on the intake routes alone (no body guard in front of them)."""
    lone = json.dumps(REPORT)[:-1] + ', "impact": "\\udc00 tail"}'
    r = client.post(
        "/api/v1/intake",
        content=lone.encode(),
        headers=_key() | {"Content-Type": "application/json"},
    )
    assert r.status_code == 422, r.text
    assert r.json()["detail"]["field"] == "impact"
    body = client.post("/api/v1/intake", json=REPORT, headers=_key()).json()
    posted = client.post(
        f"/api/v1/intake/{body['tracking']}/messages",
        content=b'{"body": "hello \\ud800"}',
        headers={"Authorization": f"Bearer {body['token']}", "Content-Type": "application/json"},
    )
    assert posted.status_code == 422 and posted.json()["detail"]["field"] == "body"
    with container.uow() as uow:
        assert uow.cases.count(CaseFilter()) == 1
        assert uow.intake.messages(body["tracking"]) == []
