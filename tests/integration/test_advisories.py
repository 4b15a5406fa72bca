"""An advisory from the case to the CSAF provider tree: draft, edit, diff, two approvals, publish."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
from pathlib import Path

import gnupg
import pytest

from tests.builders import accounts_for, as_person, open_case, seed_reference
from vulndesk.adapters.clock import SettableClock
from vulndesk.adapters.csaf_site import FileCsafSite
from vulndesk.adapters.openpgp import GpgSigner
from vulndesk.domain.errors import Forbidden, GuardFailed, InvalidInput
from vulndesk.exporters.advisories.advisory import Publisher
from vulndesk.exporters.advisories.provider import ProviderInfo, csaf_publisher
from vulndesk.exporters.validation import (
    validate_csaf,
    validate_osv,
    validate_provider_metadata,
)
from vulndesk.services.access import rights as access
from vulndesk.services.access.rights import Principal
from vulndesk.services.advisories import publish as advisory_publish
from vulndesk.services.advisories import revisions as advisories
from vulndesk.services.cases import lifecycle as cases
from vulndesk.services.cases import reference
from vulndesk.services.context import Deps
from vulndesk.services.disclosure import ledger

CANARY = "CANARY-POC-SECRET-51c9"
DETAILS = {
    "summary": "Heap overflow in the web server.",
    "harm": "Remote code execution.",
    "remediation": "Update to 2.0.",
    "workaround": "Disable remote management.",
    "technical_characteristics": "Unchecked length in the header parser.",
    "proof_of_concept": CANARY,
    "reporter_identity": CANARY + "-who",
}
SETUP = advisories.Setup(Publisher("Acme Inc.", "https://psirt.example.com"))
BASE = "https://psirt.example.com"
A = as_person("approver-a", "test", unit="de")
B = as_person("approver-b", "test", unit="de")


def who(name: str, *roles: str) -> Principal:
    return Principal(name, frozenset(roles), "de", frozenset({"read", "write"}), "test")


COORD = who("coord", "coordinator")
PA, PB = who("approver-a", "approver"), who("approver-b", "approver")


@pytest.fixture(scope="module")
def gpg_home(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    home = tmp_path_factory.mktemp("gnupg")
    gpg = gnupg.GPG(gnupghome=str(home))
    key = gpg.gen_key(
        gpg.gen_key_input(
            key_type="EDDSA",
            key_curve="ed25519",
            key_usage="sign",
            name_email="psirt@example.com",
            no_protection=True,
        )
    )
    assert key.fingerprint
    return home, str(key.fingerprint)


@pytest.fixture
def site(tmp_path: Path, gpg_home: tuple[Path, str]) -> FileCsafSite:
    signer = GpgSigner(*gpg_home)
    info = ProviderInfo(BASE, csaf_publisher(SETUP.publisher), signer.fingerprint)
    return FileCsafSite(tmp_path / "site", info, signer)


@pytest.fixture
def key(deps: Deps, actor: Principal) -> str:
    seed_reference(deps, actor)
    accounts_for(deps, A, B)
    reference.add_party(
        deps, actor, id="everyone", name="The public", kind="public", country="DE",
        channels=["email:psirt@example.com"],
    )  # fmt: skip
    case = open_case(deps, actor, unit="de", products={"router": ["1.0", "1.1"]}, details=DETAILS)
    for name in ("approver-a", "approver-b"):
        access.set_member(deps, actor, case.key, name, True)
    return str(case.key)


def _approved(deps: Deps, key: str) -> None:
    advisories.approve(deps, PA, key)
    advisories.approve(deps, PB, key)


def test_draft_edit_diff_and_preview_validate(deps: Deps, key: str) -> None:
    first = advisories.draft(deps, COORD, key, {})
    assert first.number == 1 and first.status == "draft"
    content = json.loads(first.content)
    assert {"summary", "harm", "remediation", "workaround"} == set(content["texts"])
    second = advisories.edit(deps, COORD, key, {"title": "Router heap overflow"})
    assert second.number == 2
    patch = advisories.diff(deps, COORD, SETUP, key)
    assert '+    "title": "Router heap overflow"' in patch
    for fmt, check in (("csaf", validate_csaf), ("csaf-vex", validate_csaf), ("osv", validate_osv)):
        _, text = advisories.preview(deps, COORD, SETUP, key, fmt)
        assert check(json.loads(text)) == [], fmt
        assert CANARY not in text
    revs = advisories.revisions(deps, COORD, key)
    assert [r.status for r in revs] == ["superseded", "draft"]


def test_secret_fields_and_unconsented_credit_are_refused(deps: Deps, key: str) -> None:
    with pytest.raises(InvalidInput, match="secret"):
        advisories.draft(deps, COORD, key, {"texts": {"proof_of_concept": "x", "summary": "s"}})
    with pytest.raises(InvalidInput, match="restricted"):
        advisories.draft(deps, COORD, key, {"texts": {"root_cause": "x", "summary": "s"}})
    with pytest.raises(InvalidInput, match="consent"):
        advisories.draft(deps, COORD, key, {"credit": "Jane Doe"})
    saved = advisories.draft(
        deps, COORD, key, {"credit": "Jane Doe", "credit_consent": "email 2026-03-01"}
    )
    assert "Jane Doe" in advisories.preview(deps, COORD, SETUP, key)[1]
    assert saved.number == 1


def test_two_different_approver_accounts_approve(deps: Deps, key: str) -> None:
    advisories.draft(deps, COORD, key, {})
    with pytest.raises(Forbidden):
        advisories.approve(deps, who("ghost", "admin"), key)  # no such account
    advisories.approve(deps, PA, key)
    with pytest.raises(GuardFailed, match="second person"):
        advisories.approve(deps, PA, key)
    done = advisories.approve(deps, PB, key)
    assert done.status == "approved" and set(done.approvers) == {"approver-a", "approver-b"}


def test_publish_needs_two_approvals(deps: Deps, key: str, site: FileCsafSite) -> None:
    advisories.draft(deps, COORD, key, {})
    advisories.approve(deps, PA, key)
    with pytest.raises(GuardFailed, match="two different approvers"):
        advisory_publish.publish(deps, COORD, SETUP, site, key)
    assert not site.root.exists()


def test_publish_writes_a_signed_provider_tree(
    deps: Deps, key: str, site: FileCsafSite, gpg_home: tuple[Path, str], tmp_path: Path,
    clock: SettableClock,
) -> None:  # fmt: skip
    advisories.draft(deps, COORD, key, {"title": "Router heap overflow"})
    _approved(deps, key)
    with pytest.raises(GuardFailed, match="fix-before-publication"):
        advisory_publish.publish(deps, COORD, SETUP, site, key)  # RMSV Art. 9(1)
    assert not site.root.exists()
    cases.record_fact(deps, A, key, "fix_available", None, "Firmware 2.0 released.")
    done = advisory_publish.publish(deps, COORD, SETUP, site, key)
    tree = site.tree
    doc_path = tree / done.path
    doc = json.loads(doc_path.read_text())
    assert validate_csaf(doc) == []
    assert doc["document"]["tracking"]["version"] == "1"
    metadata = json.loads((tree / "provider-metadata.json").read_text())
    assert validate_provider_metadata(metadata) == []
    assert metadata["role"] == "csaf_trusted_provider"
    assert metadata["public_openpgp_keys"][0]["fingerprint"] == gpg_home[1]
    assert (tree / "clear/index.txt").read_text() == done.path.removeprefix("clear/") + "\n"
    assert done.path.removeprefix("clear/") in (tree / "clear/changes.csv").read_text()
    feed = json.loads((tree / "clear/feed-tlp-white.json").read_text())
    assert feed["feed"]["entry"][0]["id"] == key
    osv = json.loads((site.root / f"osv/x_{key}.json").read_text())
    assert validate_osv(osv) == []
    # The canary of a secret field is in no published file.
    for path in site.root.rglob("*"):
        if path.is_file():
            assert CANARY.encode() not in path.read_bytes(), path
    # The ledger records the publication to the public.
    entries = [
        e for e in ledger.list_entries(deps, key) if e.entry.disclosure_kind == "public-advisory"
    ]
    assert len(entries) == 1 and set(entries[0].entry.approvers) == {"approver-a", "approver-b"}
    _verify_signature(tree, done.path, tmp_path)
    # An update is a new revision with the revision history CSAF requires.
    clock.advance(dt.timedelta(days=2))
    advisories.edit(deps, COORD, key, {"change": "Version 1.1 fixed."})
    _approved(deps, key)
    again = advisory_publish.publish(deps, COORD, SETUP, site, key)
    doc = json.loads((tree / again.path).read_text())
    history = doc["document"]["tracking"]["revision_history"]
    assert [r["number"] for r in history] == ["1", "2"] and again.version == "2"
    assert validate_csaf(doc) == []
    assert (tree / "clear/index.txt").read_text().count("\n") == 1


def _verify_signature(tree: Path, path: str, tmp_path: Path) -> None:
    """`gpg --verify` in a clean keyring that holds only the published key."""
    clean = tmp_path / "clean-gnupg"
    clean.mkdir(mode=0o700)
    metadata = json.loads((tree / "provider-metadata.json").read_text())
    key_url = metadata["public_openpgp_keys"][0]["url"]
    key_file = tree / key_url.split("/.well-known/csaf/", 1)[1]
    env = {"GNUPGHOME": str(clean), "PATH": "/usr/bin:/bin"}
    subprocess.run(
        ["gpg", "--batch", "--import", str(key_file)], env=env, check=True, capture_output=True
    )
    ok = subprocess.run(
        ["gpg", "--batch", "--verify", str(tree / f"{path}.asc"), str(tree / path)],
        env=env, capture_output=True,
    )  # fmt: skip
    assert ok.returncode == 0, ok.stderr
    changed = tmp_path / "changed.json"
    data = bytearray((tree / path).read_bytes())
    data[10] ^= 0x01
    changed.write_bytes(bytes(data))
    bad = subprocess.run(
        ["gpg", "--batch", "--verify", str(tree / f"{path}.asc"), str(changed)],
        env=env, capture_output=True,
    )  # fmt: skip
    assert bad.returncode != 0
