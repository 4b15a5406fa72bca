"""Report HTML renders to a PDF whose text layer carries the Chinese and English labels."""

from __future__ import annotations

import io
import logging
import shutil
import subprocess

import pytest

from tests.unit.reports.report_fixtures import context, make_case, party
from vulndesk.domain.parties import PartyKind
from vulndesk.exporters.reports.enisa import EnisaKind, build_enisa
from vulndesk.exporters.reports.model import to_html
from vulndesk.exporters.reports.nvdb import build_nvdb


def _has_cjk_font() -> bool:
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return False
    found = subprocess.run([fc_list, ":lang=zh"], capture_output=True, text=True, check=False)
    return bool(found.stdout.strip())


pytestmark = [
    pytest.mark.slow,
    # Without Debian's libharfbuzz-subset0 WeasyPrint subsets fonts with fontTools and says so.
    pytest.mark.filterwarnings("ignore:HarfBuzz-Subset will be required:DeprecationWarning"),
    pytest.mark.skipif(
        not _has_cjk_font(),
        reason="no CJK font installed (fc-list :lang=zh is empty); install fonts-noto-cjk to render Chinese",
    ),
]


def _pdf_text(html: str, caplog: pytest.LogCaptureFixture) -> str:
    """Render with WeasyPrint, refuse any warning it logs, and extract the text layer."""
    import weasyprint
    from pypdf import PdfReader

    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        pdf = weasyprint.HTML(string=html).write_pdf()
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert not [w for w in warnings if "HarfBuzz-Subset" not in w]
    reader = PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_nvdb_report_pdf_has_bilingual_labels_and_values(caplog: pytest.LogCaptureFixture) -> None:
    report = build_nvdb(context(make_case(), party(PartyKind.REGULATOR, "zh-CN")))
    text = _pdf_text(to_html(report), caplog)
    for expected in (
        "网络产品安全漏洞信息报送",
        "产品名称",
        "Product name",
        "技术特征",
        "XH-R300",
        "高危",
        "VD-2026-0007",
    ):
        assert expected in text, expected


def test_enisa_report_pdf_renders(caplog: pytest.LogCaptureFixture) -> None:
    report = build_enisa(
        context(make_case(), party(PartyKind.CSIRT)), EnisaKind.VULNERABILITY_NOTIFICATION
    )
    text = _pdf_text(to_html(report), caplog)
    assert "Art. 14(2)(b)" in text
    assert "制造商" in text
