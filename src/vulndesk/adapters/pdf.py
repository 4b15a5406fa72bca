"""PDF rendering of report HTML with WeasyPrint (the PdfRenderer port)."""

from __future__ import annotations

from typing import Any, NoReturn


def _no_fetch(url: str, *args: Any, **kwargs: Any) -> NoReturn:
    # Report HTML is standalone; a fetch would mean content that should not be there.
    raise ValueError(f"report HTML may not load outside resources: {url}")


class WeasyPrintRenderer:
    """Renders standalone HTML to PDF; Chinese text needs a CJK font (fonts-noto-cjk)."""

    def render(self, html: str) -> bytes:
        import weasyprint  # slow to import; only PDF previews need it

        pdf: bytes = weasyprint.HTML(string=html, url_fetcher=_no_fetch).write_pdf()
        return pdf
