"""Essence settings: everything comes from the environment (see .env.example).

Development defaults need nothing: no DATABASE_URL starts an embedded
PostgreSQL, no REDIS_URL an embedded Redis (essence/embedded.py).
Production (DJANGO_DEBUG off) refuses to start without SECRET_KEY.
"""

import os
import sys
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from essence import embedded

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# pytest imports this module with pytest already loaded; the test suite runs
# with production-like settings (DEBUG off) but without real secrets.
RUNNING_TESTS = "pytest" in sys.modules

DEBUG = env.bool("DJANGO_DEBUG", default=False)

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if DEBUG or RUNNING_TESTS:
        SECRET_KEY = "dev-only-insecure-key-never-use-in-production-0123456789abcdef"
    else:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DJANGO_DEBUG is off (production)."
        )

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
SITE_URL = env.str("SITE_URL", default="http://localhost:8000").rstrip("/")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[SITE_URL])

INSTALLED_APPS = [
    "essence.apps.EssenceAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "django_htmx",
    "csp",
    "anymail",
    "essence",
    "accounts",
    "privacy",
    "credits",
    "contacts",
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
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "accounts.middleware.CurrentWorkspaceMiddleware",
    "privacy.middleware.PendingDeletionMiddleware",
    "privacy.middleware.PageViewMiddleware",
    "contacts.middleware.ReadOnlyWhenRestrictedMiddleware",
    "accounts.middleware.StaffSessionExpiryMiddleware",
]

ROOT_URLCONF = "essence.urls"
WSGI_APPLICATION = "essence.wsgi.application"

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
                "essence.context_processors.site",
                "credits.context_processors.credit_balance",
                "privacy.context_processors.privacy",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------
DATABASES = {"default": env.db_url_config(embedded.database_url())}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: Celery broker and cache ---------------------------------------
REDIS_URL = embedded.redis_url()


def _redis_client_url(url: str) -> str:
    """redis-py spells Unix sockets unix://, Celery/kombu redis+socket://."""
    if url.startswith("redis+socket://"):
        return "unix://" + url.removeprefix("redis+socket://")
    return url


if RUNNING_TESTS:
    # Each test starts from an empty cache (rate limits!); see tests/conftest.py.
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": _redis_client_url(REDIS_URL),
            "KEY_PREFIX": "essence",
        }
    }

CELERY_BROKER_URL = REDIS_URL
CELERY_TASK_IGNORE_RESULT = True
# The test suite gets a queue of its own so a real worker started by a test
# never takes tasks meant for a `make run` on the same Redis, or vice versa.
CELERY_TASK_DEFAULT_QUEUE = env.str(
    "CELERY_QUEUE", default=f"essence-test-{os.getpid()}" if RUNNING_TESTS else "essence"
)
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE: dict = {}
CELERY_BEAT_SCHEDULE.update({
    "privacy-data-requests-due-soon": {"task": "privacy.tasks.data_requests_notify_due_soon_task",
                                       "schedule": crontab(hour=7, minute=0)},
})

# --- Retention (days; see docs/operations.md) --------------------------------
RETENTION_BATCH_SIZE = env.int("RETENTION_BATCH_SIZE", default=500)
RETENTION_UNVERIFIED_SIGNUP_DAYS = env.int("RETENTION_UNVERIFIED_SIGNUP_DAYS", default=7)
RETENTION_WEBHOOK_PAYLOAD_DAYS = env.int("RETENTION_WEBHOOK_PAYLOAD_DAYS", default=90)
CONSENT_RECORD_ANONYMISE_DAYS = env.int("CONSENT_RECORD_ANONYMISE_DAYS", default=395)
# Every retention job runs through essence.retention (advisory lock, batches, a RetentionRun
# with its counts). Daily at night, except the ones people notice within the hour.
for _minute, _job in enumerate(["unverified_signups", "usage_events", "stripe_webhook_payloads", "consent_records"]):
    CELERY_BEAT_SCHEDULE[f"retention-{_job}"] = {
        "task": "essence.tasks.retention_run_task",
        "schedule": crontab(hour=3, minute=_minute * 5),
        "args": [_job],
    }
CELERY_BEAT_SCHEDULE.update({
    f"retention-{job}": {"task": "essence.tasks.retention_run_task", "schedule": seconds, "args": [job]}
    for job, seconds in [("scheduled_account_deletions", 15 * 60), ("data_export_files", 60 * 60),
                         ("trashed_contacts", 60 * 60), ("contact_export_files", 60 * 60),
                         ("import_files", 60 * 60)]
})

# --- Auth -----------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
STAFF_SESSION_IDLE_SECONDS = env.int("STAFF_SESSION_IDLE_SECONDS", default=2 * 60 * 60)
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "dashboard"

ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
ACCOUNT_FORMS = {"signup": "accounts.forms.SignupForm"}
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = False
ACCOUNT_CHANGE_EMAIL = True  # one address at a time; a new one is verified first
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_EMAIL_SUBJECT_PREFIX = "Essence: "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = SITE_URL.split("://", 1)[0]
ACCOUNT_USER_DISPLAY = "accounts.models.user_display"
# allauth's own defaults already limit login, signup, reset and confirmation
# mails; these make the login limits explicit and a little tighter.
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "confirm_email": "1/3m/key",
    "change_password": "5/m/user",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Essence CRM"

