"""Concurrent bakers over HTTP on a SQLite file named by DATABASE_URL.

The real application runs in a subprocess on Django's threaded development
server (what `runserver` uses), bound to 127.0.0.1 on a free port. Four
bakers log in and record batches at the same moment; the lot holds stock for
fewer batches than they ask for.
"""

import json
import re
import sqlite3
import stat
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
import uuid
from decimal import Decimal
from http.cookiejar import CookieJar
from pathlib import Path

from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)
BAKERS = 4
POSTS_PER_BAKER = 4
BATCHES_IN_STOCK = 10  # the lot holds 1000 g, a batch takes 100 g
REQUEST_TIMEOUT = 30
START_TIMEOUT = 30

# Migrates the database, adds a baker, a lot, a recipe and an event that
# needs it, then serves the application with Django's threaded server and
# writes the port and the ids to the file named by argv[1].
SERVER = """
import json, os, sys
from decimal import Decimal

import django

django.setup()

from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.servers.basehttp import run
from django.core.wsgi import get_wsgi_application
from django.db import connections

from events.tests.factories import (
    AssignmentFactory, EventFactory, PackageFactory, PackageItemFactory,
)
from pantry.tests.factories import (
    IngredientFactory, LotFactory, RecipeFactory, RecipeLineFactory,
)

call_command("migrate", interactive=False, verbosity=0)
User.objects.create_superuser("baker", "", "Crumb-and-crust-42")
sugar = IngredientFactory(name="Sugar", slug="sugar")
lot = LotFactory(ingredient=sugar, quantity_purchased=Decimal(1000))
recipe = RecipeFactory(name="Shortbread", yield_quantity=Decimal(24))
RecipeLineFactory(recipe=recipe, ingredient=sugar, quantity=Decimal(100), unit="g")
tin = PackageFactory(name="Tin")
PackageItemFactory(package=tin, recipe=recipe, quantity=Decimal(24))
event = EventFactory(name="Fair")
AssignmentFactory(event=event, package=tin, quantity=20)
connections.close_all()

def announce(port):
    ready = {"port": port, "event": event.pk, "recipe": recipe.pk, "lot": lot.pk}
    partial = sys.argv[1] + ".part"
    with open(partial, "w") as file:
        json.dump(ready, file)
    os.replace(partial, sys.argv[1])

run("127.0.0.1", 0, get_wsgi_application(), threading=True, on_bind=announce)
"""


class Unchecked(urllib.request.HTTPErrorProcessor):
    """Hands back every response as it is: no redirect followed, no error
    raised, so each request's own status is seen."""

    def http_response(self, request, response):
        return response


