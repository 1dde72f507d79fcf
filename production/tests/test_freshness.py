"""Use-by dates: warnings when a lot used is past its date, first-expiring
first when the bakery chooses it, and packages older than they keep."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from pantry.models import Lot
from pantry.services import record_purchase
from pantry.tests.factories import IngredientFactory, RecipeFactory, RecipeLineFactory
from production.services import (
    preview_production,
    record_production,
    update_package_status,
)

pytestmark = pytest.mark.django_db

D = Decimal
TODAY = datetime.date.today()


def buy(ingredient, days_ago, expires_in=None, grams=100):
    return record_purchase(
        ingredient=ingredient,
        quantity=D(grams),
        total_cost=D(1),
        purchased_on=TODAY - datetime.timedelta(days=days_ago),
        expires_on=None
        if expires_in is None
        else TODAY + datetime.timedelta(days=expires_in),
    )


@pytest.fixture
def cream():
    cream = IngredientFactory(name="Cream")
    recipe = RecipeFactory(name="Truffles", yield_quantity=D(20))
    RecipeLineFactory(recipe=recipe, ingredient=cream, quantity=D(100), unit="g")
    return cream, recipe


def test_preview_and_record_warn_of_a_lot_past_its_use_by_date(cream, bakery):
    ingredient, recipe = cream
    buy(ingredient, days_ago=10, expires_in=-2)

    preview = preview_production(event=bakery["event"], recipe=recipe, batches=1)
    record = record_production(event=bakery["event"], recipe=recipe, batches=1)

    [warning] = preview.expiry_warnings
    assert "Cream: the lot bought" in warning and "was to be used by" in warning
    assert record.expiry_warnings == warning  # kept on the record


def test_no_warning_for_fresh_lots_or_lots_without_a_date(cream, bakery):
    ingredient, recipe = cream
    buy(ingredient, days_ago=3, expires_in=5, grams=50)
    buy(ingredient, days_ago=2, grams=50)

    record = record_production(event=bakery["event"], recipe=recipe, batches=1)

    assert record.expiry_warnings == ""


def test_a_batch_baked_earlier_is_judged_on_its_own_day(cream, bakery):
    ingredient, recipe = cream
    buy(ingredient, days_ago=10, expires_in=-2)

    record = record_production(
        event=bakery["event"],
        recipe=recipe,
        batches=1,
        produced_at=timezone.now() - datetime.timedelta(days=5),
    )

    assert record.expiry_warnings == ""  # still good five days ago


def test_first_expiring_first_with_ties_and_lots_without_a_date(
    cream, bakery, settings
):
    settings.FIFO_ORDER = "expiry"
    ingredient, recipe = cream
    no_date = buy(ingredient, days_ago=9, grams=100)
    late = buy(ingredient, days_ago=8, expires_in=30, grams=100)
    soon_newer = buy(ingredient, days_ago=2, expires_in=5, grams=50)
    soon_older = buy(ingredient, days_ago=4, expires_in=5, grams=30)

    record = record_production(event=bakery["event"], recipe=recipe, batches=2)

    taken = [
        (line.lot_id, line.quantity) for line in record.lines.order_by("movement_id")
    ]
    # same use-by date: the older purchase first; no date: last
    assert taken == [
        (soon_older.pk, D(30)),
        (soon_newer.pk, D(50)),
        (late.pk, D(100)),
        (no_date.pk, D(20)),
    ]


def test_purchase_order_stays_the_default(cream, bakery):
    ingredient, recipe = cream
    old = buy(ingredient, days_ago=9, expires_in=30)
    buy(ingredient, days_ago=2, expires_in=1)

    record = record_production(event=bakery["event"], recipe=recipe, batches=1)

    assert [line.lot_id for line in record.lines.all()] == [old.pk]


def test_delivery_button_warns_of_goods_older_than_they_keep(admin_client, bakery):
    cookies = bakery["cookies"]
    cookies.keeps_for_days = 7
    cookies.save()
    record_production(
        event=bakery["event"],
        recipe=cookies,
        batches=1,
        produced_at=timezone.now() - datetime.timedelta(days=9),
    )
    update_package_status(assignment=bakery["tins"][0], status="assembled")

    text = admin_client.get(reverse("production:event", args=[bakery["event"].pk]))

    assert "Older than it keeps: Chocolate chip baked" in text.content.decode()
    assert "keeps 7 days" in text.content.decode()


def test_pantry_flags_a_lot_expiring_before_the_first_event_needing_it(
    admin_client, bakery
):
    event = bakery["event"]
    event.date = TODAY + datetime.timedelta(days=10)
    event.save()
    Lot.objects.filter(pk=bakery["old_flour"].pk).update(
        expires_on=event.date - datetime.timedelta(days=1)
    )
    Lot.objects.filter(pk=bakery["sugar_lot"].pk).update(
        expires_on=event.date + datetime.timedelta(days=1)
    )

    text = admin_client.get("/pantry/").content.decode()

    assert text.count("expires before it is needed") == 1
    assert f"expires before it is needed {event.date:%-d %b}" in text
