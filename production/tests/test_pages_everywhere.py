"""Lists as sortable, filterable tables; the package filter by status; the
delivery note on the page; the next status decided by the service."""

import datetime

import pytest
from django.urls import reverse

from bakery.testing import queries_for
from events.models import Assignment
from events.tests.factories import AssignmentFactory, EventFactory
from production.services import next_status, record_production, update_package_status
from production.tests.test_views import HTMX

pytestmark = pytest.mark.django_db


def test_next_status_is_the_services_word():
    assert [next_status(s) for s in ("pending", "assembled", "delivered")] == [
        "assembled",
        "delivered",
        None,
    ]


def test_event_page_offers_each_package_its_next_step(admin_client, bakery):
    record_production(event=bakery["event"], recipe=bakery["cookies"], batches=3)
    update_package_status(assignment=bakery["tins"][0], status="assembled")
    update_package_status(assignment=bakery["tins"][1], status="assembled")
    update_package_status(assignment=bakery["tins"][1], status="delivered")

    text = admin_client.get(reverse("production:event", args=[bakery["event"].pk]))
    text = text.content.decode()

    assert text.count("Mark assembled</button>") == 7  # 6 tins and the bags
    assert text.count("Mark delivered</button>") == 1
    assert text.count('placeholder="Delivery note (optional)"') == 1


def test_marking_delivered_on_the_page_keeps_the_delivery_note(admin_client, bakery):
    record_production(event=bakery["event"], recipe=bakery["cookies"], batches=1)
    tin = bakery["tins"][0]
    update_package_status(assignment=tin, status="assembled")
    url = reverse("production:assignment_status", args=[tin.pk])

    response = admin_client.post(
        url, {"status": "delivered", "note": "left with the neighbour"}, **HTMX
    )

    assert response.status_code == 200
    tin.refresh_from_db()
    assert (tin.status, tin.delivery_note) == ("delivered", "left with the neighbour")


def test_a_status_that_is_not_next_is_refused_on_the_page(admin_client, bakery):
    tin = bakery["tins"][0]
    url = reverse("production:assignment_status", args=[tin.pk])

    response = admin_client.post(url, {"status": "delivered"}, **HTMX)

    assert "only move forward" in response.content.decode()
    assert Assignment.objects.get(pk=tin.pk).status == "pending"


@pytest.mark.parametrize(
    ("status", "rows"), [("", 9), ("pending", 8), ("assembled", 1), ("delivered", 0)]
)
def test_package_table_filters_by_status(admin_client, bakery, status, rows):
    record_production(event=bakery["event"], recipe=bakery["cookies"], batches=1)
    update_package_status(assignment=bakery["tins"][0], status="assembled")
    url = reverse("production:event", args=[bakery["event"].pk])

    response = admin_client.get(url, {"packages-status": status})

    assert len(response.context["packages_table"].rows) == rows
    assert len(response.context["recipients_table"].rows) == 9  # all recipients


def test_events_list_searches_ignoring_accents_and_filters_by_when(admin_client):
    today = datetime.date.today()
    EventFactory(name="Fête de Noël", date=today + datetime.timedelta(days=20))
    EventFactory(name="Fete last year", date=today - datetime.timedelta(days=300))
    EventFactory(name="Bake sale", date=today + datetime.timedelta(days=5))

    found = admin_client.get("/events/", {"q": "fete"}).context["table"]
    upcoming = admin_client.get("/events/", {"q": "FÊTE", "when": "upcoming"})

    assert sorted(row.record.name for row in found.rows) == [
        "Fete last year",
        "Fête de Noël",
    ]
    assert [row.record.name for row in upcoming.context["table"].rows] == [
        "Fête de Noël"
    ]


def test_events_list_sorts_and_its_queries_do_not_grow(admin_client):
    EventFactory(name="Alpha")
    few = queries_for(admin_client, "/events/?sort=name")

    for n in range(12):
        AssignmentFactory(event=EventFactory(name=f"Event {n}"))

    assert queries_for(admin_client, "/events/?sort=name") == few
    table = admin_client.get("/events/?sort=name").context["table"]
    assert next(row.record.name for row in table.rows) == "Alpha"


def test_shopping_list_is_a_sortable_table(admin_client, bakery):
    url = reverse("production:event", args=[bakery["event"].pk])

    response = admin_client.get(url, {"shopping-sort": "-ingredient"})

    rows = [
        row.record.ingredient.name for row in response.context["shopping_table"].rows
    ]
    assert rows == ["Sugar, granulated", "Flour, all-purpose"]
    assert 'id="shopping-table"' in response.content.decode()


def test_pantry_search_ignores_accents(admin_client):
    from pantry.tests.factories import IngredientFactory

    IngredientFactory(name="Crème fraîche", category="Dairy")
    IngredientFactory(name="Flour", category="Flours")

    table = admin_client.get("/pantry/", {"q": "creme"}).context["table"]

    assert [row.record.name for row in table.rows] == ["Crème fraîche"]
