"""The intake mailbox over IMAP (imap-tools): read the folder, move what is done."""

from __future__ import annotations

from dataclasses import dataclass, field
from types import TracebackType

from imap_tools.mailbox import BaseMailBox, MailBox, MailBoxStartTls, MailBoxUnencrypted
from imap_tools.query import AND


@dataclass(frozen=True, slots=True)
class ImapAccount:
    """Where the mailbox is (`security`: ssl, starttls or none) and its two folders."""

    host: str
    port: int
    user: str
    password: str = field(repr=False)
    folder: str = "INBOX"
    processed_folder: str = "Processed"
    security: str = "ssl"


class ImapMailbox:
    """One logged-in session; use as a context manager."""

    def __init__(self, account: ImapAccount, timeout: float = 30.0) -> None:
        self.settings = account
        self._timeout = timeout
        self._box: BaseMailBox | None = None

    def __enter__(self) -> ImapMailbox:
        s = self.settings
        kinds = {"ssl": MailBox, "starttls": MailBoxStartTls, "none": MailBoxUnencrypted}
        box = kinds[s.security](s.host, s.port, timeout=self._timeout)
        box.login(s.user, s.password, initial_folder=s.folder)
        if not box.folder.exists(s.processed_folder):
            box.folder.create(s.processed_folder)
        self._box = box
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._box is not None:
            self._box.logout()
            self._box = None

    @property
    def box(self) -> BaseMailBox:
        if self._box is None:
            raise RuntimeError("the mailbox is not open")
        return self._box

    def pending(self, limit: int) -> list[tuple[str, bytes]]:
        got = self.box.fetch(AND(all=True), mark_seen=False, limit=limit, bulk=True)
        return [(m.uid or "", m.obj.as_bytes()) for m in got if m.uid]

    def done(self, uid: str) -> None:
        self.box.move(uid, self.settings.processed_folder)
