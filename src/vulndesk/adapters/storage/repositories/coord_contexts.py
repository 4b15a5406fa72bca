"""The associated data of coordinated disclosure's sealed columns.

Each names the table and the case (and the party, the message or the text's SHA-256), so a
ciphertext copied to another case's row does not decrypt; adapters/storage/rekey.py mirrors them.
"""

from __future__ import annotations

import hashlib


def people_ctx(case: str, party: str) -> str:
    return f"coord_participants.people:{case}:{party}"


def statement_ctx(case: str, sha256: str) -> str:
    return f"coord_statements.statement:{case}:{sha256}"


def file_ctx(case: str, message: int, sha256: str) -> str:
    return f"coord_attachments.content:{case}:{message}:{sha256}"


def message_ctx(case: str, sha256: str) -> str:
    return f"coord_messages.body:{case}:{sha256}"


def recipient_ctx(case: str, token: str) -> str:
    return f"coord_watermarks.recipient:{case}:{token}"


def invitation_ctx(invitation_id: int) -> str:
    return f"coord_invitations.token:{invitation_id}"


def sha_text(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()
