from decimal import Decimal

import pytest
from django.urls import reverse

from bakery.testing import queries_for
from events.models import Assignment, Package, Recipient
from events.services import freeze_planned_cost
from events.tests.factories import (
    AssignmentFactory,
    EventFactory,
    PackageFactory,
    PackageItemFactory,
    RecipientFactory,
)
from pantry.tests.factories import LotFactory, RecipeFactory, RecipeLineFactory

pytestmark = pytest.mark.django_db


def make_event(assignments):
    recipe = RecipeFactory()
    RecipeLineFactory(recipe=recipe, ingredient=LotFactory().ingredient)
    package = PackageFactory()
    PackageItemFactory(package=package, recipe=recipe)
    event = EventFactory()
    for _ in range(assignments):
        AssignmentFactory(event=event, package=package)
    freeze_planned_cost(event=event, recipe=recipe)
    return event


MODELS = ["recipient", "package", "event", "assignment", "frozenplannedcost"]


@pytest.mark.parametrize("model", MODELS)
def test_changelist_query_count_does_not_grow_with_rows(admin_client, model):
    url = reverse(f"admin:events_{model}_changelist")
    make_event(1)
    few = queries_for(admin_client, url)

    for _ in range(8):
        make_event(4)

    assert queries_for(admin_client, url) == few


@pytest.mark.parametrize("model", MODELS)
def test_changelist_search_loads(admin_client, model):
    make_event(2)
    response = admin_client.get(reverse(f"admin:events_{model}_changelist"), {"q": "1"})
    assert response.status_code == 200


@pytest.mark.parametrize("model", ["recipient", "package", "event", "assignment"])
def test_add_pages_load(admin_client, model):
    assert admin_client.get(reverse(f"admin:events_{model}_add")).status_code == 200


def test_event_change_page_query_count_does_not_grow_with_assignments(admin_client):
    small, large = make_event(1), make_event(30)

    few = queries_for(
        admin_client, reverse("admin:events_event_change", args=[small.pk])
    )
    many = queries_for(
        admin_client, reverse("admin:events_event_change", args=[large.pk])
    )

    assert many == few


def test_event_change_page_shows_its_plan(admin_client):
    recipe = RecipeFactory(name="Shortbread", yield_quantity=Decimal(32))
    RecipeLineFactory(
        recipe=recipe,
        ingredient=LotFactory(
            quantity_purchased=Decimal(1000), total_cost=Decimal(8)
        ).ingredient,
        quantity=Decimal(250),
    )
    package = PackageFactory(name="Tin")
    PackageItemFactory(package=package, recipe=recipe, quantity=Decimal(40))
    event = AssignmentFactory(package=package).event

    response = admin_client.get(reverse("admin:events_event_change", args=[event.pk]))

    content = response.content.decode()
    assert "<td>Shortbread</td><td>2</td><td>$4.00</td>" in content


def test_event_without_assignments_says_what_to_do(admin_client):
    event = EventFactory()
    response = admin_client.get(reverse("admin:events_event_change", args=[event.pk]))
    assert "No packages planned yet" in response.content.decode()


def test_package_change_page_query_count_does_not_grow_with_items(admin_client):
    package = PackageFactory()
    PackageItemFactory(package=package)
    url = reverse("admin:events_package_change", args=[package.pk])
    few = queries_for(admin_client, url)

    PackageItemFactory.create_batch(10, package=package)

    assert queries_for(admin_client, url) == few


def test_event_admin_adds_assignments_inline_as_pending(admin_client):
    recipient, package = RecipientFactory(), PackageFactory()

    response = admin_client.post(
        reverse("admin:events_event_add"),
        {
            "name": "Christmas 2026",
            "date": "2026-12-19",
            "notes": "",
            "assignments-TOTAL_FORMS": "1",
            "assignments-INITIAL_FORMS": "0",
            "assignments-0-recipient": recipient.pk,
            "assignments-0-package": package.pk,
            "assignments-0-quantity": "2",
            "assignments-0-delivery_note": "",
        },
    )

    assert response.status_code == 302
    assignment = Assignment.objects.get()
    assert (assignment.quantity, assignment.status) == (2, "pending")


def test_duplicate_assignment_is_refused_with_a_message(admin_client):
    existing = AssignmentFactory()

    response = admin_client.post(
        reverse("admin:events_event_change", args=[existing.event.pk]),
        {
            "name": existing.event.name,
            "date": existing.event.date.isoformat(),
            "notes": "",
            "assignments-TOTAL_FORMS": "2",
            "assignments-INITIAL_FORMS": "1",
            "assignments-0-id": existing.pk,
            "assignments-0-event": existing.event.pk,
            "assignments-0-recipient": existing.recipient.pk,
            "assignments-0-package": existing.package.pk,
            "assignments-0-quantity": "1",
            "assignments-1-event": existing.event.pk,
            "assignments-1-recipient": existing.recipient.pk,
            "assignments-1-package": existing.package.pk,
            "assignments-1-quantity": "3",
        },
    )

    assert response.status_code == 200
    assert "Please correct the duplicate data" in response.content.decode()
    assert Assignment.objects.count() == 1


def test_assignment_status_cannot_be_edited_in_the_admin(admin_client):
    assignment = AssignmentFactory()
    url = reverse("admin:events_assignment_change", args=[assignment.pk])

    response = admin_client.post(
        url,
        {
            "event": assignment.event.pk,
            "recipient": assignment.recipient.pk,
            "package": assignment.package.pk,
            "quantity": "1",
            "status": "delivered",
            "delivery_note": "",
        },
    )

    assert response.status_code == 302
    assignment.refresh_from_db()
    assert assignment.status == "pending"


@pytest.mark.parametrize(
    ("model", "factory_name"), [("recipient", "recipient"), ("package", "package")]
)
def test_deleting_what_an_event_uses_is_refused_naming_the_event(
    admin_client, model, factory_name
):
    assignment = AssignmentFactory(event=EventFactory(name="Christmas 2026"))
    target = getattr(assignment, factory_name)
    url = reverse(f"admin:events_{model}_delete", args=[target.pk])

    response = admin_client.post(url, {"post": "yes"})

    assert response.status_code == 200
    content = response.content.decode()
    assert "Cannot delete" in content
    assert "Christmas 2026" in content
    assert Recipient.objects.exists() and Package.objects.exists()


def test_recipient_search_finds_household(admin_client):
    RecipientFactory(name="Martha", household="The Lees")
    RecipientFactory(name="Bob", household="")

    response = admin_client.get(
        reverse("admin:events_recipient_changelist"), {"q": "lees"}
    )

    assert [r.name for r in response.context["cl"].result_list] == ["Martha"]
