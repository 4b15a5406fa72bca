"""Secret content never reaches a draft, a preview, the ledger export or the database in clear."""

from __future__ import annotations

import io
import json
import logging
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.builders import as_person, open_case
from tests.canary import database_rows, found_anywhere
from tests.integration.test_reports_flow import DETAILS, A, B, seed
from vulndesk.adapters.clock import SettableClock
from vulndesk.adapters.storage.schema import metadata
from vulndesk.bootstrap import Container
from vulndesk.domain.disclosure import DETAIL_FIELDS, Sensitivity
from vulndesk.domain.parties import PartyKind
from vulndesk.exporters.reports.kinds import REGISTRY
from vulndesk.services.access.rights import Principal
from vulndesk.services.context import Deps
from vulndesk.services.disclosure import ledger
from vulndesk.services.reports import approvals
from vulndesk.services.reports import drafts as reports

CANARY = "CANARY-7f3e9a-SECRET"
RECIPIENTS = {
    "nvdb": PartyKind.REGULATOR,
    "cncert": PartyKind.CSIRT,
    "cust-cn": PartyKind.CUSTOMER,
    "maker-cn": PartyKind.DOWNSTREAM_MAKER,
    "openssl": PartyKind.UPSTREAM_SUPPLIER,
    "finder": PartyKind.REPORTER,
    "everyone": PartyKind.PUBLIC,
}


def _secret_case(deps: Deps, actor: Principal) -> str:
    secrets = {f: f"{CANARY} in {f}" for f, c in DETAIL_FIELDS.items() if c is Sensitivity.SECRET}
    return open_case(deps, actor, details={**DETAILS, **secrets}).key


def test_canary_in_every_secret_field_never_leaves(
    deps: Deps, actor: Principal, container: Container, clock: SettableClock, db_url: str
) -> None:
    seed(deps, actor)
    key = _secret_case(deps, actor)
    # Every kind to every recipient it is written for (the others are refused when drafting).
    made = [
        reports.draft_report(deps, A, key, kind.name, recipient)
        for kind in REGISTRY
        for recipient, party_kind in RECIPIENTS.items()
        if kind.fits(party_kind)
    ]
    assert {r.draft.kind for r in made} == set(reports.KINDS)
    for record in made:
        assert CANARY not in record.draft.content, record.ref
        for fmt in ("json", "md", "html"):
            assert CANARY not in reports.preview(deps, A, record.ref, fmt).decode(), record.ref
    nvdb = next(r for r in made if r.ref.endswith("/nvdb/nvdb/v1"))
    approvals.approve(deps, A, nvdb.ref)
    approvals.approve(deps, B, nvdb.ref)
    ledger.record_submission(deps, A, nvdb.ref, clock.now(), "NVDB-1")
    for record in reports.list_drafts(deps, as_person("reader"), key):
        assert CANARY not in record.draft.content
    exported = [json.dumps(ledger.export_row(e)) for e in ledger.list_entries(deps)]
    assert exported and not [line for line in exported if CANARY in line]
    for entry in ledger.list_entries(deps):
        assert CANARY not in ledger.show_entry(deps, A, entry.id).entry.content

    # Nothing in any table holds the canary in clear, UTF-16, base64 or hex (details, drafts,
    # the ledger and the idempotency cache are encrypted).
    rows = database_rows(container.engine)
    assert {t.name for t in metadata.sorted_tables} <= set(rows)
    assert found_anywhere(rows, [CANARY]) == []
    if db_url.startswith("sqlite:///"):
        container.engine.dispose()
        raw = Path(db_url.removeprefix("sqlite:///")).read_bytes()
        assert found_anywhere({"sqlite file": raw}, [CANARY]) == []


def _has_cjk_font() -> bool:
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return False
    found = subprocess.run([fc_list, ":lang=zh"], capture_output=True, text=True, check=False)
    return bool(found.stdout.strip())


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore:HarfBuzz-Subset will be required:DeprecationWarning")
@pytest.mark.skipif(not _has_cjk_font(), reason="no CJK font installed (fonts-noto-cjk)")
def test_pdf_preview_of_nvdb_draft_has_chinese_labels_and_no_secret(
    deps: Deps, actor: Principal, container: Container, caplog: pytest.LogCaptureFixture
) -> None:
    from pypdf import PdfReader

    seed(deps, actor)
    key = _secret_case(deps, actor)
    record = reports.draft_report(deps, A, key, "nvdb", "nvdb")
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        pdf = reports.preview(deps, A, record.ref, "pdf", container.pdf_renderer)
    assert pdf.startswith(b"%PDF")
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    for expected in ("网络产品安全漏洞信息报送", "产品名称", "技术特征", "Product name", key):
        assert expected in text, expected
    assert CANARY not in text
