"""The published advisory site through the app: the CSAF provider tree, OSV, CVE, security.txt.

After `advisory publish`, anyone (no sign-in) reads the tree at /.well-known/csaf/ exactly as
written on disk, the OSV and CVE files at stable URLs, and security.txt names the provider
metadata; paths that leave the site, hidden files and other TLP folders answer 404.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any, cast

import gnupg
import pytest
from fastapi.testclient import TestClient

from tests.builders import accounts_for, as_person, open_case, seed_reference
from vulndesk.adapters.clock import SettableClock
from vulndesk.adapters.csaf_site import FileCsafSite
from vulndesk.adapters.openpgp import GpgSigner
from vulndesk.bootstrap import Container
from vulndesk.entrypoints.api.app import create_app
from vulndesk.exporters.advisories.provider import ProviderInfo, csaf_publisher
from vulndesk.exporters.validation import validate_csaf, validate_osv, validate_provider_metadata
from vulndesk.services.access import rights as access
from vulndesk.services.access.rights import Principal
from vulndesk.services.advisories import publish as advisory_publish
from vulndesk.services.advisories import revisions as advisories
from vulndesk.services.cases import lifecycle as cases
from vulndesk.services.cases import reference

BASE = "http://127.0.0.1:8000"  # the default VULNDESK_PUBLIC_URL of the test container
CANARY = "CANARY-SITE-POC-7e21"
DETAILS = {
    "summary": "Heap overflow in the web server.",
    "remediation": "Update to 2.0.",
    "proof_of_concept": CANARY,
}


def who(name: str, *roles: str) -> Principal:
    return Principal(name, frozenset(roles), "de", frozenset({"read", "write"}), "test")


@pytest.fixture(scope="module")
def signing_key(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    home = tmp_path_factory.mktemp("gnupg")
    gpg = gnupg.GPG(gnupghome=str(home))
    key = gpg.gen_key(
        gpg.gen_key_input(
            key_type="EDDSA",
            key_curve="ed25519",
            key_usage="sign",
            name_email="psirt@example.org",
            no_protection=True,
        )
    )
    assert key.fingerprint, key.stderr
    return home, str(key.fingerprint)


@pytest.fixture
def client(container: Container) -> TestClient:
    return TestClient(create_app(container), base_url="https://testserver")


def _publish(container: Container, signing_key: tuple[Path, str]) -> tuple[str, str]:
    """A case's advisory drafted, approved by two approvers and published to the site root."""
    deps, setup = container.deps(), container.advisory_setup
    actor, a, b = (
        as_person("setup", "test"),
        as_person("approver-a", "test"),
        as_person("approver-b", "test"),
    )
    seed_reference(deps, actor)
    accounts_for(deps, a, b)
    reference.add_party(
        deps, actor, id="everyone", name="The public", kind="public", country="DE",
        channels=["email:psirt@example.org"],
    )  # fmt: skip
    case = open_case(deps, actor, unit="de", products={"router": ["1.0"]}, details=DETAILS)
    key = str(case.key)
    for name in ("approver-a", "approver-b"):
        access.set_member(deps, actor, case.key, name, True)
    cases.record_fact(deps, a, key, "fix_available", None, "Firmware 2.0 released.")
    coordinator = who("coord", "coordinator")
    advisories.draft(deps, coordinator, key, {"title": "Router heap overflow"})
    advisories.approve(deps, who("approver-a", "approver"), key)
    advisories.approve(deps, who("approver-b", "approver"), key)
    signer = GpgSigner(*signing_key)
    info = ProviderInfo(BASE, csaf_publisher(setup.publisher), signer.fingerprint)
    site = FileCsafSite(container.site_root(), info, signer)
    done = advisory_publish.publish(deps, coordinator, setup, site, key)
    return key, done.path


def test_the_published_tree_is_served_to_anyone(
    container: Container, client: TestClient, signing_key: tuple[Path, str]
) -> None:
    assert client.get("/.well-known/csaf/provider-metadata.json").status_code == 404
    assert "CSAF:" not in client.get("/.well-known/security.txt").text
    key, path = _publish(container, signing_key)
    tree = container.site_root() / "csaf"

    got = client.get("/.well-known/csaf/provider-metadata.json")
    assert got.status_code == 200 and got.headers["content-type"] == "application/json"
    metadata = got.json()
    assert validate_provider_metadata(metadata) == []
    assert metadata["canonical_url"] == f"{BASE}/.well-known/csaf/provider-metadata.json"

    doc = client.get(f"/.well-known/csaf/{path}")
    assert doc.status_code == 200 and doc.content == (tree / path).read_bytes()
    assert validate_csaf(doc.json()) == [] and CANARY not in doc.text
    digest = hashlib.sha256(doc.content).hexdigest()
    assert client.get(f"/.well-known/csaf/{path}.sha256").text.split()[0] == digest
    sha512 = client.get(f"/.well-known/csaf/{path}.sha512").text.split()[0]
    assert sha512 == hashlib.sha512(doc.content).hexdigest()
    signature = client.get(f"/.well-known/csaf/{path}.asc")
    assert signature.text.startswith("-----BEGIN PGP SIGNATURE-----")
    assert signature.headers["content-type"] == "application/pgp-signature"

    index = client.get("/.well-known/csaf/clear/index.txt")
    assert index.text == path.removeprefix("clear/") + "\n"
    assert path.removeprefix("clear/") in client.get("/.well-known/csaf/clear/changes.csv").text
    feed = client.get("/.well-known/csaf/clear/feed-tlp-white.json").json()
    assert feed["feed"]["entry"][0]["id"] == key
    key_url = metadata["public_openpgp_keys"][0]["url"].removeprefix(BASE)
    public_key = client.get(key_url)
    assert "BEGIN PGP PUBLIC KEY BLOCK" in public_key.text
    assert public_key.headers["content-type"] == "application/pgp-keys"
    listing = client.get("/.well-known/csaf/clear/")
    assert "index.txt" in listing.text.splitlines()

    osv_name = next((container.site_root() / "osv").glob("*.json")).name
    osv = client.get(f"/advisories/osv/{osv_name}")
    assert osv.status_code == 200 and validate_osv(osv.json()) == []
    assert CANARY not in osv.text

    txt = client.get("/.well-known/security.txt").text
    assert f"CSAF: {BASE}/.well-known/csaf/provider-metadata.json\n" in txt


