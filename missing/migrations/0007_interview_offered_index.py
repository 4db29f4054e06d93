"""The reports' interview measures read the interviews offered in a period off one index (the
columns they count by included, so PostgreSQL need not visit the table)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("missing", "0006_episode_tally"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="returninterview",
            index=models.Index(
                fields=["created_at"],
                include=("status", "completed_at", "due_at", "id"),
                name="mfh_interview_offered_idx",
            ),
        ),
    ]
