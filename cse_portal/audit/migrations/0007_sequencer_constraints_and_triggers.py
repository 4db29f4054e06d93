"""The writers' runs complete (0006 filled them) and the append-only triggers back, now allowing
exactly one UPDATE: the sequencer setting an entry's ``position`` and ``entry_hash`` once, from
NULL, with every other column unchanged. DELETE stays refused. (Django rebuilds a SQLite table to
alter it, dropping its triggers, so they are created after the last change to the table.)"""

from django.conf import settings
from django.db import migrations, models

from cse_portal.audit.sqlite3.guard import CREATE_TRIGGERS, DROP_TRIGGERS

PG_CREATE = """
CREATE OR REPLACE FUNCTION audit_entry_refuse_change() RETURNS trigger AS $$
DECLARE
    unsequenced audit_auditentry;
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.position IS NULL AND OLD.entry_hash IS NULL
            AND NEW.position IS NOT NULL AND NEW.entry_hash IS NOT NULL THEN
        unsequenced := NEW;
        unsequenced.position := NULL;
        unsequenced.entry_hash := NULL;
        IF unsequenced IS NOT DISTINCT FROM OLD THEN
            RETURN NEW;
        END IF;
    END IF;
    RAISE EXCEPTION 'audit entries are append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS audit_entry_append_only ON audit_auditentry;
CREATE TRIGGER audit_entry_append_only
    BEFORE UPDATE OR DELETE ON audit_auditentry
    FOR EACH ROW EXECUTE FUNCTION audit_entry_refuse_change();
"""
PG_DROP = "DROP TRIGGER IF EXISTS audit_entry_append_only ON audit_auditentry"


def create_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_CREATE, params=None)
    else:
        for statement in CREATE_TRIGGERS:
            schema_editor.execute(statement, params=None)


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_DROP, params=None)
    else:
        for statement in DROP_TRIGGERS:
            schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):

    dependencies = [
        ('audit', '0006_convert_chain'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveField(
            model_name='auditentry',
            name='previous_hash',
        ),
        migrations.AlterField(
            model_name='auditentry',
            name='writer_seq',
            field=models.PositiveBigIntegerField(editable=False),
        ),
        migrations.AddIndex(
            model_name='auditentry',
            index=models.Index(condition=models.Q(('position__isnull', True)), fields=['id'], name='audit_unsequenced_idx'),
        ),
        migrations.AddConstraint(
            model_name='auditentry',
            constraint=models.UniqueConstraint(fields=('writer', 'writer_seq'), name='audit_writer_seq_unique'),
        ),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
