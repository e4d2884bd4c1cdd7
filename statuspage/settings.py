"""Settings, read from the environment.

The embedded default needs nothing installed: SQLite, a local-memory cache and
Celery tasks run in-process. Production (``DJANGO_DEBUG`` off, the default)
refuses to start without ``DJANGO_SECRET_KEY`` and ``DJANGO_ALLOWED_HOSTS``.
Every variable is listed in the README's configuration table.
"""

import base64
import hashlib
import os
from datetime import timedelta
from email.utils import formataddr, parseaddr
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def env_bool(name: str, default: bool = False) -> bool:
    value = env(name)
    if not value:
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}.")


def env_list(name: str) -> list[str]:
    return [item.strip() for item in env(name).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG")

SECRET_KEY = env("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS")
if DEBUG:
    # A key for local use only; production must supply its own.
    SECRET_KEY = SECRET_KEY or "insecure-local-development-key-never-used-in-production"
    ALLOWED_HOSTS = ALLOWED_HOSTS or ["127.0.0.1", "localhost", "[::1]"]
else:
    missing = [
        name
        for name, value in (
            ("DJANGO_SECRET_KEY", SECRET_KEY),
            ("DJANGO_ALLOWED_HOSTS", ALLOWED_HOSTS),
        )
        if not value
    ]
    if missing:
        raise ImproperlyConfigured(
            "Production mode (DJANGO_DEBUG off) needs "
            + " and ".join(missing)
            + ". Set DJANGO_DEBUG=true for local development."
        )
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

SITE_NAME = env("SITE_NAME", "dotMailer status")
# How often open pages fetch their timeline again: an unchanged one is a 304 from memory
# (statuspage/caching/front.py), so a reader sees an update within seconds, cheaply.
STATUS_POLL_SECONDS = int(env("STATUS_POLL_SECONDS", "5"))
# Links in e-mails and posts; unset, where `make run` serves (PORT, as it does).
SITE_URL = env("SITE_URL", f"http://127.0.0.1:{env('PORT', '8000')}").rstrip("/")
# The page's id in the management API (/api/v1/pages/<id>), where Statuspage's clients name
# their page; unset, an opaque one made from SITE_URL, as the public API (/api/v2) shows.
STATUSPAGE_PAGE_ID = env("STATUSPAGE_PAGE_ID") or (
    base64.b32encode(hashlib.sha256(SITE_URL.encode()).digest()).decode()[:12].lower()
)

INSTALLED_APPS = [
    "statuspage.apps.StaffAdminConfig",  # django.contrib.admin, with two-factor sign-in
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "statuspage.devserver",  # runserver with a thread for tasks; wraps whitenoise's
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "markdownx",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "auditlog",
    "csp",
    "statuspage",
    "faq",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "statuspage.caching.middleware.LongQueryStringMiddleware",
    "statuspage.caching.middleware.PublicPagesMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "statuspage.security.sessions.IdleSessionMiddleware",
    "statuspage.security.audit.AuditlogMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "statuspage.urls"
WSGI_APPLICATION = "statuspage.wsgi.application"
ASGI_APPLICATION = "statuspage.asgi.application"

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
                "statuspage.common.context_processors.site",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=int(env("DATABASE_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default has writers on several threads (requests, and the task thread
    # without a broker): a transaction takes the write lock when it begins and waits for it,
    # instead of failing when a read turns into a write; readers do not block the writer.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # An unreachable database host fails in seconds, not minutes: public pages then
    # answer from their last good copy (statuspage/caching/pages.py) instead of tying up workers.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 3)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {
    "default": (
        {
            # Django's, keeping its Redis client instead of making one per call.
            "BACKEND": "statuspage.caching.redis_backend.RedisCache",
            "LOCATION": env("REDIS_URL"),
            # An unreachable Redis must fail fast; pages then render from the database.
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
        if env("REDIS_URL")
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"

# Sign-in protection (statuspage/staff.py, twofactor.py). django-axes checks every sign-in,
# the admin's and the customers', before the password does.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# LOGIN_FAILURE_LIMIT wrong passwords for one account from one address lock that pair out
# for LOGIN_LOCKOUT_MINUTES, counted again from each try while locked. The pair, not the
# account alone, so nobody can lock a customer or an editor out from everywhere by guessing.
AXES_FAILURE_LIMIT = int(env("LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(env("LOGIN_LOCKOUT_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False  # no banner on every manage.py command; lockouts are still logged
AXES_USERNAME_CALLABLE = "statuspage.security.sessions.login_username"
AXES_CLIENT_IP_CALLABLE = "statuspage.security.ratelimit.client_address"
AXES_LOCKOUT_CALLABLE = "statuspage.security.sessions.locked_out"
# axes records every sign-in (who, from where, when); records older than this are deleted
# daily by a beat task. The audit trail of staff writes is kept: it is the record.
SIGN_IN_LOG_DAYS = int(env("SIGN_IN_LOG_DAYS", "90"))
# Two-factor sign-in for staff with an authenticator app; mandatory for all staff when on.
STAFF_REQUIRE_2FA = env_bool("STAFF_REQUIRE_2FA")
OTP_TOTP_ISSUER = SITE_NAME
OTP_ADMIN_HIDE_SENSITIVE_DATA = True  # superusers manage devices without seeing their keys
# Staff are signed out after this many minutes without a request; everyone after
# SESSION_IDLE_DAYS (the session's expiry slides with use).
STAFF_SESSION_IDLE_MINUTES = int(env("STAFF_SESSION_IDLE_MINUTES", "30"))
SESSION_COOKIE_AGE = int(env("SESSION_IDLE_DAYS", "14")) * 24 * 3600
# The audit trail (statuspage/audit.py) keeps changes as JSON, for the admin to show.
AUDITLOG_STORE_JSON_CHANGES = True

# Public pages (statuspage/caching/) keep a last good copy of each page for this long, to
# answer from while the database is down; every render starts the time again.
LAST_GOOD_COPY_DAYS = int(env("LAST_GOOD_COPY_DAYS", "7"))
# Finished answers each web process keeps in its memory, at most this many megabytes.
KEPT_ANSWERS_MB = int(env("KEPT_ANSWERS_MB", "64"))
# Each process reads the content version again this often, besides being told of each
# change at once: the net under a dropped subscription (statuspage/caching/watch.py).
VERSION_RECHECK_SECONDS = float(env("VERSION_RECHECK_SECONDS", "1"))
# Longer query strings are answered 414 everywhere: no page of ours reads anything that long.
MAX_QUERY_STRING = 2000

# Comment threads: abuse limits and automatic holds (see faq/services.py).
COMMENT_RATE_LIMITS = env("COMMENT_RATE_LIMITS", "5/minute,50/day")
COMMENT_MAX_LENGTH = 5000
COMMENT_EDIT_MINUTES = 15
COMMENT_HOLD_WORDS = env_list("COMMENT_HOLD_WORDS")
# Sign-ups and password resets allowed per address, and per e-mail address they name
# (statuspage/ratelimit.py); past them, the same 429 page as comments.
SIGNUP_RATE_LIMITS = env("SIGNUP_RATE_LIMITS", "5/hour,20/day")
PASSWORD_RESET_RATE_LIMITS = env("PASSWORD_RESET_RATE_LIMITS", "5/hour,20/day")
SUBSCRIBE_RATE_LIMITS = env("SUBSCRIBE_RATE_LIMITS", "10/hour,50/day")
# Staff e-mailed about new comments; empty means every active staff user with an address.
COMMENT_NOTIFY_EMAILS = env_list("COMMENT_NOTIFY_EMAILS")

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(BASE_DIR / "media")))
# In debug mode (local runs and tests) static files come straight from the apps'
# folders; production serves the collected, compressed, hashed copies.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
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

# Markdown written by staff is rendered and sanitised by one function, used by
# the admin preview and the public pages alike.
MARKDOWNX_MARKDOWNIFY_FUNCTION = "statuspage.common.text.render_markdown"
# Editor uploads (statuspage/editor.py): PNG or JPEG by their content, at most 2 MB and
# EDITOR_IMAGE_MAX_SIDE pixels a side, stored re-encoded under random names.
MARKDOWNX_UPLOAD_MAX_SIZE = 2 * 1024 * 1024
MARKDOWNX_UPLOAD_CONTENT_TYPES = ["image/jpeg", "image/png"]
MARKDOWNX_MEDIA_PATH = "uploads/"
EDITOR_IMAGE_MAX_SIDE = 8000
# 8000 × 8000 fits the side limit, yet decoded it takes about 700 MB: the pixel count is
# checked too, from the header, before anything is decoded.
EDITOR_IMAGE_MAX_PIXELS = 25_000_000
# Request bodies: forms stay under Django's 2.5 MB; an upload past the limit above is
# refused anyway, and no form of ours sends more than a few files.
DATA_UPLOAD_MAX_MEMORY_SIZE = FILE_UPLOAD_MAX_MEMORY_SIZE = int(2.5 * 1024 * 1024)
DATA_UPLOAD_MAX_NUMBER_FILES = 10

# Without a broker, tasks run in-process; production sets CELERY_BROKER_URL.
CELERY_TASK_ALWAYS_EAGER = not env("CELERY_BROKER_URL")
# In-process tasks never reach a broker; naming one stops Celery assuming AMQP on localhost.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", "memory://localhost/")
CELERY_TASK_EAGER_PROPAGATES = True
# A task is acknowledged once done, and handed out again if its worker dies: every task of
# ours may run twice (what it sends is claimed first). One at a time per worker process, so
# no task waits unacknowledged behind another.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 30
CELERY_TASK_TIME_LIMIT = 60
# Redis hands an unacknowledged task out again after this many seconds: longer than a task
# runs plus the longest countdown we give (statuspage/common/queueing.py), so only a task
# whose worker died comes back (the outbox's sweep is the net under that).
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_TASK_TIME_LIMIT + 60 + 60}
# With the broker down, starting a task gives up within seconds: the request answers, and
# the sweeps send what waits once the broker is back.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.5,
    "interval_max": 1,
}
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE = {
    "maintenance-advance-due": {
        "task": "statuspage.tasks.maintenance_advance_due",
        "schedule": 60.0,
    },
    # The outbox's sweep: every due message, whatever its channel (statuspage/outbox/).
    "outbox-deliver": {
        "task": "statuspage.tasks.notifications_deliver",
        "schedule": float(env("OUTBOX_SWEEP_SECONDS", "60")),
    },
    "maintenance-reminders": {"task": "statuspage.tasks.maintenance_reminders", "schedule": 300.0},
    "sign-in-logs-prune": {"task": "statuspage.tasks.sign_in_logs_prune", "schedule": 86400.0},
    "rate-limits-prune": {"task": "statuspage.tasks.rate_limits_prune", "schedule": 3600.0},
    "comments-notify-due": {"task": "faq.tasks.comments_notify_due", "schedule": 60.0},
    # The services' figures of each day once it is over (statuspage/history.py).
    "uptime-close-days": {"task": "statuspage.tasks.uptime_close_days", "schedule": 3600.0},
}

# When set, a static copy of the public site is kept here, rewritten after each change
# (see statuspage/mirror.py); any static host or CDN can serve it as the fallback origin.
STATIC_MIRROR_DIR = env("STATIC_MIRROR_DIR")

# Subscribers are reminded this many hours before a window starts.
MAINTENANCE_REMINDER_HOURS = int(env("MAINTENANCE_REMINDER_HOURS", "24"))
# An announcement, a move or a reminder waits this long before it is e-mailed, and a later
# notice about the same event in the meantime is sent instead: a burst is one message.
NOTICE_QUIET_SECONDS = int(env("NOTICE_QUIET_SECONDS", "120"))

# The staff console nudges when work is under way and nobody was told for this long.
CONSOLE_NUDGE_MINUTES = int(env("CONSOLE_NUDGE_MINUTES", "30"))
# Starting a window more than this long before its planned start asks staff to confirm.
CONSOLE_EARLY_MINUTES = int(env("CONSOLE_EARLY_MINUTES", "30"))
# Uptime (statuspage.uptime): a minute in partial outage counts as this much downtime, a
# minute in major outage as a whole one, as Statuspage and Instatus count them.
UPTIME_PARTIAL_WEIGHT = float(env("UPTIME_PARTIAL_WEIGHT", "0.3"))

# A post whose worker died while sending may be on X or not: the event's next posts wait this
# long for staff to check it (marked sent, they reply to it), then go on without it.
POST_CHECK_WAIT_MINUTES = int(env("POST_CHECK_WAIT_MINUTES", "10"))

# Cross-posting to X: OAuth 1.0a user-context credentials of the posting account.
# Without all four the channel is off and cross-posts are marked skipped.
X_CONSUMER_KEY = env("X_CONSUMER_KEY")
X_CONSUMER_SECRET = env("X_CONSUMER_SECRET")
X_ACCESS_TOKEN = env("X_ACCESS_TOKEN")
X_ACCESS_TOKEN_SECRET = env("X_ACCESS_TOKEN_SECRET")
X_ACCOUNT = env("X_ACCOUNT")  # the account's handle, for links to its posts
# Where X's API is (empty: X itself); a fake X on loopback in the production smoke test.
X_API_BASE_URL = env("X_API_BASE_URL")

# Mastodon (statuspage/outbox/channels/mastodon.py): the server and an access token of the
# posting account (scope write:statuses); without both the channel is off, nothing posted.
MASTODON_BASE_URL = env("MASTODON_BASE_URL").rstrip("/")
MASTODON_ACCESS_TOKEN = env("MASTODON_ACCESS_TOKEN")
MASTODON_ACCOUNT = env("MASTODON_ACCOUNT")  # the account's name there, for the "Follow" link
MASTODON_VISIBILITY = env("MASTODON_VISIBILITY", "public")
if MASTODON_VISIBILITY not in ("public", "unlisted"):
    raise ImproperlyConfigured("MASTODON_VISIBILITY must be public or unlisted.")

# Bluesky (statuspage/outbox/channels/bluesky.py): the account's handle and an app password
# (Settings → App passwords); without both the channel is off, nothing posted there.
BLUESKY_HANDLE = env("BLUESKY_HANDLE").lstrip("@")
BLUESKY_APP_PASSWORD = env("BLUESKY_APP_PASSWORD")
BLUESKY_SERVICE_URL = env("BLUESKY_SERVICE_URL", "https://bsky.social").rstrip("/")

# Ports subscribers' webhooks may use (statuspage/webhooks.py); anything else is refused, so
# that a hook cannot reach other services (Redis, SMTP, ...) on a public host.
WEBHOOK_ALLOWED_PORTS = [int(port) for port in env_list("WEBHOOK_ALLOWED_PORTS") or ["443"]]

EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if env("EMAIL_HOST")
    else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_HOST = env("EMAIL_HOST")
EMAIL_PORT = int(env("EMAIL_PORT", "587"))
EMAIL_HOST_USER = env("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=True)
# A relay that stops answering fails the message (retried later) instead of holding its
# whole batch until the task's time limit.
EMAIL_TIMEOUT = int(env("EMAIL_TIMEOUT", "10"))
# From: the site's name and an address at the site's own domain, which SPF, DKIM and DMARC
# can vouch for (README); a bare address gets the site's name.
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "status@localhost")
if "<" not in DEFAULT_FROM_EMAIL:
    DEFAULT_FROM_EMAIL = formataddr((SITE_NAME, DEFAULT_FROM_EMAIL))
# The envelope sender (Return-Path), where relays send bounce reports: an address someone
# or something reads. Unset, the From address.
EMAIL_BOUNCE_ADDRESS = env("EMAIL_BOUNCE_ADDRESS")

# HTTPS: production is served over HTTPS only. DJANGO_HTTPS=false is for trying production
# mode over plain http on this machine (`make prod`, `make bench`), never on a public address;
# DJANGO_SECURE_COOKIES is its older name.
https = env_bool("DJANGO_HTTPS", default=env_bool("DJANGO_SECURE_COOKIES", default=not DEBUG))
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", default=https)
# A year, the least that browsers' preload lists take; 0 turns HSTS off.
SECURE_HSTS_SECONDS = int(env("DJANGO_SECURE_HSTS_SECONDS", "31536000" if https else "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", default=True)
# Only behind a proxy that terminates TLS and sets X-Forwarded-Proto itself, replacing what
# the client sent: trusted blindly, the header would let anyone claim https.
if env_bool("DJANGO_SECURE_PROXY_SSL_HEADER"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = https
# A site served for real (over HTTPS) must link to itself and send from its own domain:
# links to 127.0.0.1 lead nowhere, and mail from localhost fails SPF, DKIM and DMARC alike.
if https and not DEBUG:
    local = {"localhost", "127.0.0.1", "::1", ""}
    wrong = [
        name
        for name, host in (
            ("SITE_URL", urlsplit(SITE_URL).hostname or ""),
            ("DEFAULT_FROM_EMAIL", parseaddr(DEFAULT_FROM_EMAIL)[1].rpartition("@")[2]),
            ("EMAIL_BOUNCE_ADDRESS", EMAIL_BOUNCE_ADDRESS.rpartition("@")[2] or "example"),
        )
        if host.lower() in local
    ]
    if wrong:
        raise ImproperlyConfigured(
            f"Production over HTTPS needs {' and '.join(wrong)} at the site's own domain, "
            "not localhost: links and mail would lead nowhere. DJANGO_HTTPS=false is for "
            "trying production mode on this machine."
        )
# No script reads either cookie: forms carry the CSRF token, as markdownx's editor reads it.
SESSION_COOKIE_HTTPONLY = CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = CSRF_COOKIE_SAMESITE = "Lax"

# Headers on every response. Nothing is framed, except the badge (statuspage/embeds.py).
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# No inline script or style anywhere, the admin's included; nothing from other sites.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
# Powerful features no page of ours uses, off for the page and anything it might frame.
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer", "autoplay", "browsing-topics", "camera",
        "display-capture", "geolocation", "gyroscope", "hid", "idle-detection",
        "magnetometer", "microphone", "midi", "payment", "screen-wake-lock", "serial",
        "usb", "xr-spatial-tracking",
    )
}  # fmt: skip

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
}
