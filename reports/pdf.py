"""The highlight report as a PDF: the same HTML, laid out for A4 by WeasyPrint."""

from __future__ import annotations

import logging

from weasyprint import HTML

# WeasyPrint and fontTools log every font subset and unsupported CSS hint at INFO/WARNING.
for name in ("weasyprint", "fontTools"):
    logging.getLogger(name).setLevel(logging.ERROR)


def html_to_pdf(html: str) -> bytes:
    """A4 pages with page numbers (the page's @page rule); nothing is fetched from a network."""
    return HTML(string=html, base_url=None).write_pdf()
