import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from pantry.models import Lot, MovementKind
from pantry.services import adjust_lot, consume_fifo, record_purchase
from pantry.tests.factories import (
    EggsFactory,
    FlourFactory,
    IngredientFactory,
    LotFactory,
    ProductFactory,
)

pytestmark = pytest.mark.django_db

D = Decimal
TODAY = datetime.date(2026, 11, 24)


def test_record_purchase_converts_to_the_stock_unit_and_starts_full():
    flour = FlourFactory()

    lot = record_purchase(
        ingredient=flour,
        quantity=D("25"),
        unit="lb",
        total_cost=D("18.49"),
        purchased_on=TODAY,
    )

    assert lot.quantity_purchased == lot.quantity_remaining == D("11339.809")
    assert lot.total_cost == lot.cost_remaining == D("18.4900")
    assert not lot.movements.exists()


def test_record_purchase_rounds_half_up_in_one_place():
    flour = FlourFactory()

    lot = record_purchase(
        ingredient=flour,
        quantity=D("1.2345"),
        total_cost=D("1.23455"),
        purchased_on=TODAY,
    )
    lot.refresh_from_db()

    assert (lot.quantity_purchased, lot.total_cost) == (D("1.235"), D("1.2346"))


def test_record_purchase_of_another_ingredients_product_is_refused():
    flour, sugar = FlourFactory(), IngredientFactory(name="Sugar")
    sugar_bag = ProductFactory(ingredient=sugar, name="Sugar bag")

    with pytest.raises(ValidationError) as raised:
        record_purchase(
            ingredient=flour,
            product=sugar_bag,
            quantity=D(1),
            total_cost=D(1),
            purchased_on=TODAY,
        )

    assert "is a product of Sugar, not of Flour, all-purpose" in str(raised.value)
    assert not Lot.objects.exists()


@pytest.mark.parametrize(
    ("quantity", "cost", "field"),
    [(D(0), D(1), "quantity_purchased"), (D(5), D(-1), "total_cost")],
)
def test_record_purchase_refuses_bad_amounts(quantity, cost, field):
    flour = FlourFactory()

    with pytest.raises(ValidationError) as raised:
        record_purchase(
            ingredient=flour, quantity=quantity, total_cost=cost, purchased_on=TODAY
        )

    assert field in raised.value.error_dict
    assert not Lot.objects.exists()


def test_record_purchase_of_eggs_by_the_dozen_in_each():
    eggs = EggsFactory()

    lot = record_purchase(
        ingredient=eggs,
        quantity=D(24),
        unit="count",
        total_cost=D("12.98"),
        purchased_on=TODAY,
    )

    assert lot.quantity_purchased == D(24)


def test_adjust_lot_waste_takes_its_share_of_cost():
    lot = LotFactory(
        ingredient=FlourFactory(), quantity_purchased=D(1000), total_cost=D(4)
    )

    movement = adjust_lot(lot=lot, kind="waste", quantity=D(250), reason="Mice")

    assert (movement.kind, movement.quantity, movement.cost) == (
        MovementKind.WASTE,
        D("-250"),
        D("-1"),
    )
    assert movement.note == "Mice"
    assert (lot.quantity_remaining, lot.cost_remaining) == (D("750"), D("3"))


def test_adjust_lot_count_correction_down_and_back_up():
    lot = LotFactory(
        ingredient=FlourFactory(), quantity_purchased=D(1000), total_cost=D(4)
    )

    down = adjust_lot(lot=lot, kind="correction", quantity=D(600), reason="Counted")
    up = adjust_lot(lot=lot, kind="correction", quantity=D(1000), reason="Found a bag")

    assert (down.quantity, down.cost) == (D("-400"), D("-1.6"))
    assert (up.quantity, up.cost) == (D("400"), D("1.6"))
    assert (lot.quantity_remaining, lot.cost_remaining) == (D("1000"), D("4"))


def test_adjust_lot_correction_to_zero_empties_the_cost():
    lot = LotFactory(
        ingredient=FlourFactory(), quantity_purchased=D(3), total_cost=D(1)
    )
    consume_fifo(ingredient=lot.ingredient, quantity=D(1))

    adjust_lot(lot=lot, kind="correction", quantity=D(0), reason="Bag was empty")

    assert (lot.quantity_remaining, lot.cost_remaining) == (0, 0)


@pytest.mark.parametrize(
    ("kind", "quantity", "reason", "field", "message"),
    [
        (
            "waste",
            D(2000),
            "Spilled",
            "quantity",
            "Cannot waste 2 kg: the lot has 1 kg left.",
        ),
        ("waste", D(0), "Spilled", "quantity", "Waste must be above zero."),
        (
            "correction",
            D(1500),
            "Count",
            "quantity",
            "cannot hold more than was bought",
        ),
        ("correction", D(1000), "Count", "quantity", "nothing to correct"),
        ("waste", D(10), "  ", "reason", "Say why the stock changes."),
        ("theft", D(10), "Gone", "kind", "Choose waste or count correction"),
        ("waste", "ten", "Gone", "quantity", "“ten” is not a quantity."),
    ],
)
def test_adjust_lot_refuses_bad_input_and_changes_nothing(
    kind, quantity, reason, field, message, pantry_snapshot
):
    lot = LotFactory(
        ingredient=FlourFactory(), quantity_purchased=D(1000), total_cost=D(4)
    )
    before = pantry_snapshot()

    with pytest.raises(ValidationError) as raised:
        adjust_lot(lot=lot, kind=kind, quantity=quantity, reason=reason)

    assert message in " ".join(raised.value.message_dict[field])
    assert pantry_snapshot() == before
