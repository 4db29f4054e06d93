"""The courses every portal offers from the start (the issue's list), restored after a migrate or
a flush as the shipped risk instrument is. More are added in the admin site."""

from __future__ import annotations

from typing import Any

from django.db import connections

from .models import CourseKind

STANDARD_COURSES = [
    ("cse-awareness", "CSE awareness", CourseKind.CSE_AWARENESS),
    ("5x5x5-submission", "Submitting 5x5x5 intelligence", CourseKind.INTELLIGENCE),
    ("cse-risk-assessment", "Using the CSE risk assessment", CourseKind.RISK_ASSESSMENT),
    ("train-the-trainer", "CSE awareness: train the trainer", CourseKind.TRAIN_THE_TRAINER),
    ("el-cse-intro", "E-learning: introduction to CSE", CourseKind.ELEARNING),
    ("el-online-grooming", "E-learning: online grooming", CourseKind.ELEARNING),
    ("el-missing-children", "E-learning: missing children and CSE", CourseKind.ELEARNING),
]


def ensure_courses(sender: Any = None, using: str = "default", **kwargs: Any) -> None:
    from .models import Course

    if Course._meta.db_table not in connections[using].introspection.table_names():
        return  # migrated backwards past this app's tables
    for code, title, kind in STANDARD_COURSES:
        Course.objects.using(using).get_or_create(
            code=code, defaults={"title": title, "kind": kind}
        )
