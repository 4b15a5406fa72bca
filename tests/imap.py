"""A throwaway Dovecot IMAP server in a temporary directory, for mail-intake tests.

Plain-text login on a loopback port, one passwd-file user, maildir under the directory; no
system service is touched. As root it runs its processes as the `dovecot`/`dovenull` users
Debian's package creates, and the mail user owns the directory it needs.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
USER, PASSWORD = "intake", "intake-password"


@dataclass(frozen=True, slots=True)
class ImapServer:
    host: str
    port: int
    user: str
    password: str


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(port: int, proc: subprocess.Popen[bytes], seconds: float = 15.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"dovecot exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
                if s.recv(100).startswith(b"* OK"):
                    return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"dovecot did not listen on {port} within {seconds}s")


def available() -> bool:
    return Path(DOVECOT).exists()


@contextmanager
def dovecot(root: Path) -> Iterator[ImapServer]:
    """Start Dovecot under `root`, yield where it listens, stop it."""
    root.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    me = pwd.getpwuid(os.getuid())
    mail_user = pwd.getpwnam("dovecot") if os.getuid() == 0 else me
    internal = "dovecot" if os.getuid() == 0 else me.pw_name
    login = "dovenull" if os.getuid() == 0 else me.pw_name
    home = root / "home"
    (home / "Maildir").mkdir(parents=True, exist_ok=True)
    run = root / "run"
    run.mkdir(exist_ok=True)
    os.chmod(root, 0o755)  # noqa: S103 - Dovecot's own users must reach the config
    for path in (home, home / "Maildir"):
        os.chown(path, mail_user.pw_uid, mail_user.pw_gid)
    users = root / "users"
    users.write_text(f"{USER}:{{PLAIN}}{PASSWORD}:{mail_user.pw_uid}:{mail_user.pw_gid}::{home}\n")
    conf = root / "dovecot.conf"
    conf.write_text(
        f"""
base_dir = {run}
state_dir = {root / "state"}
instance_name = vulndesk-test-{port}
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {internal}
default_internal_group = {pwd.getpwnam(internal).pw_name if os.getuid() == 0 else me.pw_name}
default_login_user = {login}
log_path = {root / "dovecot.log"}
mail_location = maildir:~/Maildir
first_valid_uid = 1
mail_uid = {mail_user.pw_uid}
mail_gid = {mail_user.pw_gid}
passdb {{
  driver = passwd-file
  args = {users}
}}
userdb {{
  driver = passwd-file
  args = {users}
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
service imap-login {{
  chroot =
}}
namespace inbox {{
  inbox = yes
}}
"""
    )
    (root / "state").mkdir(exist_ok=True)
    proc = subprocess.Popen([DOVECOT, "-F", "-c", str(conf)], stderr=subprocess.DEVNULL)
    try:
        _wait(port, proc)
        yield ImapServer("127.0.0.1", port, USER, PASSWORD)
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
