"""The audit log moves from one locked chain to writers' runs chained by a sequencer (see
``cse_portal/audit/models.py``): the new columns, nullable until 0006 has filled them for the
entries already written. The append-only triggers are lifted here so that 0006 can convert the
entries; 0007 puts back triggers that allow only the sequencer's write."""

from __future__ import annotations

from django.db import migrations, models

PG_DROP = "DROP TRIGGER IF EXISTS audit_entry_append_only ON audit_auditentry"
# As created by 0002 and 0003.
PG_CREATE = """
CREATE TRIGGER audit_entry_append_only
    BEFORE UPDATE OR DELETE ON audit_auditentry
    FOR EACH ROW EXECUTE FUNCTION audit_entry_refuse_change()
"""
SQLITE_DROP = [
    f"DROP TRIGGER IF EXISTS audit_entry_append_only_{operation}"
    for operation in ("update", "delete")
]
SQLITE_CREATE = [
    f"""
    CREATE TRIGGER IF NOT EXISTS audit_entry_append_only_{operation.lower()}
    BEFORE {operation} ON audit_auditentry
    BEGIN
        SELECT RAISE(ABORT, 'audit entries are append-only: {operation} refused');
    END
    """
    for operation in ("UPDATE", "DELETE")
]


def lift_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_DROP, params=None)
    else:
        for statement in SQLITE_DROP:
            schema_editor.execute(statement, params=None)


def restore_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_DROP, params=None)
        schema_editor.execute(PG_CREATE, params=None)
    else:
        for statement in SQLITE_CREATE:
            schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [("audit", "0004_checkpoint_schedule")]

    operations = [
        migrations.RunPython(lift_triggers, restore_triggers),
        migrations.AddField(
            model_name="auditentry",
            name="writer",
            field=models.CharField(default="", editable=False, max_length=32),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="auditentry",
            name="writer_seq",
            field=models.PositiveBigIntegerField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name="auditentry",
            name="writer_previous",
            field=models.CharField(default="", editable=False, max_length=64),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="auditentry",
            name="mac",
            field=models.CharField(default="", editable=False, max_length=64),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="auditentry",
            name="position",
            field=models.BigIntegerField(editable=False, null=True, unique=True),
        ),
        migrations.AlterField(
            model_name="auditentry",
            name="entry_hash",
            field=models.CharField(editable=False, max_length=64, null=True),
        ),
    ]
