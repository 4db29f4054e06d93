"""One open request a young person: the requests already open twice or more for one young person
are merged into the oldest (the others become its further reasons, in the order they were made,
keeping their ids, so a referral's outcome that names one still finds it), then the database
refuses a second open request."""

import cse_portal.fields
import django.db.models.deletion
import django.utils.timezone
import uuid
from django.conf import settings
from django.db import migrations, models


def merge_open_requests(apps, schema_editor):
    Request = apps.get_model("assessments", "AssessmentRequest")
    Reason = apps.get_model("assessments", "AssessmentRequestReason")
    twice = (
        Request.objects.filter(status="open")
        .values("young_person_id")
        .annotate(open_count=models.Count("id"))
        .filter(open_count__gt=1)
        .values_list("young_person_id", flat=True)
    )
    for young_person_id in list(twice):
        first, *others = Request.objects.filter(
            young_person_id=young_person_id, status="open"
        ).order_by("requested_at", "id")
        indicators = list(first.suggested_indicators)
        for other in others:
            Reason.objects.create(
                id=other.id,
                request=first,
                requested_at=other.requested_at,
                requested_by_id=other.requested_by_id,
                reason=other.reason,
                suggested_indicators=other.suggested_indicators,
                source_app=other.source_app,
                source_object_type=other.source_object_type,
                source_object_id=other.source_object_id,
            )
            indicators += [c for c in other.suggested_indicators if c not in indicators]
            if first.assessment_id is None and other.assessment_id is not None:
                first.assessment_id = other.assessment_id
            other.delete()
        first.suggested_indicators = indicators
        first.save(update_fields=["suggested_indicators", "assessment"])


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0005_list_order_indexes"),
        ("young_people", "0009_name_prefix_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="AssessmentRequestReason",
            fields=[
                (
                    "id",
                    models.UUIDField(
                        default=uuid.uuid4, editable=False, primary_key=True, serialize=False
                    ),
                ),
                ("requested_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("reason", cse_portal.fields.BoundedTextField(max_length=5000)),
                ("suggested_indicators", models.JSONField(blank=True, default=list)),
                ("source_app", models.CharField(max_length=40)),
                ("source_object_type", models.CharField(blank=True, max_length=100)),
                ("source_object_id", models.CharField(blank=True, max_length=64)),
            ],
            options={
                "ordering": ["requested_at", "id"],
            },
        ),
        migrations.AddField(
            model_name="assessmentrequestreason",
            name="request",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="further_reasons",
                to="assessments.assessmentrequest",
            ),
        ),
        migrations.AddField(
            model_name="assessmentrequestreason",
            name="requested_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddIndex(
            model_name="assessmentrequestreason",
            index=models.Index(
                fields=["request", "requested_at", "id"], name="asmt_req_reason_idx"
            ),
        ),
        migrations.AddConstraint(
            model_name="assessmentrequestreason",
            constraint=models.CheckConstraint(
                condition=models.Q(("reason", ""), _negated=True), name="asmt_req_reason_has_reason"
            ),
        ),
        migrations.RunPython(merge_open_requests, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="assessmentrequest",
            constraint=models.UniqueConstraint(
                condition=models.Q(("status", "open")),
                fields=("young_person",),
                name="asmt_req_one_open",
                violation_error_message="This young person already has an open request.",
            ),
        ),
    ]
