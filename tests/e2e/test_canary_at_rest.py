"""A canary written through every entry point is nowhere at rest, on both engines.

One unique string goes into every secret field and attachment through each way in: the
intake API (JSON and multipart), the intake web form and its status page, the case API
(details, edits, facts), the console's case forms, and the command line. The follow-up
tokens and the API token handed out on the way are secrets too. Then every table of the
database (through SQL), SQLite's main and WAL files, the served log file and the file of
an online `vulndesk backup` are searched for each in clear, UTF-16, base64 and hex. The
desk still reads the canary back.
"""

from __future__ import annotations

import contextlib
import re
import secrets
from collections.abc import Iterator
from pathlib import Path

import httpx
import pyotp
from sqlalchemy.engine import make_url

from tests.builders import as_person, seed_reference
from tests.canary import database_rows, found_anywhere
from tests.e2e.cli import Cli, free_port, wait_healthy
from tests.waiting import SHUTDOWN, STARTUP
from vulndesk.adapters.passwords import Argon2Hasher
from vulndesk.bootstrap import Container
from vulndesk.domain.disclosure import DETAIL_FIELDS, Sensitivity
from vulndesk.entrypoints.web import csrf
from vulndesk.services.accounts import signin as accounts_auth
from vulndesk.services.accounts import users as accounts

CANARY = "CANARY-" + secrets.token_hex(6) + "-at-rest"
PASSWORD = "correct horse battery staple"
SECRET_FIELDS = [f for f, c in DETAIL_FIELDS.items() if c is Sensitivity.SECRET]
REPORT = {
    "product": "router",
    "version": "1.0",
    "description": f"overflow {CANARY}",
    "steps": f"steps {CANARY}",
    "impact": f"impact {CANARY}",
    "contact": f"{CANARY}@example.org",
}


def _coordinator(container: Container) -> tuple[str, str]:
    """An account for the API and console: its API token and TOTP secret."""
    deps, admin = container.deps(), as_person("setup", "test")
    seed_reference(deps, admin)
    hasher = Argon2Hasher(time_cost=1, memory_cost=1024)
    accounts.add_user(
        deps, admin, hasher, name="coord", email="c@example.org", roles=["coordinator"],
        unit="cn", password=PASSWORD,
    )  # fmt: skip
    totp, _ = accounts.enroll_totp(deps, admin, "coord")
    code = pyotp.TOTP(totp).at(container.clock.now())
    token = accounts_auth.create_token(
        deps, admin, "coord", frozenset({"read", "write"}), 366, code
    )
    return token.secret, totp


@contextlib.contextmanager
def _served(cli: Cli) -> Iterator[httpx.Client]:
    port = free_port()
    proc = cli.serve("--port", str(port))
    base = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(base, proc, STARTUP)
        with httpx.Client(base_url=base, timeout=30) as client:
            yield client
    finally:
        proc.terminate()
        proc.communicate(timeout=SHUTDOWN)


