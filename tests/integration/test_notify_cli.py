"""`vulndesk notify` from the command line, delivered by `vulndesk worker --once` to real SMTP."""

from __future__ import annotations

from pathlib import Path

from tests.builders import open_case, seed_reference
from tests.e2e.cli import Cli
from tests.integration.test_notify_flow import Smtp
from vulndesk.bootstrap import Container
from vulndesk.services.access.rights import Principal
from vulndesk.services.cases import reference


def test_subscribe_plan_send_and_worker(
    container: Container, db_url: str, tmp_path: Path, actor: Principal
) -> None:
    deps = container.deps()
    seed_reference(deps, actor)
    reference.add_party(
        deps, actor, id="bank", name="Bank", kind="customer", country="CN",
        channels=["email:ops@bank.example"],
    )  # fmt: skip
    key = open_case(deps, actor).key
    smtp = Smtp()
    smtp.start()
    try:
        cli = Cli(tmp_path, db_url).sign_in("cli-tester", "admin")
        cli.env |= {"VULNDESK_SMTP_PORT": str(smtp.port), "VULNDESK_SMTP_SENDER": "p@acme.example"}
        bad = cli.run("notify", "subscribe", "router", "bank", "--versions", "9.9", ok=False)
        assert bad.returncode == 2 and "versions" in bad.stderr
        cli.run("notify", "subscribe", "router", "bank", "--versions", "1.0")
        plan = cli.json("notify", "plan", key)["notices"]
        users = [p for p in plan if p["kind"] == "users"]
        assert [(p["party"], p["channel"], p["blocked"]) for p in users] == [
            ("bank", "email", None)
        ]
        assert "cn-rmsv-2021/notify-users" in users[0]["obligations"]
        sent = cli.run("notify", "send", key, "--kind", "users").stdout
        assert "queued" in sent and "bank via email" in sent
        assert "already" in cli.run("notify", "send", key, "--kind", "users").stdout
        cli.run("worker", "--once")
        cli.run("worker", "--once")
        assert [r for r, _ in smtp.inbox.messages] == [["ops@bank.example"]]
        (row,) = cli.json("notify", "list", key)["notices"]
        assert row["sent_at"] is not None and row["ledger"] is not None
    finally:
        smtp.stop()
