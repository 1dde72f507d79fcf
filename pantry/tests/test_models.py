import datetime
import zoneinfo
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from pantry.models import Ingredient, Lot, MovementKind, Product, StockMovement
from pantry.tests.factories import (
    FlourFactory,
    IngredientFactory,
    LotFactory,
    ProductFactory,
    RecipeLineFactory,
)

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.mark.parametrize(
    "changes",
    [
        {"quantity_remaining": D("-1")},
        {"quantity_remaining": D("1001")},
        {"cost_remaining": D("-0.01")},
        {"cost_remaining": D("10.01")},
        {"quantity_remaining": D(0), "cost_remaining": D("0.01")},
        {
            "quantity_purchased": D(0),
            "quantity_remaining": D(0),
            "cost_remaining": D(0),
        },
        {"total_cost": D(-1), "cost_remaining": D(-1)},
    ],
)
def test_database_refuses_impossible_lots(changes):
    lot = LotFactory(quantity_purchased=D(1000), total_cost=D(10))

    with pytest.raises(IntegrityError), transaction.atomic():
        Lot.objects.filter(pk=lot.pk).update(**changes)


@pytest.mark.parametrize(
    ("kind", "quantity", "cost"),
    [
        (MovementKind.CONSUMPTION, D(5), D(1)),
        (MovementKind.WASTE, D(5), D(0)),
        (MovementKind.REVERSAL, D(-5), D(-1)),
        (MovementKind.CORRECTION, D(-5), D(1)),
        (MovementKind.CORRECTION, D(0), D(0)),
        ("gift", D(-5), D(-1)),
    ],
)
def test_database_refuses_movements_with_the_wrong_sign(kind, quantity, cost):
    lot = LotFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        StockMovement.objects.create(lot=lot, kind=kind, quantity=quantity, cost=cost)


def test_slugs_are_unique():
    IngredientFactory(slug="flour")

    with pytest.raises(IntegrityError), transaction.atomic():
        Ingredient.objects.create(name="Other flour", slug="flour")


def test_one_preferred_product_per_ingredient_with_a_readable_message():
    flour = FlourFactory()
    ProductFactory(ingredient=flour, is_preferred=True)
    second = ProductFactory.build(ingredient=flour, is_preferred=True, name="Other")

    with pytest.raises(ValidationError, match="already has a preferred product"):
        second.full_clean()


def test_product_unit_is_normalized_and_must_convert():
    flour = FlourFactory()
    product = ProductFactory.build(ingredient=flour, package_unit="Lbs")
    product.full_clean()
    assert product.package_unit == "lb"

    eggs_box = Product(
        ingredient=flour, name="Box", package_quantity=D(12), package_unit="each"
    )
    with pytest.raises(ValidationError) as raised:
        eggs_box.full_clean()
    assert raised.value.message_dict["package_unit"] == [
        "Set a weight per each for Flour, all-purpose to convert each to g."
    ]


def test_recipe_line_unit_is_normalized_and_checked_against_the_ingredient():
    line = RecipeLineFactory.build(
        recipe=RecipeLineFactory().recipe, ingredient=FlourFactory(), unit="Cups"
    )
    line.full_clean()
    assert line.unit == "cup"

    sugar = IngredientFactory(name="Sugar")
    bad = RecipeLineFactory.build(recipe=line.recipe, ingredient=sugar, unit="tbsp")
    with pytest.raises(ValidationError) as raised:
        bad.full_clean()
    assert raised.value.message_dict["unit"] == [
        "Set a density for Sugar to convert tbsp to g."
    ]


def test_quantities_with_too_many_decimals_get_a_clear_message():
    lot = Lot(
        ingredient=FlourFactory(),
        purchased_on="2026-11-01",
        quantity_purchased=D("1.0001"),
        quantity_remaining=D("1.0001"),
        total_cost=D(1),
        cost_remaining=D(1),
    )
    with pytest.raises(ValidationError) as raised:
        lot.full_clean()
    assert (
        "no more than 3 decimal places"
        in raised.value.message_dict["quantity_purchased"][0]
    )


@pytest.mark.parametrize("zone", ["Pacific/Kiritimati", "Etc/GMT+12", "UTC"])
def test_a_lot_may_be_dated_a_day_after_the_local_date_and_no_later(zone):
    # UTC+14 and UTC-12: the local date is a day after or before UTC's
    flour = FlourFactory()
    with timezone.override(zoneinfo.ZoneInfo(zone)):
        today = timezone.localdate()
        tomorrow = Lot(ingredient=flour, purchased_on=today + datetime.timedelta(1))
        later = Lot(ingredient=flour, purchased_on=today + datetime.timedelta(2))

        tomorrow.clean()
        with pytest.raises(ValidationError) as refused:
            later.clean()

    assert refused.value.message_dict["purchased_on"] == [
        f"A purchase cannot be dated after {tomorrow.purchased_on:%-d %b %Y}: "
        f"{later.purchased_on:%-d %b %Y} is in the future."
    ]


def test_a_stock_lot_as_a_lot_holds_its_values_and_reads_the_others_on_use(
    django_assert_num_queries,
):
    lot = LotFactory(
        purchased_on=datetime.date(2026, 3, 1),
        expires_on=datetime.date(2026, 9, 1),
        quantity_purchased=Decimal(500),
        total_cost=Decimal("4.00"),
        supplier="Mill",
    )
    [stock] = Lot.objects.filter(pk=lot.pk).stock_lots()[lot.ingredient_id]

    with django_assert_num_queries(0):
        whole = stock.as_lot()
        held = (
            whole.pk,
            whole.ingredient_id,
            whole.purchased_on,
            whole.expires_on,
            whole.quantity_remaining,
            whole.cost_remaining,
            whole.is_priced,
        )
    with django_assert_num_queries(1):
        assert whole.supplier == "Mill"

    assert held == (
        lot.pk,
        lot.ingredient_id,
        datetime.date(2026, 3, 1),
        datetime.date(2026, 9, 1),
        Decimal(500),
        Decimal("4.00"),
        True,
    )
