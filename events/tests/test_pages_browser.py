"""Planning in a real browser (Debian's Chromium): an event, its packages
for ticked and pasted recipients, then a quantity changed and a package
removed inline, with htmx."""

import re

import pytest
from django.apps import apps
from django.contrib.auth.models import Group, User

from bakery.roles import sync_roles
from bakery.testing import BROWSER_TESTS
from events.models import Assignment, Event, Recipient
from events.tests.factories import PackageFactory, RecipientFactory

pytestmark = BROWSER_TESTS


@pytest.mark.django_db(transaction=True)
def test_plan_an_event_and_change_its_packages_inline(live_server, page):
    sync_roles(apps)  # a transactional test may start with the tables flushed
    user = User.objects.create_user("planner", password="flour-on-hands")
    user.groups.add(Group.objects.get(name="Baker"))
    PackageFactory(name="Cookie tin")
    RecipientFactory(name="Aunt Martha")
    RecipientFactory(name="The Lees")
    page.set_default_timeout(10_000)
    page.set_viewport_size({"width": 360, "height": 800})

    page.goto(f"{live_server.url}/plan/")
    page.get_by_label("Username").fill("planner")
    page.get_by_label("Password").fill("flour-on-hands")
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="+ Plan an event").click()
    page.get_by_label("Name").fill("Christmas 2026")
    page.get_by_label("Date").fill("2026-12-19")
    page.get_by_role("button", name="Plan the event").click()
    page.wait_for_url(re.compile(r"/plan/events/\d+/packages/$"))

    # ticked and pasted recipients, a new one confirmed
    page.get_by_role("link", name="+ Add packages").click()
    page.get_by_label("Package").select_option(label="Cookie tin")
    page.get_by_label("Aunt Martha").check()
    page.get_by_label("Or paste names, one per line").fill("the lees\nBob Smith")
    page.get_by_role("button", name="Add", exact=True).click()
    page.get_by_text("Will create 1 new recipient: Bob Smith.").wait_for()
    page.get_by_role("button", name="Create it and add Cookie tin").click()
    page.wait_for_url(re.compile(r"/plan/events/\d+/packages/$"))
    assert "Added Cookie tin for 3 recipients" in page.locator(".messages").inner_text()
    event = Event.objects.get()
    assert event.assignments.count() == 3
    assert Recipient.objects.filter(name="Bob Smith").exists()
    # nothing scrolls sideways on a phone
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    # change how many inline: the page stays, the cell answers
    page.evaluate("window.stillTheSamePage = true")
    bob = event.assignments.get(recipient__name="Bob Smith")
    page.get_by_label("How many Cookie tin for Bob Smith").fill("3")
    page.locator(f"#quantity-{bob.pk}").get_by_role("button", name="Save").click()
    page.locator(f"#quantity-{bob.pk}").get_by_text("Saved").wait_for()
    bob.refresh_from_db()
    assert bob.quantity == 3

    # remove inline, after the browser's confirmation
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator(f"#assignment-{bob.pk}").get_by_role("link", name="Remove").click()
    page.get_by_text("Removed Cookie tin for Bob Smith.").wait_for()
    assert page.evaluate("window.stillTheSamePage") is True
    assert not Assignment.objects.filter(pk=bob.pk).exists()

    # every planning list fits a phone
    package = event.assignments.first().package
    for path in (
        "/plan/events/",
        "/plan/recipients/",
        "/plan/packages/",
        f"/plan/packages/{package.pk}/",
        f"/plan/events/{event.pk}/packages/add/",
        f"/plan/events/{event.pk}/copy/",
    ):
        page.goto(f"{live_server.url}{path}")
        assert page.evaluate("document.documentElement.scrollWidth") <= 360, path
