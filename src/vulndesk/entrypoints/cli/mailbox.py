"""The worker's round over the intake mailbox: read, receive, move (services.intake_mail)."""

from __future__ import annotations

from collections.abc import Callable

from vulndesk.bootstrap import Container
from vulndesk.entrypoints.api.intake import follow_up_limits, intake_rate
from vulndesk.services.intake import mail as intake_mail


def read_mailbox(
    container: Container, committed: Callable[[intake_mail.Outcome], None] | None = None
) -> list[intake_mail.Outcome]:
    """One pass over VULNDESK_IMAP_FOLDER with the same limits as the form and the API."""
    if container.settings.imap is None:
        return []
    with container.mailbox() as box:
        return intake_mail.poll(
            container.deps(),
            box,
            container.parse_mail,
            intake_rate(container),
            unit=container.settings.intake_unit,
            limits=follow_up_limits(container),
            committed=committed,
        )
