"""The assessment as a PDF (WeasyPrint), with the questions of its own instrument version."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string


def render_assessment_pdf(request: HttpRequest, context: dict[str, Any]) -> bytes:
    from weasyprint import HTML  # imported late: loading its system libraries is slow

    html = render_to_string("assessments/pdf.html", context, request=request)
    # No base URL: the document is self-contained and fetches nothing.
    return HTML(string=html).write_pdf()
