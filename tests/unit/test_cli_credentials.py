"""The CLI's sign-in settings and its credentials file (no database)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from vulndesk.config import Settings
from vulndesk.domain.errors import InvalidInput
from vulndesk.entrypoints.cli import credentials


@pytest.mark.parametrize("name", ["VULNDESK_ACTOR", "VULNDESK_ACTOR_UNIT"])
def test_an_identity_variable_is_refused_naming_it(name: str) -> None:
    with pytest.raises(InvalidInput) as err:
        Settings.from_env({name: "anyone"})
    assert err.value.field == name
    assert "vulndesk login" in str(err.value)


def test_token_hours_and_config_dir_are_read_once(tmp_path: Path) -> None:
    s = Settings.from_env({"VULNDESK_CLI_TOKEN_HOURS": "2", "XDG_CONFIG_HOME": str(tmp_path)})
    assert s.cli_token_hours == 2
    assert s.config_dir == tmp_path / "vulndesk"
    assert Settings.from_env({"HOME": str(tmp_path)}).config_dir == tmp_path / ".config/vulndesk"
    # A relative XDG_CONFIG_HOME is ignored, as the XDG spec says.
    relative = Settings.from_env({"HOME": str(tmp_path), "XDG_CONFIG_HOME": "rel"})
    assert relative.config_dir == tmp_path / ".config/vulndesk"
    for bad in ("0", "twelve", "9000"):
        with pytest.raises(InvalidInput, match="VULNDESK_CLI_TOKEN_HOURS"):
            Settings.from_env({"VULNDESK_CLI_TOKEN_HOURS": bad})


def test_one_file_per_home_and_database(tmp_path: Path) -> None:
    cfg = tmp_path / "cfg"
    a = Settings(home=tmp_path / "a", config_dir=cfg)
    b = Settings(home=tmp_path / "b", config_dir=cfg)
    pg = Settings(home=tmp_path / "a", config_dir=cfg, database_url="postgresql://u:pw@db/x")
    paths = {credentials.path_for(s) for s in (a, b, pg)}
    assert len(paths) == 3 and all(p.parent == cfg for p in paths)
    assert credentials.where(pg) == "postgresql://db/x"


def test_saved_owner_only_atomically_and_loaded(tmp_path: Path) -> None:
    old = os.umask(0)  # the most permissive umask must not widen the file
    try:
        path = tmp_path / "cfg" / "vulndesk" / "credentials-x.json"
        stored = credentials.Stored("vdt_s", "id1", "li-na", "2026-01-01T00:00:00+00:00", "db", "h")
        credentials.save(path, stored)
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary left
    assert credentials.load(path) == stored
    path.chmod(0o644)
    with pytest.raises(InvalidInput, match="chmod 600"):
        credentials.load(path)
    path.chmod(0o600)
    path.write_text("{}")
    with pytest.raises(InvalidInput, match="vulndesk login"):
        credentials.load(path)
    assert credentials.remove(path) and not credentials.remove(path)
    assert credentials.load(path) is None
