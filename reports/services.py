"""Every write of the reports app: requesting a report, generating it (called by the task with the
run's id), commentary and publishing, sharing a problem profile, subscriptions, retention, and
the notice that tells a requester their report is ready."""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from cse_portal.audit.models import AuditAction
from cse_portal.audit.services import audit_record
from cse_portal.fields import NARRATIVE_MAX_LENGTH

from . import permissions
from .models import (
    COMMENTARY_SECTIONS,
    Frequency,
    Marking,
    ReportKind,
    ReportNotice,
    ReportRun,
    RunStatus,
    Subscription,
)
from .periods import Granularity, Period

logger = logging.getLogger(__name__)

#: The length of period each kind reports on.
KIND_GRANULARITY = {
    ReportKind.LSCB_QUARTERLY: (Granularity.QUARTER,),
    ReportKind.ANNUAL_REVIEW: (Granularity.YEAR,),
    ReportKind.PROBLEM_PROFILE: Granularity.CHOICES,
}
SUBSCRIBABLE = {
    ReportKind.LSCB_QUARTERLY: (Frequency.QUARTERLY,),
    ReportKind.PROBLEM_PROFILE: (Frequency.MONTHLY, Frequency.QUARTERLY),
}
FREQUENCY_GRANULARITY = {
    Frequency.MONTHLY: Granularity.MONTH,
    Frequency.QUARTERLY: Granularity.QUARTER,
}


