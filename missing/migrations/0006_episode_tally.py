"""The episode tally the reports' missing figures read, filled from the episodes already held (in
grouped SQL: one statement in PostgreSQL)."""

from django.db import migrations, models


def fill(apps, schema_editor):
    from missing import tally

    tally.rebuild(
        using=schema_editor.connection.alias,
        tally=apps.get_model("missing", "EpisodeTally"),
        episodes=apps.get_model("missing", "MissingEpisode"),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("missing", "0005_firing_police_import"),
    ]

    operations = [
        migrations.CreateModel(
            name="EpisodeTally",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("period", models.CharField(max_length=7)),
                ("episodes", models.PositiveIntegerField()),
                ("children", models.IntegerField()),
            ],
            options={
                "indexes": [
                    models.Index(
                        fields=["period", "episodes", "children"], name="mfh_tally_period_idx"
                    )
                ],
            },
        ),
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=True),
    ]
