"""`vulndesk org set-contact` and webhook URLs on the command line (a subprocess, both engines)."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.cli import Cli
from tests.e2e.test_cli import _seed, cli

__all__ = ["cli"]


def test_set_contact_shows_and_refuses_bad_values_by_name(cli: Cli) -> None:
    _seed(cli)
    done = cli.run(
        "org", "set-contact", "cn",
        "--name", "Acme (Shenzhen) Co., Ltd.", "--person", "Li Na",
        "--email", "psirt-cn@acme.example", "--phone", "+86 755 5555 0100",
        "--on-call-email", "oncall-cn@acme.example",
    )  # fmt: skip
    assert "contact set for unit cn" in done.stdout
    unit = cli.json("org", "show", "cn")
    assert (unit["legal_name"], unit["contact_person"], unit["contact_email"]) == (
        "Acme (Shenzhen) Co., Ltd.",
        "Li Na",
        "psirt-cn@acme.example",
    )
    assert (unit["contact_phone"], unit["on_call_email"]) == (
        "+86 755 5555 0100",
        "oncall-cn@acme.example",
    )

    bad = cli.run("org", "set-contact", "cn", "--phone", "0755-5555", ok=False)
    assert bad.returncode == 2
    assert "contact_phone" in bad.stderr and "E.164" in bad.stderr
    hook = cli.run("org", "set-contact", "cn", "--on-call-webhook", "https://10.0.0.5/h", ok=False)
    assert hook.returncode == 2
    assert "on_call_webhook" in hook.stderr and "VULNDESK_WEBHOOK_HOSTS" in hook.stderr
    assert cli.json("org", "show", "cn")["contact_phone"] == "+86 755 5555 0100"


def test_party_webhooks_need_the_allow_list(tmp_path: Path, db_url: str) -> None:
    operator = Cli(tmp_path, db_url)
    operator.env["VULNDESK_WEBHOOK_HOSTS"] = "hooks.acme.example,169.254.169.254"
    operator.run("init")
    c = operator.sign_in("webhook-admin", "admin")
    add = ("party", "add", "p1", "--name", "P", "--kind", "customer", "--country", "DE")
    meta = c.run(*add, "--channel", "webhook:https://169.254.169.254/latest", ok=False)
    assert meta.returncode == 2 and "channels" in meta.stderr and "link-local" in meta.stderr
    other = c.run(*add, "--channel", "webhook:https://hooks.other.example/x", ok=False)
    assert other.returncode == 2 and "allow-list" in other.stderr
    c.run(*add, "--channel", "webhook:https://hooks.acme.example/x")
    assert [p["id"] for p in c.json("party", "list")] == ["p1"]
