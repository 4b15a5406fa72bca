"""Provider sign-in by subject (issuer, sub) and vulndesk's one-time code after the provider,
against the real oidc-provider."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import cast

import pyotp
import pytest

from tests.e2e.oidc import Idp, idp_pair
from tests.e2e.test_oidc_sign_in import Console, make
from vulndesk.adapters.clock import SettableClock
from vulndesk.services.access.rights import Principal
from vulndesk.services.accounts import signin as accounts_auth
from vulndesk.services.accounts import subjects
from vulndesk.services.accounts import users as accounts
from vulndesk.services.context import Actor

__all__ = ["idp_pair"]
ADMIN = Principal("root", frozenset({"admin"}), None, frozenset({"read", "write"}), "test")


@pytest.fixture
def console(db_url: str, tmp_path: Path, idp_pair: tuple[Idp, Idp]) -> Iterator[Console]:
    yield from make(db_url, tmp_path, idp_pair, VULNDESK_OIDC_ACCEPT_PROVIDER_MFA="1")


@pytest.fixture
def strict(db_url: str, tmp_path: Path, idp_pair: tuple[Idp, Idp]) -> Iterator[Console]:
    """Provider MFA not accepted: vulndesk's own TOTP follows the provider."""
    yield from make(db_url, tmp_path, idp_pair)


def _reasons(c: Console) -> list[str]:
    return [d.get("reason", "") for t, d in c.audit_tags() if t == "account:login:failed"]


def test_a_renamed_provider_user_keeps_the_account_of_its_subject(console: Console) -> None:
    assert console.sign_in("sub-1001", ["auditors"], username="zhao.lei") == 200
    links = subjects.links_of(console.container.deps(), "zhao.lei")
    assert [(k.issuer, k.subject) for k in links] == [(console.idp.issuer, "sub-1001")]
    console.client.cookies.clear()
    # The provider renames the person: the same subject opens the same account.
    assert console.sign_in("sub-1001", ["auditors"], username="zhao.lei2") == 200
    assert console.user("zhao.lei2") is None
    principal = accounts_auth.session_principal(
        console.container.deps(), console.client.cookies["vd_session"]
    )
    assert principal is not None and principal.name == "zhao.lei"
    assert ("account:subject:linked", {"issuer": console.idp.issuer, "via": "oidc"}) in (
        console.audit_tags()
    )


def test_a_reused_provider_user_name_takes_no_account(console: Console) -> None:
    assert console.sign_in("sub-2001", ["psirt"], ["pwd", "otp"], username="sun.li") == 200
    console.client.cookies.clear()
    # Someone else now holds the name at the provider: refused, not linked, no session.
    page = console.callback("sub-2002", ["psirt"], ["pwd", "otp"], username="sun.li")
    assert page.status_code == 409 and 'id="sso-name-taken"' in page.text
    assert "sun.li" in page.text and "vd_session" not in console.client.cookies
    assert [k.subject for k in subjects.links_of(console.container.deps(), "sun.li")] == [
        "sub-2001"
    ]
    assert "name-taken" in _reasons(console)


def test_a_local_account_is_not_linked_silently_but_an_operator_can_link_it(
    console: Console,
) -> None:
    deps = console.container.deps()
    accounts.add_user(
        deps,
        Actor("setup", "test"),
        console.container.passwords,
        name="qian-yu",
        email="qian-yu@example.org",
        roles=["auditor"],
        password="a-long-enough-password",
    )
    page = console.callback("sub-3001", ["auditors"], username="qian-yu")
    assert page.status_code == 409 and "vd_session" not in console.client.cookies
    assert subjects.links_of(deps, "qian-yu") == []
    subjects.link(deps, Actor("operator:ops", "cli"), "qian-yu", console.idp.issuer, "sub-3001")
    console.client.cookies.clear()
    assert console.sign_in("sub-3001", ["auditors"], username="qian-yu") == 200
    assert "vd_session" in console.client.cookies
    page = console.client.get("/admin/users")  # an auditor is no admin: the page refuses
    assert page.status_code in {403, 404}


def _secret(page: str) -> str:
    found = re.search(r'<code class="totp-secret">([A-Z2-7]+)</code>', page)
    assert found is not None, page[:2000]
    return found.group(1)


