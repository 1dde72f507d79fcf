"""Every page needs a login, found by walking every URL pattern."""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

pytestmark = pytest.mark.django_db

OPEN = {"/login/", "/admin/login/", "/logout/", "/admin/logout/"}


def walk(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern)


def as_path(route: str) -> str:
    """A concrete path for a route: converters and regex groups get "1"."""
    path = re.sub(r"<(?:\w+:)?\w+>", "1", route)
    path = re.sub(r"\(\?P<\w+>[^)]*\)", "1", path)
    path = path.replace("^", "").replace("$", "").replace("\\", "")
    return "/" + path.lstrip("/")


def test_every_url_needs_a_login(client):
    paths = sorted({as_path(route) for route in walk(get_resolver().url_patterns)})
    assert len(paths) > 40  # the admin's and ours

    for path in paths:
        if path in OPEN or "(" in path or "?" in path:
            continue
        response = client.get(path)
        assert response.status_code in (301, 302), (path, response.status_code)
        assert "login" in response.headers["Location"], path


def test_login_pages_are_open(client):
    assert client.get("/login/").status_code == 200
    assert client.get("/admin/login/").status_code == 200
