"""The team's notifications move to the core's outbox (``cse_portal.notifications``), which
claims with a lease and marks sent only after sending. Those still waiting are carried over."""

from django.conf import settings
from django.db import migrations

SUBJECTS = {
    "urgent": "Urgent referral {reference} is waiting for triage",
    "self_referral": "New self-referral {reference} is waiting for triage",
}


def carry_over_pending(apps, schema_editor):
    Old = apps.get_model("referrals", "Notification")
    New = apps.get_model("notifications", "Notification")
    using = schema_editor.connection.alias
    for old in Old.objects.using(using).filter(sent_at__isnull=True).select_related("referral"):
        reference = old.referral.reference
        link = f"{settings.SITE_URL.rstrip('/')}/referrals/triage/{old.referral_id}/"
        New.objects.using(using).get_or_create(
            key=f"referrals:{old.referral_id}:{old.kind}",
            defaults={
                "recipient_role": "team_manager",
                "subject": SUBJECTS.get(old.kind, "{reference}").format(reference=reference),
                "body": (
                    f"Reference: {reference}\nOpen it in the CSE portal: {link}\n\n"
                    "This email holds no personal details. Sign in to read the referral."
                ),
                "created_at": old.created_at,
                "attempts": old.attempts,
            },
        )


class Migration(migrations.Migration):
    dependencies = [
        ("referrals", "0004_free_text_max_length_and_sensible_dates"),
        ("notifications", "0001_outbox_with_lease"),
    ]

    operations = [
        migrations.RunPython(carry_over_pending, migrations.RunPython.noop),
        migrations.DeleteModel(name="Notification"),
    ]
