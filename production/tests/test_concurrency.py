"""Many bakers at once: eight threads, each with its own connection.

On PostgreSQL this proves the row locks; on SQLite the IMMEDIATE
transactions must serialize the writers, never fail with "database is
locked". Either way a failure must be InsufficientStock, never a database
error or a deadlock.
"""

import threading
from decimal import Decimal

import pytest
from django.db import connection

from events.tests.factories import (
    AssignmentFactory,
    EventFactory,
    PackageFactory,
    PackageItemFactory,
)
from pantry.models import Lot
from pantry.tests.factories import (
    IngredientFactory,
    LotFactory,
    RecipeFactory,
    RecipeLineFactory,
)
from production.models import ConsumptionLine, ProductionRecord
from production.services import (
    InsufficientStock,
    InvalidStatusTransition,
    record_production,
    update_package_status,
)

pytestmark = pytest.mark.django_db(transaction=True)

D = Decimal


def run_threads(count, work):
    """Runs work(index) in `count` threads started together; returns outcomes."""
    barrier = threading.Barrier(count)
    outcomes: list = [None] * count

    def runner(index):
        try:
            barrier.wait(timeout=30)
            outcomes[index] = work(index)
        except Exception as error:  # kept to assert on
            outcomes[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=runner, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not any(thread.is_alive() for thread in threads), "a thread hung: deadlock?"
    return outcomes


def test_eight_bakers_record_200_productions_against_too_little_stock():
    # given stock for 120 of the 200 batches, spread over lots of odd sizes
    flour, sugar = IngredientFactory(name="Flour"), IngredientFactory(name="Sugar")
    for index in range(12):
        LotFactory(
            ingredient=flour, quantity_purchased=D(1000 + index), total_cost=D("3.07")
        )
        LotFactory(ingredient=sugar, quantity_purchased=D(503), total_cost=D("1.99"))
    recipe = RecipeFactory()
    RecipeLineFactory(recipe=recipe, ingredient=flour, quantity=D("100.7"))
    RecipeLineFactory(recipe=recipe, ingredient=sugar, quantity=D("50.3"))
    # one event each, so that only the lots' locks keep them apart
    events = [EventFactory() for _ in range(8)]

    def bake(index):
        results = []
        for _ in range(25):
            try:
                results.append(
                    record_production(event=events[index], recipe=recipe, batches=1)
                )
            except InsufficientStock as error:
                results.append(error)
        return results

    outcomes = run_threads(8, bake)

    flat = [result for outcome in outcomes for result in outcome]
    assert len(flat) == 200
    assert all(isinstance(r, ProductionRecord | InsufficientStock) for r in flat), {
        type(r).__name__ for r in flat
    }
    recorded = [r for r in flat if isinstance(r, ProductionRecord)]
    assert len(recorded) == 119  # flour: 12,066 g / 100.7 g
    for lot in Lot.objects.prefetch_related("movements"):
        assert lot.quantity_remaining >= 0
        assert lot.quantity_remaining == lot.quantity_purchased + sum(
            m.quantity for m in lot.movements.all()
        )
        assert lot.cost_remaining == lot.total_cost + sum(
            m.cost for m in lot.movements.all()
        )
    lines = ConsumptionLine.objects.filter(record__in=recorded)
    consumed = sum(
        lot.quantity_purchased - lot.quantity_remaining for lot in Lot.objects.all()
    )
    assert consumed == sum(line.quantity for line in lines)
    assert sum(r.actual_cost for r in ProductionRecord.objects.all()) == sum(
        line.cost for line in lines
    )


def test_recipes_listing_the_same_ingredients_in_opposite_orders_never_deadlock():
    first, second = IngredientFactory(), IngredientFactory()
    for ingredient in (first, second):
        LotFactory(ingredient=ingredient, quantity_purchased=D(100000))
    forward, backward = RecipeFactory(), RecipeFactory()
    RecipeLineFactory(recipe=forward, ingredient=first, quantity=D(1))
    RecipeLineFactory(recipe=forward, ingredient=second, quantity=D(1))
    RecipeLineFactory(recipe=backward, ingredient=second, quantity=D(1))
    RecipeLineFactory(recipe=backward, ingredient=first, quantity=D(1))
    events = [EventFactory(), EventFactory()]

    def bake(index):
        recipe = forward if index % 2 else backward
        for _ in range(10):
            record_production(event=events[index % 2], recipe=recipe, batches=1)
        return "done"

    assert run_threads(4, bake) == ["done"] * 4
    assert ProductionRecord.objects.count() == 40


def test_two_users_deliver_the_same_package_at_once():
    flour = IngredientFactory()
    LotFactory(ingredient=flour, quantity_purchased=D(1000))
    recipe = RecipeFactory(yield_quantity=D(12))
    RecipeLineFactory(recipe=recipe, ingredient=flour, quantity=D(10))
    package = PackageFactory()
    PackageItemFactory(package=package, recipe=recipe, quantity=D(12))
    assignment = AssignmentFactory(package=package, event=EventFactory())
    record_production(event=assignment.event, recipe=recipe, batches=1)
    update_package_status(assignment=assignment, status="assembled")

    outcomes = run_threads(
        2,
        lambda _: (
            update_package_status(assignment=assignment, status="delivered").status
        ),
    )

    assert sorted(type(o).__name__ for o in outcomes) == [
        InvalidStatusTransition.__name__,
        "str",
    ]
    refusal = next(o for o in outcomes if isinstance(o, InvalidStatusTransition))
    assert "is delivered already" in refusal.messages[0]
