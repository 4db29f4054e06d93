"""Celery beat's schedule for reports (``reports.schedule``)."""

from django.db import migrations

from reports.schedule import ALL, ensure_beat_schedule


def create(apps, schema_editor):
    ensure_beat_schedule(apps, schema_editor.connection.alias)


def remove(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__in=ALL).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create, remove)]
