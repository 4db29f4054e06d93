"""Migration 0002 drops the "closed" status nothing set: an episode reading "closed" (only a hand
edit could make one) becomes "returned", and the database then allows only the two statuses."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from missing.models import MissingEpisode
from tests.missing.conftest import hours_ago

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("missing", "0002_episode_missing_since_index")]


def latest():
    """Every migration of the app, so the test leaves the schema as it found it (0003 included)."""
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes("missing")


def migrate(target) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(target)


def test_a_closed_episode_becomes_returned_and_closed_is_refused_after(report):
    episode = report(hours=5)
    back = hours_ago(1)
    migrate(BEFORE)
    try:
        # The columns are the same before and after: the old constraint let "closed" stand.
        MissingEpisode.objects.filter(pk=episode.pk).update(status="closed", returned_at=back)
    finally:
        migrate(latest())
    episode.refresh_from_db()
    assert (episode.status, episode.returned_at) == ("returned", back)
    with pytest.raises(IntegrityError), transaction.atomic():
        MissingEpisode.objects.filter(pk=episode.pk).update(status="closed")
