"""Every page needs a login, found by walking every URL pattern; query
parameters that are not what a page expects are ignored, not a 500."""

import re

import pytest
from django.contrib.auth.models import Permission, User
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from events.tests.factories import EventFactory
from pantry.tests.factories import RecipeFactory

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


@pytest.mark.parametrize("value", ["²", "١٢", "1²", "-1", "abc"])
def test_record_panel_url_takes_only_a_recipe_id(client, value):
    baker = User.objects.create_user("baker", password="pw")
    baker.user_permissions.add(Permission.objects.get(codename="add_productionrecord"))
    client.force_login(baker)
    event = EventFactory()
    RecipeFactory()

    response = client.get(f"/events/{event.pk}/record/{value}/")

    assert response.status_code == 404


def test_record_panel_url_opens_the_record_form_on_the_event_page(client):
    baker = User.objects.create_user("baker", password="pw")
    baker.user_permissions.add(Permission.objects.get(codename="add_productionrecord"))
    client.force_login(baker)
    event = EventFactory()
    recipe = RecipeFactory()

    response = client.get(reverse("production:record", args=[event.pk, recipe.pk]))

    assert response.status_code == 200
    assert response.context["panel"]["recipe"] == recipe
