"""Settings come only from the environment. Production mode (DEBUG false) refuses to start without
its secrets and infrastructure, passes Django's deployment checks, and always requires the second
factor. Each case imports the settings afresh in a subprocess with exactly the environment given."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

BASE_DIR = Path(__file__).resolve().parent.parent
CONTROLLED = {
    "DEBUG",
    "SECRET_KEY",
    "AUDIT_CHAIN_KEY",
    "ALLOWED_HOSTS",
    "DATABASE_URL",
    "CELERY_BROKER_URL",
    "CACHE_URL",
    "ENV_FILE",
    "REQUIRE_SECOND_FACTOR",
    "SESSION_IDLE_MINUTES",
    "CELERY_TASK_ALWAYS_EAGER",
    # Set for the browser tests in the same process; production must never inherit it.
    "DJANGO_ALLOW_ASYNC_UNSAFE",
}


def production_env(tmp_path: Path) -> dict[str, str]:
    return {
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "AUDIT_CHAIN_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "cse-portal.example.org",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'production.sqlite3'}",
        "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
        "CACHE_URL": "redis://127.0.0.1:6379/1",
    }


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    inherited = {k: v for k, v in os.environ.items() if k not in CONTROLLED}
    return subprocess.run(
        [sys.executable, *args],
        cwd=BASE_DIR,
        # A developer's local demo file (``make run``) must not fill in what production lacks.
        env=inherited
        | {"DJANGO_SETTINGS_MODULE": "cse_portal.settings", "ENV_FILE": os.devnull}
        | env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def setting(name: str, env: dict[str, str]) -> str:
    code = f"from django.conf import settings; print(settings.{name})"
    result = run(["-c", code], env)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_production_settings_pass_the_deployment_checks(tmp_path):
    result = run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"], production_env(tmp_path)
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    "variable",
    [
        "SECRET_KEY",
        "AUDIT_CHAIN_KEY",
        "ALLOWED_HOSTS",
        "DATABASE_URL",
        "CELERY_BROKER_URL",
        "CACHE_URL",
    ],
)
def test_production_refuses_to_start_without(tmp_path, variable):
    env = production_env(tmp_path)
    del env[variable]
    result = run(["manage.py", "check"], env)
    assert result.returncode != 0
    assert f"ImproperlyConfigured: Set the {variable} environment variable" in result.stderr


def test_production_refuses_an_empty_audit_chain_key(tmp_path):
    result = run(["manage.py", "check"], production_env(tmp_path) | {"AUDIT_CHAIN_KEY": ""})
    assert result.returncode != 0
    assert "AUDIT_CHAIN_KEY must not be empty in production" in result.stderr


def test_the_audit_chain_key_comes_from_its_own_variable(tmp_path):
    env = production_env(tmp_path)
    assert setting("AUDIT_CHAIN_KEY", env) == env["AUDIT_CHAIN_KEY"] != env["SECRET_KEY"]


@pytest.mark.parametrize(
    ("debug", "require", "expected"),
    [("false", "false", "True"), ("true", "false", "False"), ("true", None, "True")],
    ids=["production-ignores-relaxing", "demo-may-relax", "demo-default-requires"],
)
def test_second_factor_may_be_relaxed_only_in_a_local_demo(tmp_path, debug, require, expected):
    env = production_env(tmp_path) | {"DEBUG": debug}
    if require is not None:
        env["REQUIRE_SECOND_FACTOR"] = require
    assert setting("REQUIRE_SECOND_FACTOR", env) == expected


def test_production_shares_one_redis_cache_across_processes(tmp_path):
    caches = setting("CACHES", production_env(tmp_path))
    assert "django.core.cache.backends.redis.RedisCache" in caches
    assert "redis://127.0.0.1:6379/1" in caches


def test_the_embedded_demo_keeps_the_local_memory_cache(tmp_path):
    assert "locmem.LocMemCache" in setting("CACHES", {"DEBUG": "true"})


def test_session_idle_timeout_defaults_to_thirty_minutes(tmp_path):
    assert setting("SESSION_COOKIE_AGE", production_env(tmp_path)) == "1800"


def test_session_idle_timeout_follows_the_environment(tmp_path):
    env = production_env(tmp_path) | {"SESSION_IDLE_MINUTES": "10"}
    assert setting("SESSION_COOKIE_AGE", env) == "600"


@pytest.mark.parametrize("weak", ["short1!", "password1234", "123456789012345"])
def test_weak_passwords_are_refused(weak):
    with pytest.raises(ValidationError):
        validate_password(weak)


def test_a_long_uncommon_password_is_accepted():
    validate_password("violet-harbour-tangent-1987")
