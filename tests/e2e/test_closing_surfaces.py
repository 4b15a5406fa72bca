"""Closing a case with open regulator obligations through the API and the CLI: refused naming
each open one, accepted once each is marked not applicable with a reason (the service decides,
so every surface refuses alike)."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.cli import Cli
from tests.e2e.test_api_support import World, world
from tests.e2e.test_cli import _seed

__all__ = ["world"]

_keys = itertools.count(1)


def post(w: World, user: str, path: str, body: Any) -> httpx.Response:
    headers = w.headers(user, **{"Idempotency-Key": f"closing-{next(_keys)}"})
    return w.client.post(path, headers=headers, json=body)


def open_ids(w: World, key: str) -> list[str]:
    found = w.client.get(f"/api/v1/cases/{key}/obligations", headers=w.headers("admin")).json()
    return sorted(o["id"] for o in found if o["status"] in ("open", "overdue"))


def test_the_api_refuses_a_close_until_each_open_obligation_is_resolved(world: World) -> None:
    w = world
    path = f"/api/v1/cases/{w.own}/transitions"
    assert post(w, "coordinator", path, {"to": "rejected", "reason": "no flaw"}).status_code == 201
    still = open_ids(w, w.own)
    assert still
    refused = post(w, "coordinator", path, {"to": "closed", "reason": "done"})
    assert refused.status_code == 409, refused.text
    message = refused.json()["error"]["message"]
    assert "obligations-resolved" in message and all(i in message for i in still)
    marks = dict.fromkeys(still, "rejected: no vulnerability")
    analyst = post(w, "analyst", path, {"to": "closed", "reason": "done", "not_applicable": marks})
    assert analyst.status_code == 409 and "coordinator" in analyst.json()["error"]["message"]
    done = post(w, "coordinator", path, {"to": "closed", "reason": "done", "not_applicable": marks})
    assert done.status_code == 201, done.text
    assert done.json()["state"] == "closed"
    assert open_ids(w, w.own) == []


@pytest.fixture
def cli(tmp_path: Path, db_url: str) -> Cli:
    c = Cli(tmp_path, db_url)
    c.run("init")
    return c.sign_in("cli-tester", "admin")


def test_the_cli_refuses_a_close_until_each_open_obligation_is_resolved(cli: Cli) -> None:
    _seed(cli)
    opened = cli.json(
        "case", "open", "--title", "Overflow", "--unit", "cn", "--product", "router@1.0"
    )
    key = opened["key"]
    cli.run("case", "transition", key, "rejected", "--reason", "no flaw")
    refused = cli.run("case", "transition", key, "closed", "--reason", "done", ok=False)
    assert refused.returncode == 2 and "obligations-resolved" in refused.stderr
    shown = cli.json("case", "show", key)
    still = sorted(
        o["obligation"]["id"] for o in shown["obligations"] if o["status"] in ("open", "overdue")
    )
    assert still and all(i in refused.stderr for i in still)
    bad = cli.run(
        "case", "transition", key, "closed", "--reason", "x", "--not-applicable", "x", ok=False
    )
    assert bad.returncode == 2 and "OBLIGATION=REASON" in bad.stderr
    marks = [a for i in still for a in ("--not-applicable", f"{i}=rejected: no flaw")]
    cli.run("case", "transition", key, "closed", "--reason", "done", *marks)
    shown = cli.json("case", "show", key)
    assert shown["case"]["state"] == "closed"
    statuses = {o["obligation"]["id"]: o["status"] for o in shown["obligations"]}
    assert {statuses[i] for i in still} == {"not_applicable"}, json.dumps(statuses)
