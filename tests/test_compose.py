"""docker-compose.yml describes the production-like stack. (``docker compose config`` validates
the syntax where the Docker client is installed; this checks what the stack must contain.)"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

COMPOSE = yaml.safe_load(
    (Path(__file__).resolve().parent.parent / "docker-compose.yml").read_text()
)
SERVICES = COMPOSE["services"]


def test_the_stack_has_web_worker_beat_postgres_and_redis():
    assert set(SERVICES) == {"web", "worker", "beat", "postgres", "redis"}


@pytest.mark.parametrize("service", ["web", "worker", "beat", "postgres", "redis"])
def test_every_service_has_a_health_check(service):
    assert SERVICES[service]["healthcheck"]["test"]


def test_web_is_served_by_gunicorn_and_the_workers_by_celery():
    assert "gunicorn cse_portal.wsgi" in SERVICES["web"]["command"]
    assert SERVICES["worker"]["command"].startswith("celery -A cse_portal worker")
    assert SERVICES["beat"]["command"].startswith("celery -A cse_portal beat")


def test_the_portal_waits_for_healthy_postgres_and_redis():
    for service in ("web", "worker", "beat"):
        depends = SERVICES[service]["depends_on"]
        assert depends["postgres"]["condition"] == "service_healthy"
        assert depends["redis"]["condition"] == "service_healthy"


def test_secrets_come_from_the_environment_and_must_be_set():
    environment = SERVICES["web"]["environment"]
    assert environment["DEBUG"] == "false"
    for name in ("SECRET_KEY", "AUDIT_CHAIN_KEY", "ALLOWED_HOSTS"):
        assert re.fullmatch(r"\$\{" + name + r":\?[^}]+\}", environment[name])
    assert "${POSTGRES_PASSWORD:?" in environment["DATABASE_URL"]


def test_every_portal_process_shares_the_redis_cache():
    for service in ("web", "worker", "beat"):
        assert SERVICES[service]["environment"]["CACHE_URL"] == "redis://redis:6379/1"


def test_gunicorn_uses_the_portal_config_whose_access_log_drops_query_strings():
    assert "--config gunicorn.conf.py" in SERVICES["web"]["command"]


def test_the_audit_checkpoints_are_kept_outside_the_database_on_a_shared_volume():
    path = SERVICES["web"]["environment"]["AUDIT_CHECKPOINT_PATH"]
    for service in ("web", "worker", "beat"):
        mounts = dict(volume.split(":", 1) for volume in SERVICES[service]["volumes"])
        assert path.startswith(mounts["audit-checkpoints"] + "/")
    assert not SERVICES["postgres"]["volumes"][0].startswith("audit-checkpoints")
