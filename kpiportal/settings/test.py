"""Test settings: the base settings with a fast password hasher and plain static storage.

The suite prefers the real services: without DATABASE_URL it uses the
PostgreSQL on 127.0.0.1:5432 when one answers (SQLite otherwise), and tests
that send real Celery messages use TEST_REDIS_URL (Redis database 15 by
default, so no stray task reaches another database). Tests marked
`postgres`, `worker` or `browser` are refused loudly when their service is
missing (see conftest.py); CI sets KPI_REQUIRE_SERVICES=1 to make that a failure.
"""

import os
import socket

from kpiportal.settings.base import *  # noqa: F403
from kpiportal.settings.base import env


def _answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


if not os.environ.get("DATABASE_URL") and _answers("127.0.0.1", 5432):
    DATABASES = {"default": env.db_url_config("postgres://postgres@127.0.0.1:5432/kpiportal")}
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["TEST"] = {"NAME": os.environ.get("KPI_TEST_DB_NAME", "test_kpiportal")}

TEST_REDIS_URL = env("TEST_REDIS_URL", default="redis://127.0.0.1:6379/15")

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# In memory, unless a test starts a worker that must talk to its real SMTP server
# (tests/alerts: the worker gets KPI_TEST_REAL_SMTP=1 with EMAIL_HOST and EMAIL_PORT).
if not env.bool("KPI_TEST_REAL_SMTP", default=False):
    EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Tasks run in-process unless a test starts a real worker (the `celery_worker`
# fixture in tests/conftest.py points the app at TEST_REDIS_URL for that test).
# A worker started by that fixture gets KPI_TEST_EAGER=0.
CELERY_TASK_ALWAYS_EAGER = env.bool("KPI_TEST_EAGER", default=True)
CELERY_BROKER_URL = TEST_REDIS_URL if not CELERY_TASK_ALWAYS_EAGER else "memory://"
