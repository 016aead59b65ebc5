"""Settings for every environment, read from environment variables.

Local defaults work with nothing configured: a SQLite file, Celery tasks run
in-process, emails printed to the console. `production.py` removes the
defaults that are only safe on a developer's machine.
"""

from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONE, SELF

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
if (BASE_DIR / ".env").exists():
    environ.Env.read_env(BASE_DIR / ".env")

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env("SECRET_KEY", default="local-only-insecure-key-never-use-in-production")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# The council's name is shown in the header, emails and board packs.
COUNCIL_NAME = env("COUNCIL_NAME", default="Demo Borough Council")
# Public address of the portal, for links in emails.
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rules.apps.AutodiscoverRulesConfig",
    "axes",
    "django_tables2",
    "django_filters",
    "django_celery_beat",
    "simple_history",
    "csp",
    "kpiportal.accounts",
    "indicators",
    "returns",
    "benchmarks",
    "indicators.alerts",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "axes.middleware.AxesMiddleware",
    "kpiportal.accounts.middleware.RoleRequiredMiddleware",
    "kpiportal.accounts.middleware.NulRefusedMiddleware",
    "kpiportal.accounts.middleware.SecurityHeadersMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "kpiportal.urls"
WSGI_APPLICATION = "kpiportal.wsgi.application"

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
                "kpiportal.context_processors.portal",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and immediate transactions let the web server and in-process tasks
    # write to the same file without "database is locked" errors.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": 20, "init_command": "PRAGMA journal_mode=WAL;"}
    )
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # Refuses any sign-in while the username and address are locked out (it authenticates nobody).
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Sign-in throttling (django-axes; kpiportal/accounts/sign_in.py): after AXES_FAILURE_LIMIT failed
# sign-ins for one username from one address, both login forms refuse it, even with the right
# password, for AXES_COOLOFF_MINUTES or until the performance team unlocks the account.
# AXES_LOCKOUT_PARAMETERS: comma-separated, "+" joins a combination ("username+ip_address,ip_address"
# also locks an address trying many usernames).
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [
    p.split("+") if "+" in p else p for p in env.list("AXES_LOCKOUT_PARAMETERS", default=["username+ip_address"])
]
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ACCESS_FAILURE_LOG = True
# The failed sign-ins are listed read only in the admin (kpiportal/accounts/admin.py); unlocking is the
# "Unlock sign-in" action on the user list. (Axes' own admin actions fail outside a sign-in request.)
AXES_ENABLE_ADMIN = False
AXES_LOCKOUT_CALLABLE = "kpiportal.accounts.sign_in.locked_out"
AXES_CLIENT_IP_CALLABLE = "kpiportal.accounts.sign_in.client_ip"
# How many reverse proxies in front of the portal append to X-Forwarded-For (0: use the peer's address).
SIGN_IN_TRUSTED_PROXIES = env.int("SIGN_IN_TRUSTED_PROXIES", default=0)
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
if DEBUG:
    STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}

# Uploads: Django's DATA_UPLOAD_MAX_MEMORY_SIZE does not cap files, so the
# import forms check IMPORT_MAX_BYTES themselves.
IMPORT_MAX_BYTES = env.int("IMPORT_MAX_BYTES", default=10 * 1024 * 1024)
# An XLSX whose parts would inflate beyond this is refused before it is opened.
IMPORT_MAX_UNCOMPRESSED_BYTES = env.int("IMPORT_MAX_UNCOMPRESSED_BYTES", default=200 * 1024 * 1024)
# How far a sheet may reach, checked before it is read (cells counts rows × columns from A1).
IMPORT_MAX_ROWS = env.int("IMPORT_MAX_ROWS", default=100_000)
IMPORT_MAX_COLUMNS = env.int("IMPORT_MAX_COLUMNS", default=1_000)
IMPORT_MAX_CELLS = env.int("IMPORT_MAX_CELLS", default=2_000_000)
# Every file is read in a child process with these limits (keep the CPU time well under gunicorn's --timeout).
IMPORT_READ_CPU_SECONDS = env.int("IMPORT_READ_CPU_SECONDS", default=10)
IMPORT_READ_MEMORY_BYTES = env.int("IMPORT_READ_MEMORY_BYTES", default=1024 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# Monthly returns: officers enter figures for months that have ended, up to this many months back
# (older figures are corrected by the performance team).
RETURNS_OPEN_MONTHS = env.int("RETURNS_OPEN_MONTHS", default=6)

# Celery: Redis when REDIS_URL is set, otherwise tasks run in-process.
REDIS_URL = env("REDIS_URL", default="")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
# The portal reads no task results: no result backend to keep.
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Redis redelivers a task not acknowledged within this time; retries back off well below it.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600)}
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"

# Alerts and reminders (indicators.alerts). Timings in seconds. The back-off cap and the
# lease stay well below the visibility timeout (a system check refuses otherwise).
ALERTS_SEND_LEASE_SECONDS = env.float("ALERTS_SEND_LEASE_SECONDS", default=300)
ALERTS_MAX_ATTEMPTS = env.int("ALERTS_MAX_ATTEMPTS", default=8)
ALERTS_RETRY_BASE_SECONDS = env.float("ALERTS_RETRY_BASE_SECONDS", default=30)
ALERTS_RETRY_MAX_SECONDS = env.float("ALERTS_RETRY_MAX_SECONDS", default=900)
# The relay leaves a pending email this long to the task queued on commit (a long queue is not a lost task).
ALERTS_RELAY_GRACE_SECONDS = env.float("ALERTS_RELAY_GRACE_SECONDS", default=300)
# The scorecard relay leaves a recompute request this long to the task queued on commit.
SCORECARD_RELAY_GRACE_SECONDS = env.float("SCORECARD_RELAY_GRACE_SECONDS", default=120)
# Periods older than this many months raise no alerts (history imports, old targets changed).
ALERTS_MAX_PERIOD_AGE_MONTHS = env.int("ALERTS_MAX_PERIOD_AGE_MONTHS", default=3)

CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://kpiportal")}

# Email: EMAIL_URL (smtp://user:pass@host:587/?tls=True) or the EMAIL_HOST family; console by default.
if env("EMAIL_URL", default=""):
    vars().update(env.email_url("EMAIL_URL"))
elif env("EMAIL_HOST", default=""):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = env("EMAIL_HOST")
    EMAIL_PORT = env.int("EMAIL_PORT", default=25)
    EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
    EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
    EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
    EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=False)
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=20)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="KPI Portal <kpi-portal@localhost>")

# A strict Content Security Policy: no inline script or style anywhere.
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

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 3600)
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Browser features the portal never uses, turned off on every response (kpiportal/accounts/middleware.py).
PERMISSIONS_POLICY = env(
    "PERMISSIONS_POLICY",
    default="accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), "
    "payment=(), usb=(), browsing-topics=()",
)

DJANGO_TABLES2_TEMPLATE = "includes/table.html"

# Past versions are shown in the admin, never restored from it: a restore would skip the services'
# rules and audit (kpiportal/accounts/admin_rules.py refuses POST on those pages as well).
SIMPLE_HISTORY_REVERT_DISABLED = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