def _site_url(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def _period_for(kind: str, text: str, today: date | None = None) -> Period:
    try:
        period = Period.parse(text)
    except ValidationError as error:
        raise ValidationError({"period": error.messages}) from error
    if period.granularity not in KIND_GRANULARITY[ReportKind(kind)]:
        words = {"quarter": "a quarter, such as 2026-Q3", "year": "a year, such as 2026"}
        wanted = KIND_GRANULARITY[ReportKind(kind)][0]
        raise ValidationError(
            {"period": [f"A {ReportKind(kind).label.lower()} covers {words[wanted]}"]}
        )
    if not period.has_started(today):
        raise ValidationError({"period": ["That period has not begun yet"]})
    return period


# --- Requesting ----------------------------------------------------------------------------------


@transaction.atomic
def report_request(
    *,
    user: Any,
    kind: str,
    period: str,
    area: str = "",
    subscription: Subscription | None = None,
) -> ReportRun:
    """Queue a report for ``period``; the task starts once this commits. ``ValidationError``
    names the field for a kind or period that is not allowed."""
    if kind not in ReportKind.values:
        raise ValidationError({"kind": [f"Choose one of: {', '.join(ReportKind.values)}"]})
    if not permissions.can_request(user, kind):
        raise PermissionDenied("Your role does not request this report")
    parsed = _period_for(kind, period)
    area = (area or "").strip().upper()
    if area and (kind != ReportKind.PROBLEM_PROFILE or not area.replace(" ", "").isalnum()):
        raise ValidationError({"area": ["An area is a postcode area or district, such as S1"]})
    run = ReportRun(
        kind=kind,
        period=parsed.key,
        area=area[:8],
        marking=Marking.OFFICIAL_SENSITIVE
        if kind == ReportKind.PROBLEM_PROFILE
        else Marking.OFFICIAL,
        requested_by=user,
        subscription=subscription,
    )
    run.full_clean()
    run.save()
    audit_record(
        actor=user,
        action=AuditAction.COLLECT,
        obj=run,
        summary=f"Report requested: {run}",
        detail={"kind": kind, "period": run.period, "area": run.area},
    )
    _queue(run)
    return run


def _queue(run: ReportRun) -> None:
    run_id = run.pk

    def hand_over() -> None:
        from .tasks import report_generate

        try:
            report_generate.apply_async((str(run_id),), retry=False)
        except Exception:  # the broker's errors vary with the transport; beat's sweep resumes it
            logger.warning("Broker unavailable: report %s left queued for the sweep", run_id)

    transaction.on_commit(hand_over)


# --- Generating (the task) -----------------------------------------------------------------------


def file_path(run: ReportRun) -> Path:
    return Path(settings.REPORTS_FILE_DIR) / f"{run.pk}.pdf"


def _claimable(now: datetime) -> QuerySet[ReportRun]:
    """Runs a worker may take: queued, or running with a lease that has run out (its worker
    died)."""
    return ReportRun.objects.filter(
        Q(status=RunStatus.QUEUED)
        | Q(status=RunStatus.RUNNING, claimed_until__lte=now)
        | Q(status=RunStatus.RUNNING, claimed_until__isnull=True)
    )


def _progress(run_id: Any, percent: int, step: str) -> None:
    ReportRun.objects.filter(pk=run_id, status=RunStatus.RUNNING).update(
        progress=max(0, min(percent, 99)), step=step[:200]
    )


def report_generate(*, run_id: Any) -> bool:
    """Generate the run's file; False if it is done already or another worker holds it.

    Idempotent: the claim (a lease, committed before any work) lets one worker at a time work on
    a run; the file is written to a temporary name and renamed over the run's one file name, so
    running twice, or after a worker died mid-way, leaves exactly one file. On failure the lease
    is freed and the error kept for the requester; the task retries, and after
    ``REPORTS_MAX_ATTEMPTS`` the run is marked failed."""
    from .documents import render_pdf

    now = timezone.now()
    lease = timedelta(seconds=settings.REPORTS_RUN_LEASE_SECONDS)
    claimed = (
        _claimable(now)
        .filter(pk=run_id)
        .update(
            status=RunStatus.RUNNING,
            claimed_until=now + lease,
            attempts=F("attempts") + 1,
            started_at=now,
            progress=1,
            step="Starting",
        )
    )
    if not claimed:
        return False
    run = ReportRun.objects.select_related("requested_by").get(pk=run_id)
    try:
        content = render_pdf(run, lambda percent, step: _progress(run_id, percent, step))
        _progress(run_id, 90, "Saving the file")
        path = file_path(run)
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(f".{os.getpid()}.part")
        temporary.write_bytes(content)
        os.replace(temporary, path)
    except Exception as error:
        _record_failure(run, error)
        raise
    with transaction.atomic():
        finished = ReportRun.objects.filter(pk=run_id, status=RunStatus.RUNNING).update(
            status=RunStatus.DONE,
            progress=100,
            step="Ready",
            error="",
            claimed_until=None,
            finished_at=timezone.now(),
            file_name=path.name,
            file_size=len(content),
            file_sha256=hashlib.sha256(content).hexdigest(),
        )
        if finished:
            run.refresh_from_db()
            _notify(run, ready=True)
    return bool(finished)


def _record_failure(run: ReportRun, error: Exception) -> None:
    message = f"{type(error).__name__}: {error}"[:2000]
    last = run.attempts >= settings.REPORTS_MAX_ATTEMPTS
    with transaction.atomic():
        ReportRun.objects.filter(pk=run.pk).update(
            status=RunStatus.FAILED if last else RunStatus.QUEUED,
            claimed_until=None,
            error=message,
            step="Failed" if last else "Failed; trying again",
            finished_at=timezone.now() if last else None,
        )
        if last:
            run.refresh_from_db()
            _notify(run, ready=False)


def reports_resume_stalled(*, now: datetime | None = None, queued_grace_seconds: int = 120) -> int:
    """Beat, every minute: queue again the runs whose worker died (lease run out) and the queued
    runs the broker never delivered. A run done or failed is never touched."""
    now = now or timezone.now()
    stalled = list(
        ReportRun.objects.filter(
            Q(status=RunStatus.RUNNING, claimed_until__lte=now)
            | Q(
                status=RunStatus.QUEUED,
                requested_at__lte=now - timedelta(seconds=queued_grace_seconds),
            )
        ).values_list("pk", flat=True)[:100]
    )
    from .tasks import report_generate

    for run_id in stalled:
        try:
            report_generate.apply_async((str(run_id),), retry=False)
        except Exception:
            logger.warning("Broker unavailable: report %s not resumed", run_id)
    return len(stalled)


# --- Commentary, publishing, reading -------------------------------------------------------------


@transaction.atomic
def report_commentary_save(*, run: ReportRun, user: Any, commentary: dict[str, str]) -> ReportRun:
    if not permissions.can_write_commentary(user, run):
        raise PermissionDenied("This report's commentary cannot be changed")
    allowed = {key for key, _ in COMMENTARY_SECTIONS[ReportKind(run.kind)]}
    errors = {
        key: [f"Commentary is at most {NARRATIVE_MAX_LENGTH:,} characters"]
        for key, text in commentary.items()
        if len(text or "") > NARRATIVE_MAX_LENGTH
    }
    if errors:
        raise ValidationError(errors)
    run.commentary = {
        key: (text or "").strip() for key, text in commentary.items() if key in allowed
    }
    run.save(update_fields=["commentary"])
    audit_record(actor=user, action=AuditAction.ALTER, obj=run, summary=f"Commentary saved: {run}")
    return run


@transaction.atomic
def report_publish(*, run: ReportRun, user: Any) -> ReportRun:
    """Publish with the commentary: the file is generated again (same name, no DRAFT mark)."""
    if not permissions.can_write_commentary(user, run):
        raise PermissionDenied("This report cannot be published by you")
    if run.status != RunStatus.DONE:
        raise ValidationError("A report can be published once it has been generated")
    missing = [label for key, label, text in run.commentary_sections if not text]
    if missing:
        raise ValidationError(
            {"commentary": [f"Write the commentary before publishing: {', '.join(missing)}"]}
        )
    ReportRun.objects.filter(pk=run.pk).update(
        published_at=timezone.now(),
        published_by=user,
        status=RunStatus.QUEUED,
        progress=0,
        step="Publishing",
        attempts=0,
        file_name="",
        file_size=0,
        file_sha256="",
        finished_at=None,
    )
    run.refresh_from_db()
    audit_record(actor=user, action=AuditAction.ALTER, obj=run, summary=f"Report published: {run}")
    _queue(run)
    return run


def report_file_read(*, run: ReportRun, user: Any, channel: str) -> bytes:
    """The report's file, its export audited; ``ValidationError`` while it is not ready."""
    if run.status != RunStatus.DONE or not run.file_name:
        raise ValidationError("This report is not ready yet")
    content = file_path(run).read_bytes()
    audit_record(
        actor=user,
        action=AuditAction.EXPORT,
        obj=run,
        summary=f"Report downloaded ({channel}): {run}",
        detail={"channel": channel, "sha256": run.file_sha256, "marking": run.marking},
    )
    return content


# --- Sharing a problem profile -------------------------------------------------------------------


@transaction.atomic
def report_share(*, run: ReportRun, user: Any, recipients: Iterable[Any], reason: str) -> None:
    """Share a problem profile with named users (object grants), audited as a disclosure."""
    if not permissions.can_share(user, run):
        raise PermissionDenied("Only the analyst who wrote a profile shares it")
    recipients = [r for r in recipients if r.pk != user.pk]
    if not recipients:
        raise ValidationError({"recipients": ["Choose at least one person to share it with"]})
    if not (reason or "").strip():
        raise ValidationError({"reason": ["Say why they need it"]})
    inactive = [r.get_username() for r in recipients if not r.is_active]
    if inactive:
        raise ValidationError({"recipients": [f"Not an active user: {', '.join(inactive)}"]})
    for recipient in recipients:
        permissions.grant_open(recipient, run)
    audit_record(
        actor=user,
        action=AuditAction.DISCLOSE,
        obj=run,
        summary=f"Report shared: {run}",
        justification=reason.strip(),
        recipients=[r.get_username() for r in recipients],
    )


@transaction.atomic
def report_unshare(*, run: ReportRun, user: Any, recipient: Any) -> None:
    if not permissions.can_share(user, run):
        raise PermissionDenied("Only the analyst who wrote a profile shares it")
    permissions.revoke_open(recipient, run)
    audit_record(
        actor=user,
        action=AuditAction.PERMISSION_CHANGE,
        obj=run,
        summary=f"Report no longer shared with {recipient.get_username()}: {run}",
        recipients=[recipient.get_username()],
    )


# --- Subscriptions -------------------------------------------------------------------------------


@transaction.atomic
def subscription_create(*, user: Any, kind: str, frequency: str) -> Subscription:
    if kind not in ReportKind.values or not permissions.can_request(user, kind):
        raise ValidationError({"kind": ["You cannot subscribe to that report"]})
    allowed = SUBSCRIBABLE.get(ReportKind(kind), ())
    if frequency not in allowed:
        words = ", ".join(Frequency(f).label.lower() for f in allowed) or "never (request it)"
        raise ValidationError({"frequency": [f"This report can be had: {words}"]})
    subscription, _ = Subscription.objects.get_or_create(user=user, kind=kind, frequency=frequency)
    return subscription


@transaction.atomic
def subscription_delete(*, subscription: Subscription, user: Any) -> None:
    if subscription.user_id != user.pk:
        raise PermissionDenied
    subscription.delete()


def subscriptions_generate(*, today: date | None = None) -> int:
    """Beat, daily: for each subscription, the report of the last period that has ended, once
    (a unique constraint on subscription and period makes a second run of this a no-op)."""
    created = 0
    for subscription in Subscription.objects.select_related("user").filter(user__is_active=True):
        granularity = FREQUENCY_GRANULARITY[Frequency(subscription.frequency)]
        period = Period.last_complete(granularity, today)
        if ReportRun.objects.filter(subscription=subscription, period=period.key).exists():
            continue
        if not permissions.can_request(subscription.user, subscription.kind):
            continue
        try:
            report_request(
                user=subscription.user,
                kind=subscription.kind,
                period=period.key,
                subscription=subscription,
            )
            created += 1
        except IntegrityError:  # another beat made it at the same moment
            continue
    return created


# --- Retention -----------------------------------------------------------------------------------


def reports_delete_expired(*, now: datetime | None = None) -> int:
    """Beat, daily: delete reports (row, grants and file) finished more than
    ``REPORTS_RETENTION_DAYS`` ago, each deletion audited."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.REPORTS_RETENTION_DAYS)
    deleted = 0
    for run in ReportRun.objects.filter(finished_at__lt=cutoff).order_by("finished_at")[:500]:
        with transaction.atomic():
            audit_record(
                actor=None,
                action=AuditAction.ERASE,
                obj=run,
                summary=f"Report deleted after the retention period: {run}",
                actor_username="retention",
            )
            path = file_path(run)
            run.delete()
            transaction.on_commit(lambda path=path: path.unlink(missing_ok=True))
        deleted += 1
    return deleted


# --- Telling the requester -----------------------------------------------------------------------


def _notify(run: ReportRun, *, ready: bool) -> None:
    """One email to the requester, written in the transaction that finished the run."""
    link = _site_url(reverse("reports:detail", kwargs={"pk": run.pk}))
    what = run.get_kind_display()
    if ready:
        subject = f"Your report is ready: {what} {run.period}"
        body = f"The report you asked for is ready to open:\n\n{link}\n"
    else:
        subject = f"Your report could not be generated: {what} {run.period}"
        body = f"The report you asked for failed. The error is shown on its page:\n\n{link}\n"
    key = f"report:{run.pk}:{'ready' if ready else 'failed'}:{run.published_at or ''}"
    notice, created = ReportNotice.objects.get_or_create(
        key=key[:200], defaults={"user": run.requested_by, "subject": subject, "body": body}
    )
    if created:
        notice_id = notice.pk

        def hand_over() -> None:
            from .tasks import report_notice_send

            try:
                report_notice_send.apply_async((notice_id,), retry=False)
            except Exception:
                logger.warning("Broker unavailable: report notice %s kept", notice_id)

        transaction.on_commit(hand_over)


def _notices_claimable(now: datetime) -> QuerySet[ReportNotice]:
    return ReportNotice.objects.filter(sent_at__isnull=True).filter(
        Q(claimed_until__isnull=True) | Q(claimed_until__lte=now)
    )


def report_notice_send(*, notice_id: int) -> bool:
    """Send one notice; claimed with a lease first, marked sent only after the mail server took
    it (at least once, never lost)."""
    now = timezone.now()
    lease = timedelta(seconds=settings.NOTIFICATION_LEASE_SECONDS)
    claimed = (
        _notices_claimable(now)
        .filter(pk=notice_id)
        .update(claimed_until=now + lease, attempts=F("attempts") + 1)
    )
    if not claimed:
        return False
    notice = ReportNotice.objects.select_related("user").get(pk=notice_id)
    if not notice.user.email or not notice.user.is_active:
        ReportNotice.objects.filter(pk=notice_id).update(sent_at=timezone.now(), claimed_until=None)
        return False
    try:
        send_mail(notice.subject, notice.body, None, [notice.user.email])
    except Exception:
        ReportNotice.objects.filter(pk=notice_id).update(claimed_until=None)
        raise
    ReportNotice.objects.filter(pk=notice_id).update(sent_at=timezone.now(), claimed_until=None)
    return True


def report_notices_send_pending() -> int:
    sent = 0
    for notice_id in list(_notices_claimable(timezone.now()).values_list("pk", flat=True)[:500]):
        try:
            sent += report_notice_send(notice_id=notice_id)
        except Exception:
            logger.exception("Report notice %s not sent; will retry", notice_id)
    return sent
