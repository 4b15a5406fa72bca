"""Every published CSAF document passes BSI's validator: strict schema and mandatory tests.

The advisory goes through the whole flow (draft, two approvals, publish into a signed provider
tree); each CSAF document in the tree, and the CSAF VEX of the published revision, is handed to
`@secvisogram/csaf-validator-lib` (tests/js/validate.mjs), which must accept it. A document
broken on purpose must be refused, so the check can fail.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import gnupg
import pytest

from tests.builders import accounts_for, as_person, open_case, seed_reference
from tests.csaf_validator import bsi_findings, node_or_skip
from vulndesk.adapters.csaf_site import FileCsafSite
from vulndesk.adapters.openpgp import GpgSigner
from vulndesk.exporters.advisories.advisory import Publisher
from vulndesk.exporters.advisories.provider import ProviderInfo, csaf_publisher
from vulndesk.services.access import rights as access
from vulndesk.services.access.rights import Principal
from vulndesk.services.advisories import publish as advisory_publish
from vulndesk.services.advisories import revisions as advisories
from vulndesk.services.cases import lifecycle as cases
from vulndesk.services.cases import reference
from vulndesk.services.context import Deps

SETUP = advisories.Setup(Publisher("Acme Inc.", "https://psirt.example.com"))
DETAILS = {
    "summary": "Heap overflow in the web server.",
    "harm": "Remote code execution.",
    "remediation": "Update to 2.0.",
    "workaround": "Disable remote management.",
}


def who(name: str, *roles: str) -> Principal:
    return Principal(name, frozenset(roles), "de", frozenset({"read", "write"}), "test")


COORD = who("coord", "coordinator")
APPROVERS = (who("approver-a", "approver"), who("approver-b", "approver"))


@pytest.fixture(scope="module")
def node() -> str:
    return node_or_skip()


@pytest.fixture
def site(tmp_path: Path) -> FileCsafSite:
    home = tmp_path / "gnupg"
    home.mkdir(mode=0o700)
    gpg = gnupg.GPG(gnupghome=str(home))
    key = gpg.gen_key(
        gpg.gen_key_input(
            key_type="EDDSA", key_curve="ed25519", key_usage="sign",
            name_email="psirt@example.com", no_protection=True,
        )
    )  # fmt: skip
    signer = GpgSigner(home, str(key.fingerprint))
    info = ProviderInfo(
        "https://psirt.example.com", csaf_publisher(SETUP.publisher), signer.fingerprint
    )
    return FileCsafSite(tmp_path / "site", info, signer)


def _published_case(deps: Deps, actor: Principal, site: FileCsafSite) -> str:
    seed_reference(deps, actor)
    accounts_for(deps, *(as_person(p.name, "test", unit="de") for p in APPROVERS))
    reference.add_party(
        deps, actor, id="everyone", name="The public", kind="public", country="DE",
        channels=["email:psirt@example.com"],
    )  # fmt: skip
    case = open_case(deps, actor, unit="de", products={"router": ["1.0", "1.1"]}, details=DETAILS)
    key = str(case.key)
    for p in APPROVERS:
        access.set_member(deps, actor, case.key, p.name, True)
    advisories.draft(deps, COORD, key, {"title": "Router heap overflow", "cve": "CVE-2026-0001"})
    for p in APPROVERS:
        advisories.approve(deps, p, key)
    cases.record_fact(deps, actor, key, "fix_available", None, "Firmware 2.0 released.")
    advisory_publish.publish(deps, COORD, SETUP, site, key)
    return key


def test_every_published_csaf_document_passes_bsi_validator(
    deps: Deps, actor: Principal, site: FileCsafSite, node: str
) -> None:
    key = _published_case(deps, actor, site)
    documents = sorted((site.tree / "clear").glob("[0-9][0-9][0-9][0-9]/*.json"))
    assert len(documents) == 1
    for path in documents:
        status, findings = bsi_findings(node, path.read_bytes())
        assert status == 0, f"{path.name}: {findings}"
    _, vex = advisories.preview(deps, COORD, SETUP, key, "csaf-vex")
    assert json.loads(vex)["document"]["category"] == "csaf_vex"
    status, findings = bsi_findings(node, vex.encode())
    assert status == 0, f"CSAF VEX: {findings}"


def test_a_broken_document_fails_bsi_validator(
    deps: Deps, actor: Principal, site: FileCsafSite, node: str
) -> None:
    _published_case(deps, actor, site)
    (path,) = (site.tree / "clear").glob("[0-9][0-9][0-9][0-9]/*.json")
    good = json.loads(path.read_bytes())
    # Schema: a document without its publisher.
    no_publisher = copy.deepcopy(good)
    del no_publisher["document"]["publisher"]
    status, findings = bsi_findings(node, json.dumps(no_publisher).encode())
    assert status == 1 and "publisher" in findings, findings
    # Mandatory test 6.1.1: a product referenced but never defined (schema-valid).
    dangling = copy.deepcopy(good)
    dangling["vulnerabilities"][0]["product_status"]["known_affected"].append("CSAFPID-UNKNOWN")
    status, findings = bsi_findings(node, json.dumps(dangling).encode())
    assert status == 1 and "mandatoryTest_6_1_1" in findings, findings
