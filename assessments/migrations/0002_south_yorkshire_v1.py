"""Load version 1 of the South Yorkshire CSE screening tool, published, so that it exists after
``migrate`` (in every environment and in tests)."""

from __future__ import annotations

import json
from pathlib import Path

from django.db import migrations
from django.utils import timezone

SOURCE = "south_yorkshire_v1.json"


def load_v1(apps, schema_editor) -> None:  # noqa: ANN001
    Instrument = apps.get_model("assessments", "Instrument")
    path = Path(__file__).resolve().parent.parent / "instruments" / SOURCE
    definition = json.loads(path.read_text(encoding="utf-8"))
    Instrument.objects.get_or_create(
        version=definition["version"],
        defaults={
            "name": definition["name"],
            "definition": definition,
            "status": "published",
            "source_file": SOURCE,
            "published_at": timezone.now(),
        },
    )


def unload_v1(apps, schema_editor) -> None:  # noqa: ANN001
    Instrument = apps.get_model("assessments", "Instrument")
    Instrument.objects.filter(version=1, source_file=SOURCE).delete()


class Migration(migrations.Migration):
    dependencies = [("assessments", "0001_initial")]

    operations = [migrations.RunPython(load_v1, unload_v1)]
