"""An import killed half-way leaves nothing of itself."""

import csv
import os
import signal
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.db import connection

from pantry.models import Ingredient, Lot

pytestmark = pytest.mark.django_db(transaction=True)


def database_url() -> str:
    """The URL of the test database, for a second process to use."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def test_import_killed_while_writing_leaves_nothing(tmp_path):
    with (tmp_path / "ingredients.csv").open("w", newline="") as handle:
        csv.writer(handle).writerows([["slug", "name"], ["rye", "Rye flour"]])
    with (tmp_path / "lots.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["ingredient", "purchased_on", "quantity", "total_cost"])
        writer.writerows(["rye", "2026-11-01", "1000", "2.50"] for _ in range(60000))
    env = {**os.environ, "DATABASE_URL": database_url(), "PYTHONUNBUFFERED": "1"}
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)

    process = subprocess.Popen(
        [
            sys.executable,
            "manage.py",
            "import_data",
            str(tmp_path / "ingredients.csv"),
            str(tmp_path / "lots.csv"),
        ],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 120
    for line in process.stderr:
        if "writing lots" in line:
            break
        assert time.monotonic() < deadline, "the import never started writing"
    else:
        pytest.fail(f"the import ended before writing: {process.stdout.read()}")
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)

    assert process.returncode == -signal.SIGKILL
    connection.close()  # a fresh look at the database
    assert not Ingredient.objects.filter(slug="rye").exists()
    assert not Lot.objects.exists()
