"""DESIGN.md rules 2 and 3 under random purchases, consumptions and returns."""

from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pantry.exceptions import InsufficientStock
from pantry.models import Lot
from pantry.services import adjust_lot, consume_fifo, return_consumption
from pantry.tests.factories import IngredientFactory, LotFactory

quantities = st.decimals(min_value="0.001", max_value="500", places=3)
costs = st.decimals(min_value="0", max_value="99.9999", places=4)
purchases = st.lists(st.tuples(quantities, costs), min_size=1, max_size=5)
steps = st.lists(
    st.one_of(
        st.tuples(st.just("consume"), quantities),
        st.tuples(st.just("return"), st.integers(min_value=0, max_value=50)),
        st.tuples(
            st.just("waste"), st.decimals(min_value="0.001", max_value="5", places=3)
        ),
    ),
    min_size=1,
    max_size=25,
)


def assert_lots_balance(ingredient):
    for lot in Lot.objects.filter(ingredient=ingredient).prefetch_related("movements"):
        movements = list(lot.movements.all())
        # rule 3: stock never negative; remaining = purchased + movements
        assert 0 <= lot.quantity_remaining <= lot.quantity_purchased
        assert lot.quantity_remaining == lot.quantity_purchased + sum(
            (m.quantity for m in movements), Decimal(0)
        )
        # rule 2: remaining cost = total cost + movements, exactly
        assert 0 <= lot.cost_remaining <= lot.total_cost
        assert lot.cost_remaining == lot.total_cost + sum(
            (m.cost for m in movements), Decimal(0)
        )
        if lot.quantity_remaining == 0:
            assert lot.cost_remaining == 0


@pytest.mark.django_db
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(purchases=purchases, steps=steps)
def test_random_use_of_lots_keeps_quantities_and_costs_exact(purchases, steps):
    with transaction.atomic():
        ingredient = IngredientFactory()
        for quantity, cost in purchases:
            LotFactory(
                ingredient=ingredient, quantity_purchased=quantity, total_cost=cost
            )
        consumed = []
        for action, value in steps:
            if action == "consume":
                try:
                    result = consume_fifo(ingredient=ingredient, quantity=value)
                except InsufficientStock:
                    continue
                consumed.extend(line.movement for line in result.lines)
            elif action == "return" and consumed:
                movement = consumed.pop(value % len(consumed))
                return_consumption(movements=[movement])
            elif action == "waste":
                lot = Lot.objects.filter(
                    ingredient=ingredient, quantity_remaining__gte=value
                )
                lot = lot.first()
                if lot is not None:
                    adjust_lot(lot=lot, kind="waste", quantity=value, reason="spilled")
            assert_lots_balance(ingredient)
        transaction.set_rollback(True)


@pytest.mark.django_db
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    total=st.decimals(min_value="0.01", max_value="999.99", places=2),
    pieces=st.lists(quantities, min_size=1, max_size=30),
)
def test_lot_used_up_in_odd_pieces_spends_its_cost_exactly(total, pieces):
    with transaction.atomic():
        ingredient = IngredientFactory()
        size = sum(pieces, Decimal(0))
        lot = LotFactory(
            ingredient=ingredient, quantity_purchased=size, total_cost=total
        )

        spent = sum(
            (
                consume_fifo(ingredient=ingredient, quantity=piece).total_cost
                for piece in pieces
            ),
            Decimal(0),
        )

        lot.refresh_from_db()
        assert lot.quantity_remaining == 0
        assert lot.cost_remaining == 0
        assert spent == total
        assert -sum(m.cost for m in lot.movements.all()) == total
        transaction.set_rollback(True)
