"""Personal time zone and language through the service, the API and the command line."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from tests.e2e.cli import Cli
from tests.e2e.test_api_support import World, world
from vulndesk.domain.errors import Forbidden, InvalidInput, NotFound
from vulndesk.services.accounts import mail_prefs, preferences
from vulndesk.services.accounts import signin as accounts_auth
from vulndesk.services.context import Actor

__all__ = ["world"]


def _events(w: World, name: str) -> list[dict[str, str]]:
    with w.container.deps().uow() as uow:
        found = uow.audit.for_object("user", name)
    return [
        dict(e.event.detail) | {"actor": e.event.actor}
        for e in found
        if e.event.tag == "account:preferences:changed"
    ]


def test_a_user_saves_their_own_zone_and_language_and_it_is_audited(world: World) -> None:
    deps = world.container.deps()
    me = Actor("analyst", "web:127.0.0.1", frozenset({"analyst"}))
    assert preferences.preferences_of(deps, "analyst") == preferences.Preferences(None, None)
    saved = preferences.set_preferences(deps, me, "analyst", " Asia/Shanghai ", "zh-cn")
    assert saved == preferences.Preferences("Asia/Shanghai", "zh-CN")
    assert preferences.preferences_of(deps, "analyst") == saved
    assert _events(world, "analyst") == [
        {"timezone": "Asia/Shanghai", "language": "zh-CN", "actor": "analyst"}
    ]
    # None keeps a choice, "" clears it; an unchanged save writes no event.
    kept = preferences.set_preferences(deps, me, "analyst", None, "")
    assert kept == preferences.Preferences("Asia/Shanghai", None)
    preferences.set_preferences(deps, me, "analyst", "Asia/Shanghai", None)
    assert len(_events(world, "analyst")) == 2


@pytest.mark.parametrize(
    ("timezone", "language", "field"),
    [
        ("Mars/Olympus_Mons", None, "timezone"),
        ("../../etc/passwd", None, "timezone"),
        (None, "fr", "language"),
        (None, "zh-TW", "language"),
    ],
)
def test_bad_zones_and_languages_are_refused_by_name(
    world: World, timezone: str | None, language: str | None, field: str
) -> None:
    deps = world.container.deps()
    me = Actor("analyst", "test", frozenset({"analyst"}))
    with pytest.raises(InvalidInput) as caught:
        preferences.set_preferences(deps, me, "analyst", timezone, language)
    assert caught.value.field == field
    assert preferences.preferences_of(deps, "analyst") == preferences.Preferences(None, None)
    assert _events(world, "analyst") == []


def test_only_the_user_or_an_administrator_changes_the_settings(world: World) -> None:
    deps = world.container.deps()
    other = Actor("approver", "test", frozenset({"approver", "coordinator"}))
    with pytest.raises(Forbidden):
        preferences.set_preferences(deps, other, "analyst", "UTC", "en")
    assert preferences.preferences_of(deps, "analyst") == preferences.Preferences(None, None)
    admin = Actor("admin", "test", frozenset({"admin"}))
    preferences.set_preferences(deps, admin, "analyst", "Europe/Berlin", None)
    assert _events(world, "analyst") == [
        {"timezone": "Europe/Berlin", "language": "", "actor": "admin"}
    ]
    with pytest.raises(NotFound):
        preferences.set_preferences(deps, admin, "nobody", "UTC", None)


def test_me_shows_and_changes_the_callers_own_settings(world: World) -> None:
    c, h = world.client, world.headers("approver")
    assert c.get("/api/v1/me", headers=h).json()["timezone"] is None
    changed = c.patch("/api/v1/me", headers=h, json={"timezone": "Asia/Shanghai"})
    assert changed.status_code == 200, changed.text
    assert changed.json()["timezone"] == "Asia/Shanghai"
    assert changed.json()["language"] is None
    both = c.patch("/api/v1/me", headers=h, json={"language": "zh-CN"}).json()
    assert (both["timezone"], both["language"]) == ("Asia/Shanghai", "zh-CN")
    bad = c.patch("/api/v1/me", headers=h, json={"timezone": "Nowhere/Land"})
    assert bad.status_code == 422
    assert "timezone" in bad.text
    assert c.get("/api/v1/me", headers=h).json()["timezone"] == "Asia/Shanghai"
    assert c.get("/api/v1/me", headers=world.headers("analyst")).json()["timezone"] is None
    assert c.patch("/api/v1/me", json={"language": "en"}).status_code == 401


def test_read_only_tokens_cannot_change_settings(world: World) -> None:
    deps = world.container.deps()
    world.clock.advance(dt.timedelta(minutes=1))  # a fresh one-time code for the new token
    issued = accounts_auth.create_token(
        deps, world.admin_actor, "auditor", frozenset({"read"}), 1, world.totp("auditor")
    )
    h = {"Authorization": f"Bearer {issued.secret}"}
    assert world.client.patch("/api/v1/me", headers=h, json={"language": "en"}).status_code == 403
    assert preferences.preferences_of(deps, "auditor").language is None


def test_cli_sets_anyones_settings(world: World, db_url: str, tmp_path: Path) -> None:
    cli = Cli(tmp_path, db_url)
    out = cli.run(
        "user", "set-preferences", "analyst", "--timezone", "Asia/Shanghai", "--language", "zh-CN"
    )
    assert "Asia/Shanghai" in out.stdout
    deps = world.container.deps()
    assert preferences.preferences_of(deps, "analyst") == preferences.Preferences(
        "Asia/Shanghai", "zh-CN"
    )
    refused = cli.run("user", "set-preferences", "analyst", "--language", "klingon", ok=False)
    assert refused.returncode != 0
    assert "language" in refused.stderr


def _mail_events(w: World, name: str) -> list[dict[str, str]]:
    return [e for e in _events(w, name) if "mail_approvals" in e]


def test_mail_choices_through_the_api_are_the_callers_own_and_audited(world: World) -> None:
    c, h = world.client, world.headers("approver")
    everything = {"escalations": True, "approvals": True, "messages": True}
    assert c.get("/api/v1/me/mail", headers=h).json() == everything
    changed = c.patch("/api/v1/me/mail", headers=h, json={"approvals": False})
    assert changed.status_code == 200, changed.text
    assert changed.json() == everything | {"approvals": False}
    both = c.patch("/api/v1/me/mail", headers=h, json={"messages": False, "approvals": True})
    assert both.json() == everything | {"messages": False}
    bad = c.patch("/api/v1/me/mail", headers=h, json={"messages": "sometimes"})
    assert bad.status_code == 422 and "messages" in bad.text
    deps = world.container.deps()
    assert mail_prefs.choices_of(deps, "approver") == mail_prefs.MailChoices(True, True, False)
    assert mail_prefs.choices_of(deps, "analyst") == mail_prefs.MailChoices()
    assert _mail_events(world, "approver")[::-1] == [  # newest first
        {
            "mail_escalations": "yes",
            "mail_approvals": "no",
            "mail_messages": "yes",
            "actor": "approver",
        },
        {
            "mail_escalations": "yes",
            "mail_approvals": "yes",
            "mail_messages": "no",
            "actor": "approver",
        },
    ]
    # An unchanged choice writes no event; no session, no change.
    c.patch("/api/v1/me/mail", headers=h, json={"messages": False})
    assert len(_mail_events(world, "approver")) == 2
    assert c.patch("/api/v1/me/mail", json={"messages": True}).status_code == 401


def test_read_only_tokens_cannot_change_mail_choices(world: World) -> None:
    deps = world.container.deps()
    world.clock.advance(dt.timedelta(minutes=1))
    issued = accounts_auth.create_token(
        deps, world.admin_actor, "auditor", frozenset({"read"}), 1, world.totp("auditor")
    )
    h = {"Authorization": f"Bearer {issued.secret}"}
    assert world.client.get("/api/v1/me/mail", headers=h).status_code == 200
    refused = world.client.patch("/api/v1/me/mail", headers=h, json={"approvals": False})
    assert refused.status_code == 403
    assert mail_prefs.choices_of(deps, "auditor").approvals


def test_only_the_user_or_an_administrator_changes_mail_choices(world: World) -> None:
    deps = world.container.deps()
    other = Actor("approver", "test", frozenset({"approver", "coordinator"}))
    with pytest.raises(Forbidden):
        mail_prefs.set_choices(deps, other, "analyst", approvals=False)
    admin = Actor("admin", "test", frozenset({"admin"}))
    assert not mail_prefs.set_choices(deps, admin, "analyst", messages=False).messages
    with pytest.raises(NotFound):
        mail_prefs.set_choices(deps, admin, "nobody", messages=False)


def test_cli_sets_anyones_mail_choices(world: World, db_url: str, tmp_path: Path) -> None:
    cli = Cli(tmp_path, db_url)
    out = cli.run("user", "set-mail", "analyst", "--no-approvals", "--no-messages")
    assert "approvals off" in out.stdout and "messages off" in out.stdout
    assert "escalations on" in out.stdout
    deps = world.container.deps()
    assert mail_prefs.choices_of(deps, "analyst") == mail_prefs.MailChoices(True, False, False)
    [event] = _mail_events(world, "analyst")
    assert event["mail_approvals"] == "no" and event["actor"] != "analyst"
    shown = cli.run("user", "set-mail", "analyst")
    assert "approvals off" in shown.stdout
    assert len(_mail_events(world, "analyst")) == 1
    refused = cli.run("user", "set-mail", "nobody", "--approvals", ok=False)
    assert refused.returncode != 0
    assert "user not found" in refused.stderr
