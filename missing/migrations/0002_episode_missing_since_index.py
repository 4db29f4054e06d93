# The reports' measures count the episodes of a period and the one before (and the children among
# them): an index on the time a child went missing, with the child, so that they read the window
# and not the whole history. Additive: one index, no change to any row.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("missing", "0001_initial"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="missingepisode",
            index=models.Index(
                fields=["missing_since", "young_person"], name="mfh_episode_since_idx"
            ),
        ),
    ]
