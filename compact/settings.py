"""Settings for Talent Compact.

With nothing configured the service runs embedded: SQLite under ``var/``, Celery tasks run
eagerly in-process, and secrets are generated once into ``var/``. Production sets
``DATABASE_URL``, ``CELERY_BROKER_URL``, ``SECRET_KEY`` (or ``SECRET_KEY_FILE``),
``ALLOWED_HOSTS`` and ``DEBUG=0``; every other knob also comes from the environment.
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()

DATA_DIR = Path(env("TALENT_DATA_DIR", default=str(BASE_DIR / "var")))
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _secret(name: str, *, length: int = 50) -> str:
    """A secret from NAME, from the file named by NAME_FILE, or generated once into DATA_DIR.

    Generating it keeps the embedded default working on a fresh machine without putting any
    secret in the repository; production passes its own.
    """
    if os.environ.get(name):
        return os.environ[name]
    if os.environ.get(f"{name}_FILE"):
        return Path(os.environ[f"{name}_FILE"]).read_text().strip()
    path = DATA_DIR / name.lower()
    if not path.exists():
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(length))
    return path.read_text().strip()


DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = _secret("SECRET_KEY")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "compact",
    "employers",
    "aggregation",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "compact.urls"
WSGI_APPLICATION = "compact.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "compact.context_processors.principal",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{DATA_DIR / 'db.sqlite3'}"),
}
DATABASES["default"].setdefault("ATOMIC_REQUESTS", False)
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # Sealed submissions are a few hundred kilobytes; a longer timeout avoids spurious
    # "database is locked" errors when the eager worker and a request write together.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 30
    # A transaction takes the write lock when it begins: a deferred one that read first and
    # then wrote failed at once ("database is locked", no waiting) whenever another request was
    # writing, e.g. an API key's last-use stamp during the unmask start. WAL lets readers go on
    # while one request writes (docs/decisions.md, "SQLite: immediate transactions and WAL").
    DATABASES["default"]["OPTIONS"].setdefault("transaction_mode", "IMMEDIATE")
    DATABASES["default"]["OPTIONS"].setdefault("init_command", "PRAGMA journal_mode=WAL;")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = env("TIME_ZONE", default="America/New_York")
USE_I18N = True
USE_TZ = True

# Where an employer writes to join the compact (an email address or a web address); shown on the
# public landing page. Empty: the page says to contact the city's equity office.
EQUITY_OFFICE_CONTACT = env("EQUITY_OFFICE_CONTACT", default="")
# Email (invitations, reminders): printed to the console on the embedded default; SMTP when
# EMAIL_HOST is set (EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD[_FILE], EMAIL_USE_TLS).
EMAIL_HOST = env("EMAIL_HOST", default="")
EMAIL_BACKEND = env(
    "EMAIL_BACKEND",
    default="django.core.mail.backends.smtp.EmailBackend" if EMAIL_HOST else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_PORT = env.int("EMAIL_PORT", default=587)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = (
    Path(os.environ["EMAIL_HOST_PASSWORD_FILE"]).read_text().strip()
    if os.environ.get("EMAIL_HOST_PASSWORD_FILE")
    else env("EMAIL_HOST_PASSWORD", default="")
)
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=True)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Talent Compact <equity-office@localhost>")

STATIC_URL = "static/"
STATIC_ROOT = Path(env("STATIC_ROOT", default=str(DATA_DIR / "static")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if not DEBUG and env.bool("STATIC_MANIFEST", default=False)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = DATA_DIR / "media"

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Security. Behind a TLS-terminating proxy in production; plain HTTP in the embedded default.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
# Only a proxy in front of the service may say who the client is and whether it came over TLS
# (X-Forwarded-For, X-Forwarded-Proto). TRUSTED_PROXIES counts the proxies that set those
# headers: 1 behind deploy/nginx.conf, which replaces whatever a client sent (the compose file
# sets it); 0 when gunicorn faces clients itself, where a client could claim any address or https.
TRUSTED_PROXIES = env.int("TRUSTED_PROXIES", default=1 if SECURE_SSL_REDIRECT else 0)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if TRUSTED_PROXIES else None
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=SECURE_SSL_REDIRECT)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=SECURE_SSL_REDIRECT)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000 if SECURE_SSL_REDIRECT else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_HSTS_PRELOAD = SECURE_HSTS_SECONDS > 0
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True

# Request size: a sealed submission is a few hundred kilobytes; anything much larger is refused.
SEALED_SUBMISSION_MAX_BYTES = env.int("SEALED_SUBMISSION_MAX_BYTES", default=2 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = SEALED_SUBMISSION_MAX_BYTES + 64 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = DATA_UPLOAD_MAX_MEMORY_SIZE

# At-rest encryption of stored blobs (masked vectors, encrypted seeds, aggregates).
# AT_REST_KEYS is a comma-separated list of "id:base64key"; the first one encrypts.
AT_REST_KEYS = env("AT_REST_KEYS", default="") or _secret("AT_REST_KEYS_DEFAULT", length=32)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "employers.authentication.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "compact.api.schema.CompactAutoSchema",
    "EXCEPTION_HANDLER": "compact.api.errors.exception_handler",
    "DEFAULT_PAGINATION_CLASS": "compact.api.base.Pages",
    "PAGE_SIZE": 100,
    "DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.ScopedRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"enrol": env("ENROL_THROTTLE", default="30/minute")},
    # Throttles count per client address: the last X-Forwarded-For entry behind the proxy.
    "NUM_PROXIES": TRUSTED_PROXIES,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Talent Compact API",
    "DESCRIPTION": "Cycles, employers, invitations, sealed submissions, unmasking and releases.",
    "VERSION": "1",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "COMPONENT_SPLIT_REQUEST": True,
}

# Celery: eager in-process when no broker is configured.
CELERY_TASK_ALWAYS_EAGER = not env("CELERY_BROKER_URL", default="")
# In eager mode nothing is sent; the in-memory transport keeps kombu from looking for a server.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="") or "memory://localhost/"
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_TASK_DEFAULT_QUEUE", default="celery")
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
UNMASK_CHECKPOINT_EVERY = env.int("UNMASK_CHECKPOINT_EVERY", default=500)
# A finished unmask queues the draft release build (off only for workers in tests that are
# about the unmask itself: the build would outlive the test).
RELEASE_BUILD_AFTER_UNMASK = env.bool("RELEASE_BUILD_AFTER_UNMASK", default=True)
CELERY_BEAT_SCHEDULE = {
    "resume-stalled-unmasks": {
        "task": "aggregation.tasks.unmask_resume_stalled",
        "schedule": env.int("RESUME_STALLED_EVERY_SECONDS", default=120),
    },
    "close-overdue-cycles": {
        "task": "compact.tasks.close_overdue_cycles",
        "schedule": env.int("CLOSE_OVERDUE_EVERY_SECONDS", default=60),
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="WARNING")},
}

# --- Robustness (issue 17): bad bodies, database outages, durable release builds -------
# A database that stops answering gives a 503 with Retry-After (JSON on /api/), not a 500.
MIDDLEWARE += ["compact.outage.DatabaseOutageMiddleware"]
DATABASE_OUTAGE_RETRY_AFTER_SECONDS = env.int("DATABASE_OUTAGE_RETRY_AFTER_SECONDS", default=30)
# Every JSON body is checked for size and nesting depth before it is parsed (a body nested
# 100,000 levels deep is a 400, not a RecursionError).
REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"] = [
    "compact.json_bodies.BoundedJSONParser",
    "rest_framework.parsers.FormParser",
    "rest_framework.parsers.MultiPartParser",
]
# A release build whose worker died is re-queued by beat, like the unmask.
CELERY_BEAT_SCHEDULE["resume-stalled-release-builds"] = {
    "task": "aggregation.tasks.release_build_resume_stalled",
    "schedule": env.int("RESUME_STALLED_EVERY_SECONDS", default=120),
}

# --- Hostile clients (issue 17): sign-in lockout, a shared cache, page policies ---------
# Wrong passwords are counted in the database (django-axes), so every process sees one count:
# an account is locked for one client address after SIGN_IN_FAILURE_LIMIT failures within
# SIGN_IN_COOLOFF_MINUTES, and stays locked that long after the last one (compact/lockout.py).
INSTALLED_APPS += ["axes"]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
MIDDLEWARE += ["axes.middleware.AxesMiddleware"]
AXES_FAILURE_LIMIT = env.int("SIGN_IN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("SIGN_IN_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "compact.lockout.lockout_response"
AXES_CLIENT_IP_CALLABLE = "compact.lockout.client_address"
# The lockout finds the client as the throttles do (NUM_PROXIES above): behind TRUSTED_PROXIES
# proxies that append to X-Forwarded-For, the client is that many entries from the right.
# Every throttle counts in one cache that all processes share: Redis when CACHE_URL is set
# (e.g. redis://host:6379/1), otherwise the database cache in the configured database, whose
# table `migrate` creates (compact/apps.py). Never the per-process local-memory default.
CACHES = {"default": env.cache("CACHE_URL", default="dbcache://talent_cache")}
# django-environ lower-cases KEY_PREFIX, TIMEOUT and the like in a redis:// URL, and Django's
# RedisCache then ignores them; `?key_prefix=compact` in CACHE_URL is meant to count.
for _option in ("key_prefix", "timeout", "version", "key_function"):
    if _option in CACHES["default"]:
        CACHES["default"][_option.upper()] = CACHES["default"].pop(_option)
# An API key may be given an expiry when it is made, at most this many days ahead.
API_KEY_MAX_LIFETIME_DAYS = env.int("API_KEY_MAX_LIFETIME_DAYS", default=730)
# Every page gets a Content-Security-Policy (this origin only, no inline script) and a
# Permissions-Policy denying camera, microphone, geolocation and the like (compact/content_policy.py).
MIDDLEWARE.insert(MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
                  "compact.content_policy.ContentPolicyMiddleware")