class Baker:
    """One browser: its own cookies, talking only to the local server."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.cookies = CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.ProxyHandler({}),  # never a proxy from the environment
            urllib.request.HTTPCookieProcessor(self.cookies),
            Unchecked(),
        )

    def request(self, path: str, data: dict | None = None) -> tuple[int, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        headers = {}
        if data is not None:
            headers["X-CSRFToken"] = self.cookie("csrftoken")
        request = urllib.request.Request(
            self.base_url + path, data=body, headers=headers
        )
        with self.opener.open(request, timeout=REQUEST_TIMEOUT) as response:
            return response.status, response.read().decode()

    def cookie(self, name: str) -> str:
        return next((c.value for c in self.cookies if c.name == name), "")

    def log_in(self, username: str, password: str) -> None:
        status, page = self.request("/login/")
        assert status == 200, page
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert token, page
        status, page = self.request(
            "/login/",
            {
                "username": username,
                "password": password,
                "csrfmiddlewaretoken": token.group(1),
            },
        )
        assert status == 302, page


def start_server(tmp_path: Path) -> tuple[subprocess.Popen, dict]:
    ready_file = tmp_path / "ready.json"
    log = (tmp_path / "server.log").open("w")
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "bakery.settings.base",
        "DJANGO_DEBUG": "1",
        "DJANGO_SECRET_KEY": "test-only-" + "k" * 50,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    server = subprocess.Popen(
        [sys.executable, "-c", SERVER, str(ready_file)],
        cwd=BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    log.close()
    deadline = time.monotonic() + START_TIMEOUT
    while not ready_file.exists():
        assert server.poll() is None, server_log(tmp_path)
        assert time.monotonic() < deadline, "no server after 30 s\n" + server_log(
            tmp_path
        )
        time.sleep(0.05)
    return server, json.loads(ready_file.read_text())


def server_log(tmp_path: Path) -> str:
    return (tmp_path / "server.log").read_text(errors="replace")[-5000:]


def stop(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(timeout=5)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait(timeout=5)


def record_at_once(base_url: str, ready: dict) -> list[tuple[int, str]]:
    """Every baker logs in, then all post their batches at the same moment."""
    path = f"/events/{ready['event']}/record/{ready['recipe']}/"
    bakers = [Baker(base_url) for _ in range(BAKERS)]
    start = threading.Barrier(BAKERS, timeout=REQUEST_TIMEOUT)
    results: list[tuple[int, str]] = []
    failures: list[BaseException] = []

    def bake(baker: Baker) -> None:
        try:
            baker.log_in("baker", "Crumb-and-crust-42")
            start.wait()
            for _ in range(POSTS_PER_BAKER):
                results.append(
                    baker.request(
                        path, {"batches": 1, "submission_key": uuid.uuid4().hex}
                    )
                )
        except BaseException as error:  # reported by the main thread
            start.abort()
            failures.append(error)

    threads = [threading.Thread(target=bake, args=(b,)) for b in bakers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=REQUEST_TIMEOUT * (POSTS_PER_BAKER + 2))
    assert not any(t.is_alive() for t in threads), "a baker is still waiting"
    assert not failures, failures
    return results


def stock_of(database: Path, lot_id: int) -> dict:
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as db:
        purchased, remaining = db.execute(
            "SELECT quantity_purchased, quantity_remaining FROM pantry_lot "
            "WHERE id = ?",
            (lot_id,),
        ).fetchone()
        movements = db.execute(
            "SELECT quantity FROM pantry_stockmovement WHERE lot_id = ?", (lot_id,)
        ).fetchall()
        batches = db.execute(
            "SELECT COALESCE(SUM(batches), 0) FROM production_productionrecord "
            "WHERE reversed_at IS NULL"
        ).fetchone()[0]
    return {
        "purchased": Decimal(str(purchased)),
        "remaining": Decimal(str(remaining)),
        "moved": sum((Decimal(str(q)) for (q,) in movements), Decimal(0)),
        "batches": batches,
    }


def test_concurrent_posts_on_a_database_url_sqlite_file_never_fail_or_oversell(
    tmp_path,
):
    server, ready = start_server(tmp_path)
    try:
        results = record_at_once(f"http://127.0.0.1:{ready['port']}", ready)
        modes = {
            path.name: stat.S_IMODE(path.stat().st_mode)
            for path in tmp_path.glob("db.sqlite3*")
        }
    finally:
        stop(server)

    statuses = sorted(status for status, _ in results)
    assert 500 not in statuses, (
        f"{statuses.count(500)} of {len(statuses)} posts answered 500\n"
        + server_log(tmp_path)
    )
    assert set(statuses) <= {200, 302}, (statuses, server_log(tmp_path))
    recorded = statuses.count(302)  # refusals answer 200 with the shortage
    assert recorded == BATCHES_IN_STOCK, statuses
    refusals = [page for status, page in results if status == 200]
    assert all("Nothing was used." in page for page in refusals)
    assert modes["db.sqlite3"] == 0o600
    assert set(modes.values()) == {0o600}, modes  # the -wal and -shm files too
    stock = stock_of(tmp_path / "db.sqlite3", ready["lot"])
    assert stock["remaining"] >= 0
    assert stock["remaining"] == stock["purchased"] + stock["moved"]
    assert stock["batches"] == BATCHES_IN_STOCK
    assert stock["remaining"] == stock["purchased"] - 100 * BATCHES_IN_STOCK
