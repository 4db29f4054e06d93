"""Settings for the CSE portal: one module, configured only from the environment.

Production (``DEBUG`` false, the default) has no fallback for secrets or infrastructure: a
missing ``SECRET_KEY``, ``ALLOWED_HOSTS``, ``DATABASE_URL``, ``CELERY_BROKER_URL`` or ``CACHE_URL``
stops the process at start. The embedded defaults (SQLite and the ``filesystem://`` Celery broker
under ``var/``) apply only when ``DEBUG`` is true, which is what ``make run`` and ``make test`` set.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

# ``make run`` writes a local ``.env`` (DEBUG and a random SECRET_KEY) so that the README's
# commands (``python manage.py seed_demo --json``) work as typed afterwards. Variables already in
# the environment win; production has no such file (it is never committed nor copied into the
# image), so it still refuses to start without its own secrets. ``ENV_FILE`` points elsewhere.
ENV_FILE = Path(os.environ.get("ENV_FILE", BASE_DIR / ".env"))
if ENV_FILE.is_file():
    environ.Env.read_env(ENV_FILE, overwrite=False)

VAR_DIR = Path(environ.Env().str("VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env()

DEBUG = env.bool("DEBUG", default=False)

if DEBUG:
    SECRET_KEY = env.str("SECRET_KEY", default="embedded-demo-only-" + "x" * 40)
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
    AUDIT_CHAIN_KEY = env.str("AUDIT_CHAIN_KEY", default="embedded-demo-only-audit-" + "k" * 40)
else:
    # No defaults: production must be told every secret and every host, or it does not start.
    SECRET_KEY = env.str("SECRET_KEY")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
    # The audit chain's key is not SECRET_KEY: that one sits in every web process and is rotated
    # for sessions; this one only signs the log, and whoever can rewrite the database must not
    # also hold it, or they could recompute every hash after an entry they changed.
    AUDIT_CHAIN_KEY = env.str("AUDIT_CHAIN_KEY")
    if not SECRET_KEY or not ALLOWED_HOSTS or not AUDIT_CHAIN_KEY:
        raise ImproperlyConfigured(
            "SECRET_KEY, ALLOWED_HOSTS and AUDIT_CHAIN_KEY must not be empty in production"
        )

SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

# --- Applications --------------------------------------------------------------------------------

INSTALLED_APPS = [
    "cse_portal.admin_site.PortalAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_celery_results",
    "django_celery_beat",
    "guardian",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "csp",
    "django_htmx",
    # Core, in dependency order: notifications <- accounts <- audit <- young_people.
    "cse_portal.notifications",
    "cse_portal.accounts",
    "cse_portal.audit",
    "cse_portal.young_people",
    # Feature apps, in dependency order.
    "assessments",
    "referrals",
    "intelligence",
    "missing",
    "outreach",
    "reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "cse_portal.accounts.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "cse_portal.accounts.middleware.LoginRequiredMiddleware",
    "cse_portal.accounts.middleware.SecondFactorRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After CommonMiddleware, whose APPEND_SLASH redirect still turns a 404 into /path/.
    "cse_portal.error_pages.PortalNotFoundMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "cse_portal.accounts.middleware.NoStoreMiddleware",
    # Inside the header middleware, so its 400 and 413 pages carry the same policy headers; it
    # still runs before any view or CSRF check reads the body.
    "cse_portal.request_guard.RequestGuardMiddleware",
    # Axes must come last so that it sees the outcome of the authentication views.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "cse_portal.urls"
WSGI_APPLICATION = "cse_portal.wsgi.application"
ASGI_APPLICATION = "cse_portal.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "cse_portal.accounts.context_processors.portal",
            ],
            "builtins": [
                "cse_portal.templatetags.govuk",
                "cse_portal.templatetags.links",
                "cse_portal.templatetags.dates",
            ],
        },
    },
]

# --- Database ------------------------------------------------------------------------------------

if DEBUG:
    DATABASES = {
        "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'cse_portal.sqlite3'}")
    }
else:
    DATABASES = {"default": env.db("DATABASE_URL")}

DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"].setdefault("TEST", {})
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Django's SQLite backend, but its flush lifts the audit log's append-only triggers (why: in
    # cse_portal/audit/sqlite3/base.py).
    DATABASES["default"]["ENGINE"] = "cse_portal.audit.sqlite3"
    # In memory, as Django's default for SQLite: said outright because pytest-django recognises
    # SQLite by the engine's name only, and would otherwise give each parallel test worker a file
    # named after this database's path.
    DATABASES["default"]["TEST"].setdefault("NAME", ":memory:")
    # IMMEDIATE transactions serialise writers (web and worker) instead of failing with
    # "database is locked" when two of them upgrade a read lock at once.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # The portal's queries are short lookups over indexes; at a national size their estimated
    # cost switches PostgreSQL's JIT on, which then spends 250-400 ms compiling a query that runs
    # in a few milliseconds.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
    INSTALLED_APPS.append("django.contrib.postgres")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Authentication and sessions -----------------------------------------------------------------

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "cse_portal.accounts.backends.StaffBackend",
    "guardian.backends.ObjectPermissionBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Idle timeout: the session expires SESSION_IDLE_MINUTES after the last request. The expiry is
# renewed at most once every SESSION_RENEW_SECONDS (``accounts.middleware.SessionMiddleware``), not
# by a write on every request: a session may end up to that long before the full idle time.
SESSION_COOKIE_AGE = env.int("SESSION_IDLE_MINUTES", default=30) * 60
SESSION_RENEW_SECONDS = 60
SESSION_SAVE_EVERY_REQUEST = False
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# Staff must pass a second factor. Only a local demo (DEBUG) may relax this, and even then the
# code step is still shown: the user may skip it.
REQUIRE_SECOND_FACTOR = env.bool("REQUIRE_SECOND_FACTOR", default=True) or not DEBUG
OTP_TOTP_ISSUER = "CSE portal"

# Lockout on repeated failures, keyed on username and address together, so that one person in a
# shared office (one address) does not lock everyone else out.
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# Failures are cleared only by a complete sign-in (accounts.views), never by the password alone.
AXES_RESET_ON_SUCCESS = False
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False
# Behind TRUSTED_PROXY_COUNT reverse proxies the client's address is read from X-Forwarded-For
# (otherwise every client would share the proxy's address, and one person could lock a user out
# for everyone); with none the header is ignored, so a client cannot forge its address.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
AXES_CLIENT_IP_CALLABLE = "cse_portal.accounts.client_address.client_address"

GUARDIAN_RAISE_403 = False
ANONYMOUS_USER_NAME = None

# --- Security headers ----------------------------------------------------------------------------

X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
CSRF_COOKIE_HTTPONLY = True
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# --- Internationalisation ------------------------------------------------------------------------

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

# --- Static files --------------------------------------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("govuk", BASE_DIR / "node_modules" / "govuk-frontend" / "dist" / "govuk"),
    ("vendor/htmx", BASE_DIR / "node_modules" / "htmx.org" / "dist"),
    ("vendor/leaflet", BASE_DIR / "node_modules" / "leaflet" / "dist"),
    ("vendor/cytoscape", BASE_DIR / "node_modules" / "cytoscape" / "dist"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
MEDIA_ROOT = VAR_DIR / "media"

# --- Celery --------------------------------------------------------------------------------------

if DEBUG:
    CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
else:
    CELERY_BROKER_URL = env.str("CELERY_BROKER_URL")
CELERY_BROKER_FOLDER = VAR_DIR / "celery" / "broker"
if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_FOLDER),
        "data_folder_out": str(CELERY_BROKER_FOLDER),
        "processed_folder": str(VAR_DIR / "celery" / "processed"),
        "control_folder": str(VAR_DIR / "celery" / "control"),
        "store_processed": False,
        # The worker takes one message at a time (acks late, prefetch 1) and, between two, waits
        # this long: kombu's default of a second had beat's audit sequencer queue for minutes
        # behind the demo data's 270 notification emails.
        "polling_interval": 0.1,
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_BROKER_CONNECTION_TIMEOUT = 3
CELERY_RESULT_BACKEND = "django-db"
CELERY_RESULT_EXTENDED = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = TIME_ZONE

# --- Email ---------------------------------------------------------------------------------------

EMAIL_BACKEND = env.str(
    "EMAIL_BACKEND",
    default=(
        "django.core.mail.backends.console.EmailBackend"
        if DEBUG
        else "django.core.mail.backends.smtp.EmailBackend"
    ),
)
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
# For the file-based backend (``django.core.mail.backends.filebased.EmailBackend``).
EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH", default=str(VAR_DIR / "mail"))
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="cse-portal@localhost")
# How long a worker holds a notification it is sending before another may send it (the outbox).
NOTIFICATION_LEASE_SECONDS = env.int("NOTIFICATION_LEASE_SECONDS", default=300)

# --- REST API ------------------------------------------------------------------------------------

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "cse_portal.accounts.api_auth.StaffTokenAuthentication",
        "cse_portal.accounts.api_auth.VerifiedSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "cse_portal.pagination.PortalPagination",
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "cse_portal.api.PortalJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "EXCEPTION_HANDLER": "cse_portal.api.exception_handler",
    "DEFAULT_THROTTLE_RATES": {"user": "600/minute"},
    "DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.UserRateThrottle"],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "CSE portal API",
    "DESCRIPTION": "Multi-agency child sexual exploitation case management.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    # One name per choice set shared by several apps' serializers (the schema check warns
    # otherwise, and --deploy fails on warnings).
    "ENUM_NAME_OVERRIDES": {
        "IntelligencePriorityEnum": "intelligence.models.Priority",
        "AlertOutcomeEnum": "intelligence.models.AlertOutcome",
        "OutreachSectorEnum": "outreach.models.Sector",
        "SourceEvaluationEnum": ["1", "2", "3", "A", "B", "C", "D", "E"],
        "IntelligenceEvaluationEnum": ["1", "2", "3", "4", "5", "A", "B", "C", "D", "E"],
        "HandlingCodeEnum": ["1", "2", "3", "4", "5", "C", "P"],
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "cse_portal.api.document_error_responses",
    ],
}

# The largest body any page or API operation needs: a handful of narrative fields of at most
# 10,000 characters each, even at six bytes a character once escaped in JSON, stays well under
# 512 KB. Anything larger answers 413 (cse_portal.request_guard).
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("REQUEST_MAX_BYTES", default=512 * 1024)

# Throttles, rate limits and locks must count across every web and worker process, so production
# shares Redis (Django's own RedisCache, e.g. ``redis://redis:6379/1``); the one-process embedded
# demo keeps the local memory cache.
if DEBUG:
    CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://")}
else:
    CACHES = {"default": env.cache_url("CACHE_URL")}

# --- Portal policy -------------------------------------------------------------------------------

DEMO_PASSWORD = env.str("DEMO_PASSWORD", default="demo-portal-2026")

# CSE risk assessment: how long after approval each level is reviewed (no review is scheduled for
# "no apparent risk"), and what "universal information given" records by default.
ASSESSMENT_REVIEW_INTERVALS = {
    "high": {"weeks": env.int("ASSESSMENT_REVIEW_HIGH_WEEKS", default=4)},
    "medium": {"months": env.int("ASSESSMENT_REVIEW_MEDIUM_MONTHS", default=3)},
    "low": {"months": env.int("ASSESSMENT_REVIEW_LOW_MONTHS", default=6)},
}
ASSESSMENT_UNIVERSAL_INFORMATION = env.str(
    "ASSESSMENT_UNIVERSAL_INFORMATION",
    default=(
        "Universal information given to the young person and their parents or carers: healthy "
        "relationships, staying safe online, and how to get help."
    ),
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"drop_query_strings": {"()": "cse_portal.log_filters.DropQueryStrings"}},
    "formatters": {
        # Django's own format for its development server, which make run uses.
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        }
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler"},
        "django.server": {"class": "logging.StreamHandler", "formatter": "django.server"},
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # Access logs keep the path, never the query string (search terms): see log_filters.
        "django.server": {
            "handlers": ["django.server"],
            "level": "INFO",
            "propagate": False,
            "filters": ["drop_query_strings"],
        },
        "django.request": {"filters": ["drop_query_strings"]},
        "axes": {"level": "WARNING"},
        # WeasyPrint narrates every step of every PDF at INFO.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# Audit log: beat writes a signed checkpoint of the chain's head this often, appending to a file
# outside the database (give it a volume the database's administrators cannot write), so that
# verify_audit finds newest entries deleted.
AUDIT_CHECKPOINT_SECONDS = env.int("AUDIT_CHECKPOINT_SECONDS", default=60)
AUDIT_CHECKPOINT_PATH = Path(
    env.str("AUDIT_CHECKPOINT_PATH", default=str(VAR_DIR / "audit" / "checkpoints.jsonl"))
)

# Referrals: triage targets, the public pages' rate limit and quick-exit destination.
REFERRALS_TRIAGE_URGENT_MINUTES = env.int("REFERRALS_TRIAGE_URGENT_MINUTES", default=60)
REFERRALS_TRIAGE_WORKING_DAYS = env.int("REFERRALS_TRIAGE_WORKING_DAYS", default=1)
REFERRALS_PUBLIC_RATE_LIMIT = env.int("REFERRALS_PUBLIC_RATE_LIMIT", default=5)
REFERRALS_PUBLIC_RATE_WINDOW_MINUTES = env.int("REFERRALS_PUBLIC_RATE_WINDOW_MINUTES", default=60)
# Past the limit public messages are kept but held (no notifications); at the ceiling, a flood,
# the form comes back with everything typed and the numbers to call.
REFERRALS_PUBLIC_RATE_CEILING = env.int("REFERRALS_PUBLIC_RATE_CEILING", default=50)
# How long an unopened public confirmation page can still be opened once.
REFERRALS_PUBLIC_RECEIPT_MINUTES = env.int("REFERRALS_PUBLIC_RECEIPT_MINUTES", default=30)
# How long a public form stays open with what was typed shown again after an error; past it an
# error shows a fresh form (it could be a re-post by the next person at the computer).
REFERRALS_PUBLIC_FORM_HOURS = env.int("REFERRALS_PUBLIC_FORM_HOURS", default=24)
REFERRALS_EXIT_URL = env.str("REFERRALS_EXIT_URL", default="https://www.bbc.co.uk/weather")

# --- audit ---
# Audit entries are written without a lock and chained afterwards by the sequencer, which beat runs
# this often (and every checkpoint runs first), this many entries a transaction. verify_audit fails
# on an entry left unsequenced longer than AUDIT_UNSEQUENCED_MAX_SECONDS (the sequencer stopped).
AUDIT_SEQUENCE_SECONDS = env.int("AUDIT_SEQUENCE_SECONDS", default=5)
AUDIT_SEQUENCE_BATCH = env.int("AUDIT_SEQUENCE_BATCH", default=5_000)
AUDIT_UNSEQUENCED_MAX_SECONDS = env.int("AUDIT_UNSEQUENCED_MAX_SECONDS", default=300)

# --- intelligence picture ---
# Pattern alerts: an entity linked to this many different young people within the window raises
# one (both settings of the rule); the nightly sweep works through this many entities a transaction.
INTELLIGENCE_ALERT_YOUNG_PEOPLE = env.int("INTELLIGENCE_ALERT_YOUNG_PEOPLE", default=3)
INTELLIGENCE_ALERT_WINDOW_DAYS = env.int("INTELLIGENCE_ALERT_WINDOW_DAYS", default=90)
INTELLIGENCE_ALERT_SWEEP_BATCH = env.int("INTELLIGENCE_ALERT_SWEEP_BATCH", default=100)
INTELLIGENCE_ALERT_SWEEP_HOUR = env.str("INTELLIGENCE_ALERT_SWEEP_HOUR", default="2")
# The hot spots map's tile layer (e.g. https://tile.openstreetmap.org/{z}/{x}/{y}.png) and its
# attribution. Empty, as offline: the points draw on a plain background, nothing is fetched.
MAP_TILE_URL = env.str("MAP_TILE_URL", default="")
MAP_TILE_ATTRIBUTION = env.str("MAP_TILE_ATTRIBUTION", default="")
if MAP_TILE_URL:
    from urllib.parse import urlsplit

    _tiles = urlsplit(MAP_TILE_URL.replace("{s}.", "*."))
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["img-src"].append(f"{_tiles.scheme}://{_tiles.netloc}")

# --- missing ---
# Return home interviews fall due this many elapsed hours after the return (statutory: 72).
MISSING_INTERVIEW_HOURS = env.int("MISSING_INTERVIEW_HOURS", default=72)
# The rules that raise "repeat missing", request a CSE risk assessment and tell the team managers;
# a count or a number of hours of 0 turns its rule off.
MISSING_RULE_REPEAT_COUNT = env.int("MISSING_RULE_REPEAT_COUNT", default=3)
MISSING_RULE_REPEAT_DAYS = env.int("MISSING_RULE_REPEAT_DAYS", default=90)
MISSING_RULE_CSE_INDICATORS = env.bool("MISSING_RULE_CSE_INDICATORS", default=True)
MISSING_RULE_HIGH_RISK = env.bool("MISSING_RULE_HIGH_RISK", default=True)
MISSING_RULE_LONG_HOURS = env.int("MISSING_RULE_LONG_HOURS", default=24)
# Photos and police files live here, outside the web root; served only through the funnel.
MISSING_PRIVATE_DIR = Path(
    env.str("MISSING_PRIVATE_DIR", default=str(VAR_DIR / "private" / "missing"))
)
MISSING_PHOTO_MAX_BYTES = env.int("MISSING_PHOTO_MAX_BYTES", default=5_000_000)
MISSING_PHOTO_MAX_PIXELS = env.int("MISSING_PHOTO_MAX_PIXELS", default=40_000_000)
MISSING_IMPORT_MAX_BYTES = env.int("MISSING_IMPORT_MAX_BYTES", default=200_000_000)
MISSING_IMPORT_MAX_ERRORS = env.int("MISSING_IMPORT_MAX_ERRORS", default=1000)

# --- reports ---
# Counts from 1 to this minus one are suppressed in every figure that leaves the team.
REPORTS_SMALL_COUNT_THRESHOLD = env.int("REPORTS_SMALL_COUNT_THRESHOLD", default=5)
# Finished reports are deleted this many days after they were generated.
REPORTS_RETENTION_DAYS = env.int("REPORTS_RETENTION_DAYS", default=365)
# The areas outreach sessions are counted by: the postcode districts the LSCB covers (a hot spot's
# area is its postcode's outward code); sessions anywhere else, or at a place with no postcode, are
# counted together as "elsewhere".
REPORTS_OUTREACH_AREAS = [
    district.strip().upper()
    for district in env.list(
        "REPORTS_OUTREACH_AREAS", default=["S60", "S61", "S62", "S63", "S64", "S65", "S66"]
    )
    if district.strip()
]
REPORTS_FILE_DIR = Path(env.str("REPORTS_FILE_DIR", default=str(VAR_DIR / "reports")))
# A worker holds a report run this long; after it, beat's sweep queues the run again (a worker
# killed mid-report). Longer than the longest report, shorter than the broker's visibility timeout.
REPORTS_RUN_LEASE_SECONDS = env.int("REPORTS_RUN_LEASE_SECONDS", default=900)
REPORTS_MAX_ATTEMPTS = env.int("REPORTS_MAX_ATTEMPTS", default=3)