@pytest.mark.parametrize(
    "url",
    [
        "/.well-known/csaf/../osv/x.json",
        "/.well-known/csaf/%2e%2e/%2e%2e/secret.txt",
        "/.well-known/csaf/clear/..%2f..%2fsecret.txt",
        "/.well-known/csaf/clear/%2e%2e/%2e%2e/secret.txt",
        "/.well-known/csaf/red/2026/x.json",
        "/.well-known/csaf/red/",
        "/.well-known/csaf/red",
        "/.well-known/csaf/clear/.hidden",
        "/advisories/osv/..%2f..%2fsecret.txt",
        "/advisories/cve/%2e%2e",
        "/advisories/cve/CVE-2026-0001.json",
    ],
)
def test_nothing_outside_the_public_tree_is_served(
    container: Container, client: TestClient, url: str
) -> None:
    root = container.site_root()
    (root / "csaf" / "red" / "2026").mkdir(parents=True)
    (root / "csaf" / "red" / "2026" / "x.json").write_text("{}")
    (root / "csaf" / "clear").mkdir(parents=True)
    (root / "csaf" / "clear" / ".hidden").write_text("hidden")
    (root / "osv").mkdir()
    (root / "osv" / "x.json").write_text("{}")
    (root.parent / "secret.txt").write_text("secret")
    (root / "secret.txt").write_text("secret")
    got = client.get(url)
    assert got.status_code == 404, (url, got.text)
    assert "secret" not in got.text and "hidden" not in got.text


def test_an_advisory_drafted_approved_and_published_through_the_api(
    container: Container, signing_key: tuple[Path, str]
) -> None:
    """Draft (retried with the same Idempotency-Key), two approvals, publish, then the site."""
    from tests.e2e.test_api_support import build_world

    w = build_world(container, cast(SettableClock, container.clock))
    signer = GpgSigner(*signing_key)
    info = ProviderInfo(
        BASE, csaf_publisher(container.advisory_setup.publisher), signer.fingerprint
    )
    container.__dict__["advisory_site"] = FileCsafSite(container.site_root(), info, signer)
    deps, setup = container.deps(), w.admin_actor
    reference.add_party(
        deps, setup, id="everyone", name="The public", kind="public", country="CN",
        channels=["email:psirt@example.org"],
    )  # fmt: skip
    cases.record_fact(deps, setup, w.own, "fix_available", None, "Firmware 2.0 released.")
    base = f"/api/v1/cases/{w.own}/advisory"
    body = {"texts": {"summary": "A flaw.", "remediation": "Update to 2.0."}, "tlp": "WHITE"}

    def post(user: str, path: str, key: str, json_body: object = None) -> Any:
        headers = w.headers(user, **{"Idempotency-Key": key})
        return w.client.post(path, headers=headers, json=json_body)

    first = post("analyst", base, "adv-1", body)
    assert first.status_code == 201, first.text
    assert (first.json()["revision"], first.json()["status"]) == (1, "draft")
    assert post("analyst", base, "adv-1", body).json() == first.json()  # a retry replays
    assert post("analyst", base, "adv-2", body).status_code == 409  # one advisory a case
    assert post("approver", f"{base}/publication", "pub-0").status_code == 409  # not approved
    assert post("approver", f"{base}/approvals", "ap-1").json()["status"] == "draft"
    approved = post("admin", f"{base}/approvals", "ap-2").json()
    assert (approved["status"], approved["approvers"]) == ("approved", ["approver", "admin"])
    done = post("approver", f"{base}/publication", "pub-1")
    assert done.status_code == 201, done.text
    assert (done.json()["status"], done.json()["version"]) == ("published", "1")
    listed = w.client.get(base, headers=w.headers("analyst")).json()
    assert [r["status"] for r in listed] == ["published"]
    shown = w.client.get(f"{base}/document?format=csaf", headers=w.headers("analyst"))
    assert shown.status_code == 200 and validate_csaf(shown.json()) == []
    public = w.client.get(f"/.well-known/csaf/{done.json()['path']}")
    assert public.status_code == 200 and public.json()["document"]["title"]
