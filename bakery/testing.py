"""Helpers for the tests of every app."""

import os
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Group, User
from django.db import connection
from django.test.utils import CaptureQueriesContext

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"
# The marks of a module of browser tests (the launch is conftest.py's).
BROWSER_TESTS = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists() and not os.environ.get("CI"),
        reason=f"browser tests skipped: no Chromium at {CHROMIUM} "
        "(apt-get install chromium)",
    ),
]


def login_as(client, role: str) -> User:
    """Logs `client` in as a new user in the group of `role` (one of
    bakery.roles.ROLES), named after it in lower case: "baker" for "Baker"."""
    user = User.objects.create_user(username=role.lower(), password="x")
    user.groups.add(Group.objects.get(name=role))
    client.force_login(user)
    return user


def queries_for(client, url: str) -> int:
    """The queries of one GET of `url`, after a first one has filled the
    session's caches; the page must answer 200."""
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


class _FormReader(HTMLParser):
    """Collects what a browser would submit from the form with `form_id`, or
    from the first form whose method is POST."""

    def __init__(self, form_id: str | None):
        super().__init__()
        self.form_id = form_id
        self.inside = self.done = False
        self.data: list[tuple[str, str]] = []
        self.select: str | None = None
        self.select_values: list[str] = []
        self.select_first: str | None = None
        self.option_value: str | None = None
        self.option_text = ""
        self.textarea: str | None = None
        self.text = ""

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and not self.done and not self.inside:
            wanted = (
                attrs.get("id") == self.form_id
                if self.form_id
                else (attrs.get("method") or "").lower() == "post"
            )
            self.inside = wanted
            return
        if not self.inside or "disabled" in attrs:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = (attrs.get("type") or "text").lower()
            if kind in ("submit", "button", "image", "reset", "file"):
                return
            if kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    self.data.append((name, attrs.get("value") or "on"))
                return
            self.data.append((name, attrs.get("value") or ""))
        elif tag == "select" and name:
            self.select, self.select_values, self.select_first = name, [], None
            self.multiple = "multiple" in attrs
        elif tag == "option" and self.select is not None:
            self.option_value = attrs.get("value")
            self.option_text = ""
            self.option_selected = "selected" in attrs
        elif tag == "textarea" and name:
            self.textarea, self.text = name, ""

    def handle_data(self, data):
        if self.textarea is not None:
            self.text += data
        elif self.option_value is None and self.select is not None:
            self.option_text += data

    def handle_endtag(self, tag):
        if tag == "form" and self.inside:
            self.inside, self.done = False, True
        elif tag == "option" and self.select is not None:
            value = self.option_value
            if value is None:
                value = self.option_text.strip()
            if self.select_first is None:
                self.select_first = value
            if self.option_selected:
                self.select_values.append(value)
            self.option_value = None
        elif tag == "select" and self.select is not None:
            values = self.select_values
            if not values and not self.multiple and self.select_first is not None:
                values = [self.select_first]
            self.data.extend((self.select, value) for value in values)
            self.select = None
        elif tag == "textarea" and self.textarea is not None:
            # A browser drops the one newline that may follow <textarea>.
            self.data.append((self.textarea, self.text.removeprefix("\n")))
            self.textarea = None


def form_data(html: str, form_id: str | None = None) -> dict[str, list[str]]:
    """What a browser submits from a page's form, unchanged: every named
    input, checked box, selected option and textarea, as a dict of lists
    (for Django's test client)."""
    reader = _FormReader(form_id)
    reader.feed(html)
    data: dict[str, list[str]] = {}
    for name, value in reader.data:
        data.setdefault(name, []).append(value)
    return data
