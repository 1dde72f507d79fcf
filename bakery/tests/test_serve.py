"""`make serve`: gunicorn with the production settings and whitenoise.

The server runs as `make serve` itself, in a subprocess of its own process
group, on a free port of 127.0.0.1, with a fresh SQLite file and static folder
in tmp_path and nothing else from the environment.
"""

import contextlib
import http.client
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from email.message import Message
from pathlib import Path

from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)
VENV = Path(sys.prefix)
START_TIMEOUT = 60  # a bound for a busy machine; idle, it answers in about 10 s
STOP_TIMEOUT = 15
REQUEST_TIMEOUT = 10
# What the HTTPS proxy in front of the server adds (SECURE_PROXY_SSL_HEADER).
FROM_THE_PROXY = {"X-Forwarded-Proto": "https"}


@dataclass(frozen=True)
class Reply:
    status: int
    headers: Message
    body: bytes


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(port: int, path: str, headers: dict | None = None) -> Reply:
    """One GET to 127.0.0.1, redirects not followed, no proxy from the
    environment."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        return Reply(response.status, response.headers, response.read())
    finally:
        connection.close()


def serve(tmp_path: Path, port: int) -> subprocess.Popen:
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "LANG": "C.UTF-8",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "DJANGO_STATIC_ROOT": str(tmp_path / "static"),
    }
    log = (tmp_path / "server.log").open("w")
    with log:
        return subprocess.Popen(
            # The venv running the tests, taken as installed (-o): a test
            # never reinstalls it.
            [
                "make",
                "--no-print-directory",
                "-o",
                f"{VENV}/.installed",
                "serve",
                f"VENV={VENV}",
                f"BIND=127.0.0.1:{port}",
            ],
            cwd=BASE_DIR,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def server_log(tmp_path: Path) -> str:
    return (tmp_path / "server.log").read_text(errors="replace")[-5000:]


def wait_until_it_answers(server: subprocess.Popen, port: int, tmp_path: Path):
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        assert server.poll() is None, "make serve stopped\n" + server_log(tmp_path)
        try:
            return get(port, "/login/", FROM_THE_PROXY)
        except OSError:
            assert time.monotonic() < deadline, (
                f"no answer after {START_TIMEOUT} s\n" + server_log(tmp_path)
            )
            time.sleep(0.1)


def stop(server: subprocess.Popen) -> None:
    """Stops make and gunicorn (its process group): terminated, then killed."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(server.pid, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        server.wait(timeout=STOP_TIMEOUT)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(server.pid, signal.SIGKILL)
    server.wait(timeout=STOP_TIMEOUT)


def test_make_serve_answers_with_the_login_page_and_a_hashed_stylesheet(tmp_path):
    port = free_port()
    server = serve(tmp_path, port)
    try:
        login = wait_until_it_answers(server, port, tmp_path)
        stylesheet = re.search(
            rb'href="(/static/bakery/site\.[0-9a-f]{12}\.css)"', login.body
        )
        css = stylesheet and get(port, stylesheet[1].decode(), FROM_THE_PROXY)
        plain_http = get(port, "/login/")
    finally:
        stop(server)

    assert login.status == 200, server_log(tmp_path)
    assert stylesheet, login.body.decode()
    assert login.headers["Server"].startswith("gunicorn")
    assert login.headers["Content-Type"] == "text/html; charset=utf-8"
    assert b'name="username"' in login.body
    assert b'name="password"' in login.body
    assert b'name="csrfmiddlewaretoken"' in login.body
    assert "max-age=31536000" in login.headers["Strict-Transport-Security"]
    manifest = json.loads((tmp_path / "static" / "staticfiles.json").read_text())
    hashed = manifest["paths"]["bakery/site.css"]
    assert stylesheet[1].decode() == f"/static/{hashed}"
    assert css.status == 200
    assert css.headers["Content-Type"].startswith("text/css")
    assert "immutable" in css.headers["Cache-Control"]
    assert css.body == (tmp_path / "static" / hashed).read_bytes()
    assert plain_http.status == 301
    assert plain_http.headers["Location"] == f"https://127.0.0.1:{port}/login/"
    assert "Listening at: http://127.0.0.1:" in server_log(tmp_path)


# Records every file opened for creation while the production settings load.
LOAD_WITHOUT_A_KEY = """
import os

created = []
real_open = os.open


def spy(path, flags, *args, **kwargs):
    if flags & os.O_CREAT:
        created.append(os.fspath(path))
    return real_open(path, flags, *args, **kwargs)


os.open = spy
try:
    import bakery.settings.production
except Exception as error:
    print(f"{type(error).__name__}: {error}")
print(created)
"""


def test_production_settings_without_a_key_create_no_key_file():
    env = {"PATH": os.environ["PATH"]}

    result = subprocess.run(
        [sys.executable, "-c", LOAD_WITHOUT_A_KEY],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )

    refusal, created = result.stdout.splitlines()
    assert refusal.startswith("ImproperlyConfigured: Set DJANGO_SECRET_KEY")
    assert created == "[]"
