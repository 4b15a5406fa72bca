"""The record of a report received from the public, as intake stores it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class IntakeRecord:
    """A report received from the public; the follow-up token is kept only as a hash."""

    tracking: str
    case_key: str
    token_hash: str
    channel: str
    language: str
    product: str
    received_at: dt.datetime
