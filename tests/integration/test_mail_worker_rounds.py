"""The worker reads a full mailbox without pausing between rounds: a round that filled its
batch is followed at once by the next, and the pause only comes once the folder is drained."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest
from imap_tools.mailbox import MailBoxUnencrypted

from tests import imap
from vulndesk.bootstrap import build
from vulndesk.config import Settings
from vulndesk.services.access import rights as access
from vulndesk.services.cases import reference
from vulndesk.services.intake.mail import BATCH

pytestmark = pytest.mark.skipif(not imap.available(), reason="dovecot-imapd is not installed")
SRC = Path(__file__).resolve().parents[2] / "src"


@pytest.fixture
def server() -> Iterator[imap.ImapServer]:
    with (
        tempfile.TemporaryDirectory(prefix="vulndesk-dovecot-") as root,
        imap.dovecot(Path(root)) as running,
    ):
        yield running


def _moved(server: imap.ImapServer, folder: str) -> int:
    with MailBoxUnencrypted(server.host, server.port).login(server.user, server.password) as box:
        return int(box.folder.status(folder, ["MESSAGES"])["MESSAGES"])


def test_more_than_a_batch_is_read_without_waiting_for_the_next_interval(
    server: imap.ImapServer, tmp_path: Path
) -> None:
    total = BATCH + 5
    with MailBoxUnencrypted(server.host, server.port).login(server.user, server.password) as box:
        box.folder.create("in")
        box.folder.create("done")
        for i in range(total):
            msg = EmailMessage()
            msg["From"], msg["Subject"] = f"finder{i}@example.org", "Vulnerability"
            msg["Message-ID"] = f"<round-{i}@example.org>"
            msg.set_content(f"Product: item-{i}\nSQL injection number {i}")
            box.append(msg.as_bytes(), "in")
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("VULNDESK_")},
        "PYTHONPATH": str(SRC),
        "VULNDESK_HOME": str(tmp_path / "home"),
        "VULNDESK_IMAP_HOST": server.host,
        "VULNDESK_IMAP_PORT": str(server.port),
        "VULNDESK_IMAP_USER": server.user,
        "VULNDESK_IMAP_PASSWORD": server.password,
        "VULNDESK_IMAP_FOLDER": "in",
        "VULNDESK_IMAP_PROCESSED_FOLDER": "done",
        "VULNDESK_IMAP_SECURITY": "none",
    }
    c = build(Settings.from_env(env))
    c.migrate()
    admin = access.person("setup", {"admin"}, source="test")
    reference.add_unit(c.deps(), admin, id="hq", name="Acme", country="CN", timezone="UTC")
    c.close()
    # With a 60 s interval, a pause after the first (full) round would leave 5 messages unread
    # for a minute; the bound below is far shorter than that pause.
    cmd = [sys.executable, "-m", "vulndesk", "worker", "--interval", "60"]
    worker = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 40
        while _moved(server, "done") < total and time.monotonic() < deadline:
            assert worker.poll() is None, worker.returncode
            time.sleep(0.3)
        assert _moved(server, "done") == total
        assert _moved(server, "in") == 0
    finally:
        worker.terminate()
        worker.wait(20)
