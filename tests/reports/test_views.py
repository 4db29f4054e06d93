"""The reports pages: the ladder for each, what the LSCB manager sees (figures, never a child),
the exports of exactly what is shown, and the team manager's and analyst's dashboards."""

from __future__ import annotations

import io
import zipfile

from django.urls import reverse

from cse_portal.audit.models import AuditEntry
from reports.exports import neutralise
from reports.models import ReportRun
from tests.ladder import Ladder, Page

from .conftest import at, referrals


def _profile(people) -> str:
    run = ReportRun.objects.filter(kind="problem_profile").first() or ReportRun.objects.create(
        kind="problem_profile",
        period="2026-09",
        marking="OFFICIAL-SENSITIVE",
        requested_by=people.ana,
    )
    return str(run.pk)


class TestLadder(Ladder):
    PAGES = [
        Page("lscb", lambda p: reverse("reports:lscb"), "lucy", "alice", 403, "LSCB dashboard"),
        Page("lscb csv", lambda p: reverse("reports:lscb_csv"), "lucy", "ana", 403, ""),
        Page(
            "definitions", lambda p: reverse("reports:definitions"), "lucy", "bob", 403, "counted"
        ),
        Page("team", lambda p: reverse("reports:team"), "manager", "lucy", 403, "team"),
        Page("analyst", lambda p: reverse("reports:analyst"), "ana", "manager", 403, "Hot spots"),
        Page("list", lambda p: reverse("reports:list"), "lucy", "adam", 403, "Request a report"),
        Page(
            "subscriptions",
            lambda p: reverse("reports:subscriptions"),
            "lucy",
            "alice",
            403,
            "Subscribe",
        ),
        Page(
            "profile",
            lambda p: reverse("reports:detail", args=[_profile(p)]),
            "ana",
            "lucy",
            404,
            "Problem profile",
        ),
        Page(
            "progress",
            lambda p: reverse("reports:progress", args=[_profile(p)]),
            "ana",
            "manager",
            404,
            "progress",
        ),
    ]
    HOME = "/reports/"


def test_the_lscb_dashboard_shows_charts_tables_and_suppression_never_a_child(people, client_for):
    referrals(3, referred_by=people.frank, submitted_at=at(2026, 7, 2))
    referrals(12, referred_by=people.fiona, submitted_at=at(2026, 7, 3))
    response = client_for(people.lucy).get(reverse("reports:lscb"), {"period": "2026-Q3"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "<svg" in page and "Referrals by source" in page
    assert "suppressed" in page
    assert "15" in page  # the total is shown
    for name in ("Maya", "Whitfield", "Noah", "Ellison"):
        assert name not in page


def test_a_bad_period_is_a_clear_error(people, client_for):
    response = client_for(people.lucy).get(reverse("reports:lscb"), {"period": "2026-Q7"})
    assert response.status_code == 400
    assert "a quarter (2026-Q3)" in response.content.decode()


def test_the_csv_is_exactly_what_is_shown_and_audited(people, client_for):
    referrals(3, referred_by=people.frank, submitted_at=at(2026, 7, 2))
    referrals(12, referred_by=people.fiona, submitted_at=at(2026, 7, 3))
    response = client_for(people.lucy).get(reverse("reports:lscb_csv"), {"period": "2026-Q3"})
    text = response.content.decode("utf-8-sig")
    assert response["Content-Disposition"] == 'attachment; filename="cse-measures-2026-Q3.csv"'
    health = next(line for line in text.splitlines() if ",referrals_from_health," in line)
    assert health.split(",")[3] == "suppressed"
    received = next(line for line in text.splitlines() if ",referrals_received," in line)
    assert received.split(",")[3] == "15"
    assert AuditEntry.objects.filter(action="export", object_id="2026-Q3").exists()


def test_the_xlsx_holds_the_same_cells_as_inline_strings_and_numbers(people, client_for):
    referrals(7, referred_by=people.fiona, submitted_at=at(2026, 7, 3))
    response = client_for(people.lucy).get(reverse("reports:lscb_xlsx"), {"period": "2026-Q3"})
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    sheet = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<v>7</v>" in sheet
    assert "Referrals received" in sheet
    assert "<f>" not in sheet  # no formula anywhere
    assert set(archive.namelist()) >= {"[Content_Types].xml", "xl/workbook.xml"}


def test_the_xlsx_is_refused_outside_the_managers(people, client_for):
    assert client_for(people.frank).get(reverse("reports:lscb_xlsx")).status_code == 403


def test_formula_injection_is_neutralised():
    assert neutralise('=HYPERLINK("http://x")') == '\'=HYPERLINK("http://x")'
    assert neutralise("+1") == "'+1" and neutralise("@SUM(A1)") == "'@SUM(A1)"
    assert neutralise("-2") == "'-2" and neutralise("\tx") == "'\tx"
    assert neutralise(-2) == -2 and neutralise("Referrals") == "Referrals"


def test_every_team_figure_links_to_its_list(people, client_for):
    referrals(2, referred_by=people.frank, submitted_at=at(2026, 7, 2))
    page = client_for(people.manager).get(reverse("reports:team")).content.decode()
    assert f'href="{reverse("referrals:queue")}"' in page
    assert f'href="{reverse("assessments:list")}?show=awaiting"' in page
    assert "Caseload per practitioner" in page
    assert "Alice" in page  # maya is allocated to alice


def test_the_team_dashboard_lists_and_audits_the_open_alerts_it_shows(people, client_for):
    from django.utils import timezone

    from intelligence.models import Alert, AlertOutcome, AlertStatus, Entity

    alerts = []
    for n in range(12):
        entity = Entity.objects.create(kind="vehicle", key=f"AB{n}CDE", label=f"AB{n} CDE")
        alerts.append(Alert.objects.create(entity=entity, young_people_count=n + 2))
    Alert.objects.filter(pk=alerts[0].pk).update(
        status=AlertStatus.CLOSED,
        closed_at=timezone.now(),
        outcome=AlertOutcome.DISRUPTION,
        reason="Vehicle seized",
    )
    page = client_for(people.manager).get(reverse("reports:team")).content.decode()
    newest = sorted(alerts[1:], key=lambda alert: (alert.updated_at, alert.pk), reverse=True)[:10]
    for alert in newest:
        assert f"Vehicle: {alert.entity.label}, {alert.young_people_count} young people" in page
    assert "AB0 CDE" not in page  # closed
    entry = AuditEntry.objects.get(
        actor=people.manager, detail__channel="team dashboard: open alerts"
    )
    assert entry.detail["shown"] == [str(alert.pk) for alert in newest]
    assert entry.detail["results"] == 11


def test_the_analyst_dashboard_audits_the_places_it_shows(people, client_for):
    client_for(people.ana).get(reverse("reports:analyst"))
    assert AuditEntry.objects.filter(
        actor=people.ana, detail__channel="analyst dashboard: hot spots"
    ).exists()
