from django.db import migrations, models


def cascade_from_history(apps, schema_editor):
    """Each session delivered by a trainer who attended a session here before it: the rule
    ``services.training_cascade_refresh`` keeps from now on, worked out for the sessions already
    recorded (each trainer's first training here, then one update)."""
    session = apps.get_model("outreach", "TrainingSession")
    firsts = (
        session.attendees.through.objects.order_by()
        .values("user_id")
        .annotate(first=models.Min("trainingsession__delivered_on"))
    )
    trained = [
        models.When(trainer_id=row["user_id"], delivered_on__gt=row["first"], then=True)
        for row in firsts
    ]
    if trained:
        session.objects.update(cascade=models.Case(*trained, default=False))


class Migration(migrations.Migration):
    dependencies = [
        ("outreach", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="trainingsession",
            name="cascade",
            field=models.BooleanField(db_default=False, default=False, editable=False),
        ),
        migrations.RunPython(cascade_from_history, migrations.RunPython.noop),
    ]
