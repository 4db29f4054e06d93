"""Celery beat writes a signed checkpoint of the audit chain every AUDIT_CHECKPOINT_SECONDS."""

from django.db import migrations

from cse_portal.audit.schedule import CHECKPOINT, ensure_beat_schedule


def create(apps, schema_editor):
    ensure_beat_schedule(apps, schema_editor.connection.alias)


def remove(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name=CHECKPOINT).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0003_sqlite_append_only_trigger"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create, remove)]
