"""Packages take baked goods from productions oldest first, so a lot traces
to the recipients who got what it went into, and a package to its lots."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from events.models import Assignment
from events.tests.factories import (
    AssignmentFactory,
    EventFactory,
    PackageFactory,
    PackageItemFactory,
    RecipientFactory,
)
from pantry.models import Lot
from pantry.tests.factories import (
    IngredientFactory,
    LotFactory,
    RecipeFactory,
    RecipeLineFactory,
)
from production.allocation import allocate_settled
from production.models import Allocation, ProductionRecord
from production.selectors import trace_ingredient_lots, trace_lot, trace_package
from production.services import (
    ALLOCATION_MODELS,
    ReversalRefused,
    record_production,
    reverse_production,
    update_package_status,
)

pytestmark = pytest.mark.django_db

D = Decimal


def bake(bakery, units, days_ago):
    return record_production(
        event=bakery["event"],
        recipe=bakery["cookies"],
        batches=1,
        units_made=units,
        produced_at=timezone.now() - datetime.timedelta(days=days_ago),
    )


def held(assignment):
    return [
        (a.record_id, a.units)
        for a in Allocation.objects.filter(assignment=assignment).order_by(
            "record__produced_at"
        )
    ]


def test_packages_take_units_oldest_first_across_records(bakery):
    old = bake(bakery, units=20, days_ago=2)
    new = bake(bakery, units=48, days_ago=1)
    first, second, third = bakery["tins"][:3]

    for tin in (first, second, third):
        update_package_status(assignment=tin, status="assembled")

    assert held(first) == [(old.pk, D(12))]
    assert held(second) == [(old.pk, D(8)), (new.pk, D(4))]  # part of each
    assert held(third) == [(new.pk, D(12))]


def test_reversal_is_refused_while_packages_hold_its_units(bakery, database_snapshot):
    record = bake(bakery, units=48, days_ago=1)
    update_package_status(assignment=bakery["tins"][0], status="assembled")
    before = database_snapshot()

    with pytest.raises(ReversalRefused, match="12 cookies it made are in assembled"):
        reverse_production(record=record)

    assert database_snapshot() == before
    assert not ProductionRecord.objects.get(pk=record.pk).is_reversed


@pytest.fixture
def two_lots_two_packages():
    """Butter from two lots, each used up by one batch; each batch goes to
    one recipient's package."""
    butter = IngredientFactory(name="Butter")
    first_lot = LotFactory(ingredient=butter, quantity_purchased=D(100))
    second_lot = LotFactory(ingredient=butter, quantity_purchased=D(100))
    recipe = RecipeFactory(name="Shortbread", yield_quantity=D(10))
    RecipeLineFactory(recipe=recipe, ingredient=butter, quantity=D(100), unit="g")
    package = PackageFactory(name="Shortbread bag")
    PackageItemFactory(package=package, recipe=recipe, quantity=D(10))
    event = EventFactory(name="Christmas")
    martha = AssignmentFactory(
        event=event, package=package, recipient=RecipientFactory(name="Martha")
    )
    lees = AssignmentFactory(
        event=event, package=package, recipient=RecipientFactory(name="The Lees")
    )
    now = timezone.now()
    for days_ago in (2, 1):
        record_production(
            event=event,
            recipe=recipe,
            batches=1,
            produced_at=now - datetime.timedelta(days=days_ago),
        )
    update_package_status(assignment=martha, status="assembled")
    update_package_status(assignment=martha, status="delivered")
    update_package_status(assignment=lees, status="assembled")
    return first_lot, second_lot, martha, lees


def test_trace_lot_names_exactly_the_recipients_who_got_it(two_lots_two_packages):
    first_lot, second_lot, _martha, _lees = two_lots_two_packages

    first, second = trace_lot(lot=first_lot), trace_lot(lot=second_lot)

    assert [p.recipient.name for p in first.assignments] == ["Martha"]
    assert [p.recipient.name for p in second.assignments] == ["The Lees"]
    assert first.assignments[0].status == "delivered"
    assert first.assignments[0].delivered_at is not None
    assert len(first.records) == len(second.records) == 1
    assert first.records != second.records


