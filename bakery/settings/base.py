"""Settings shared by every mode; on their own they are the development mode.

Environment:
    DJANGO_DEBUG           "1"/"true" to turn debug on (default on here).
    DJANGO_SECRET_KEY      the secret key; without it a local key is generated
                           once in var/secret_key (development only).
    DJANGO_ALLOWED_HOSTS   comma-separated host names.
    DATABASE_URL           postgres://... or sqlite:///... instead of the
                           embedded SQLite file var/db.sqlite3.
"""

import contextlib
import os
import secrets
import sqlite3
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from bakery.folding import FOLD_FUNCTION, fold

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def create_private_file(path, content: bytes = b"") -> bool:
    """Creates `path` with `content`, readable and writable by its owner only
    (mode 0600 from the start); False, and nothing written, if it exists."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    with os.fdopen(fd, "wb") as file:
        file.write(content)
    return True


def local_secret_key(key_file: Path) -> str:
    """Reads the development key from `key_file`, creating it on first use."""
    key_file.parent.mkdir(parents=True, exist_ok=True)
    create_private_file(key_file, secrets.token_urlsafe(50).encode())
    return key_file.read_text().strip()


DEBUG = env_bool("DJANGO_DEBUG", default=True)
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or local_secret_key(
    VAR_DIR / "secret_key"
)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_tables2",
    "django_filters",
    "template_partials",
    "bakery",
    "pantry",
    "events",
    "production",
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
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "bakery.urls"

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
            ],
        },
    },
]

WSGI_APPLICATION = "bakery.wsgi.application"
ASGI_APPLICATION = "bakery.asgi.application"


SQLITE_ENGINE = "django.db.backends.sqlite3"


class PrivateSQLiteConnection(sqlite3.Connection):
    """A SQLite connection that creates a missing database file with mode 0600,
    and knows the function that folds text for search.

    SQLite gives the -wal, -shm and -journal files the mode of the database
    file, so they are private too. Files that exist keep their mode; `file:`
    URIs and in-memory databases are opened as given.
    """

    def __init__(self, database, *args, **kwargs):
        name = os.fsdecode(database)
        if name not in ("", ":memory:") and not name.startswith("file:"):
            # An unusable path (no such folder, no permission) is left for
            # sqlite3 to refuse with its usual OperationalError.
            with contextlib.suppress(OSError):
                create_private_file(name)
        super().__init__(database, *args, **kwargs)
        # Search ignoring accents (bakery.search) folds text in the database.
        self.create_function(FOLD_FUNCTION, 1, fold, deterministic=True)


def complete_sqlite_settings(database: dict) -> dict:
    """The database settings with what every SQLite database gets added.

    Other engines come back unchanged. SQLite gets WAL mode with IMMEDIATE
    transactions, so that concurrent writers wait for each other (busy
    timeout) instead of failing with "database is locked" when a read
    transaction tries to become a write; private files (0600); and a test
    database in a file. OPTIONS given explicitly win over these.
    """
    if database.get("ENGINE") != SQLITE_ENGINE:
        return database
    return {
        **database,
        "OPTIONS": {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": (
                "PRAGMA journal_mode=WAL;"
                "PRAGMA synchronous=NORMAL;"
                "PRAGMA busy_timeout=20000;"
                "PRAGMA foreign_keys=ON;"
            ),
            "factory": PrivateSQLiteConnection,
            **database.get("OPTIONS", {}),
        },
        # A file, not the in-memory default, so tests with threads share it;
        # BAKERY_TEST_DB names another one for a second test run at once.
        "TEST": {
            "NAME": str(
                VAR_DIR / f"{os.environ.get('BAKERY_TEST_DB', 'test')}.sqlite3"
            ),
            **database.get("TEST", {}),
        },
    }


def database_from_environment() -> dict:
    """The database DATABASE_URL names (PostgreSQL or SQLite), else the
    embedded SQLite file var/db.sqlite3; any SQLite one completed by
    `complete_sqlite_settings`."""
    url = os.environ.get("DATABASE_URL")
    if url:
        database = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    else:
        VAR_DIR.mkdir(exist_ok=True)
        database = {"ENGINE": SQLITE_ENGINE, "NAME": VAR_DIR / "db.sqlite3"}
    return complete_sqlite_settings(database)


DATABASES = {"default": database_from_environment()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": f"django.contrib.auth.password_validation.{name}"}
    for name in (
        "UserAttributeSimilarityValidator",
        "MinimumLengthValidator",
        "CommonPasswordValidator",
        "NumericPasswordValidator",
    )
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "production:dashboard"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = os.environ.get("DJANGO_TIME_ZONE", "America/New_York")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# collectstatic's target; it exists from the start so whitenoise finds it.
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "bakery" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage",
    },
}
# Serve straight from the apps' static folders when collectstatic has not run.
WHITENOISE_USE_FINDERS = DEBUG

DJANGO_TABLES2_TEMPLATE = "tables/table.html"

# The site currency, shown with money amounts.
CURRENCY_SYMBOL = "$"
# The order production takes lots in: "purchased" (oldest purchase first,
# FIFO) or "expiry" (first to expire first, FEFO; lots without a date last).
FIFO_ORDER = os.environ.get("BAKERY_FIFO_ORDER", "purchased")
if FIFO_ORDER not in ("purchased", "expiry"):
    raise ImproperlyConfigured(
        f"BAKERY_FIFO_ORDER is “{FIFO_ORDER}”: use purchased or expiry."
    )

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "INFO"},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
