"""Settings for the PSP Engagement Tracker.

One file, driven by the environment (DESIGN.md §5). With no variables set it runs on SQLite
with DEBUG on; with DJANGO_DEBUG=False it is the production shape and refuses to start without
a real secret key. Bad values fail at start-up rather than at the first request.
"""

import datetime
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# A local .env is a convenience for developers; the process environment always wins.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=True)

if DEBUG:
    SECRET_KEY = env.str(
        "DJANGO_SECRET_KEY", default="django-insecure-local-development-only-key-not-for-production"
    )
else:
    SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
    if len(SECRET_KEY) < 50 or SECRET_KEY.startswith("django-insecure"):
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY must be set to a random value of at least 50 characters "
            "when DJANGO_DEBUG=False."
        )

ALLOWED_HOSTS = env.list(
    "DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "psp",
    "rest_framework",
    "django_filters",
    "simple_history",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "psp.accounts",
    "sites",
    "liaisons",
    "tta",
    # --- REST API (issue #6) ---
    "psp.portfolio",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    # --- end REST API ---
    # Top of the import order (DESIGN.md §4): loads demo data across every app.
    "psp.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "psp.accounts.middleware.IdleTimeoutMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "psp.accounts.middleware.TwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Records the signed-in user as the author of every history row written in a request.
    "simple_history.middleware.HistoryRequestMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, so it sees every failed sign-in and turns a lockout into a clear page (DESIGN §2).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "psp.urls"
WSGI_APPLICATION = "psp.wsgi.application"

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
                "psp.accounts.context_processors.navigation",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int(
    "DJANGO_CONN_MAX_AGE", default=60 if not DEBUG else 0
)
# A pooled connection is checked before reuse, so a PostgreSQL restart costs one reconnect,
# not a burst of errors.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"].setdefault("TEST", {})
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Auth -----------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
# Axes first: a locked-out sign-in is refused before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    # Older hashes still verify and are upgraded to Argon2 at the next sign-in.
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Sign-in throttling: after 5 failures for the same username from the same address, sign-in is
# refused for 15 minutes; the message never says whether the username exists.
AXES_FAILURE_LIMIT = env.int("PSP_SIGNIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env.int("PSP_SIGNIN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_IPWARE_PROXY_COUNT = env.int("PSP_PROXY_COUNT", default=0)

# Two-factor sign-in (TOTP) for coordinators: optional, and required when PSP_REQUIRE_2FA=True.
PSP_REQUIRE_2FA = env.bool("PSP_REQUIRE_2FA", default=False)
OTP_TOTP_ISSUER = "PSP Engagement Tracker"

# Sessions end after 8 idle hours (psp.accounts.middleware.IdleTimeoutMiddleware).
PSP_SESSION_IDLE_TIMEOUT = datetime.timedelta(hours=env.float("PSP_SESSION_IDLE_HOURS", default=8))
SESSION_COOKIE_AGE = int(PSP_SESSION_IDLE_TIMEOUT.total_seconds())

# --- Internationalization -------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("TIME_ZONE", default="America/New_York")
USE_I18N = True
USE_TZ = True

# --- Static files ---------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("DJANGO_STATIC_ROOT", default="") or BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
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

# --- Email ----------------------------------------------------------------------------------
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str(
    "DEFAULT_FROM_EMAIL", default="PSP Engagement Tracker <no-reply@psp.local>"
)

# --- Background jobs ------------------------------------------------------------------------
# No broker (the SQLite quick start): jobs run in-process through management commands.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_TIMEZONE = TIME_ZONE

# --- REST framework (REST API, issue #6; docs/api.md) ----------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # `Authorization: Token <key>` or `Bearer <key>`; hashed keys in accounts.ApiToken.
        "psp.accounts.authentication.ApiTokenAuthentication",
        # Browser sessions, with CSRF enforced on unsafe methods.
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "psp.accounts.authentication.TokenScopeAllowsMethod",
    ],
    "DEFAULT_FILTER_BACKENDS": [
        "psp.api.filtering.FilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "psp.api.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_THROTTLE_CLASSES": ["psp.api.throttling.PerTokenRateThrottle"],
    "EXCEPTION_HANDLER": "psp.api.errors.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "psp.api.schema.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": [
        "psp.api.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
# Requests per token (per user for browser sessions): N/second, N/minute, N/hour or N/day.
PSP_API_THROTTLE_RATE = env.str("PSP_API_THROTTLE_RATE", default="1000/hour")
# The largest page a client may ask for with `?page_size=`.
PSP_API_MAX_PAGE_SIZE = 200

SPECTACULAR_SETTINGS = {
    "TITLE": "PSP Engagement Tracker API",
    "DESCRIPTION": (
        "Site status, engagements, milestones, liaisons, site visits and TTA for the National "
        "Public Safety Partnership. Integrator guide: docs/api.md."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "RequestStatusEnum": "tta.choices.RequestStatus",
        "VisitStatusEnum": "liaisons.choices.VisitStatus",
        "EngagementStatusEnum": "sites.choices.EngagementStatus",
        "PhaseEnum": "sites.choices.Phase",
        "VisitModeEnum": "liaisons.choices.VisitMode",
        "DeliveryModeEnum": "tta.choices.DeliveryMode",
    },
    # Swagger UI from the pinned sidecar package: production has no internet access.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# Throttle counters live in the default cache. Local memory is per process: production should
# point CACHE_URL at Redis (e.g. redis://127.0.0.1:6379/1) so every gunicorn worker shares them.
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    # A Redis that is down or stuck must cost a request a second at most, not hang a worker
    # (the load-and-fault drill stops Redis under load: docs/operations.md).
    CACHES["default"].setdefault("OPTIONS", {})
    CACHES["default"]["OPTIONS"].setdefault("socket_connect_timeout", 1)
    CACHES["default"]["OPTIONS"].setdefault("socket_timeout", 1)

# The at-risk score of a site's status (docs/site-status.md): points per reason, thresholds.
PSP_AT_RISK = {
    # No submitted visit for this many days (counted from the engagement start if none yet).
    "visit_gap_days": 45,
    "visit_gap_points": 2,
    # Points per overdue milestone, capped.
    "overdue_milestone_points": 1,
    "overdue_milestone_points_max": 3,
    # A request still in triage (submitted or under review) past the TTA triage target
    # (PSP_TTA_TRIAGE_TARGET_BUSINESS_DAYS, business days).
    "triage_wait_points": 1,
    # An active Operations engagement without a current primary SSL.
    "no_liaison_points": 2,
    # A site is "at risk" from this many points.
    "threshold": 3,
}
# Portfolio dashboard (docs/portfolio.md): an active site with no submitted visit for more than
# this many days is listed under "Visit cadence".
PSP_VISIT_CADENCE_DAYS = env.int("PSP_VISIT_CADENCE_DAYS", default=45)
# Milestones due within this many days are listed as "due soon" on the dashboard.
PSP_DASHBOARD_DUE_SOON_DAYS = 30
# Overlap subtracted from the time a status-feed sync starts when suggesting the next
# `updated_since`, so a change committed by a transaction that began before the sync is not
# missed (docs/api.md). Clients may see such a site twice across syncs, never zero times.
PSP_STATUS_FEED_OVERLAP_SECONDS = 60
# --- end REST framework ---------------------------------------------------------------------

# --- Security -------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# No inline scripts or styles and no third-party origins: every asset is served from static/.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
if not DEBUG:
    # TLS ends at the proxy in front of gunicorn; it tells us the original scheme.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="INFO")},
}

# --- Product settings -----------------------------------------------------------------------
# Months each phase lasts by default (DESIGN.md §1).
PSP_PHASE_MONTHS = {"diagnostic": 18, "operations": 36}

# --- Notifications and reminders (issue #7; docs/notifications.md) ----------------------------
INSTALLED_APPS += ["psp.notifications"]
TEMPLATES[0]["OPTIONS"]["context_processors"] += [
    "psp.notifications.context_processors.unread_notifications"
]
# Links in emails are absolute: the address people use to reach the app.
PSP_BASE_URL = env.str("PSP_BASE_URL", default="http://127.0.0.1:8000")
# A sender owns a claimed notification this long; after that the next sweep sends it again.
# Keep it well above EMAIL_TIMEOUT, or a slow but alive sender could be overtaken.
PSP_NOTIFICATION_LEASE_SECONDS = env.int("PSP_NOTIFICATION_LEASE_SECONDS", default=600)
# First retry after a transient mail error (doubling, with jitter, up to an hour).
PSP_NOTIFICATION_RETRY_BACKOFF_SECONDS = env.float(
    "PSP_NOTIFICATION_RETRY_BACKOFF_SECONDS", default=30.0
)
EMAIL_TIMEOUT = 30
# Celery: a task is acknowledged only after it ran, one at a time per worker process; a worker
# that dies mid-task leaves it to be redelivered (and the outbox sweep covers the rest).
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # Longer than any task; the outbox sweep, not this, is what recovers lost work quickly.
    "visibility_timeout": 3600,
    "socket_connect_timeout": 2,
}

# --- TTA requests (tta app) -----------------------------------------------------------------
# Business days a request may wait in "submitted" or "under review" before its triage is
# overdue (highlighted in the coordinator's queue; reused by reminders and dashboards).
PSP_TTA_TRIAGE_TARGET_BUSINESS_DAYS = env.int("PSP_TTA_TRIAGE_TARGET_BUSINESS_DAYS", default=10)
if PSP_TTA_TRIAGE_TARGET_BUSINESS_DAYS < 1:
    raise ImproperlyConfigured("PSP_TTA_TRIAGE_TARGET_BUSINESS_DAYS must be at least 1.")
