"""The auditor's status of the chain: the latest recorded verification and the newest checkpoint.

A verification started in the console walks the whole chain (and the evidence rows), then is
recorded as an `audit:chain:verified` event naming its verdict, so the next viewer sees who
verified, when and with what result without walking the chain again. The newest signed
checkpoint is read from its directory and its signature checked against the configured key.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from vulndesk.domain.audit import ChainedEvent, VerifyResult
from vulndesk.domain.audit_tags import AuditTag
from vulndesk.domain.errors import InvalidInput
from vulndesk.services.access.rights import AUDIT_READERS, Principal
from vulndesk.services.audit import checkpoints
from vulndesk.services.context import Deps
from vulndesk.services.ports import AuditQuery


@dataclass(frozen=True, slots=True)
class CheckpointStatus:
    """The newest checkpoint; `signature_ok` None when no key is configured to check it with,
    `in_chain` whether the chain still holds its head at its position."""

    checkpoint: checkpoints.Checkpoint
    signature_ok: bool | None
    in_chain: bool

    @property
    def at(self) -> dt.datetime:
        return dt.datetime.fromisoformat(self.checkpoint.at)


def verify_now(deps: Deps, principal: Principal) -> VerifyResult:
    """Walk the chain, its stored head and evidence rows now, and record the verdict."""
    principal.require(AUDIT_READERS)
    result = checkpoints.verify(deps)
    detail = {"ok": "yes" if result.ok else "no", "checked": str(result.checked)}
    detail |= {"head": result.head} if result.head else {}
    detail |= {} if result.first_bad is None else {"first_bad": str(result.first_bad)}
    now = deps.clock.now()
    with deps.uow() as uow:
        uow.audit.append(
            principal.event(now, AuditTag.AUDIT_CHAIN_VERIFIED, "audit", "chain", (), **detail)
        )
        uow.commit()
    return result


def latest_verification(deps: Deps, principal: Principal) -> ChainedEvent | None:
    """The newest recorded verification, if any."""
    principal.require(AUDIT_READERS)
    with deps.reader() as uow:
        found = uow.audit.search(AuditQuery(tag=AuditTag.AUDIT_CHAIN_VERIFIED, limit=1))
    return found[0] if found else None


def _signature_ok(cp: checkpoints.Checkpoint, key_path: Path | None) -> bool | None:
    if key_path is None:
        return None
    try:
        trusted = base64.b64decode(checkpoints.public_key_text(key_path))
        key = Ed25519PublicKey.from_public_bytes(trusted)
        key.verify(base64.b64decode(cp.signature), checkpoints.payload_of(cp))
    except (InvalidSignature, ValueError, binascii.Error, OSError, InvalidInput):
        return False
    return True


def newest_checkpoint(
    deps: Deps, principal: Principal, directory: Path, key_path: Path | None
) -> CheckpointStatus | None:
    """The newest checkpoint in `directory`, its signature checked with the key at `key_path`."""
    principal.require(AUDIT_READERS)
    try:
        cp = checkpoints.newest_checkpoint(directory)
    except InvalidInput:
        return None
    if cp is None:
        return None
    with deps.reader() as uow:
        at_seq = uow.audit.events(cp.seq, cp.seq)
    in_chain = bool(at_seq) and at_seq[0].hash == cp.hash
    return CheckpointStatus(cp, _signature_ok(cp, key_path), in_chain)
