import json
import os
import re
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.db.utils import ConnectionHandler

from bakery.settings.base import (
    PrivateSQLiteConnection,
    database_from_environment,
    local_secret_key,
)

BASE_DIR = Path(settings.BASE_DIR)
DEPLOY_KEY = "k" * 20 + "Zq8!xW3@pL5#tR7$yU1%iO9^aS2&dF4*gH6(jK0)"


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def open_umask():
    """A umask that takes nothing away, so only the code sets the modes."""
    previous = os.umask(0)
    yield
    os.umask(previous)


def assert_sqlite_options(database: dict) -> None:
    options = database["OPTIONS"]
    assert options["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in options["init_command"]
    assert "busy_timeout" in options["init_command"]
    assert options["factory"] is PrivateSQLiteConnection
    # a file, not memory (each pytest-xdist worker adds its name: _gw0)
    assert re.fullmatch(r".+\.sqlite3(_gw\d+)?", str(database["TEST"]["NAME"]))


def test_sqlite_runs_wal_with_immediate_transactions_and_a_file_test_database():
    if connection.vendor != "sqlite":
        pytest.skip("the embedded database settings apply to SQLite only")
    assert_sqlite_options(settings.DATABASES["default"])


def test_sqlite_named_by_database_url_gets_the_same_options(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'db.sqlite3'}")

    database = database_from_environment()

    assert database["NAME"] == str(tmp_path / "db.sqlite3")
    assert_sqlite_options(database)


def test_sqlite_options_in_database_url_win(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'db.sqlite3'}?timeout=5")

    database = database_from_environment()

    assert database["OPTIONS"]["timeout"] == 5
    assert database["OPTIONS"]["transaction_mode"] == "IMMEDIATE"


def test_postgresql_from_database_url_gets_no_sqlite_options(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://baker:pw@db.invalid:5432/bakery")

    database = database_from_environment()

    assert database["ENGINE"] == "django.db.backends.postgresql"
    assert "transaction_mode" not in database.get("OPTIONS", {})
    assert "TEST" not in database


def test_production_settings_give_database_url_sqlite_the_same_options(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bakery.settings.production",
        "DJANGO_SECRET_KEY": DEPLOY_KEY,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    show = (
        "import json, django; django.setup(); from django.conf import settings; "
        "print(json.dumps(settings.DATABASES['default'], default=str))"
    )

    result = subprocess.run(
        [sys.executable, "-c", show],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    database = json.loads(result.stdout)
    assert database["NAME"] == str(tmp_path / "db.sqlite3")
    options = database["OPTIONS"]
    assert options["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in options["init_command"]
    assert options["factory"].endswith("PrivateSQLiteConnection'>")


def test_local_secret_key_is_created_private_and_kept(
    monkeypatch, tmp_path, open_umask
):
    def refuse_chmod(*args, **kwargs):
        raise AssertionError("the key must be private from its creation on")

    monkeypatch.setattr(os, "chmod", refuse_chmod)
    monkeypatch.setattr(Path, "chmod", refuse_chmod)
    key_file = tmp_path / "var" / "secret_key"

    first = local_secret_key(key_file)
    second = local_secret_key(key_file)

    assert mode(key_file) == 0o600
    assert len(first) >= 50
    assert second == first


def test_local_secret_key_keeps_an_existing_key(tmp_path):
    key_file = tmp_path / "secret_key"
    key_file.write_text("an existing key\n")

    assert local_secret_key(key_file) == "an existing key"


def test_sqlite_files_made_by_the_app_are_private(
    monkeypatch, tmp_path, open_umask, django_db_blocker
):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'db.sqlite3'}")
    connections = ConnectionHandler({"default": database_from_environment()})

    with django_db_blocker.unblock():
        try:
            with connections["default"].cursor() as cursor:
                cursor.execute("CREATE TABLE loaf (id INTEGER PRIMARY KEY)")
                cursor.execute("INSERT INTO loaf VALUES (1)")
            files = {path.name: mode(path) for path in tmp_path.glob("db.sqlite3*")}
        finally:
            connections.close_all()

    assert set(files) == {"db.sqlite3", "db.sqlite3-wal", "db.sqlite3-shm"}
    assert set(files.values()) == {0o600}, files


def test_sqlite_keeps_the_mode_of_an_existing_database_file(tmp_path, open_umask):
    database = tmp_path / "db.sqlite3"
    database.touch(mode=0o640)

    PrivateSQLiteConnection(str(database)).close()

    assert mode(database) == 0o640


def test_sqlite_reports_an_unusable_path_as_it_always_does(tmp_path):
    with pytest.raises(sqlite3.OperationalError, match="unable to open"):
        PrivateSQLiteConnection(str(tmp_path / "missing" / "db.sqlite3"))


def test_production_settings_pass_the_deploy_check():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bakery.settings.production",
        "DJANGO_SECRET_KEY": DEPLOY_KEY,
        "DJANGO_ALLOWED_HOSTS": "bakery.example",
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_settings_refuse_to_start_without_a_secret_key():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bakery.settings.production"}
    env.pop("DJANGO_SECRET_KEY", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "Set DJANGO_SECRET_KEY" in result.stderr
