"""Two bakers consuming the same lot at once: one wins, stock never oversold.

On PostgreSQL this proves the row locks (select_for_update); on SQLite the
IMMEDIATE transactions serialize the writers instead.
"""

import threading
from decimal import Decimal

import pytest
from django.db import connection, transaction

from pantry.exceptions import InsufficientStock
from pantry.models import Lot, StockMovement
from pantry.services import consume_fifo, lock_lots
from pantry.tests.factories import IngredientFactory, LotFactory


def run_in_threads(*targets):
    barrier = threading.Barrier(len(targets))
    outcomes = [None] * len(targets)

    def runner(index, target):
        try:
            barrier.wait(timeout=10)
            outcomes[index] = target()
        except Exception as error:  # kept to assert on
            outcomes[index] = error
        finally:
            connection.close()

    threads = [
        threading.Thread(target=runner, args=(i, t)) for i, t in enumerate(targets)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


@pytest.mark.django_db(transaction=True)
def test_concurrent_consumptions_never_oversell_a_lot():
    ingredient = IngredientFactory()
    lot = LotFactory(
        ingredient=ingredient, quantity_purchased=Decimal(100), total_cost=Decimal(7)
    )

    def consume():
        with transaction.atomic():
            return consume_fifo(ingredient=ingredient, quantity=Decimal(60)).total_cost

    outcomes = run_in_threads(consume, consume)

    assert sorted(type(outcome).__name__ for outcome in outcomes) == [
        "Decimal",
        InsufficientStock.__name__,
    ]
    lot.refresh_from_db()
    assert lot.quantity_remaining == Decimal(40)
    assert StockMovement.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_consumers_of_several_ingredients_lock_in_one_order_and_both_finish():
    # given two consumers taking the same two ingredients in opposite orders
    flour, sugar = IngredientFactory(), IngredientFactory()
    LotFactory(ingredient=flour, quantity_purchased=Decimal(100))
    LotFactory(ingredient=sugar, quantity_purchased=Decimal(100))

    def consume(first, second):
        def work():
            with transaction.atomic():
                locked = lock_lots(ingredients=[first, second])
                for ingredient in (first, second):
                    consume_fifo(
                        ingredient=ingredient,
                        quantity=Decimal(10),
                        lots=locked[ingredient.pk],
                    )
            return "done"

        return work

    outcomes = run_in_threads(consume(flour, sugar), consume(sugar, flour))

    assert outcomes == ["done", "done"]
    assert sorted(Lot.objects.values_list("quantity_remaining", flat=True)) == [
        Decimal(80),
        Decimal(80),
    ]
