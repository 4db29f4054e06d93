"""An episode is open (missing now) or returned: the "closed" status that nothing set is gone.

Any episode that reads "closed" (none is written by the portal; one could only come from a hand
edit) had its return time, as the old constraint required, so it becomes "returned"; the
constraint then names the two statuses."""

from django.db import migrations, models


def closed_to_returned(apps, schema_editor):
    MissingEpisode = apps.get_model("missing", "MissingEpisode")
    MissingEpisode.objects.filter(status="closed").update(status="returned")


class Migration(migrations.Migration):
    dependencies = [
        ("missing", "0002_episode_missing_since_index"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="missingepisode",
            name="mfh_status_matches_return",
        ),
        migrations.RunPython(closed_to_returned, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="missingepisode",
            name="status",
            field=models.CharField(
                choices=[("missing", "Missing now"), ("returned", "Returned")],
                default="missing",
                max_length=10,
            ),
        ),
        migrations.AddConstraint(
            model_name="missingepisode",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("returned_at__isnull", True), ("status", "missing")),
                    models.Q(("returned_at__isnull", False), ("status", "returned")),
                    _connector="OR",
                ),
                name="mfh_status_matches_return",
                violation_error_message="A returned episode needs its return time.",
            ),
        ),
    ]
