"""The planning pages of events: list, create, edit, delete and copy, as a
browser uses them, per role."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from bakery.testing import form_data, login_as, queries_for
from events.models import Assignment, Event
from events.tests.factories import (
    AssignmentFactory,
    EventFactory,
    PackageFactory,
    PackageItemFactory,
    RecipientFactory,
)
from pantry.tests.factories import LotFactory, RecipeFactory, RecipeLineFactory

pytestmark = pytest.mark.django_db

ROLES = ["Baker", "Packer", "Viewer"]
NOT_PLANNERS = ["Packer", "Viewer"]


def events_snapshot():
    return list(Event.objects.order_by("pk").values()), list(
        Assignment.objects.order_by("pk").values()
    )


# --- list --------------------------------------------------------------------


def test_event_list_needs_a_login(client):
    response = client.get(reverse("events:event_list"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("role", ROLES)
def test_event_list_loads_for_every_role(client, role):
    login_as(client, role)
    EventFactory(name="Christmas 2026")

    response = client.get(reverse("events:event_list"))

    assert response.status_code == 200
    assert "Christmas 2026" in response.content.decode()
    assert ("Plan an event" in response.content.decode()) == (role == "Baker")


def test_event_list_queries_do_not_grow_with_events(baker):
    url = reverse("events:event_list")
    AssignmentFactory(event=EventFactory())
    one = queries_for(baker, url)

    for _ in range(12):
        event = EventFactory()
        AssignmentFactory.create_batch(3, event=event)

    assert queries_for(baker, url) == one


def test_event_list_search_ignores_accents_and_case(baker):
    EventFactory(name="Fête des mères")
    EventFactory(name="Christmas")

    page = baker.get(reverse("events:event_list"), {"q": "FETE"}).content.decode()

    assert "Fête des mères" in page
    assert "Christmas" not in page


def test_event_list_filters_upcoming_events(baker):
    today = timezone.localdate()
    EventFactory(name="Last year", date=today - datetime.timedelta(days=365))
    EventFactory(name="Next month", date=today + datetime.timedelta(days=30))

    page = baker.get(reverse("events:event_list"), {"when": "upcoming"})

    assert "Next month" in page.content.decode()
    assert "Last year" not in page.content.decode()


def test_event_list_sorts_by_a_column(baker):
    EventFactory(name="Bravo", date=datetime.date(2026, 1, 1))
    EventFactory(name="Alpha", date=datetime.date(2026, 6, 1))

    by_name = baker.get(reverse("events:event_list"), {"sort": "name"}).content
    by_date = baker.get(reverse("events:event_list"), {"sort": "date"}).content

    assert by_name.index(b"Alpha") < by_name.index(b"Bravo")
    assert by_date.index(b"Bravo") < by_date.index(b"Alpha")


def test_event_list_paginates(baker):
    for n in range(55):
        EventFactory(name=f"Event number {n:02}", date=datetime.date(2026, 1, 1))

    first = baker.get(reverse("events:event_list"), {"sort": "name"}).content
    second = baker.get(reverse("events:event_list"), {"sort": "name", "page": 2})

    assert b"Event number 00" in first
    assert b"Event number 54" not in first
    assert b"Event number 54" in second.content


def test_event_list_empty_says_what_to_do_next(baker):
    page = baker.get(reverse("events:event_list")).content.decode()

    assert "No events yet" in page
    assert reverse("events:event_create") in page


def test_event_list_search_without_match_offers_to_clear(baker):
    EventFactory(name="Christmas")

    page = baker.get(reverse("events:event_list"), {"q": "easter"}).content.decode()

    assert "No event matches" in page


# --- create and edit ---------------------------------------------------------


def test_event_create_by_a_baker_saves_and_opens_its_packages(baker):
    url = reverse("events:event_create")
    data = form_data(baker.get(url).content.decode(), "event-form")
    data.update(name=["Christmas 2026"], date=["2026-12-19"], notes=["Tins"])

    response = baker.post(url, data)

    event = Event.objects.get()
    assert (event.name, event.date, event.notes) == (
        "Christmas 2026",
        datetime.date(2026, 12, 19),
        "Tins",
    )
    assert response.url == reverse("events:event_packages", args=[event.pk])


def test_event_create_without_a_date_says_so_beside_it_and_keeps_the_name(baker):
    url = reverse("events:event_create")
    data = form_data(baker.get(url).content.decode(), "event-form")
    data.update(name=["Christmas 2026"], date=["19/12/2026x"])

    response = baker.post(url, data)

    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_date_error"' in page
    assert "Give the day as a date" in page
    assert 'value="Christmas 2026"' in page
    assert not Event.objects.exists()


def test_event_create_without_a_name_says_so(baker):
    response = baker.post(
        reverse("events:event_create"), {"name": "", "date": "2026-12-19"}
    )

    assert "Give the event a name" in response.content.decode()
    assert 'value="2026-12-19"' in response.content.decode()
    assert not Event.objects.exists()


def test_event_create_twice_on_a_date_says_it_exists_beside_the_name(baker):
    EventFactory(name="Christmas", date=datetime.date(2026, 12, 19))

    response = baker.post(
        reverse("events:event_create"), {"name": "Christmas", "date": "2026-12-19"}
    )

    page = response.content.decode()
    assert 'id="id_name_error"' in page
    assert "An event with this name on this date exists." in page
    assert Event.objects.count() == 1


@pytest.mark.parametrize("role", NOT_PLANNERS)
def test_event_create_is_refused_to_packers_and_viewers(client, role):
    login_as(client, role)
    url = reverse("events:event_create")

    assert client.get(url).status_code == 403
    assert client.post(url, {"name": "X", "date": "2026-12-19"}).status_code == 403
    assert not Event.objects.exists()


def test_event_edit_saves_the_changes(baker):
    event = EventFactory(name="Xmas", date=datetime.date(2026, 12, 19))
    url = reverse("events:event_edit", args=[event.pk])
    data = form_data(baker.get(url).content.decode(), "event-form")
    assert data["name"] == ["Xmas"]
    data.update(name=["Christmas"], date=["2026-12-20"])

    response = baker.post(url, data)

    event.refresh_from_db()
    assert (event.name, event.date) == ("Christmas", datetime.date(2026, 12, 20))
    assert response.status_code == 302


def test_event_edit_onto_another_events_name_and_date_is_refused(baker):
    EventFactory(name="Christmas", date=datetime.date(2026, 12, 19))
    event = EventFactory(name="Xmas", date=datetime.date(2026, 12, 19))

    response = baker.post(
        reverse("events:event_edit", args=[event.pk]),
        {"name": "Christmas", "date": "2026-12-19"},
    )

    assert "exists" in response.content.decode()
    event.refresh_from_db()
    assert event.name == "Xmas"


@pytest.mark.parametrize("role", NOT_PLANNERS)
def test_event_edit_is_refused_to_packers_and_viewers(client, role):
    login_as(client, role)
    event = EventFactory(name="Xmas")
    url = reverse("events:event_edit", args=[event.pk])

    assert client.get(url).status_code == 403
    assert client.post(url, {"name": "Y", "date": "2026-12-19"}).status_code == 403
    event.refresh_from_db()
    assert event.name == "Xmas"


# --- delete ------------------------------------------------------------------


def test_event_delete_asks_first_then_deletes_with_its_pending_packages(baker):
    event = EventFactory(name="Bake sale")
    recipient = RecipientFactory()
    AssignmentFactory(event=event, recipient=recipient)
    url = reverse("events:event_delete", args=[event.pk])

    page = baker.get(url).content.decode()
    assert Event.objects.filter(pk=event.pk).exists()
    response = baker.post(url, form_data(page, "delete-form"), follow=True)

    assert response.redirect_chain[-1][0] == reverse("events:event_list")
    assert "Deleted Bake sale and its 1 package." in response.content.decode()
    assert not Event.objects.filter(pk=event.pk).exists()
    assert not Assignment.objects.exists()
    recipient.refresh_from_db()  # recipients stay


def recorded_event():
    """An event with one batch of its recipe recorded."""
    # production.services is the only door to production: events' own code
    # never imports it; its tests use it to build the case.
    from production.services import record_production

    recipe = RecipeFactory()
    RecipeLineFactory(recipe=recipe, ingredient=LotFactory().ingredient)
    package = PackageFactory()
    PackageItemFactory(package=package, recipe=recipe)
    event = EventFactory(name="Christmas 2026")
    AssignmentFactory(event=event, package=package)
    record_production(event=event, recipe=recipe, batches=1)
    return event


def test_event_delete_once_production_exists_is_refused_and_says_why(baker):
    event = recorded_event()
    url = reverse("events:event_delete", args=[event.pk])
    before = events_snapshot()

    page = baker.get(url).content.decode()
    response = baker.post(url, {})

    assert "1 production record was recorded for it" in page
    assert 'id="delete-form"' not in page
    assert response.status_code == 409
    assert "Christmas 2026 cannot be deleted" in response.content.decode()
    assert events_snapshot() == before


def test_event_delete_while_packages_are_assembled_is_refused(baker):
    event = EventFactory(name="Tea")
    AssignmentFactory(
        event=event, status="assembled", assembled_at=timezone.now(), quantity=2
    )
    before = events_snapshot()

    response = baker.post(reverse("events:event_delete", args=[event.pk]))

    assert "2 of its packages are assembled or delivered" in response.content.decode()
    assert events_snapshot() == before


@pytest.mark.parametrize("role", NOT_PLANNERS)
def test_event_delete_is_refused_to_packers_and_viewers(client, role):
    login_as(client, role)
    event = EventFactory()
    url = reverse("events:event_delete", args=[event.pk])

    assert client.get(url).status_code == 403
    assert client.post(url).status_code == 403
    assert Event.objects.filter(pk=event.pk).exists()


# --- copy --------------------------------------------------------------------


def test_event_copy_suggests_the_same_day_next_year(baker):
    event = EventFactory(name="Christmas 2026", date=datetime.date(2026, 12, 19))

    page = baker.get(reverse("events:event_copy", args=[event.pk])).content.decode()

    data = form_data(page, "copy-form")
    assert data["name"] == ["Christmas 2027"]
    assert data["date"] == ["2027-12-19"]


def test_event_copy_gives_the_same_recipients_the_same_packages_pending(baker):
    event = EventFactory(name="Christmas 2026", date=datetime.date(2026, 12, 19))
    AssignmentFactory(event=event, quantity=2)
    AssignmentFactory(
        event=event,
        status="delivered",
        assembled_at=timezone.now(),
        delivered_at=timezone.now(),
    )
    url = reverse("events:event_copy", args=[event.pk])
    data = form_data(baker.get(url).content.decode(), "copy-form")

    response = baker.post(url, data)

    new = Event.objects.get(name="Christmas 2027")
    assert new.date == datetime.date(2027, 12, 19)
    assert response.url == reverse("events:event_packages", args=[new.pk])
    copied = set(new.assignments.values_list("recipient", "package", "quantity"))
    original = set(event.assignments.values_list("recipient", "package", "quantity"))
    assert copied == original
    assert set(new.assignments.values_list("status", flat=True)) == {"pending"}
    assert event.assignments.filter(status="delivered").count() == 1


def test_event_copy_onto_an_existing_event_says_so_and_copies_nothing(baker):
    EventFactory(name="Christmas 2027", date=datetime.date(2027, 12, 19))
    event = EventFactory(name="Christmas 2026", date=datetime.date(2026, 12, 19))
    AssignmentFactory(event=event)
    before = events_snapshot()

    response = baker.post(
        reverse("events:event_copy", args=[event.pk]),
        {"name": "Christmas 2027", "date": "2027-12-19"},
    )

    assert "An event with this name on this date exists." in response.content.decode()
    assert events_snapshot() == before


def test_event_copy_without_a_date_says_so(baker):
    event = EventFactory()

    response = baker.post(
        reverse("events:event_copy", args=[event.pk]), {"name": "Next", "date": ""}
    )

    assert "Give the day of the new event." in response.content.decode()
    assert Event.objects.count() == 1


@pytest.mark.parametrize("role", NOT_PLANNERS)
def test_event_copy_is_refused_to_packers_and_viewers(client, role):
    login_as(client, role)
    event = EventFactory()
    url = reverse("events:event_copy", args=[event.pk])

    assert client.get(url).status_code == 403
    assert client.post(url, {"name": "N", "date": "2027-01-01"}).status_code == 403
    assert Event.objects.count() == 1
