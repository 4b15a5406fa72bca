"""Audit-chain verification in batches, and Ed25519-signed checkpoints of the chain's head."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from vulndesk.domain.audit import GENESIS, ChainedEvent, VerifyResult, verify_chain
from vulndesk.domain.errors import InvalidInput
from vulndesk.services.audit.verify import (
    BATCH,
    Bindings,
    check_evidence,
    check_head,
    collect_events,
    verify_rows,
)
from vulndesk.services.context import Deps


def verify(deps: Deps, batch: int = BATCH) -> VerifyResult:
    """Walk the whole chain, `batch` events at a time, so memory stays flat for any length;
    then the stored head against the chain's end, and every evidence row against the event
    that bound it."""
    bindings: Bindings = {}
    result = _walk(deps, batch, bindings)
    if not result.ok:
        return result
    result = check_head(deps, result)
    if not result.ok:
        return result
    return check_evidence(deps, result, bindings)


def _walk(deps: Deps, batch: int, bindings: Bindings) -> VerifyResult:
    fast = verify_rows(deps, batch, bindings)
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
            collect_events(bindings, events)
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


KEY_SETTING = "VULNDESK_CHECKPOINT_KEY"


def init_signing_key(path: Path) -> str:
    """Create a new Ed25519 checkpoint signing key at `path` (owner-only); its public key."""
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError as exc:
        raise InvalidInput(
            str(path), "already exists", "keep it, or move it away to make a new key"
        ) from exc
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
    return public_key_text(path)


def signing_key(path: Path) -> Ed25519PrivateKey:
    """The configured checkpoint signing key; never created implicitly."""
    if not path.is_file():
        raise InvalidInput(
            KEY_SETTING, f"{path} does not exist", "create it with `vulndesk keys checkpoint-init`"
        )
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise InvalidInput(str(path), "is not an Ed25519 private key", "a PEM Ed25519 key")
    return key


def public_key_text(path: Path) -> str:
    """The public half of the signing key at `path`, raw Ed25519 in base64."""
    raw = (
        signing_key(path)
        .public_key()
        .public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    )
    return base64.b64encode(raw).decode()


def read_public_key(text: str) -> str:
    """A trusted public key given as base64 (as `audit public-key` prints it) or PEM."""
    text = text.strip()
    if text.startswith("-----BEGIN"):
        key = serialization.load_pem_public_key(text.encode())
        if not isinstance(key, Ed25519PublicKey):
            raise InvalidInput("--public-key", "is not an Ed25519 public key", "a PEM Ed25519 key")
        raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return base64.b64encode(raw).decode()
    try:
        if len(base64.b64decode(text, validate=True)) == 32:
            return text
    except ValueError:
        pass
    raise InvalidInput(
        "--public-key", "is not an Ed25519 public key", "the output of `vulndesk audit public-key`"
    )


def key_id(public_b64: str) -> str:
    return hashlib.sha256(base64.b64decode(public_b64)).hexdigest()[:16]


def _payload(seq: int, head: str, at: str, kid: str) -> bytes:
    return json.dumps(
        {"seq": seq, "hash": head, "at": at, "key_id": kid}, sort_keys=True, separators=(",", ":")
    ).encode()


def payload_of(cp: Checkpoint) -> bytes:
    """The bytes a checkpoint's signature covers."""
    return _payload(cp.seq, cp.hash, cp.at, cp.key_id)


@dataclass(frozen=True, slots=True)
class Checkpoint:
    seq: int
    hash: str
    at: str
    key_id: str
    public_key: str
    signature: str


def checkpoint(deps: Deps, key_path: Path) -> Checkpoint:
    """Sign the head of a chain that verifies; a broken chain is never signed."""
    result = verify(deps)
    if not result.ok:
        raise InvalidInput(
            "audit chain",
            f"does not verify at seq {result.first_bad}: {result.problem}",
            "an intact chain",
        )
    key = signing_key(key_path)
    pub = public_key_text(key_path)
    kid = key_id(pub)
    at = deps.clock.now().isoformat()
    sig = key.sign(_payload(result.checked, result.head, at, kid))
    return Checkpoint(result.checked, result.head, at, kid, pub, base64.b64encode(sig).decode())


def verify_checkpoint(deps: Deps, cp: Checkpoint, trusted_public_key: str) -> VerifyResult:
    """Check the signature, then that the chain verifies and still holds `seq` with `hash`."""
    trusted = base64.b64decode(read_public_key(trusted_public_key))
    pub = Ed25519PublicKey.from_public_bytes(trusted)
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
            f"chain ends at seq {result.checked}, before checkpoint seq {cp.seq}"
            f" signed at {cp.at} (truncated)",
            result.head,
        )
    if at_seq[0].hash != cp.hash:
        return VerifyResult(
            False,
            result.checked,
            cp.seq,
            f"event at checkpoint seq {cp.seq} (signed at {cp.at}) has a different hash"
            " (history rewritten)",
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


def checkpoint_text(cp: Checkpoint) -> str:
    return json.dumps(asdict(cp), sort_keys=True, indent=2) + "\n"


def write_checkpoint(cp: Checkpoint, directory: Path) -> Path:
    """Store `cp` in `directory` (created if missing), atomically: a reader never sees half."""
    directory.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.fromisoformat(cp.at).astimezone(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
    path = directory / f"checkpoint-{cp.seq:012d}-{stamp}.json"
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        fh.write(checkpoint_text(cp))
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    return path


def newest_checkpoint(directory: Path) -> Checkpoint | None:
    """The checkpoint with the highest seq (then the latest instant) in `directory`.

    Names sort by seq, then instant (`write_checkpoint`), so only the last one is read: the
    worker asks every round, and a year of checkpoints is some fifty thousand files."""
    if not directory.is_dir():
        return None
    newest = max(directory.glob("checkpoint-*.json"), default=None)
    return None if newest is None else load_checkpoint(newest.read_text(encoding="utf-8"))


def checkpoint_due(directory: Path, now: dt.datetime, interval: dt.timedelta) -> bool:
    """True when the newest checkpoint in `directory` is older than `interval` (or absent)."""
    newest = newest_checkpoint(directory)
    return newest is None or dt.datetime.fromisoformat(newest.at) <= now - interval


def checkpoint_if_due(
    deps: Deps, key_path: Path, directory: Path, interval: dt.timedelta
) -> Checkpoint | None:
    """The worker's step: sign and store a checkpoint when the newest is `interval` old."""
    if not checkpoint_due(directory, deps.clock.now(), interval):
        return None
    cp = checkpoint(deps, key_path)
    write_checkpoint(cp, directory)
    return cp
