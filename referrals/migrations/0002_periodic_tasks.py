"""Celery beat's schedule (django-celery-beat's DatabaseScheduler): rate-limit rows are pruned every
minute, and the team managers get the overdue triage summary every morning."""

from django.db import migrations

from referrals.schedule import PRUNE, SUMMARY, ensure_beat_schedule


def create(apps, schema_editor):
    ensure_beat_schedule(apps, schema_editor.connection.alias)


def remove(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__in=[PRUNE, SUMMARY]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("referrals", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create, remove)]
