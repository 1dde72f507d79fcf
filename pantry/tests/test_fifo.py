import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from pantry.exceptions import InsufficientStock, TransactionRequired
from pantry.models import Lot, MovementKind, StockMovement
from pantry.services import consume_fifo, lock_lots, return_consumption
from pantry.tests.factories import FlourFactory, IngredientFactory, LotFactory

pytestmark = pytest.mark.django_db

D = Decimal


def lots_of(ingredient, *specs):
    """Lots bought on the given days of January: (day, quantity, cost)."""
    return [
        LotFactory(
            ingredient=ingredient,
            purchased_on=datetime.date(2026, 1, day),
            quantity_purchased=D(quantity),
            total_cost=D(cost),
        )
        for day, quantity, cost in specs
    ]


def remaining(lot):
    lot.refresh_from_db()
    return lot.quantity_remaining, lot.cost_remaining


def test_consume_fifo_takes_oldest_lot_first():
    # given a newer lot created before an older one
    flour = FlourFactory()
    newer, older = lots_of(flour, (10, "1000", "5.00"), (2, "1000", "4.00"))

    result = consume_fifo(ingredient=flour, quantity=D("300"))

    assert [line.lot for line in result.lines] == [older]
    assert remaining(older) == (D("700.000"), D("2.8000"))
    assert remaining(newer) == (D("1000.000"), D("5.0000"))


def test_consume_fifo_breaks_date_ties_by_id():
    flour = FlourFactory()
    first, second = lots_of(flour, (5, "100", "1.00"), (5, "100", "2.00"))

    result = consume_fifo(ingredient=flour, quantity=D("150"))

    assert [(line.lot, line.quantity) for line in result.lines] == [
        (first, D("100.000")),
        (second, D("50.000")),
    ]
    assert result.total_cost == D("2.0000")


def test_consume_fifo_part_of_one_lot_costs_its_share():
    flour = FlourFactory()
    [lot] = lots_of(flour, (1, "1000", "3.00"))

    result = consume_fifo(ingredient=flour, quantity=D("333"))

    assert result.total_cost == D("0.9990")
    assert result.satisfied and result.shortfall == 0
    assert remaining(lot) == (D("667.000"), D("2.0010"))


def test_consume_fifo_across_many_lots_writes_one_movement_per_lot():
    flour = FlourFactory()
    lots = lots_of(flour, *[(day, "100", "1.00") for day in range(1, 11)])

    result = consume_fifo(ingredient=flour, quantity=D("950"), note="Batch 7")

    assert len(result.lines) == 10
    assert result.total_cost == D("9.5000")
    movements = StockMovement.objects.order_by("lot__purchased_on")
    assert [m.lot_id for m in movements] == [lot.pk for lot in lots]
    assert {m.kind for m in movements} == {MovementKind.CONSUMPTION}
    assert sum(m.quantity for m in movements) == D("-950")
    assert [line.movement for line in result.lines] == list(movements)
    assert remaining(lots[-1]) == (D("50.000"), D("0.5000"))


def test_consume_fifo_in_another_unit_converts_to_the_stock_unit():
    flour = FlourFactory()
    lots_of(flour, (1, "1000", "2.00"))

    result = consume_fifo(ingredient=flour, quantity=D("2"), unit="cups")

    assert result.quantity == D("250.610")
    assert result.unit == "g"


def test_consume_fifo_short_raises_with_exact_shortfall_and_changes_nothing(
    pantry_snapshot,
):
    flour = FlourFactory()
    lots_of(flour, (1, "200", "1.00"), (2, "100", "0.60"))
    before = pantry_snapshot()

    with pytest.raises(InsufficientStock) as raised:
        consume_fifo(ingredient=flour, quantity=D("454"))

    [shortage] = raised.value.shortages
    assert (shortage.needed, shortage.available, shortage.unit) == (
        D("454"),
        D("300"),
        "g",
    )
    assert shortage.missing == D("154")
    assert str(raised.value) == (
        "Not enough Flour, all-purpose: need 454 g, have 300 g. Nothing was used."
    )
    assert pantry_snapshot() == before


def test_consume_fifo_dry_run_reports_shortfall_and_writes_nothing(pantry_snapshot):
    flour = FlourFactory()
    lots_of(flour, (1, "200", "1.00"), (2, "100", "0.60"))
    before = pantry_snapshot()

    result = consume_fifo(ingredient=flour, quantity=D("454"), dry_run=True)

    assert not result.satisfied
    assert result.shortfall == D("154.000")
    assert result.allocated == D("300.000")
    assert result.total_cost == D("1.6000")
    assert all(line.movement is None for line in result.lines)
    assert pantry_snapshot() == before


def test_consume_fifo_with_no_lots_at_all_is_short_by_everything():
    sugar = IngredientFactory(name="Sugar")

    result = consume_fifo(ingredient=sugar, quantity=D("10"), dry_run=True)

    assert result.lines == ()
    assert result.shortfall == D("10.000")


@pytest.mark.parametrize("quantity", [D(0), D(-5), D("0.0004")])
def test_consume_fifo_refuses_nothing_or_less(quantity, pantry_snapshot):
    flour = FlourFactory()
    lots_of(flour, (1, "100", "1.00"))
    before = pantry_snapshot()

    with pytest.raises(ValidationError, match="above zero"):
        consume_fifo(ingredient=flour, quantity=quantity)

    assert pantry_snapshot() == before


def test_consume_fifo_refuses_float_quantities():
    flour = FlourFactory()
    with pytest.raises(TypeError, match="Decimal"):
        consume_fifo(ingredient=flour, quantity=0.1, dry_run=True)


