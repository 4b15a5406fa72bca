"""Benchmark: mail intake of 1,000 messages (100 OpenPGP-encrypted) from a real IMAP server by
the real worker process, then a crash phase (SIGKILL midway, restart) checked for loss/doubles.

A throwaway Dovecot (tests/imap.py) and an aiosmtpd sink for the acknowledgements run beside
a fresh SQLite home; `vulndesk worker --interval 1` runs as a subprocess, as in production.
The baseline, measured in the same run on the same messages, is the raw IMAP fetch of the
folder without processing. Phase 2 delivers the same number of new messages to a second
folder, SIGKILLs the worker once half of them are moved, restarts it, and checks that every
message became exactly one report (each carries a unique `Product:` line, stored per report)
and that every message reached the processed folder.
Sizes: BENCH_MAIL_MESSAGES (default 1000), BENCH_MAIL_ENCRYPTED (default 100).
Writes bench/results/mail_intake.json. Run: .venv/bin/python -m bench.bench_mail_intake
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from email.message import EmailMessage
from email.mime.application import MIMEApplication
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from pathlib import Path
from typing import Any

import gnupg
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Sink
from imap_tools.mailbox import BaseMailBox, MailBoxUnencrypted
from sqlalchemy import text
from tests import imap

RESULTS = Path(__file__).resolve().parent / "results" / "mail_intake.json"
MESSAGES = int(os.environ.get("BENCH_MAIL_MESSAGES", "1000"))
ENCRYPTED = int(os.environ.get("BENCH_MAIL_ENCRYPTED", "100"))
TARGET_S = 60.0
LIMIT_S = 900.0  # give up waiting for the worker after this long
SRC = Path(__file__).resolve().parent.parent / "src"


def _box(server: imap.ImapServer) -> BaseMailBox:
    box = MailBoxUnencrypted(server.host, server.port)  # type: ignore[no-untyped-call]
    return box.login(server.user, server.password)


def _messages(gpg: gnupg.GPG, key: str, tag: str) -> list[bytes]:
    """MESSAGES mails from distinct senders, the first ENCRYPTED of them PGP/MIME-encrypted."""
    out = []
    for i in range(MESSAGES):
        body = f"Product: bench-{tag}-{i:05d}\nStack overflow in the login handler, case {i}\n"
        sender, msg_id = f"finder{i}@example.org", f"<{tag}-{i}@bench.example.org>"
        if i < ENCRYPTED:
            inner = EmailMessage()
            inner.set_content(body)
            sealed = str(gpg.encrypt(inner.as_bytes(), key, always_trust=True, armor=True))
            outer = MIMEMultipart("encrypted", protocol="application/pgp-encrypted")
            control = MIMEBase("application", "pgp-encrypted")
            control.set_payload("Version: 1\n")
            outer.attach(control)
            outer.attach(MIMEApplication(sealed, "octet-stream", lambda m: None))
            outer["From"], outer["Subject"], outer["Message-ID"] = sender, "...", msg_id
            out.append(outer.as_bytes())
            continue
        msg = EmailMessage()
        msg["From"], msg["To"], msg["Subject"] = sender, "security@example.com", "Vulnerability"
        msg["Message-ID"] = msg_id
        msg.set_content(body)
        out.append(msg.as_bytes())
    return out


def _deliver(server: imap.ImapServer, folder: str, raws: list[bytes]) -> None:
    with _box(server) as box:
        box.folder.create(folder)
        box.folder.create(folder + "-done")
        for raw in raws:
            box.append(raw, folder)


def _count(server: imap.ImapServer, folder: str) -> int:
    with _box(server) as box:
        return int(box.folder.status(folder, ["MESSAGES"])["MESSAGES"])


def _raw_fetch(server: imap.ImapServer, folder: str) -> tuple[float, int]:
    """The baseline: fetch every message of the folder over IMAP, nothing else."""
    started = time.monotonic()
    with _box(server) as box:
        box.folder.set(folder)
        got = sum(len(m.obj.as_bytes()) > 0 for m in box.fetch(mark_seen=False, bulk=True))
    return time.monotonic() - started, got


def _env(home: Path, server: imap.ImapServer, folder: str, gnupghome: Path, key: str,
         smtp_port: int) -> dict[str, str]:  # fmt: skip
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith("VULNDESK_")},
        "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")]),
        "VULNDESK_HOME": str(home),
        "VULNDESK_IMAP_HOST": server.host,
        "VULNDESK_IMAP_PORT": str(server.port),
        "VULNDESK_IMAP_USER": server.user,
        "VULNDESK_IMAP_PASSWORD": server.password,
        "VULNDESK_IMAP_FOLDER": folder,
        "VULNDESK_IMAP_PROCESSED_FOLDER": folder + "-done",
        "VULNDESK_IMAP_SECURITY": "none",
        "VULNDESK_GNUPGHOME": str(gnupghome),
        "VULNDESK_INTAKE_KEY": key,
        "VULNDESK_SMTP_HOST": "127.0.0.1",
        "VULNDESK_SMTP_PORT": str(smtp_port),
        "VULNDESK_SMTP_SENDER": "security@example.com",
    }


def _seed(env: dict[str, str]) -> None:
    from vulndesk.bootstrap import build
    from vulndesk.config import Settings
    from vulndesk.services.access import rights as access
    from vulndesk.services.cases import reference

    c = build(Settings.from_env(env))
    c.migrate()
    actor = access.person("bench", {"admin"}, source="bench")
    reference.add_unit(c.deps(), actor, id="hq", name="Acme", country="CN",
                       timezone="Asia/Shanghai")  # fmt: skip
    c.close()


def _worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    cmd = [sys.executable, "-m", "vulndesk", "worker", "--interval", "1"]
    with log.open("ab") as out:
        return subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT)


def _wait_moved(server: imap.ImapServer, folder: str, at_least: int, worker: Any) -> float:
    """Seconds until `at_least` messages are in the processed folder (polled every 0.2 s)."""
    started = time.monotonic()
    while _count(server, folder + "-done") < at_least:
        if worker.poll() is not None:
            raise RuntimeError(f"the worker exited with {worker.returncode}")
        if time.monotonic() - started > LIMIT_S:
            raise RuntimeError(f"fewer than {at_least} messages moved in {LIMIT_S:.0f} s")
        time.sleep(0.2)
    return time.monotonic() - started


def _stop(worker: subprocess.Popen[bytes]) -> None:
    worker.terminate()
    try:
        worker.wait(20)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait(10)


def _reports(env: dict[str, str]) -> list[str]:
    """The product line of every stored report (one per report)."""
    from vulndesk.bootstrap import build
    from vulndesk.config import Settings

    c = build(Settings.from_env(env))
    with c.engine.connect() as conn:
        rows = [str(r[0]) for r in conn.execute(text("SELECT product FROM intake_reports"))]
    c.close()
    return rows


def _phase(root: Path, server: imap.ImapServer, gpg_home: Path, key: str, smtp_port: int,
           tag: str, crash: bool) -> dict[str, Any]:  # fmt: skip
    gpg = gnupg.GPG(gnupghome=str(gpg_home))
    folder = f"in{tag}"
    _deliver(server, folder, _messages(gpg, key, tag))
    baseline, fetched = _raw_fetch(server, folder)
    env = _env(root / f"home-{tag}", server, folder, gpg_home, key, smtp_port)
    _seed(env)
    log = root / f"worker-{tag}.log"
    started = time.monotonic()
    worker = _worker(env, log)
    kills = 0
    try:
        if crash:
            _wait_moved(server, folder, MESSAGES // 2, worker)
            worker.send_signal(signal.SIGKILL)
            worker.wait(10)
            kills = 1
            worker = _worker(env, log)
        _wait_moved(server, folder, MESSAGES, worker)
    finally:
        _stop(worker)
    elapsed = time.monotonic() - started
    products = _reports(env)
    expected = {f"bench-{tag}-{i:05d}" for i in range(MESSAGES)}
    return {
        "seconds": elapsed,
        "baseline": baseline,
        "fetched": fetched,
        "reports": len(products),
        "distinct": len(set(products)),
        "lost": len(expected - set(products)),
        "doubled": len(products) - len(set(products)),
        "left_in_folder": _count(server, folder),
        "moved": _count(server, folder + "-done"),
        "kills": kills,
    }


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="vulndesk-bench-mail-") as tmp:
        root = Path(tmp)
        os.chmod(root, 0o755)  # noqa: S103 - Dovecot's own users must reach its directory
        gpg_home = root / "gnupg"
        gpg_home.mkdir(mode=0o700)
        gpg = gnupg.GPG(gnupghome=str(gpg_home))
        key = str(gpg.gen_key(gpg.gen_key_input(key_type="RSA", key_length=2048,
                  name_email="security@example.com", no_protection=True)).fingerprint)  # fmt: skip
        port = imap._free_port()
        smtp = Controller(Sink(), hostname="127.0.0.1", port=port)
        smtp.start()
        try:
            with imap.dovecot(root / "dovecot") as server:
                first = _phase(root, server, gpg_home, key, port, "a", crash=False)
                second = _phase(root, server, gpg_home, key, port, "b", crash=True)
        finally:
            smtp.stop()
    _write(first, second)


def _write(first: dict[str, Any], second: dict[str, Any]) -> None:
    size = f"{MESSAGES} messages, {ENCRYPTED} encrypted"
    whole = first["reports"] == first["distinct"] == MESSAGES and first["moved"] == MESSAGES
    safe = (
        second["lost"] == second["doubled"] == second["left_in_folder"] == 0
        and second["moved"] == MESSAGES
        and second["kills"] == 1
    )
    rows = [
        {
            "name": f"mail intake by the worker ({size})",
            "engine": "sqlite",
            "value": round(first["seconds"], 2),
            "unit": "s",
            "baseline": round(first["baseline"], 2),
            "target": TARGET_S,
            "passed": first["seconds"] <= TARGET_S and whole,
            "detail": first,
        },
        {
            "name": f"worker SIGKILLed midway and restarted ({size}): lost + doubled",
            "engine": "sqlite",
            "value": second["lost"] + second["doubled"],
            "unit": "messages",
            "baseline": None,
            "target": 0,
            "passed": safe,
            "detail": second,
        },
        {
            "name": f"mail intake with the crash and restart ({size})",
            "engine": "sqlite",
            "value": round(second["seconds"], 2),
            "unit": "s",
            "baseline": round(second["baseline"], 2),
            "target": None,
            "passed": None,
        },
    ]
    RESULTS.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