# --- Email ------------------------------------------------------------------
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Essence CRM <no-reply@essencecrm.io>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
SUPPORT_EMAIL = env.str("SUPPORT_EMAIL", default="support@essencecrm.io")
EMAIL_FILE_PATH = env.path("EMAIL_FILE_PATH", default=str(embedded.data_dir() / "outbox"))

ANYMAIL_PROVIDER = env.str("ANYMAIL_PROVIDER", default="")
if ANYMAIL_PROVIDER:
    # ANYMAIL_PROVIDER=postmark plus e.g. ANYMAIL_POSTMARK_SERVER_TOKEN=...
    EMAIL_BACKEND = f"anymail.backends.{ANYMAIL_PROVIDER}.EmailBackend"
    ANYMAIL = {
        key.removeprefix("ANYMAIL_"): value
        for key, value in env.ENVIRON.items()
        if key.startswith("ANYMAIL_") and key != "ANYMAIL_PROVIDER"
    }
elif env.str("EMAIL_BACKEND_URL", default=""):
    # smtp://user:pass@host:587/?tls=True, consolemail://, ...
    vars().update(env.email_url("EMAIL_BACKEND_URL"))
else:
    EMAIL_BACKEND = "essence.mail.DevOutboxBackend"

# --- Credits and Stripe ------------------------------------------------------
SIGNUP_GRANT_CREDITS = env.int("SIGNUP_GRANT_CREDITS", default=25)
LOW_BALANCE_THRESHOLD = env.int("LOW_BALANCE_THRESHOLD", default=10)
STRIPE_SECRET_KEY = env.str("STRIPE_SECRET_KEY", default="")
STRIPE_PUBLISHABLE_KEY = env.str("STRIPE_PUBLISHABLE_KEY", default="")
STRIPE_WEBHOOK_SECRET = env.str("STRIPE_WEBHOOK_SECRET", default="")
STRIPE_API_BASE = env.str("STRIPE_API_BASE", default="")

# --- Privacy ------------------------------------------------------------------
DATA_EXPORT_TTL_DAYS = env.int("DATA_EXPORT_TTL_DAYS", default=7)
DATA_EXPORTS_PER_DAY = env.int("DATA_EXPORTS_PER_DAY", default=3)
ACCOUNT_DELETION_GRACE_DAYS = env.int("ACCOUNT_DELETION_GRACE_DAYS", default=14)
USAGE_EVENTS_ANONYMISE_DAYS = env.int("USAGE_EVENTS_ANONYMISE_DAYS", default=395)  # 13 months
# Key for the hash of a deleted account's email kept on its DataRequest; derived from
# SECRET_KEY when unset (then rotating SECRET_KEY changes future hashes).
PRIVACY_HASH_SALT = env.str("PRIVACY_HASH_SALT", default="")
CONSENT_COOKIE_NAME = "essence_consent"
CONSENT_COOKIE_MAX_AGE = 60 * 60 * 24 * 180
THEME_COOKIE_NAME = "essence_theme"

# --- i18n -----------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static files -----------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or RUNNING_TESTS
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(embedded.data_dir() / "media"))
WHITENOISE_USE_FINDERS = DEBUG or RUNNING_TESTS

# --- Security -----------------------------------------------------------------
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
if not DEBUG:
    # The test suite serves plain http on localhost; production defaults stay strict.
    SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not RUNNING_TESTS)
    CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not RUNNING_TESTS)
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not RUNNING_TESTS)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
    # Behind a TLS-terminating proxy (docker-compose, a PaaS router).
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SILENCED_SYSTEM_CHECKS = env.list("SILENCED_SYSTEM_CHECKS", default=[])

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "connect-src": [SELF],
        "font-src": [SELF],
        "form-action": [SELF, "https://checkout.stripe.com"],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}, "pgserver": {"level": "WARNING"}},
}

# --- Contacts -------------------------------------------------------------
CONTACTS_TRASH_DAYS = env.int("CONTACTS_TRASH_DAYS", default=30)
CELERY_BEAT_SCHEDULE.update({
    "contacts-send-due-reminders": {"task": "contacts.tasks.reminders_send_due_task", "schedule": 60.0},
})

# --- Import and export ------------------------------------------------------
IMPORT_MAX_BYTES = env.int("IMPORT_MAX_BYTES", default=25 * 1000 * 1000)
IMPORT_MAX_ROWS = env.int("IMPORT_MAX_ROWS", default=200_000)
# Rows per import transaction: each batch pays ~15 round trips (dedupe lookups, credits,
# progress), so bigger batches import faster; a killed worker redoes at most one batch.
IMPORT_BATCH_SIZE = env.int("IMPORT_BATCH_SIZE", default=5000)
IMPORT_UNDO_DAYS = env.int("IMPORT_UNDO_DAYS", default=30)
IMPORT_EMAIL_AFTER_SECONDS = env.int("IMPORT_EMAIL_AFTER_SECONDS", default=60)
# Country assumed for phone numbers written without +country code (ISO 3166 alpha-2; empty: none).
IMPORT_DEFAULT_REGION = env.str("IMPORT_DEFAULT_REGION", default="")
EXPORT_BACKGROUND_THRESHOLD = env.int("EXPORT_BACKGROUND_THRESHOLD", default=50_000)
EXPORT_LINK_DAYS = env.int("EXPORT_LINK_DAYS", default=7)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1000 * 1000
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1000 * 1000