@pytest.mark.django_db(transaction=True)
def test_consume_fifo_outside_a_transaction_is_refused(pantry_snapshot):
    flour = FlourFactory()
    lots_of(flour, (1, "100", "1.00"))
    before = pantry_snapshot()

    with pytest.raises(TransactionRequired, match=r"transaction\.atomic"):
        consume_fifo(ingredient=flour, quantity=D("10"))

    assert pantry_snapshot() == before


@pytest.mark.django_db(transaction=True)
def test_consume_fifo_dry_run_needs_no_transaction():
    flour = FlourFactory()
    lots_of(flour, (1, "100", "1.00"))

    result = consume_fifo(ingredient=flour, quantity=D("10"), dry_run=True)

    assert result.total_cost == D("0.1000")


def test_consume_fifo_last_piece_takes_the_lots_remaining_cost():
    # given a lot whose cost does not divide evenly: 3 pieces of 1/3
    flour = FlourFactory()
    [lot] = lots_of(flour, (1, "3", "1.00"))

    costs = [
        consume_fifo(ingredient=flour, quantity=D("1")).total_cost for _ in range(3)
    ]

    assert costs == [D("0.3333"), D("0.3334"), D("0.3333")]
    assert sum(costs) == D("1.00")
    assert remaining(lot) == (D("0.000"), D("0.0000"))


def test_consume_fifo_query_count_does_not_grow_with_lots(django_assert_num_queries):
    # lock, insert the movements, update the lots
    few, many = FlourFactory(), IngredientFactory()
    lots_of(few, (1, "10", "1.00"), (2, "100", "1.00"))
    lots_of(many, *[(day, "10", "1.00") for day in range(1, 29)])

    with django_assert_num_queries(3):
        consume_fifo(ingredient=few, quantity=D("50"))
    with django_assert_num_queries(3):
        consume_fifo(ingredient=many, quantity=D("275"))


def test_lock_lots_returns_in_stock_lots_by_ingredient_in_fifo_order():
    flour, sugar = FlourFactory(), IngredientFactory()
    f2, f1 = lots_of(flour, (9, "10", "1"), (3, "10", "1"))
    [still_full] = lots_of(sugar, (1, "10", "1"), (2, "10", "1"))[1:]
    consume_fifo(ingredient=sugar, quantity=D("10"))  # empties the first

    locked = lock_lots(ingredients=[sugar, flour])

    assert locked == {flour.pk: [f1, f2], sugar.pk: [still_full]}


def test_consume_fifo_with_lots_locked_by_the_caller(django_assert_num_queries):
    flour, sugar = FlourFactory(), IngredientFactory()
    lots_of(flour, (1, "100", "1.00"))
    lots_of(sugar, (1, "100", "2.00"))
    locked = lock_lots(ingredients=[flour, sugar])

    with django_assert_num_queries(4):
        a = consume_fifo(ingredient=flour, quantity=D("10"), lots=locked[flour.pk])
        b = consume_fifo(ingredient=sugar, quantity=D("10"), lots=locked[sugar.pk])

    assert (a.total_cost, b.total_cost) == (D("0.1000"), D("0.2000"))


def test_consume_fifo_refuses_lots_of_another_ingredient():
    flour, sugar = FlourFactory(), IngredientFactory()
    lots_of(sugar, (1, "100", "2.00"))
    locked = lock_lots(ingredients=[sugar])

    with pytest.raises(ValueError, match="another ingredient"):
        consume_fifo(ingredient=flour, quantity=D("1"), lots=locked[sugar.pk])


def test_return_consumption_puts_quantity_and_cost_back_exactly():
    flour = FlourFactory()
    lots = lots_of(flour, (1, "100", "0.97"), (2, "100", "1.13"))
    result = consume_fifo(ingredient=flour, quantity=D("133.3"))

    returns = return_consumption(movements=[line.movement for line in result.lines])

    assert [remaining(lot) for lot in lots] == [
        (D("100.000"), D("0.9700")),
        (D("100.000"), D("1.1300")),
    ]
    assert [r.kind for r in returns] == [MovementKind.REVERSAL] * 2
    assert [r.reverses for r in returns] == [line.movement for line in result.lines]


def test_return_consumption_twice_is_refused(pantry_snapshot):
    flour = FlourFactory()
    lots_of(flour, (1, "100", "1.00"))
    result = consume_fifo(ingredient=flour, quantity=D("10"))
    return_consumption(movements=[line.movement for line in result.lines])
    before = pantry_snapshot()

    with pytest.raises(ValidationError, match="already returned"):
        return_consumption(movements=[line.movement for line in result.lines])

    assert pantry_snapshot() == before


def test_remaining_equals_purchased_plus_movements_after_mixed_use():
    flour = FlourFactory()
    lots_of(flour, (1, "500", "2.99"), (2, "250", "1.51"))
    first = consume_fifo(ingredient=flour, quantity=D("123.456"))
    consume_fifo(ingredient=flour, quantity=D("400"))
    return_consumption(movements=[first.lines[0].movement])

    for lot in Lot.objects.all():
        movements = lot.movements.all()
        assert lot.quantity_remaining == lot.quantity_purchased + sum(
            m.quantity for m in movements
        )
        assert lot.cost_remaining == lot.total_cost + sum(m.cost for m in movements)


def test_consume_fifo_inside_a_rolled_back_transaction_leaves_lots_as_they_were(
    pantry_snapshot,
):
    flour = FlourFactory()
    lots_of(flour, (1, "100", "1.00"))
    before = pantry_snapshot()

    with pytest.raises(RuntimeError), transaction.atomic():
        consume_fifo(ingredient=flour, quantity=D("40"))
        raise RuntimeError("later step failed")

    assert pantry_snapshot() == before
