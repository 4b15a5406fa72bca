"""Key rotation re-encrypts every ciphertext while readers keep working."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.builders import open_case, seed_reference
from vulndesk.adapters.clock import SettableClock
from vulndesk.adapters.crypto import Keyring, load_or_create_keyring, save_keyring
from vulndesk.bootstrap import Container, build
from vulndesk.config import Settings
from vulndesk.domain.accounts import User
from vulndesk.domain.errors import GuardFailed
from vulndesk.domain.ids import CaseKey, PartyId, UnitId
from vulndesk.domain.ledger import NewLedgerEntry
from vulndesk.services.access.rights import Principal
from vulndesk.services.audit import checkpoints as audit_tools
from vulndesk.services.audit import keys
from vulndesk.services.cases import lifecycle as cases
from vulndesk.services.intake import public as intake
from vulndesk.services.intake.ports import StoredResponse, Upload


@pytest.fixture
def keyed(db_url: str, tmp_path: Path, clock: SettableClock) -> Iterator[Container]:
    """A container whose keyring lives in a file (the test fixtures' keys are inline)."""
    key_file = tmp_path / "vulndesk.key"
    save_keyring(key_file, Keyring.generate())
    c = build(Settings(home=tmp_path, database_url=db_url, key_file=key_file), clock)
    yield c
    c.close()


def _populate(c: Container, actor: Principal) -> list[str]:
    deps = c.deps()
    seed_reference(deps, actor)
    keys_ = [open_case(deps, actor, title=f"Case {n}").key for n in range(6)]
    got = intake.submit_report(
        deps,
        intake.IntakeRequest(
            product="router",
            description="secret details",
            attachments=(Upload("a.txt", "text/plain", b"attached"),),
        ),
    )
    intake.post_message(deps, got.tracking, got.token, "hello")
    return [*keys_, got.case_key]


def test_rotation_while_reading_then_drop_old(keyed: Container, actor: Principal) -> None:
    case_keys = _populate(keyed, actor)
    failures: list[BaseException] = []
    reads = 0
    stop = threading.Event()

    def reader() -> None:
        nonlocal reads
        while not stop.is_set():
            for key in case_keys:
                try:
                    cases.show_case(keyed.deps(), actor, key)
                    reads += 1
                except BaseException as exc:  # noqa: BLE001 - every failure is the finding
                    failures.append(exc)

    thread = threading.Thread(target=reader)
    thread.start()
    result = keys.rotate(keyed.deps(), actor, str(keyed.settings.effective_key_file), batch=2)
    stop.set()
    thread.join()
    assert failures == []
    assert reads > 0
    assert result.new_key == "k2"
    assert result.remaining == {}
    assert result.reencrypted["cases.details_enc"] == 7
    assert result.reencrypted["intake_attachments.content_enc"] == 1
    with keyed.uow() as uow:
        usage = uow.keys.usage()
    assert {kid for per_column in usage.values() for kid in per_column} == {"k2"}
    assert usage["case_facts.evidence_enc"]["k2"] >= 7
    # Re-sealed facts are evidence: bound again in the transaction that re-sealed them.
    verdict = audit_tools.verify(keyed.deps())
    assert verdict.ok, verdict.problem

    dropped = keys.rotate(
        keyed.deps(), actor, str(keyed.settings.effective_key_file), drop_old=True
    )
    assert sorted(dropped.dropped) == ["k1", "k2"]
    on_disk = load_or_create_keyring(keyed.settings.effective_key_file)
    assert set(on_disk.keys) == {"k3"}
    fresh = build(keyed.settings, keyed.clock)
    for key in case_keys:
        assert cases.show_case(fresh.deps(), actor, key).case.key == key
    with fresh.uow() as uow:
        assert uow.intake.messages(uow.intake.recent(1)[0].tracking)[0].body == "hello"
    fresh.close()


def test_drop_old_refuses_while_old_ciphertexts_remain(keyed: Container, actor: Principal) -> None:
    _populate(keyed, actor)
    with keyed.uow() as uow:
        uow.keys.rotate_file(str(keyed.settings.effective_key_file))
    # k1 ciphertexts still exist: a rotation that cannot re-encrypt them must not drop k1.
    with keyed.uow() as uow:
        assert "k1" in uow.keys.usage()["cases.details_enc"]
    with pytest.raises(GuardFailed):
        keys.rotate(
            keyed.deps(), actor, str(keyed.settings.effective_key_file), batch=0, drop_old=True
        )
    assert "k1" in load_or_create_keyring(keyed.settings.effective_key_file).keys


def test_rotation_covers_accounts_and_ledger_written_by_their_repositories(
    keyed: Container, actor: Principal
) -> None:
    case_keys = _populate(keyed, actor)
    now = keyed.clock.now()
    with keyed.uow() as uow:
        uow.accounts.add_user(
            User("ana", "Ana", "ana@example.org", "hq", frozenset({"analyst"}), now, None, "JBSW")
        )
        entry = uow.ledger.add(
            NewLedgerEntry(
                CaseKey(case_keys[0]),
                UnitId("cn"),
                "regulator_report",
                PartyId("nvdb"),
                "regulator",
                "portal",
                now,
                None,
                None,
                None,
                None,
                "exact text sent",
                "0" * 64,
                (),
                (),
                (),
                now,
                "analyst-a",
            )
        )
        uow.idempotency.put("api:ana", "k-1", StoredResponse("h" * 64, 201, '{"a": 1}'), now)
        uow.commit()
    result = keys.rotate(keyed.deps(), actor, str(keyed.settings.effective_key_file), drop_old=True)
    assert result.reencrypted["users.totp_enc"] == 1
    assert result.reencrypted["ledger_entries.content_enc"] == 1
    assert result.reencrypted["idempotency_keys.body_enc"] == 1
    fresh = build(keyed.settings, keyed.clock)
    with fresh.uow() as uow:
        assert uow.accounts.get_user("ana").totp_secret == "JBSW"
        assert uow.idempotency.get("api:ana", "k-1") == StoredResponse("h" * 64, 201, '{"a": 1}')
        assert uow.ledger.get(entry.id, content=True).entry.content == "exact text sent"
    fresh.close()


def test_rotation_reseals_the_recipient_of_a_watermark(keyed: Container, actor: Principal) -> None:
    from vulndesk.services.coordination import participants, watermark

    case_keys = _populate(keyed, actor)
    deps = keyed.deps()
    invited = participants.invite(deps, actor, case_keys[0], "openssl", "finder", ["a@o.example"])
    copy = participants.shared_view(deps, actor, case_keys[0], invited.id).stamped
    result = keys.rotate(deps, actor, str(keyed.settings.effective_key_file), drop_old=True)
    assert result.reencrypted["coord_watermarks.recipient_enc"] == 1
    fresh = build(keyed.settings, keyed.clock)
    [found] = watermark.trace(fresh.deps(), actor, copy)
    assert found.mark.recipient == "a@o.example"
    fresh.close()


def test_rotation_reseals_the_workers_snapshot(keyed: Container, actor: Principal) -> None:
    """The in-force what-if snapshot is sealed (decision 0048): rotation re-seals it, and the
    old key can then be dropped (it was refused while the snapshot was left out)."""
    from vulndesk.services.clocks import whatif_snapshot

    _populate(keyed, actor)
    deps = keyed.deps()
    assert whatif_snapshot.refresh(deps, keyed.rule_sets, force=True) == 1
    with deps.reader() as uow:
        before = uow.snapshots.get(whatif_snapshot.NAME)
    assert before is not None
    result = keys.rotate(deps, actor, str(keyed.settings.effective_key_file), drop_old=True)
    assert result.reencrypted["snapshots.body_enc"] == 1
    fresh = build(keyed.settings, keyed.clock)
    with fresh.deps().reader() as uow:
        after = uow.snapshots.get(whatif_snapshot.NAME)
    assert after is not None and after.body == before.body
    fresh.close()
