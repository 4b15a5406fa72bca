"""Key rotation: a new current key, then every ciphertext re-encrypted in small transactions."""

from __future__ import annotations

from dataclasses import dataclass

from vulndesk.domain.audit_tags import AuditTag
from vulndesk.domain.errors import GuardFailed
from vulndesk.services.context import Acts, Deps


@dataclass(frozen=True, slots=True)
class RotationResult:
    new_key: str
    reencrypted: dict[str, int]
    remaining: dict[str, dict[str, int]]
    dropped: list[str]


def rotate(
    deps: Deps, actor: Acts, key_file: str, *, batch: int = 200, drop_old: bool = False
) -> RotationResult:
    """Rotate, re-encrypt batch by batch (each its own transaction), optionally drop old keys."""
    new_key, columns = _new_current_key(deps, actor, key_file)
    done = {column: _reencrypt(deps, column, batch) for column in columns}
    remaining, unsupported = _still_old(deps, new_key)
    dropped: list[str] = []
    if drop_old:
        if remaining or unsupported:
            raise GuardFailed(
                "keys.drop_old",
                f"old keys still in use ({remaining}) or unchecked columns ({unsupported}); not dropped",
            )
        dropped = _drop_old_keys(deps, actor, key_file, new_key)
    with deps.uow() as uow:
        uow.audit.append(
            actor.event(
                deps.clock.now(), AuditTag.KEYS_DATA_REENCRYPTED, "keyring", new_key, tuple(columns)
            )
        )
        uow.commit()
    return RotationResult(new_key, done, remaining, dropped)


def _new_current_key(deps: Deps, actor: Acts, key_file: str) -> tuple[str, list[str]]:
    """A new current key in the key file, audited; the sealed columns to re-encrypt."""
    with deps.uow() as uow:
        new_key = uow.keys.rotate_file(key_file)
        columns = uow.keys.columns()
        uow.audit.append(
            actor.event(deps.clock.now(), AuditTag.KEYS_KEYRING_ROTATED, "keyring", new_key)
        )
        uow.commit()
    return new_key, columns


def _reencrypt(deps: Deps, column: str, batch: int) -> int:
    """Re-encrypt one column under the current key, a transaction per batch; how many values."""
    done = 0
    while True:
        with deps.uow() as uow:
            n = uow.keys.reencrypt_batch(column, batch)
            uow.commit()
        done += n
        if n == 0:
            return done


def _still_old(deps: Deps, new_key: str) -> tuple[dict[str, dict[str, int]], list[str]]:
    """Per column, the values under keys other than `new_key`; and the unchecked columns."""
    with deps.uow() as uow:
        usage = uow.keys.usage()
        unsupported = uow.keys.unsupported()
    remaining = {c: {k: n for k, n in u.items() if k != new_key} for c, u in usage.items()}
    return {c: u for c, u in remaining.items() if u}, unsupported


def _drop_old_keys(deps: Deps, actor: Acts, key_file: str, new_key: str) -> list[str]:
    with deps.uow() as uow:
        dropped = uow.keys.drop_old_keys(key_file)
        uow.audit.append(
            actor.event(
                deps.clock.now(),
                AuditTag.KEYS_KEYRING_PRUNED,
                "keyring",
                new_key,
                (),
                dropped=",".join(dropped),
            )
        )
        uow.commit()
    return dropped
