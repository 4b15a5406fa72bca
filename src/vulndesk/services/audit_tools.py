"""Audit-chain verification in batches, and Ed25519-signed checkpoints of the chain's head."""

from __future__ import annotations

import base64
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from vulndesk.domain.audit import GENESIS, ChainedEvent, VerifyResult, verify_chain
from vulndesk.domain.errors import InvalidInput
from vulndesk.services.audit_verify import BATCH, verify_rows
from vulndesk.services.context import Deps


def verify(deps: Deps, batch: int = BATCH) -> VerifyResult:
    """Walk the whole chain, `batch` events at a time, so memory stays flat for any length."""
    fast = verify_rows(deps, batch)
    if fast is not None:
        result, start = fast
        if not result.ok:
            return result
        return _after_end(deps, start, result.checked, result.head)
    prev, start, checked = GENESIS, 1, 0
    while True:
        with deps.uow() as uow:
            events = uow.audit.events(start, start + batch - 1)
        if events:
            result = verify_chain(events, start_prev=prev, start_seq=start)
            checked += result.checked
            if not result.ok:
                return VerifyResult(False, checked, result.first_bad, result.problem, result.head)
            prev, start = result.head, start + len(events)
            if len(events) == batch:
                continue
        return _after_end(deps, start, checked, prev)


def _after_end(deps: Deps, start: int, checked: int, prev: str) -> VerifyResult:
    """The walk ran out at `start`: anything stored later means events are missing."""
    with deps.uow() as uow:
        later = uow.audit.events(start, None)[:1]
    if later:
        problem = f"expected seq {start}, found {later[0].seq} (missing or reordered)"
        return VerifyResult(False, checked, start, problem, prev)
    return VerifyResult(True, checked, None, "", prev)


def list_events(deps: Deps, start: int, limit: int) -> list[ChainedEvent]:
    with deps.uow() as uow:
        return uow.audit.events(start, start + limit - 1)


def _key_path(home: Path) -> Path:
    return home / "audit-signing.key"


def signing_key(home: Path) -> Ed25519PrivateKey:
    """The checkpoint signing key, created with owner-only permissions when missing."""
    path = _key_path(home)
    if path.exists():
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise InvalidInput(str(path), "is not an Ed25519 private key", "a PEM Ed25519 key")
        return key
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
    return key


def public_key_text(home: Path) -> str:
    raw = (
        signing_key(home)
        .public_key()
        .public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    )
    return base64.b64encode(raw).decode()


def key_id(public_b64: str) -> str:
    return hashlib.sha256(base64.b64decode(public_b64)).hexdigest()[:16]


def _payload(seq: int, head: str, at: str, kid: str) -> bytes:
    return json.dumps(
        {"seq": seq, "hash": head, "at": at, "key_id": kid}, sort_keys=True, separators=(",", ":")
    ).encode()


@dataclass(frozen=True, slots=True)
class Checkpoint:
    seq: int
    hash: str
    at: str
    key_id: str
    public_key: str
    signature: str


def checkpoint(deps: Deps, home: Path) -> Checkpoint:
    """Sign the head of a chain that verifies; a broken chain is never signed."""
    result = verify(deps)
    if not result.ok:
        raise InvalidInput(
            "audit chain",
            f"does not verify at seq {result.first_bad}: {result.problem}",
            "an intact chain",
        )
    key = signing_key(home)
    pub = public_key_text(home)
    kid = key_id(pub)
    at = deps.clock.now().isoformat()
    sig = key.sign(_payload(result.checked, result.head, at, kid))
    return Checkpoint(result.checked, result.head, at, kid, pub, base64.b64encode(sig).decode())


def verify_checkpoint(deps: Deps, cp: Checkpoint, trusted_public_key: str) -> VerifyResult:
    """Check the signature, then that the chain verifies and still holds `seq` with `hash`."""
    pub = Ed25519PublicKey.from_public_bytes(base64.b64decode(trusted_public_key))
    try:
        pub.verify(base64.b64decode(cp.signature), _payload(cp.seq, cp.hash, cp.at, cp.key_id))
    except InvalidSignature:
        return VerifyResult(
            False, 0, None, "checkpoint signature is not valid for the trusted key", ""
        )
    result = verify(deps)
    if not result.ok:
        return result
    with deps.uow() as uow:
        at_seq = uow.audit.events(cp.seq, cp.seq)
    if not at_seq:
        return VerifyResult(
            False,
            result.checked,
            result.checked + 1,
            f"chain ends at seq {result.checked}, before checkpoint seq {cp.seq} (truncated)",
            result.head,
        )
    if at_seq[0].hash != cp.hash:
        return VerifyResult(
            False,
            result.checked,
            cp.seq,
            "event at checkpoint seq has a different hash (history rewritten)",
            result.head,
        )
    return result


def load_checkpoint(text: str) -> Checkpoint:
    try:
        d = json.loads(text)
        return Checkpoint(
            int(d["seq"]),
            str(d["hash"]),
            str(d["at"]),
            str(d["key_id"]),
            str(d["public_key"]),
            str(d["signature"]),
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise InvalidInput(
            "checkpoint",
            "is not a checkpoint JSON",
            "{seq, hash, at, key_id, public_key, signature}",
        ) from exc
