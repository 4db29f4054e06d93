"""The reports' referral measures read the referrals submitted or decided in a period off an
index on each date, not the whole table."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("referrals", "0006_list_order_indexes"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="referral",
            index=models.Index(fields=["submitted_at"], name="referral_submitted_idx"),
        ),
        migrations.AddIndex(
            model_name="referral",
            index=models.Index(fields=["decided_at"], name="referral_decided_at_idx"),
        ),
    ]
