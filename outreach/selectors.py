"""Reads of outreach, training and participation that depend on who is asking, each page at a
fixed number of queries whatever the number of rows; the train-the-trainer cascade as one
recursive query; and the measures the reports app reads (``..._measure`` functions at the end),
aggregated in the database."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import (
    Avg,
    Count,
    Exists,
    IntegerField,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, Left, StrIndex, TruncMonth
from django.utils import timezone

from cse_portal.young_people.permissions import visible_young_people
from cse_portal.young_people.selectors import young_people_search
from cse_portal.young_people.validators import normalise_postcode
from intelligence import selectors as intelligence_selectors

from . import permissions
from .models import (
    Course,
    CourseKind,
    ElearningCompletion,
    ElearningImport,
    Feedback,
    OutreachSession,
    ParticipationActivity,
    Premises,
    PremisesVisit,
    Sector,
    SessionEngagement,
    SessionStatus,
    TrainingAudience,
    TrainingSession,
)

# --- Outreach sessions ---------------------------------------------------------------------------


def sessions_list(user: Any, *, status: str = "") -> QuerySet[OutreachSession]:
    """The sessions ``user`` may see, newest first (planned ones still to come on top)."""
    sessions = permissions.visible_sessions(user).select_related("place")
    if status in SessionStatus.values:
        sessions = sessions.filter(status=status)
    return sessions.order_by("-starts_at", "-id")


def session_for_page(user: Any, session: OutreachSession) -> dict[str, Any]:
    """A session's page: its workers, agencies, visits, and the young people engaged whose
    records ``user`` may see (the others are only counted)."""
    session = (
        OutreachSession.objects.filter(pk=session.pk)
        .select_related("place", "alert", "planned_by", "recorded_by", "intelligence_item")
        .prefetch_related(
            "agencies",
            "workers",
            Prefetch(
                "premises_visits",
                queryset=PremisesVisit.objects.select_related("premises").order_by(
                    "premises__name"
                ),
            ),
        )
        .get()
    )
    engaged = list(
        session.engagements.filter(young_person__in=visible_young_people(user))
        .select_related("young_person")
        .order_by("young_person__family_name", "young_person__given_name")
    )
    hidden = session.engagements.count() - len(engaged)
    return {"session": session, "engaged": engaged, "engaged_hidden": hidden}


def staff_named(ids: list[Any]) -> list[Any]:
    """The staff accounts with these ids (whoever they are: the services say who may be named),
    in one query with their agencies."""
    if not ids:
        return []
    return list(get_user_model().objects.filter(pk__in=ids).select_related("agency"))


def workers_on_offer(*, agencies: Any, named: list[Any] = ()) -> list[Any]:
    """The workers a session's form offers, by agency and name, in one query: those who may be
    named (``permissions.outreach_workers``) of ``agencies`` (a queryset or a list), and those
    already named or ticked (``named``), so that they can be seen and unticked."""
    going = permissions.outreach_workers().filter(agency__in=agencies).values("pk")
    return list(
        get_user_model()
        .objects.filter(Q(pk__in=going) | Q(pk__in=[worker.pk for worker in named]))
        .select_related("agency")
        .order_by("agency__name", "last_name", "first_name", "username")
    )


def hot_spots_for_outreach(user: Any, *, limit: int = 25) -> list[Any]:
    """Intelligence's hot spots (``intelligence.selectors.hot_spots``), each with its latest
    outreach session, in two queries."""
    spots = list(intelligence_selectors.hot_spots(user=user)[:limit])
    latest = dict(
        # The last held, not one still to come.
        OutreachSession.objects.filter(
            place__in=[s.pk for s in spots], starts_at__lte=timezone.now()
        )
        .values_list("place")
        .annotate(latest=Max("starts_at"))
    )
    for spot in spots:
        spot.latest_session = latest.get(spot.pk)
    return spots


def open_alerts(user: Any, *, limit: int = 25) -> list[Any]:
    return list(intelligence_selectors.alerts_open(user=user)[:limit])


def alert_for(user: Any, pk: Any) -> Any:
    """An open alert ``user`` may see, or ``None`` (a plan without it)."""
    from cse_portal.funnel import uuid_or_none

    key = uuid_or_none(pk)
    if key is None:
        return None
    return intelligence_selectors.alerts_open(user=user).filter(pk=key).first()


def place_for(user: Any, pk: Any) -> Any:
    """A location ``user`` may pick (``intelligence.selectors.locations_search``), or None."""
    from cse_portal.funnel import uuid_or_none

    key = uuid_or_none(pk)
    if key is None:
        return None
    return intelligence_selectors.locations_search(user=user, q="").filter(pk=key).first()


def places_matching(user: Any, q: str, limit: int = 20) -> list[Any]:
    if not (q or "").strip():
        return []
    return list(intelligence_selectors.locations_search(user=user, q=q)[:limit])


def young_people_to_link(user: Any, text: str, limit: int = 20) -> list[Any]:
    """Records a worker may link to a session: only those they may see, by name."""
    if not (text or "").strip() or not permissions.works_cases(user):
        return []
    return list(young_people_search(user, text=text)[:limit])


def premises_near(session: OutreachSession, q: str = "", limit: int = 30) -> list[Premises]:
    """Premises a session may have visited: those in the place's postcode district, or found by
    name."""
    condition = Q()
    district = (session.place.postcode or "").split(" ")[0]
    if district:
        condition |= Q(postcode__startswith=f"{district} ")
    if (q or "").strip():
        condition |= Q(name__icontains=q.strip())
    condition |= Q(pk__in=session.premises_visits.values("premises"))
    return list(Premises.objects.filter(condition).order_by("name", "id")[:limit])


# --- Premises ------------------------------------------------------------------------------------


def premises_list(user: Any, *, q: str = "", sector: str = "") -> QuerySet[Premises]:
    premises = permissions.visible_premises(user)
    if sector in Sector.values:
        premises = premises.filter(sector=sector)
    words = (q or "").split()[:5]
    if words:
        # Each word in the name or starting the postcode ("golden s60"), or the whole query as
        # (the start of) a postcode, however it is spaced: "S60 1QD", "s601qd", "S60 1".
        each_word = Q()
        for word in words:
            each_word &= Q(name__icontains=word) | Q(postcode__istartswith=word)
        premises = premises.filter(
            each_word | Q(postcode__istartswith=" ".join(words)) | Q(postcode=normalise_postcode(q))
        )
    last_visit = (
        PremisesVisit.objects.filter(premises=OuterRef("pk"))
        .order_by("-visited_on")
        .values("visited_on")[:1]
    )
    return premises.annotate(
        last_visit=Subquery(last_visit),
        trained=Exists(TrainingSession.objects.filter(premises=OuterRef("pk"))),
    ).order_by("name", "id")


def premises_for_page(user: Any, premises: Premises) -> dict[str, Any]:
    """Visits, training taken up, and the concerns reported through "report a concern" that name
    the premises or its postcode (listed for the team manager, who triages them; counted for
    everyone else)."""
    from referrals.permissions import can_triage
    from referrals.selectors import community_concerns_matching

    visits = list(premises.visits.select_related("visited_by", "session").order_by("-visited_on"))
    training = list(
        premises.training_sessions.select_related("course").order_by("-delivered_on")[:50]
    )
    concerns = community_concerns_matching(name=premises.name, postcode=premises.postcode)
    return {
        "visits": visits,
        "training": training,
        "concerns": list(concerns[:20]) if can_triage(user) else [],
        "concerns_count": concerns.count(),
    }


# --- Training ------------------------------------------------------------------------------------


def training_sessions_list(user: Any) -> QuerySet[TrainingSession]:
    return (
        permissions.visible_training_sessions(user)
        .select_related("course", "trainer")
        .order_by("-delivered_on", "-id")
    )


def training_session_for_page(session: TrainingSession) -> TrainingSession:
    return (
        TrainingSession.objects.filter(pk=session.pk)
        .select_related("course", "trainer", "recorded_by")
        .prefetch_related("attendees__agency", "audience_agencies", "audience_sectors", "premises")
        .get()
    )


def training_record(user: Any) -> dict[str, Any]:
    """``user``'s own training: sessions attended and delivered, e-learning completed, and how
    far their training of others has reached."""
    attended = list(
        TrainingSession.objects.filter(attendees=user)
        .select_related("course", "trainer")
        .order_by("-delivered_on")[:100]
    )
    delivered = list(
        TrainingSession.objects.filter(trainer=user)
        .select_related("course")
        .order_by("-delivered_on")[:100]
    )
    elearning = list(
        ElearningCompletion.objects.filter(user=user)
        .select_related("course")
        .order_by("-completed_on")[:100]
    )
    reach = cascade_reach([user.pk]).get(user.pk) if delivered else None
    return {"attended": attended, "delivered": delivered, "elearning": elearning, "reach": reach}


def team_training(user: Any) -> dict[str, Any]:
    """For the team manager: each member of the co-located team with the courses attended and
    e-learning completed, and the sectors training has reached."""
    if not permissions.is_team_manager(user):
        return {"members": [], "sectors": []}
    members = list(
        get_user_model()
        .objects.filter(is_active=True, in_colocated_team=True)
        .select_related("agency")
        .annotate(
            sessions_attended=Count("training_attended", distinct=True),
            sessions_delivered=Count("training_delivered", distinct=True),
            elearning_done=Count("elearning_completions", distinct=True),
        )
        .order_by("last_name", "first_name", "username")[:200]
    )
    return {"members": members, "sectors": sectors_reached()}


def sectors_reached(start: date | None = None, end: date | None = None) -> list[dict[str, Any]]:
    """Each sector trained: sessions delivered to it and people attending them."""
    rows = TrainingAudience.objects.all()
    if start is not None:
        rows = rows.filter(session__delivered_on__gte=start)
    if end is not None:
        rows = rows.filter(session__delivered_on__lte=end)
    labels = dict(Sector.choices)
    return [
        {"sector": r["sector"], "label": labels[r["sector"]], **r}
        for r in rows.values("sector")
        .annotate(sessions=Count("session", distinct=True), people=Sum("session__attendance_count"))
        .order_by("-people", "sector")
    ]


@dataclass(frozen=True)
class Reach:
    """How far one trainer's training has gone: generations of trainers (1 = only their own
    sessions), sessions delivered along the cascade, and the people attending them."""

    generations: int
    sessions: int
    people: int


#: A cascade deeper than this is a loop in the records (A trained B who trained A), not reach.
MAX_GENERATIONS = 20

_CASCADE_SQL = """
WITH RECURSIVE cascade(root_id, trainer_id, generation) AS (
    SELECT s.trainer_id, s.trainer_id, 1
    FROM outreach_trainingsession s
    WHERE s.trainer_id IN ({roots})
    UNION
    SELECT c.root_id, a.user_id, c.generation + 1
    FROM cascade c
    JOIN outreach_trainingsession s ON s.trainer_id = c.trainer_id
    JOIN outreach_trainingsession_attendees a ON a.trainingsession_id = s.id
    WHERE c.generation < %s AND a.user_id <> c.root_id
)
SELECT reached.root_id, MAX(reached.generation), COUNT(*), SUM(reached.attendance_count)
FROM (
    SELECT c.root_id, s.id, s.attendance_count, MIN(c.generation) AS generation
    FROM cascade c
    JOIN outreach_trainingsession s ON s.trainer_id = c.trainer_id
    GROUP BY c.root_id, s.id, s.attendance_count
) reached
GROUP BY reached.root_id
"""


def cascade_reach(trainer_ids: list[Any]) -> dict[uuid.UUID, Reach]:
    """The train-the-trainer cascade of each trainer in one recursive query: everyone they
    trained who went on to train others, and so on down the generations (each session counted
    once, at its nearest generation)."""
    if not trainer_ids:
        return {}
    field = get_user_model()._meta.pk
    roots = [field.get_db_prep_value(pk, connection) for pk in trainer_ids]
    sql = _CASCADE_SQL.format(roots=", ".join(["%s"] * len(roots)))
    with connection.cursor() as cursor:
        cursor.execute(sql, [*roots, MAX_GENERATIONS])
        rows = cursor.fetchall()
    return {
        uuid.UUID(str(root)): Reach(generations=int(g), sessions=int(s), people=int(p or 0))
        for root, g, s, p in rows
    }


def cascade_page(user: Any, page_size: int = 50) -> QuerySet[Any]:
    """Trainers who delivered training, most sessions first (the caller pages and adds
    ``cascade_reach`` for the page)."""
    if not permissions.is_team_manager(user):
        return get_user_model().objects.none()
    return (
        get_user_model()
        .objects.filter(training_delivered__isnull=False)
        .select_related("agency")
        .annotate(
            delivered=Count("training_delivered", distinct=True),
            trained_by_team=Exists(
                TrainingSession.objects.filter(
                    attendees=OuterRef("pk"), trainer__in_colocated_team=True
                )
            ),
        )
        .order_by("-delivered", "last_name", "id")
    )


def courses() -> QuerySet[Course]:
    return Course.objects.filter(is_active=True).order_by("title")


def imports_list(user: Any) -> QuerySet[ElearningImport]:
    if not permissions.can_import_elearning(user):
        return ElearningImport.objects.none()
    return ElearningImport.objects.select_related("uploaded_by").defer("content")


# --- Participation -------------------------------------------------------------------------------


def feedback_list(user: Any) -> QuerySet[Feedback]:
    return permissions.visible_feedback(user).order_by("-received_at", "-id")


def activities_list(user: Any) -> QuerySet[ParticipationActivity]:
    return permissions.visible_activities(user).select_related("recorded_by")


# --- The young person's record page --------------------------------------------------------------


def record_panel_context(user: Any, record: Any) -> dict[str, Any]:
    """The record page's panel: outreach sessions where this young person was engaged (two
    queries), linked for whoever may open the session."""
    engagements = list(
        SessionEngagement.objects.filter(young_person=record)
        .select_related("session__place")
        .order_by("-session__starts_at")[:20]
    )
    openable = (
        set(
            permissions.visible_sessions(user)
            .filter(pk__in=[e.session_id for e in engagements])
            .values_list("pk", flat=True)
        )
        if engagements
        else set()
    )
    rows = [{"session": e.session, "openable": e.session_id in openable} for e in engagements]
    return {"sessions": rows}


# --- Measures the reports app reads --------------------------------------------------------------
#
# Each takes a period (first and last day, inclusive) and answers with plain numbers: no personal
# data, no queryset. Small counts are suppressed by the reports app, not here.


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    zone = timezone.get_current_timezone()
    return (
        datetime.combine(start, time.min, tzinfo=zone),
        datetime.combine(end, time.max, tzinfo=zone),
    )


def _postcode_district() -> Any:
    """A session's area: the postcode district of its place (the outward code, ``S60`` of
    ``S60 2LR``; intelligence keeps a location's postcode cleaned, with its space), empty for a
    place with no postcode. Locations carry no ward or other area of their own."""
    return Left("place__postcode", StrIndex("place__postcode", Value(" ")) - 1)


def sessions_by_area_and_month_measure(start: date, end: date) -> list[dict[str, Any]]:
    """Recorded outreach sessions by postcode district of the place and month:
    ``[{"area", "month", "sessions", "young_people"}]``."""
    first, last = _bounds(start, end)
    district = _postcode_district()
    rows = (
        OutreachSession.objects.filter(
            status=SessionStatus.RECORDED, starts_at__gte=first, starts_at__lte=last
        )
        .annotate(area=district, month=TruncMonth("starts_at"))
        .values("area", "month")
        .annotate(sessions=Count("id"), young_people=Sum("young_people_count"))
        .order_by("month", "area")
    )
    return [
        {
            "area": r["area"] or "Unknown",
            "month": r["month"].date() if isinstance(r["month"], datetime) else r["month"],
            "sessions": r["sessions"],
            "young_people": r["young_people"] or 0,
        }
        for r in rows
    ]


def premises_by_sector_measure(start: date, end: date) -> list[dict[str, Any]]:
    """Per sector: premises on the register, visited in the period, trained in the period, and
    displaying the materials: ``[{"sector", "label", "registered", "visited", "trained",
    "displaying"}]``."""
    labels = dict(Sector.choices)
    visited = Q(visits__visited_on__gte=start, visits__visited_on__lte=end)
    trained = Q(
        training_sessions__delivered_on__gte=start, training_sessions__delivered_on__lte=end
    )
    rows = (
        Premises.objects.values("sector")
        .annotate(
            registered=Count("id", distinct=True),
            visited=Count("id", filter=visited, distinct=True),
            trained=Count("id", filter=trained, distinct=True),
            displaying=Count("id", filter=Q(materials_displayed=True), distinct=True),
        )
        .order_by("sector")
    )
    return [{**r, "label": labels.get(r["sector"], r["sector"])} for r in rows]


def cascade_measure(start: date, end: date) -> dict[str, int]:
    """Training delivered in the period: sessions and people, and of them those delivered by a
    trainer who was trained here first (the cascade, ``TrainingSession.cascade``): ``{"sessions",
    "people", "cascade_sessions", "cascade_people"}``."""
    sessions = TrainingSession.objects.filter(delivered_on__gte=start, delivered_on__lte=end)
    totals = sessions.aggregate(
        sessions=Count("id"),
        people=Coalesce(Sum("attendance_count"), 0, output_field=IntegerField()),
        cascade_sessions=Count("id", filter=Q(cascade=True)),
        cascade_people=Coalesce(
            Sum("attendance_count", filter=Q(cascade=True)), 0, output_field=IntegerField()
        ),
    )
    return {k: int(v or 0) for k, v in totals.items()}


def feedback_measure(start: date, end: date) -> dict[str, Any]:
    """Feedback received in the period: ``{"received", "average_rating", "by_rating"}``."""
    first, last = _bounds(start, end)
    rows = Feedback.objects.filter(received_at__gte=first, received_at__lte=last)
    totals = rows.aggregate(received=Count("id"), average=Avg("rating"))
    by_rating = dict(rows.values_list("rating").annotate(n=Count("id")).order_by())
    return {
        "received": totals["received"],
        "average_rating": round(float(totals["average"]), 1) if totals["average"] else None,
        "by_rating": {rating: by_rating.get(rating, 0) for rating in range(1, 6)},
    }


def elearning_completions_count(start: date, end: date) -> int:
    return ElearningCompletion.objects.filter(
        completed_on__gte=start, completed_on__lte=end, course__kind=CourseKind.ELEARNING
    ).count()


# --- For the reports app's figures (aggregates only, counted in the database) ------------------


def outreach_sessions_for_figures() -> QuerySet[OutreachSession]:
    """Recorded outreach sessions, each with its ``area`` (the postcode district of its place),
    for the reports app's grouped counts."""
    return OutreachSession.objects.filter(status=SessionStatus.RECORDED).annotate(
        area=_postcode_district()
    )


def training_sessions_for_figures() -> QuerySet[TrainingSession]:
    """Every training session delivered, for the reports app's grouped counts."""
    return TrainingSession.objects.all()


def training_sessions_with_cascade_for_figures() -> QuerySet[TrainingSession]:
    """Every training session delivered, each with ``cascade``: delivered by a trainer who was
    trained here first (kept on the session by the services), for the reports app's counts."""
    return TrainingSession.objects.all()


def premises_visits_for_figures() -> QuerySet[PremisesVisit]:
    """Every visit to a premises on the register (``premises__sector``, ``visited_on``)."""
    return PremisesVisit.objects.all()


def premises_trained_for_figures() -> QuerySet[Any]:
    """A row per premises a training session was delivered to (``premises__sector``,
    ``trainingsession__delivered_on``), for counting the premises trained by sector."""
    return TrainingSession.premises.through.objects.all()


def feedback_for_figures() -> QuerySet[Feedback]:
    """Every piece of feedback received (``received_at``), for the reports app's counts."""
    return Feedback.objects.all()


def sectors_for_figures() -> list[tuple[str, str]]:
    """The premises sectors (code, label) in their order, for the reports app's breakdowns."""
    return [(str(code), str(label)) for code, label in Sector.choices]