def test_provider_sign_in_then_enrol_and_pass_vulndesk_totp(strict: Console) -> None:
    page = strict.callback("sub-4001", ["psirt"], ["pwd", "otp"], username="zhou.min")
    assert page.status_code == 200 and 'id="totp-enrol"' in page.text
    assert "vd_session" not in strict.client.cookies
    secret = _secret(page.text)
    user = strict.user("zhou.min")
    assert user is not None and user.totp_secret is None  # stored only once a code proves it
    wrong = strict.client.post("/login/oidc/totp", data={"totp": "000000"})
    assert wrong.status_code == 401 and "vd_session" not in strict.client.cookies
    now = strict.container.clock.now()
    good = strict.client.post("/login/oidc/totp", data={"totp": pyotp.TOTP(secret).at(now)})
    assert good.status_code == 200 and "vd_session" in strict.client.cookies
    principal = accounts_auth.session_principal(
        strict.container.deps(), strict.client.cookies["vd_session"]
    )
    assert principal is not None and principal.roles == {"analyst"}
    user = strict.user("zhou.min")
    assert user is not None and user.totp_secret == secret
    assert strict.client.get("/cases", follow_redirects=False).status_code == 200
    tags = [t for t, _ in strict.audit_tags()]
    assert "account:totp:enrolled" in tags and "totp" in _reasons(strict)

    # The next sign-in asks for a code of the enrolled device: no new secret is offered.
    strict.client.cookies.clear()
    page = strict.callback("sub-4001", ["psirt"], ["pwd", "otp"], username="zhou.min")
    assert page.status_code == 200 and 'id="totp-enrol"' not in page.text
    used = strict.client.post("/login/oidc/totp", data={"totp": pyotp.TOTP(secret).at(now)})
    assert used.status_code == 401 and "vd_session" not in strict.client.cookies  # replayed
    cast(SettableClock, strict.container.clock).advance(dt.timedelta(seconds=31))
    later = strict.container.clock.now()
    fresh = strict.client.post("/login/oidc/totp", data={"totp": pyotp.TOTP(secret).at(later)})
    assert fresh.status_code == 200 and "vd_session" in strict.client.cookies


def test_the_totp_step_expires_and_needs_its_cookie(strict: Console) -> None:
    page = strict.callback("sub-5001", ["psirt"], ["pwd"], username="wu.hao")
    secret = _secret(page.text)
    cast(SettableClock, strict.container.clock).advance(dt.timedelta(minutes=11))
    code = pyotp.TOTP(secret).at(strict.container.clock.now())
    late = strict.client.post("/login/oidc/totp", data={"totp": code})
    assert late.status_code == 401 and "vd_session" not in strict.client.cookies
    strict.client.cookies.clear()
    bare = strict.client.post("/login/oidc/totp", data={"totp": code})
    assert bare.status_code == 401 and "vd_session" not in strict.client.cookies
    user = strict.user("wu.hao")
    assert user is not None and user.totp_secret is None


def test_the_admin_page_and_user_show_list_the_subjects(console: Console, tmp_path: Path) -> None:
    assert console.sign_in("sub-6001", ["auditors"], username="he.ping") == 200
    console.client.cookies.clear()
    deps = console.container.deps()
    accounts.add_user(
        deps,
        Actor("setup", "test"),
        console.container.passwords,
        name="root",
        email="root@example.org",
        roles=["admin"],
        password="a-long-enough-password",
    )
    secret, _ = accounts.enroll_totp(deps, Actor("setup", "test"), "root")
    form = {
        "name": "root",
        "password": "a-long-enough-password",
        "totp": pyotp.TOTP(secret).at(console.container.clock.now()),
    }
    assert console.client.post("/login", data=form, follow_redirects=False).status_code == 303
    page = console.client.get("/admin/users")
    assert page.status_code == 200
    row = page.text[page.text.index('id="user-he.ping"') :]
    assert '<span class="subject"' in row[: row.index("</tr>")]
    assert "sub-6001" in row[: row.index("</tr>")]


def test_the_command_line_shows_and_links_subjects(tmp_path: Path) -> None:
    from tests.e2e.cli import Cli

    cli = Cli(tmp_path)
    cli.run("init")
    cli.add_user("ops-admin", "admin")
    issuer = "https://id.example.com"
    args = ("user", "link-subject", "ops-admin", "--subject", "sub-7001", "--issuer", issuer)
    assert "linked to sub-7001" in cli.run(*args).stdout
    shown = json.loads(cli.run("user", "show", "ops-admin", "--json").stdout)
    assert [(s["issuer"], s["subject"]) for s in shown["subjects"]] == [(issuer, "sub-7001")]
    assert shown["totp"] is True and shown["roles"] == ["admin"]
    assert "sub-7001" in cli.run("user", "show", "ops-admin").stdout
    cli.add_user("ops-other", "auditor")
    again = cli.run("user", "link-subject", "ops-other", "--subject", "sub-7001",
                    "--issuer", issuer, ok=False)  # fmt: skip
    assert again.returncode != 0 and "already opens account 'ops-admin'" in again.stderr
