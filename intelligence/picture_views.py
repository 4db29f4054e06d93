"""The picture's pages: the analyst's victim / offender / location analysis (tables that read
without JavaScript, and the link chart drawn over them from the network API), the hot spots (a
table and a map), and the pattern alerts (list, evidence, close with an outcome). Each view
authorises through ``permissions``, calls a selector or service, audits what it shows, renders."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from cse_portal.pagination import audited_page, record_page_shown
from cse_portal.view_helpers import require, show_service_errors

from . import alerts, permissions, selectors, services
from .models import AlertOutcome, AlertStatus, Entity, IntelligenceItem
from .network import picture_build
from .picture_forms import AlertCloseForm, HotSpotsForm, PictureFilterForm

PAGE_SIZE = 25


# --- The VOL analysis ----------------------------------------------------------------------------


def audit_picture(request: Any, picture: Any, channel: str) -> None:
    """Record every entity the picture shows (young people's records named as subjects)."""
    shown = picture.shown_entities()
    record_page_shown(request, shown, model=Entity, result_count=len(shown), channel=channel)


@require_http_methods(["GET"])
def picture(request: HttpRequest) -> HttpResponse:
    require(permissions.is_analyst(request.user))
    form = PictureFilterForm(request.GET)
    result = None
    network_url = ""
    grading_asked: list[str] = []
    if form.is_valid():
        filters = form.filters()
        grading_asked = form.grading_asked()
        result = picture_build(filters)
        audit_picture(request, result, "intelligence picture")
        query = {k: v for k, v in filters.as_query().items() if v not in ("", None)}
        network_url = reverse("intelligence-network") + "?" + urlencode(query, doseq=True)
    return render(
        request,
        "intelligence/picture/analysis.html",
        {
            "form": form,
            "picture": result,
            "network_url": network_url,
            "grading_asked": grading_asked,
        },
    )


# --- Hot spots -----------------------------------------------------------------------------------


@require_http_methods(["GET"])
def hot_spots(request: HttpRequest) -> HttpResponse:
    require(permissions.can_see_hot_spots(request.user))
    form = HotSpotsForm(request.GET or {"period": "90"})
    # A bad choice is named in the error summary; the list shows what the valid ones ask.
    form.is_valid()
    page = audited_page(
        request,
        selectors.hot_spots(user=request.user, since=form.since(), **form.minimums()),
        per_page=PAGE_SIZE,
        channel="hot spots",
    )
    points = [
        {
            "label": place.label,
            "postcode": place.postcode,
            "lat": float(place.latitude),
            "lng": float(place.longitude),
            "young_people": place.young_people_count,
            "items": place.items_count,
        }
        for place in page.object_list
        if place.latitude is not None and place.longitude is not None
    ]
    return render(
        request,
        "intelligence/picture/hot_spots.html",
        {
            "form": form,
            "page": page,
            "points": points,
            "query": request.GET.copy(),
            "tile_url": settings.MAP_TILE_URL,
            "tile_attribution": settings.MAP_TILE_ATTRIBUTION,
            "is_analyst": permissions.is_analyst(request.user),
        },
    )


# --- Pattern alerts ------------------------------------------------------------------------------


@require_http_methods(["GET"])
def alert_list(request: HttpRequest) -> HttpResponse:
    require(permissions.can_see_alerts(request.user))
    status = request.GET.get("status", AlertStatus.OPEN)
    if status not in AlertStatus.values:
        status = AlertStatus.OPEN
    page = audited_page(
        request,
        selectors.alerts_visible_to(request.user).filter(status=status),
        per_page=PAGE_SIZE,
        channel="pattern alerts",
    )
    return render(
        request,
        "intelligence/picture/alerts.html",
        {
            "page": page,
            "status": status,
            "statuses": AlertStatus.choices,
            "query": request.GET.copy(),
            "threshold": alerts.threshold(),
            "window_days": settings.INTELLIGENCE_ALERT_WINDOW_DAYS,
        },
    )


def _outcomes_for(user: Any) -> list[str]:
    return [value for value in AlertOutcome.values if permissions.can_close_alert(user, value)]


@require_http_methods(["GET", "POST"])
def alert_detail(request: HttpRequest, pk: Any) -> HttpResponse:
    user = request.user
    alert = alerts.get_alert_for_user(user, pk)
    outcomes = _outcomes_for(user)
    form = AlertCloseForm(request.POST or None, outcomes=outcomes)
    if request.method == "POST":
        if alert.status != AlertStatus.OPEN:
            # Sent twice (a double click, Back): the page says so rather than refusing.
            messages.info(request, f"The alert on {alert.entity.label} is already closed")
            return redirect("intelligence:picture_alert", pk=alert.pk)
        if form.is_valid():
            try:
                services.alert_close(
                    actor=user,
                    alert=alert,
                    outcome=form.cleaned_data["outcome"],
                    reason=form.cleaned_data["reason"],
                )
            except ValidationError as error:
                show_service_errors(form, error)
            else:
                messages.success(request, f"Alert on {alert.entity.label} closed")
                return redirect("intelligence:picture_alert", pk=alert.pk)
    evidence = alerts.alert_evidence(user, alert)
    young_people = alerts.evidence_young_people(evidence)
    items = [mention.item for mention in evidence]
    record_page_shown(
        request,
        items,
        model=IntelligenceItem,
        result_count=len(items),
        channel="pattern alert: evidence",
    )
    record_page_shown(
        request,
        young_people,
        model=Entity,
        result_count=len(young_people),
        channel="pattern alert: young people",
    )
    return render(
        request,
        "intelligence/picture/alert.html",
        {
            "alert": alert,
            "evidence": evidence,
            "young_people": young_people,
            "form": form,
            "can_close": alert.status == AlertStatus.OPEN and bool(outcomes),
            "is_analyst": permissions.is_analyst(user),
            "window_days": settings.INTELLIGENCE_ALERT_WINDOW_DAYS,
        },
    )
