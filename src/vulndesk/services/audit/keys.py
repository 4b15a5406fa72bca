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
    with deps.uow() as uow:
        new_key = uow.keys.rotate_file(key_file)
        columns = uow.keys.columns()
        uow.audit.append(
            actor.event(deps.clock.now(), AuditTag.KEYS_KEYRING_ROTATED, "keyring", new_key)
        )
        uow.commit()
    done: dict[str, int] = {}
    for column in columns:
        done[column] = 0
        while True:
            with deps.uow() as uow:
                n = uow.keys.reencrypt_batch(column, batch)
                uow.commit()
            done[column] += n
            if n == 0:
                break
    with deps.uow() as uow:
        usage = uow.keys.usage()
        unsupported = uow.keys.unsupported()
    remaining = {c: {k: n for k, n in u.items() if k != new_key} for c, u in usage.items()}
    remaining = {c: u for c, u in remaining.items() if u}
    dropped: list[str] = []
    if drop_old:
        if remaining or unsupported:
            raise GuardFailed(
                "keys.drop_old",
                f"old keys still in use ({remaining}) or unchecked columns ({unsupported}); not dropped",
            )
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
    with deps.uow() as uow:
        uow.audit.append(
            actor.event(
                deps.clock.now(), AuditTag.KEYS_DATA_REENCRYPTED, "keyring", new_key, tuple(columns)
            )
        )
        uow.commit()
    return RotationResult(new_key, done, remaining, dropped)