def _hidden(page: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', page)
    assert found, f"no {name} field"
    return found.group(1)


def _intake(client: httpx.Client) -> list[dict[str, str]]:
    """Reports through the API (JSON, multipart) and the form; follow-ups on each channel."""
    key = {"Idempotency-Key": secrets.token_hex(8)}
    json_report = client.post("/api/v1/intake", json=REPORT, headers=key)
    assert json_report.status_code == 201, json_report.text
    poc = [("attachments", ("poc.txt", f"poc {CANARY}".encode(), "text/plain"))]
    key = {"Idempotency-Key": secrets.token_hex(8)}
    multipart = client.post("/api/v1/intake", data=REPORT, files=poc, headers=key)
    assert multipart.status_code == 201, multipart.text
    form = client.get("/report").text
    fields = REPORT | {
        "csrf": _hidden(form, "csrf"),
        "idempotency_key": _hidden(form, "idempotency_key"),
    }
    received = client.post("/report", data=fields, files=poc)
    assert received.status_code == 201, received.text
    tracking = re.search(r'class="tracking">([^<]+)<', received.text)
    token = re.search(r'class="token">([^<]+)<', received.text)
    assert tracking and token
    reports = [json_report.json(), multipart.json()]
    reports.append({"tracking": tracking.group(1), "token": token.group(1)})
    first = reports[0]
    bearer = {"Authorization": f"Bearer {first['token']}"}
    path = f"/api/v1/intake/{first['tracking']}/messages"
    assert client.post(path, json={"body": f"api {CANARY}"}, headers=bearer).status_code == 201
    status = client.get("/report/status").text
    follow = {"csrf": _hidden(status, "csrf"), "message": f"form {CANARY}"}
    shown = client.post("/report/status", data=follow | reports[2])
    assert shown.status_code == 200 and f"form {CANARY}" in shown.text
    return reports


def _cases_api(client: httpx.Client, api_token: str) -> str:
    """A case with every secret field, edited and given a fact, through the API."""
    auth = {"Authorization": f"Bearer {api_token}"}
    details = {f: f"{f} {CANARY}" for f in SECRET_FIELDS}
    body = {"title": "Canary case", "unit": "cn", "details": details}
    opened = client.post("/api/v1/cases", json=body, headers=auth | {"Idempotency-Key": "c-1"})
    assert opened.status_code == 201, opened.text
    key = opened.json()["key"]
    edit = {"details": details | {"exploit": f"edited {CANARY}"}}
    assert client.patch(f"/api/v1/cases/{key}", json=edit, headers=auth).status_code == 200
    fact = {"kind": "verified", "evidence": f"lab {CANARY}"}
    made = client.post(
        f"/api/v1/cases/{key}/facts", json=fact, headers=auth | {"Idempotency-Key": "f-1"}
    )
    assert made.status_code == 201, made.text
    return str(key)


def _console(client: httpx.Client, container: Container, totp: str, keys: list[str]) -> None:
    """The console's case forms: a fact's evidence, and the team's reply to a reporter."""
    code = pyotp.TOTP(totp).now()
    signed_in = client.post("/login", data={"name": "coord", "password": PASSWORD, "totp": code})
    assert signed_in.status_code == 303, signed_in.text
    token = csrf.token_for(container, client.cookies["vd_session"])
    fact = {"csrf": token, "fact": "fix_available", "evidence": f"console {CANARY}"}
    assert client.post(f"/cases/{keys[0]}/facts", data=fact).status_code == 303
    reply = {"csrf": token, "body": f"reply {CANARY}"}
    assert client.post(f"/cases/{keys[1]}/messages", data=reply).status_code == 303


def _command_line(operator: Cli) -> None:
    cli = operator.sign_in("cli-canary", "coordinator", unit="cn")  # the CLI acts signed in
    opened = cli.run(
        "case", "open", "--title", "CLI canary", "--unit", "cn", "--json",
        *[a for f in SECRET_FIELDS for a in ("--detail", f"{f}=cli {CANARY}")],
        "--evidence", f"cli {CANARY}",
    )  # fmt: skip
    key = opened.stdout.split('"key": "')[1].split('"')[0]
    cli.run("case", "record-fact", key, "verified", "--evidence", f"cli lab {CANARY}")


def _at_rest(container: Container, db_url: str, log: Path) -> dict[str, bytes]:
    places = {f"table {k}": v for k, v in database_rows(container.engine).items()}
    places["server log"] = log.read_bytes()
    if db_url.startswith("sqlite"):
        db = Path(str(make_url(db_url).database))
        places["sqlite main file"] = db.read_bytes()
        places["sqlite WAL file"] = db.with_name(db.name + "-wal").read_bytes()
    return places


def test_a_canary_through_every_entry_point_is_nowhere_at_rest(
    container: Container, db_url: str, tmp_path: Path
) -> None:
    api_token, totp = _coordinator(container)
    cli = Cli(tmp_path / "home", db_url)
    log = tmp_path / "home" / "vulndesk.log"
    cli.env |= {"VULNDESK_LOG_FILE": str(log), "VULNDESK_COOKIE_SECURE": "0"}
    with _served(cli) as client:
        reports = _intake(client)
        key = _cases_api(client, api_token)
        with container.uow() as uow:
            intake_case = uow.intake.get(reports[0]["tracking"]).case_key
        _console(client, container, totp, [key, intake_case])
        _command_line(cli)
        shown = client.get(f"/api/v1/cases/{key}", headers={"Authorization": f"Bearer {api_token}"})
        assert shown.json()["details"]["trigger_location"] == f"trigger_location {CANARY}"
        # Read while the server holds its connections: SQLite's WAL still has its frames.
        places = _at_rest(container, db_url, log)
        backup = tmp_path / "desk.vdbackup"
        cli.run("backup", str(backup))  # an online backup, taken while the server runs
        places["backup file"] = backup.read_bytes()
    hunted = [CANARY, api_token, *[r["token"] for r in reports]]
    assert found_anywhere(places, hunted) == []
    # The search looks where the data is: what is not secret is there in plain view.
    assert b"POST /api/v1/intake" in places["server log"]
    assert reports[0]["tracking"].encode() in places["backup file"]
    assert reports[0]["tracking"].encode() in places["table intake_reports"]
    assert places["table idempotency_keys"].count(b"intake:api:") >= 2
    if db_url.startswith("sqlite"):
        assert len(places["sqlite WAL file"]) > 0
        assert b"Canary case" in places["sqlite main file"] + places["sqlite WAL file"]
