"""HTML to PDF on the employer's side: the one place that calls WeasyPrint for the employer's
documents (the benchmark report, the submission receipt).

Guarantees: nothing is fetched while rendering except files under ``base_url`` (the documents
inline their styles); WeasyPrint's CSS warnings are silenced (they concern SVG properties it
applies anyway); ``tagged=True`` writes a tagged PDF/UA-1 document (structure a screen reader
can follow), which needs ``<html lang>`` and a ``<title>``.
"""

from __future__ import annotations

import logging
from pathlib import Path


def pdf_from_html(html: str, *, base_url: str | Path, tagged: bool = False) -> bytes:
    from weasyprint import HTML  # imported only when a PDF is asked for: it takes a second

    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    return HTML(string=html, base_url=str(base_url)).write_pdf(pdf_variant="pdf/ua-1" if tagged else None)
