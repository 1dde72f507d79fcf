"""The print sheets of the demo season's biggest event, printed by Debian's
Chromium: one sheet each, on A4 and on Letter, without the site's header."""

import re

import pytest
from django.apps import apps
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.urls import reverse

from bakery.roles import sync_roles
from bakery.testing import BROWSER_TESTS, SCREENSHOTS
from events.models import Event
from production.tests.test_browser import PHONE

pytestmark = BROWSER_TESTS

# A page object of a PDF, not the /Pages tree that holds them.
PDF_PAGE = re.compile(rb"/Type\s*/Page(?![A-Za-z])")


@pytest.mark.django_db(transaction=True)
def test_print_sheets_of_the_demo_season_fit_one_sheet_each(live_server, page):
    sync_roles(apps)  # a transactional test may start with the tables flushed
    call_command("load_demo", stdout=None)
    event = Event.objects.get(name="Christmas gifts")  # 16 packages, 15 rows
    baker = User.objects.create_user("baker", password="flour-on-hands")
    baker.groups.add(Group.objects.get(name="Baker"))
    page.set_default_timeout(10_000)
    page.goto(f"{live_server.url}/")
    page.get_by_label("Username").fill("baker")
    page.get_by_label("Password").fill("flour-on-hands")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server.url}/")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    for name, rows in [
        ("shopping_sheet", "#shopping-sheet tbody tr, #content .empty"),
        ("packing_sheet", "#packing-sheet tbody tr"),
    ]:
        page.emulate_media(media="screen")
        page.set_viewport_size({"width": 1280, "height": 800})
        page.goto(live_server.url + reverse(f"production:{name}", args=[event.pk]))
        assert page.locator(".site-header").is_visible()
        assert page.get_by_role("heading", name=re.compile(event.name)).is_visible()
        assert page.locator(rows).count() >= 1

        page.emulate_media(media="print")
        assert page.locator(".site-header").is_hidden(), name
        assert page.locator("nav").first.is_hidden(), name
        assert page.get_by_role("button", name="Print").is_hidden(), name
        for paper in ("A4", "Letter"):
            pdf = page.pdf(format=paper)
            (SCREENSHOTS / f"{name}-{paper}.pdf").write_bytes(pdf)
            assert len(PDF_PAGE.findall(pdf)) == 1, (name, paper)

        page.emulate_media(media="screen")
        page.set_viewport_size(PHONE)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], (name, width)
