"""The queue, "My referrals" and the API list cost the same number of queries with a few and with
many rows: nothing is fetched row by row; and the API list's count reads an index, not the table."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from referrals.models import CommunityConcern, Referral, ReferralKind, ReferralStatus, SelfReferral

pytestmark = pytest.mark.django_db


def add_referrals(people, count: int, prefix: str) -> None:
    """Rows fast, of every kind, each pointing at a record, a referrer or its details."""
    now = timezone.now()
    referrals = Referral.objects.bulk_create(
        Referral(
            kind=[ReferralKind.PROFESSIONAL, ReferralKind.SELF, ReferralKind.COMMUNITY][i % 3],
            status=ReferralStatus.SUBMITTED,
            submitted_at=now,
            urgent=i % 5 == 0,
            referred_by=people.frank if i % 3 == 0 else None,
            young_person=people.noah if i % 3 == 0 else None,
            given_name="Sam" if i % 3 == 0 else "",
            consent="given" if i % 3 == 0 else "",
            reference=f"{prefix}{i:07d}",
        )
        for i in range(count)
    )
    SelfReferral.objects.bulk_create(
        SelfReferral(referral=r, age=14, contact_method="none", happening="Something is happening")
        for r in referrals
        if r.kind == ReferralKind.SELF
    )
    CommunityConcern.objects.bulk_create(
        CommunityConcern(
            referral=r,
            what_seen="Seen",
            when_seen="Friday",
            venue="Hotel",
            child_identifiable="no",
            reporter_sector="hotel",
        )
        for r in referrals
        if r.kind == ReferralKind.COMMUNITY
    )


def _count(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    ("persona", "url"),
    [
        ("manager", reverse("referrals:queue")),
        ("frank", reverse("referrals:mine")),
        ("manager", "/api/v1/referrals/"),
        ("frank", "/api/v1/referrals/"),
    ],
)
def test_lists_cost_the_same_with_few_and_many_rows(people, client_for, persona, url):
    client = client_for(getattr(people, persona))
    add_referrals(people, 6, "F")
    few = _count(client, url)
    add_referrals(people, 60, "M")
    many = _count(client, url)
    assert few == many


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the plan is PostgreSQL's")
def test_the_managers_list_is_counted_off_an_index_alone(people, client_for):
    """Every page of the list counts up to the cap what the team manager may see: every referral
    but other people's drafts. ``referral_visible_idx`` holds both columns the funnel tests, so
    PostgreSQL counts without reading the table's pages. The table is small here, so the scans it
    would rather use on one that size are turned off."""
    add_referrals(people, 60, "C")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE referrals_referral")
    with CaptureQueriesContext(connection) as captured:
        assert client_for(people.manager).get("/api/v1/referrals/").status_code == 200
    (count,) = [q["sql"] for q in captured if q["sql"].startswith("SELECT COUNT(*)")]
    assert "referrals_referral" in count
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute(f"EXPLAIN {count}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Index Only Scan using referral_visible_idx" in plan, plan


def test_the_queue_is_read_with_sql_kept_and_its_joined_rows_as_the_orm_joins_them(people):
    """The queue's page and the recent decisions are read with SQL compiled once per asker
    (``statements.ListStatement``): the same referrals, with the same joined rows (the record,
    the referrer and their agency, a self-referral's or a community concern's details), none read
    again per row."""
    from cse_portal.statements import KeptList
    from referrals import selectors

    add_referrals(people, 12, "K")
    listed = selectors.listed_triage_queue(people.manager)
    assert isinstance(listed, KeptList)

    def shown(referral):
        kind_details = (
            getattr(referral, "self_referral", None),
            getattr(referral, "community_concern", None),
        )
        referrer = referral.referred_by
        return (
            referral.pk,
            referral.young_person and referral.young_person.given_name,
            referrer and referrer.username,
            referrer and referrer.agency and referrer.agency.name,
            [detail and detail.pk for detail in kind_details],
        )

    with CaptureQueriesContext(connection) as read:
        kept = [shown(referral) for referral in listed[0:50]]
    assert len(read) == 1
    assert kept == [shown(referral) for referral in selectors.triage_queue(people.manager)]
    assert any(details[0] for *_, details in kept) and any(details[1] for *_, details in kept)
    assert any(referrer for _, _, referrer, _, _ in kept)
