"""Deployment settings: no insecure defaults. `manage.py check --deploy` passes."""

from django.core.exceptions import ImproperlyConfigured

from kpiportal.settings.base import *  # noqa: F403
from kpiportal.settings.base import env

DEBUG = False
SECRET_KEY = env("SECRET_KEY", default="")
if len(SECRET_KEY) < 50 or SECRET_KEY.startswith("local-only"):
    raise ImproperlyConfigured("Set SECRET_KEY to a random string of at least 50 characters.")
if not env("ALLOWED_HOSTS", default=""):
    raise ImproperlyConfigured("Set ALLOWED_HOSTS to the portal's host names.")

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
# The /healthz probe arrives over plain HTTP inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
