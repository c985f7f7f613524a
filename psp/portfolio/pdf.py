"""PDF of a published quarterly report, drawn by WeasyPrint from the same template and print
stylesheet a browser prints with. WeasyPrint needs Pango from Debian (Dockerfile, .ci/run)."""

from __future__ import annotations

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string

from psp.portfolio.models import QuarterlyReport

PRINT_STYLESHEET = "css/report-print.css"


def report_pdf_render(*, report: QuarterlyReport, base_url: str) -> bytes:
    import weasyprint  # imported here: loading Pango costs time every other page can skip

    html = render_to_string(
        "portfolio/report_pdf.html", {"report": report, "content": report.content}
    )
    stylesheet = weasyprint.CSS(filename=finders.find(PRINT_STYLESHEET))
    return weasyprint.HTML(string=html, base_url=base_url).write_pdf(stylesheets=[stylesheet])
