"""The team manager's funnel (every referral but other people's drafts) is counted off an index
on the status and the referrer, without reading the table."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("referrals", "0007_report_period_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name="referral",
            index=models.Index(fields=["status", "referred_by"], name="referral_visible_idx"),
        ),
    ]