def test_trace_package_names_its_productions_and_lots(two_lots_two_packages):
    _first_lot, second_lot, _martha, lees = two_lots_two_packages

    trace = trace_package(assignment=lees)

    assert [lot.pk for lot in trace.lots] == [second_lot.pk]
    assert len(trace.records) == 1


def test_trace_queries_do_not_grow_with_packages(
    django_assert_num_queries, two_lots_two_packages
):
    first_lot = two_lots_two_packages[0]
    with django_assert_num_queries(2):
        trace_lot(lot=first_lot)
    # many more packages holding units of the same production
    record = trace_lot(lot=first_lot).records[0]
    record.units_made = D(1000)
    record.save(update_fields=["units_made"])
    package = Assignment.objects.get(recipient__name="Martha").package
    for _n in range(10):
        assignment = AssignmentFactory(event=record.event, package=package)
        Allocation.objects.create(assignment=assignment, record=record, units=D(10))

    with django_assert_num_queries(2):
        trace = trace_lot(lot=first_lot)

    assert len(trace.assignments) == 11


def test_lot_page_shows_ledger_and_trace_and_links_the_recall(
    admin_client, two_lots_two_packages
):
    first_lot = two_lots_two_packages[0]

    text = admin_client.get(reverse("production:lot", args=[first_lot.pk]))
    text = text.content.decode()

    assert "consumed by production" in text
    assert "Shortbread bag for Martha" in text
    assert "The Lees" not in text
    assert reverse("production:recall", args=[first_lot.pk]) in text
    assert Lot.objects.get(pk=first_lot.pk).get_absolute_url() == reverse(
        "production:lot", args=[first_lot.pk]
    )


def test_recall_csv_lists_the_recipients_with_formula_safe_cells(
    admin_client, two_lots_two_packages
):
    first_lot, _, martha, _ = two_lots_two_packages
    martha.recipient.address = '=HYPERLINK("http://x")'
    martha.recipient.save()

    response = admin_client.get(
        reverse("production:recall", args=[first_lot.pk]), {"format": "csv"}
    )

    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:3] == ["recipient", "household", "address"]
    assert [row[0] for row in rows[1:]] == ["Martha"]
    assert rows[1][2].startswith("'=")  # kept as text by spreadsheets
    assert rows[1][6] == "delivered"


def test_package_row_links_to_its_trace(admin_client, two_lots_two_packages):
    _, second_lot, _, lees = two_lots_two_packages

    event_page = admin_client.get(reverse("production:event", args=[lees.event_id]))
    trace_page = admin_client.get(reverse("production:package_trace", args=[lees.pk]))

    assert reverse("production:package_trace", args=[lees.pk]) in (
        event_page.content.decode()
    )
    assert reverse("production:lot", args=[second_lot.pk]) in (
        trace_page.content.decode()
    )


def test_packages_assembled_before_allocations_get_theirs_oldest_first(bakery):
    old = bake(bakery, units=20, days_ago=2)
    new = bake(bakery, units=48, days_ago=1)
    first, second = bakery["tins"][:2]
    for tin in (first, second):
        update_package_status(assignment=tin, status="assembled")
    Allocation.objects.all().delete()  # as kept before allocations existed

    made = allocate_settled(models=ALLOCATION_MODELS)

    assert made == 3
    assert held(first) == [(old.pk, D(12))]
    assert held(second) == [(old.pk, D(8)), (new.pk, D(4))]


def test_ingredient_page_lists_its_lots_with_traces_in_constant_queries(
    admin_client, two_lots_two_packages, django_assert_max_num_queries
):
    first_lot, second_lot, _, _ = two_lots_two_packages
    url = reverse("production:ingredient_lots", args=[first_lot.ingredient_id])

    response = admin_client.get(url)
    traces = trace_ingredient_lots(ingredient=first_lot.ingredient)

    assert [t.lot.pk for t in traces] == [first_lot.pk, second_lot.pk]
    assert [[p.recipient.name for p in t.assignments] for t in traces] == [
        ["Martha"],
        ["The Lees"],
    ]
    text = response.content.decode()
    assert text.index("Martha") < text.index("The Lees")
    with django_assert_max_num_queries(4):
        trace_ingredient_lots(ingredient=first_lot.ingredient)
