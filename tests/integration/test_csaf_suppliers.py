"""Stored CSAF suppliers: a provider kept with a pinned key, its pin changed only with a
justification (audited with the old and the new fingerprint), and a record of every document
fetched from it. Real provider trees signed by GnuPG, served by http.server (the fixtures of
test_csaf_provider_import); SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import gnupg
import pytest

from tests.builders import as_person
from tests.integration.test_csaf_provider_import import (  # noqa: F401 - fixtures
    MATCHING,
    _count,
    _key,
    _run,
    _sbom,
    _tree,
    served,
    signing,
)
from vulndesk.bootstrap import Container
from vulndesk.domain.audit_tags import AuditTag
from vulndesk.domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from vulndesk.services.access.rights import Principal
from vulndesk.services.context import Deps
from vulndesk.services.ports import AuditQuery
from vulndesk.services.publication import suppliers

ANALYST = as_person("analyst", roles={"analyst"})


def _audit(deps: Deps, tag: AuditTag) -> list[dict[str, str]]:
    with deps.reader() as uow:
        return [dict(e.event.detail) for e in uow.audit.search(AuditQuery(tag=tag))]


def _fetch(deps: Deps, actor: Principal, container: Container, name: str) -> dict[str, str]:
    done = suppliers.fetch(
        deps, actor, container.csaf_provider_source, container.document_readers, name
    )
    assert done.supplier == name
    return {d.url.rsplit("/", 1)[-1]: d.status for d in done.documents}


def test_a_supplier_is_added_pinned_anew_with_a_reason_and_removed(
    deps: Deps, actor: Principal, container: Container
) -> None:
    _sbom(deps, actor, container)
    fpr = "ab12 " * 10
    added = suppliers.add(deps, actor, "acme", "acme.example", fpr, "cn")
    assert added.metadata_url == "https://acme.example/.well-known/csaf/provider-metadata.json"
    assert added.fingerprint == "AB12" * 10 and added.unit == "cn"
    assert [s.name for s in suppliers.suppliers(deps, ANALYST)] == ["acme"]
    assert _audit(deps, AuditTag.IMPORT_SUPPLIER_ADDED)[0]["fingerprint"] == "AB12" * 10

    with pytest.raises(InvalidInput, match="justification"):
        suppliers.pin(deps, actor, "acme", "CD34" * 10, "  ")
    moved = suppliers.pin(deps, actor, "acme", "CD34" * 10, "key rotated, see mail of 1 Dec")
    assert moved.fingerprint == "CD34" * 10
    [pinned] = _audit(deps, AuditTag.IMPORT_SUPPLIER_PINNED)
    assert pinned == {
        "old_fingerprint": "AB12" * 10,
        "new_fingerprint": "CD34" * 10,
        "justification": "key rotated, see mail of 1 Dec",
    }

    with pytest.raises(Conflict, match="acme"):
        suppliers.add(deps, actor, "acme", "other.example", fpr, "cn")
    with pytest.raises(InvalidInput, match=r"^name"):
        suppliers.add(deps, actor, "Acme Inc", "acme.example", fpr, "cn")
    with pytest.raises(InvalidInput, match=r"^fingerprint"):
        suppliers.add(deps, actor, "beta", "beta.example", "1234", "cn")
    with pytest.raises(InvalidInput, match=r"^url"):
        suppliers.add(deps, actor, "beta", "ftp://beta.example/", fpr, "cn")
    with pytest.raises(NotFound, match="nowhere"):
        suppliers.add(deps, actor, "beta", "beta.example", fpr, "nowhere")
    for act in (
        lambda: suppliers.add(deps, ANALYST, "beta", "beta.example", fpr, "cn"),
        lambda: suppliers.pin(deps, ANALYST, "acme", fpr, "why"),
        lambda: suppliers.remove(deps, ANALYST, "acme"),
    ):
        with pytest.raises(Forbidden):
            act()
    with pytest.raises(NotFound):
        suppliers.documents(deps, actor, "missing")

    suppliers.remove(deps, actor, "acme")
    assert suppliers.suppliers(deps, actor) == []
    assert _audit(deps, AuditTag.IMPORT_SUPPLIER_REMOVED)[0]["fingerprint"] == "CD34" * 10
    with pytest.raises(NotFound):
        suppliers.remove(deps, actor, "acme")


def test_documents_are_recorded_and_only_new_ones_imported(
    deps: Deps,
    actor: Principal,
    container: Container,
    shared_dir: Path,
    served: tuple[str, Path],  # noqa: F811 - the fixture
    signing: tuple[Path, str],  # noqa: F811 - the fixture
    tmp_path: Path,
) -> None:
    _sbom(deps, actor, container)
    name = f"rec-{id(deps)}"
    base = _tree(served, signing, name, shared_dir)
    suppliers.add(deps, actor, "supplier", base, signing[1], "cn")
    first = _fetch(deps, actor, container, "supplier")
    assert set(first.values()) == {"imported"} and len(first) == 6
    docs = suppliers.documents(deps, ANALYST, "supplier")
    assert {d.status for d in docs} == {"imported"} and len(docs) == 6
    mine = next(d for d in docs if d.tracking_id == MATCHING)
    assert mine.url.endswith(f"{MATCHING.lower()}.json") and mine.tracking_version
    assert mine.sha256 and len(mine.sha256) == 64 and "opened VD-" in mine.detail
    assert suppliers.supplier(deps, actor, "supplier").last_fetch_at is not None
    assert _count(deps) == 1

    # Nothing changed: nothing is imported again, the record still says imported.
    again = _fetch(deps, actor, container, "supplier")
    assert set(again.values()) == {"already-imported"}
    after = {d.url: d for d in suppliers.documents(deps, actor, "supplier")}
    assert after[mine.url].status == "imported" and after[mine.url].sha256 == mine.sha256
    assert after[mine.url].fetched_at == mine.fetched_at
    assert _count(deps) == 1

    # The document's signature replaced by one of another key: refused and recorded.
    [path] = (served[1] / name).rglob(f"{MATCHING.lower()}.json")
    other = tmp_path / "other-gnupg"
    other_fpr = _key(other)
    sig = gnupg.GPG(gnupghome=str(other)).sign(
        path.read_bytes(), keyid=other_fpr, detach=True, binary=False
    )
    path.with_name(path.name + ".asc").write_text(str(sig))
    third = _fetch(deps, actor, container, "supplier")
    assert third[path.name] == "refused"
    record = {d.url: d for d in suppliers.documents(deps, actor, "supplier")}[mine.url]
    assert record.status == "refused" and "signature does not verify" in record.detail
    assert record.detail.startswith("provider-signature") and record.sha256 is None
    refusals = _audit(deps, AuditTag.IMPORT_PROVIDER_REFUSED)
    assert refusals[0]["supplier"] == "supplier"
    assert refusals[0]["check"] == "provider-signature"
    assert _count(deps) == 1


def test_a_mismatched_pin_refuses_every_document_and_a_one_off_run_must_agree(
    deps: Deps,
    actor: Principal,
    container: Container,
    shared_dir: Path,
    served: tuple[str, Path],  # noqa: F811 - the fixture
    signing: tuple[Path, str],  # noqa: F811 - the fixture
    tmp_path: Path,
) -> None:
    _sbom(deps, actor, container)
    base = _tree(served, signing, f"pin-{id(deps)}", shared_dir)
    wrong = _key(tmp_path / "wrong-gnupg")
    suppliers.add(deps, actor, "wrongpin", base, wrong, "cn")
    fetched = _fetch(deps, actor, container, "wrongpin")
    assert set(fetched.values()) == {"refused"}
    docs = suppliers.documents(deps, actor, "wrongpin")
    assert {d.status for d in docs} == {"refused"} and len(docs) == 6
    assert all("pinned fingerprint" in d.detail for d in docs)
    assert _count(deps) == 0

    # A one-off run of the same provider with another fingerprint than the stored pin.
    with pytest.raises(InvalidInput, match=r"^fingerprint") as refused:
        _run(deps, actor, container, base, signing[1])
    assert "vulndesk supplier pin wrongpin" in str(refused.value)
    # The pin changed with a reason: the one-off run with it now records for the supplier.
    suppliers.pin(deps, actor, "wrongpin", signing[1], "the supplier's key, confirmed by phone")
    done = _run(deps, actor, container, base, signing[1])
    assert done.supplier == "wrongpin" and {d.status for d in done.documents} == {"imported"}
    assert {d.status for d in suppliers.documents(deps, actor, "wrongpin")} == {"imported"}
    assert _count(deps) == 1
