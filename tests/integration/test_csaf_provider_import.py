"""A supplier's CSAF provider imported over HTTP: a real provider tree of the shared samples,
signed with a GnuPG key made here, served by http.server; hashes and signatures are checked
against the pinned fingerprint, and only products whose components match open a case."""

from __future__ import annotations

import copy
import datetime as dt
import functools
import hashlib
import json
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import gnupg
import pytest

from tests.builders import as_person, seed_reference
from vulndesk.adapters.csaf_provider import metadata_url
from vulndesk.adapters.csaf_site import FileCsafSite
from vulndesk.adapters.openpgp import GpgSigner
from vulndesk.bootstrap import Container
from vulndesk.domain.errors import Forbidden, InvalidInput
from vulndesk.exporters.advisories.provider import ProviderInfo
from vulndesk.services.access.rights import Principal
from vulndesk.services.cases import lifecycle as cases
from vulndesk.services.context import Deps
from vulndesk.services.ports import CaseFilter
from vulndesk.services.publication import imports, provider_import

PURL = "pkg:generic/openssl@3.0.13"
MATCHING = "SUPPLIER-PURL-1"
NOW = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def _key(home: Path) -> str:
    home.mkdir(mode=0o700, exist_ok=True)
    gpg = gnupg.GPG(gnupghome=str(home))
    key = gpg.gen_key(
        gpg.gen_key_input(
            key_type="EDDSA",
            key_curve="ed25519",
            key_usage="sign",
            name_email="psirt@supplier.example",
            no_protection=True,
        )
    )
    assert key.fingerprint, key.stderr
    return str(key.fingerprint)


def _documents(shared: Path) -> list[dict[str, Any]]:
    """The shared samples, and one of them naming its product by a purl we ship."""
    docs = [json.loads(p.read_text()) for p in sorted((shared / "samples/csaf-2.0").glob("*.json"))]
    base = next(d for d in docs if d["document"]["tracking"]["id"] == "2022-EVD-UC-01-A-001")
    ours = copy.deepcopy(base)
    ours["document"]["tracking"]["id"] = MATCHING
    product = ours["product_tree"]["branches"][0]["branches"][0]["branches"][0]["product"]
    product["product_identification_helper"] = {"purl": PURL}
    return [*docs, ours]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    root = tmp_path_factory.mktemp("provider-root")
    handler = functools.partial(_Quiet, directory=str(root))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", root
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def signing(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    home = tmp_path_factory.mktemp("supplier-gnupg")
    return home, _key(home)


def _tree(served: tuple[str, Path], signing: tuple[Path, str], name: str, shared: Path) -> str:
    """A provider tree under /NAME/.well-known/csaf/; its site URL."""
    base = f"{served[0]}/{name}"
    home, fingerprint = signing
    publisher = {"category": "vendor", "name": "Supplier", "namespace": "https://supplier.example"}
    site = FileCsafSite(
        served[1] / name / ".well-known",
        ProviderInfo(base, publisher, fingerprint),
        GpgSigner(home, fingerprint),
    )
    for doc in _documents(shared):
        site.publish(json.dumps(doc, indent=2), {}, NOW)
    return base


def _sbom(deps: Deps, actor: Principal, container: Container) -> None:
    seed_reference(deps, actor)
    sbom = {
        "bomFormat": "CycloneDX",
        "specVersion": "1.5",
        "version": 1,
        "components": [{"type": "library", "name": "openssl", "purl": PURL}],
    }
    imports.import_sbom(
        deps, actor, container.document_readers, "router", json.dumps(sbom).encode(), "1.1"
    )


def _run(deps: Deps, actor: Principal, container: Container, url: str, fpr: str) -> Any:
    return provider_import.import_provider(
        deps, actor, container.csaf_provider_source, container.document_readers, url, "cn", fpr
    )


def _count(deps: Deps) -> int:
    return cases.list_cases(deps, as_person("reader"), CaseFilter())[1]


def test_only_matching_products_open_cases_and_a_second_run_skips_them(
    deps: Deps,
    actor: Principal,
    container: Container,
    shared_dir: Path,
    served: tuple[str, Path],
    signing: tuple[Path, str],
) -> None:
    _sbom(deps, actor, container)
    base = _tree(served, signing, f"ok-{id(deps)}", shared_dir)
    done = _run(deps, actor, container, base, signing[1])
    assert done.metadata_url == f"{base}/.well-known/csaf/provider-metadata.json"
    assert len(done.documents) == len(_documents(shared_dir))
    assert {d.status for d in done.documents} == {"imported"}, done.documents
    opened = [c for d in done.documents for c in d.cases if c.action == "opened"]
    assert [c.products for c in opened] == [("router",)]
    others = [c for d in done.documents for c in d.cases if c.action != "opened"]
    assert len(others) >= 19 and {c.action for c in others} == {"no-impact"}
    assert _count(deps) == 1
    case = cases.show_case(deps, actor, str(opened[0].case)).case
    assert [(p.product, p.versions) for p in case.products] == [("router", ("1.1",))]

    again = _run(deps, actor, container, base, signing[1])
    skipped = [d for d in again.documents if d.status == "already-imported"]
    assert [d.url.rsplit("/", 1)[-1] for d in skipped] == ["supplier-purl-1.json"]
    assert _count(deps) == 1


def test_a_tampered_byte_or_another_key_is_refused_and_nothing_of_it_imported(
    deps: Deps,
    actor: Principal,
    container: Container,
    shared_dir: Path,
    served: tuple[str, Path],
    signing: tuple[Path, str],
    tmp_path: Path,
) -> None:
    _sbom(deps, actor, container)
    name = f"bad-{id(deps)}"
    base = _tree(served, signing, name, shared_dir)
    [path] = (served[1] / name).rglob("supplier-purl-1.json")
    data = path.read_bytes()
    path.write_bytes(data.replace(b"openssl", b"opensst", 1))  # hashes no longer match
    done = _run(deps, actor, container, base, signing[1])
    [refused] = [d for d in done.documents if d.status == "refused"]
    assert refused.url.endswith("supplier-purl-1.json") and "sha256" in refused.detail
    assert _count(deps) == 0

    # The hashes rewritten to match, the signature still the supplier's: refused.
    changed = path.read_bytes()
    path.with_name(path.name + ".sha256").write_text(hashlib.sha256(changed).hexdigest() + "\n")
    path.with_name(path.name + ".sha512").write_text(hashlib.sha512(changed).hexdigest() + "\n")
    done = _run(deps, actor, container, base, signing[1])
    [refused] = [d for d in done.documents if d.status == "refused"]
    assert "signature does not verify" in refused.detail
    assert _count(deps) == 0

    # Pinned to another key: every document refused.
    other = _key(tmp_path / "other-gnupg")
    done = _run(deps, actor, container, base, other)
    assert {d.status for d in done.documents} == {"refused"}
    assert all("pinned fingerprint" in d.detail for d in done.documents)
    assert _count(deps) == 0


def test_inputs_and_roles(deps: Deps, container: Container) -> None:
    assert metadata_url("supplier.example") == (
        "https://supplier.example/.well-known/csaf/provider-metadata.json"
    )
    with pytest.raises(InvalidInput, match="fingerprint"):
        _run(deps, as_person("admin"), container, "supplier.example", "ABCD")
    with pytest.raises(Forbidden):
        _run(deps, as_person("analyst", roles={"analyst"}), container, "supplier.example", "A" * 40)
    with pytest.raises(InvalidInput, match="could not be read"):
        _run(deps, as_person("admin"), container, "http://127.0.0.1:9/", "A" * 40)
