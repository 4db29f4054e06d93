"""Helpers for the missing app's tests: episodes reported and returned through the services."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone

from missing import services
from missing.models import MissingEpisode


@pytest.fixture(autouse=True)
def _private_dir(settings, tmp_path) -> None:
    """Photos and police files go to a fresh folder per test, never into var/."""
    settings.MISSING_PRIVATE_DIR = tmp_path / "private"


def hours_ago(hours: float) -> dt.datetime:
    return timezone.now() - dt.timedelta(hours=hours)


@pytest.fixture
def report(people) -> Callable[..., MissingEpisode]:
    """``report(young_person=..., by=..., hours=2, grade="medium", **fields)``."""

    def make(
        *,
        young_person: Any = None,
        by: Any = None,
        hours: float = 2,
        grade: str = "medium",
        **fields: Any,
    ) -> MissingEpisode:
        values: dict[str, Any] = {
            "missing_since": hours_ago(hours),
            "last_seen": "Leaving the children's home on Abbeydale Road",
            "risk_grade": grade,
        }
        values.update(fields)
        return services.episode_report(
            reported_by=by or people.alice, young_person=young_person or people.maya, **values
        )

    return make


@pytest.fixture
def returned(people) -> Callable[..., MissingEpisode]:
    """``returned(episode, hours_ago=0, by=..., **fields)``: the return recorded."""

    def make(
        episode: MissingEpisode, *, ago: float = 0, by: Any = None, **fields: Any
    ) -> MissingEpisode:
        return services.episode_return(
            episode=episode,
            returned_by=by or people.alice,
            returned_at=fields.pop("returned_at", hours_ago(ago)),
            return_method=fields.pop("return_method", "found_police"),
            **fields,
        )

    return make


def jpeg_bytes(*, gps: bool = False, size: tuple[int, int] = (40, 30)) -> bytes:
    from PIL import Image

    image = Image.new("RGB", size, (200, 30, 30))
    out = io.BytesIO()
    if gps:
        exif = Image.Exif()
        exif[0x010F] = "TestCam"  # Make
        gps_ifd = {1: "N", 2: (53.0, 22.0, 51.0), 3: "W", 4: (1.0, 28.0, 12.0)}
        exif[0x8825] = gps_ifd
        image.save(out, "JPEG", exif=exif)
    else:
        image.save(out, "JPEG")
    return out.getvalue()


def png_bytes() -> bytes:
    from PIL import Image, PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "taken at 10 Secret Street")
    out = io.BytesIO()
    Image.new("RGB", (20, 20), (0, 90, 200)).save(out, "PNG", pnginfo=info)
    return out.getvalue()
