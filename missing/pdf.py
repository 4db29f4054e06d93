"""The Philomena profile as a one-page PDF for the police (WeasyPrint), with the photo and the
OFFICIAL-SENSITIVE marking. Self-contained: the photo is embedded, nothing is fetched."""

from __future__ import annotations

import base64
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone

from .services import photo_path


def render_profile_pdf(
    profile: Any, episodes: list[Any], *, recipient: str, police_reference: str, sent_by: Any
) -> bytes:
    from weasyprint import HTML  # imported late: loading its system libraries is slow

    photo = None
    path = photo_path(profile)
    if path is not None and path.exists():
        photo = (
            f"data:{profile.photo_content_type};base64,"
            + base64.b64encode(path.read_bytes()).decode()
        )
    html = render_to_string(
        "missing/profile_pdf.html",
        {
            "profile": profile,
            "young_person": profile.young_person,
            "episodes": episodes,
            "photo": photo,
            "recipient": recipient,
            "police_reference": police_reference.strip().upper(),
            "sent_by": sent_by,
            "now": timezone.localtime(),
        },
    )
    return HTML(string=html).write_pdf()
