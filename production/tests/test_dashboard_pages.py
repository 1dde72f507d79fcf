"""The dashboard a page at a time, upcoming events first; the Today list."""

import datetime

import pytest
from django.urls import reverse

from bakery.testing import login_as, queries_for
from events.tests.factories import AssignmentFactory, EventFactory
from production.services import record_production, update_package_status
from production.views import DASHBOARD_PER_PAGE

pytestmark = pytest.mark.django_db

TODAY = datetime.date.today()


def day(offset):
    return TODAY + datetime.timedelta(days=offset)


def test_dashboard_shows_upcoming_nearest_first_then_past_latest_first(admin_client):
    for name, offset in [
        ("Later", 20),
        ("Long ago", -60),
        ("Soon", 3),
        ("Last week", -7),
    ]:
        AssignmentFactory(event=EventFactory(name=name, date=day(offset)))

    entries = admin_client.get("/").context["entries"]

    assert [e.event.name for e in entries] == ["Soon", "Later", "Last week", "Long ago"]


def test_dashboard_pages_and_its_queries_do_not_grow_with_events(admin_client):
    AssignmentFactory(event=EventFactory(date=day(1)))
    few = queries_for(admin_client, "/")

    for offset in range(2, DASHBOARD_PER_PAGE + 12):
        AssignmentFactory(event=EventFactory(date=day(offset)))

    assert queries_for(admin_client, "/") == few
    first = admin_client.get("/")
    second = admin_client.get("/", {"page": 2})
    assert len(first.context["entries"]) == DASHBOARD_PER_PAGE
    assert len(second.context["entries"]) == 11
    assert "Page 1 of 2" in first.content.decode()


def test_today_lists_what_to_bake_then_pack_then_deliver(admin_client, bakery):
    bakery["event"].date = day(5)
    bakery["event"].save()
    record_production(event=bakery["event"], recipe=bakery["cookies"], batches=1)
    update_package_status(assignment=bakery["tins"][0], status="assembled")

    response = admin_client.get(reverse("production:today"))

    checklist = response.context["checklist"]
    assert checklist.progress.event == bakery["event"]
    assert [r.recipe for r in checklist.to_bake] == [bakery["cookies"]]
    assert len(checklist.to_assemble) == 8
    assert checklist.to_deliver == (bakery["tins"][0],)
    text = response.content.decode()
    assert text.index("Bake") < text.index("Assemble") < text.index("Deliver")


def test_today_without_an_event_in_progress_says_what_to_do(admin_client):
    response = admin_client.get(reverse("production:today"))

    assert "Nothing to bake or pack" in response.content.decode()


def test_a_package_ticked_off_on_today_comes_back_to_today(
    baker, bakery, database_snapshot
):
    bakery["event"].date = day(5)
    bakery["event"].save()
    tin, other = bakery["tins"][:2]
    url = reverse("production:assignment_status", args=[tin.pk])
    today = reverse("production:today")
    before = database_snapshot()

    refused = baker.post(url, {"status": "assembled", "back_to": "today"}, follow=True)
    assert database_snapshot() == before
    record_production(event=bakery["event"], recipe=bakery["cookies"], batches=1)
    ticked = baker.post(url, {"status": "assembled", "back_to": "today"}, follow=True)

    assert refused.redirect_chain == [(today, 302)]
    assert "Needs 12 more Chocolate chip cookies." in refused.content.decode()
    assert ticked.redirect_chain == [(today, 302)]
    assert f"Cookie tin for {tin.recipient}: assembled." in ticked.content.decode()
    checklist = ticked.context["checklist"]
    assert tin in checklist.to_deliver and tin not in checklist.to_assemble
    assert other in checklist.to_assemble
    page = ticked.content.decode()
    # to assemble: 7 tins and the bag; to deliver: the tin ticked off
    assert page.count('name="back_to" value="today"') == 8 + 1


def test_a_way_back_other_than_today_leads_to_the_event_page(baker, bakery):
    record_production(event=bakery["event"], recipe=bakery["cookies"], batches=1)
    tin = bakery["tins"][0]
    url = reverse("production:assignment_status", args=[tin.pk])

    response = baker.post(url, {"status": "assembled", "back_to": "//elsewhere"})

    event = reverse("production:event", args=[bakery["event"].pk])
    assert response["Location"] == f"{event}#packages"
    tin.refresh_from_db()
    assert tin.status == "assembled"


@pytest.mark.parametrize(("role", "ticks"), [("Viewer", 0), ("Packer", 9)])
def test_only_who_may_mark_packages_can_tick_them_off(client, bakery, role, ticks):
    bakery["event"].date = day(5)
    bakery["event"].save()
    login_as(client, role)

    page = client.get(reverse("production:today")).content.decode()

    assert page.count('name="back_to" value="today"') == ticks
    assert "Record</a>" not in page  # baking is the Baker's
