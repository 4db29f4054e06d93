"""Celery beat's schedule (django-celery-beat's DatabaseScheduler): the outbox is drained every
minute, and the team managers get the overdue triage summary every morning."""

from django.db import migrations

OUTBOX = "referrals: send pending notifications"
SUMMARY = "referrals: daily overdue triage summary"


def create(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every_minute, _ = IntervalSchedule.objects.get_or_create(every=1, period="minutes")
    PeriodicTask.objects.update_or_create(
        name=OUTBOX,
        defaults={
            "task": "referrals.tasks.notifications_send_pending",
            "interval": every_minute,
            "crontab": None,
            "enabled": True,
        },
    )
    morning, _ = CrontabSchedule.objects.get_or_create(
        minute="0",
        hour="8",
        day_of_week="*",
        day_of_month="*",
        month_of_year="*",
        timezone="Europe/London",
    )
    PeriodicTask.objects.update_or_create(
        name=SUMMARY,
        defaults={
            "task": "referrals.tasks.overdue_triage_summary",
            "crontab": morning,
            "interval": None,
            "enabled": True,
        },
    )


def remove(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__in=[OUTBOX, SUMMARY]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("referrals", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create, remove)]
