"""The CLI's stored sign-in: one owner-only file per home and database in the config directory.

The file holds an API token (read and write scopes, expiring after
`VULNDESK_CLI_TOKEN_HOURS`) that `vulndesk login` received. It is written to a temporary file
created with mode 0600 and renamed into place, so it is never readable by others, not even for
an instant, and never half-written; the directory is made (or tightened to) 0700.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import secrets
import stat
from dataclasses import asdict, dataclass
from pathlib import Path

from vulndesk.config import Settings
from vulndesk.domain.errors import InvalidInput

FILE_MODE = 0o600
DIR_MODE = 0o700


@dataclass(frozen=True, slots=True)
class Stored:
    """What `vulndesk login` keeps: the token (a secret), its id, whose it is and for where."""

    token: str
    id: str
    user: str
    expires_at: str
    database: str
    home: str
    # The server URL for a sign-in at a running vulndesk (`vulndesk login --server URL`).
    server: str = ""


def where(settings: Settings) -> str:
    """The database a sign-in belongs to, without any password in its URL."""
    url = settings.effective_database_url
    scheme, sep, rest = url.partition("://")
    return f"{scheme}{sep}{rest.rpartition('@')[2]}" if sep else url


def path_for(settings: Settings) -> Path:
    """One file per (home, database): two data directories never share a sign-in."""
    home = str(settings.home.expanduser().resolve())
    tag = hashlib.sha256(f"{where(settings)}\n{home}".encode()).hexdigest()[:16]
    return settings.config_dir / f"credentials-{tag}.json"


def _private_dir(folder: Path) -> None:
    folder.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    if stat.S_IMODE(folder.stat().st_mode) != DIR_MODE:
        folder.chmod(DIR_MODE)


def save(path: Path, stored: Stored) -> None:
    """Write atomically: a 0600 temporary file in the same directory, then a rename."""
    _private_dir(path.parent)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(tmp, flags, FILE_MODE)
    try:
        os.fchmod(fd, FILE_MODE)  # exactly 0600, whatever the umask left
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(asdict(stored), fh, indent=2, sort_keys=True)
            fh.write("\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def load(path: Path) -> Stored | None:
    """The stored sign-in, None when there is none; a file others may read is refused."""
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        return None
    if mode & 0o077:
        raise InvalidInput(
            "credentials",
            f"{path} may be read by other users (mode {mode:04o})",
            f"run `chmod 600 {path}` after checking who changed it, or `vulndesk login` again",
        )
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        fields = {k: str(data[k]) for k in Stored.__dataclass_fields__ if k != "server"}
        return Stored(**fields, server=str(data.get("server", "")))
    except (ValueError, KeyError, TypeError) as exc:
        raise InvalidInput(
            "credentials", f"{path} is not a vulndesk sign-in", "run `vulndesk login` again"
        ) from exc


def remove(path: Path) -> bool:
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    return True


def stored_for(
    settings: Settings, token: str, token_id: str, user: str, expires_at: dt.datetime
) -> Stored:
    return Stored(
        token,
        token_id,
        user,
        expires_at.isoformat(),
        where(settings),
        str(settings.home.expanduser().resolve()),
    )


# -- sign-ins at a server: one file per server URL, and which server the CLI acts through

ACTIVE = "server.json"


def path_for_server(settings: Settings, server: str) -> Path:
    """One file per server URL: signing in at another server never replaces this one."""
    tag = hashlib.sha256(server.encode()).hexdigest()[:16]
    return settings.config_dir / f"server-{tag}.json"


def active_server(settings: Settings) -> str | None:
    """The server human commands act through, or None to act on the local database."""
    path = settings.config_dir / ACTIVE
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        return None
    if mode & 0o077:
        raise InvalidInput(
            "credentials", f"{path} may be read by other users (mode {mode:04o})", "chmod 600 it"
        )
    try:
        return str(json.loads(path.read_text(encoding="utf-8"))["server"])
    except (ValueError, KeyError, TypeError) as exc:
        raise InvalidInput(
            "credentials", f"{path} does not name a server", "run `vulndesk logout`"
        ) from exc


def set_active_server(settings: Settings, server: str | None) -> None:
    """Act through `server` from now on (None: on the local database again)."""
    path = settings.config_dir / ACTIVE
    if server is None:
        remove(path)
        return
    _private_dir(path.parent)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump({"server": server}, fh)
    os.replace(tmp, path)
