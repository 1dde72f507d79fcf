"""Deployment settings: `manage.py check --deploy` is clean with these.

DJANGO_SECRET_KEY and DJANGO_ALLOWED_HOSTS must be set in the environment;
static files are collected with `manage.py collectstatic` into STATIC_ROOT
(var/static, or DJANGO_STATIC_ROOT) and served by whitenoise. `make serve`
runs both, then gunicorn (bakery/gunicorn.conf.py).
"""

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

# Checked before base is imported: without a key, base would create the
# development key file var/secret_key, which a deployment must never use.
if len(os.environ.get("DJANGO_SECRET_KEY", "")) < 50:
    raise ImproperlyConfigured(
        "Set DJANGO_SECRET_KEY to a random string of at least 50 characters."
    )

from .base import *  # noqa: F403
from .base import env_bool, env_list

DEBUG = env_bool("DJANGO_DEBUG", default=False)
SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", [])

if os.environ.get("DJANGO_STATIC_ROOT"):
    STATIC_ROOT = Path(os.environ["DJANGO_STATIC_ROOT"])
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = False

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
