"""Lots whose cost is unknown: shown and counted as unpriced, estimated at the
latest known price, and priced later as if the price had been known."""

import datetime
from decimal import Decimal

import pytest

from events.tests.factories import EventFactory
from pantry.models import Lot
from pantry.selectors import estimate_recipe_cost, get_pantry_totals
from pantry.services import adjust_lot, record_purchase
from pantry.tests.factories import IngredientFactory, RecipeFactory, RecipeLineFactory
from production.dataio import import_files
from production.dataio.export import export_csv
from production.services import (
    price_lots,
    record_production,
    reverse_production,
)
from production.tests.test_doors import assert_ledgers_hold

pytestmark = pytest.mark.django_db

D = Decimal
DAY = datetime.date(2026, 10, 1)


def kitchen(cost):
    """An ingredient with one lot of 1000 g costing `cost` (None: unpriced),
    and a recipe taking 300 g a batch."""
    ingredient = IngredientFactory()
    lot = record_purchase(
        ingredient=ingredient, quantity=D(1000), total_cost=cost, purchased_on=DAY
    )
    recipe = RecipeFactory(yield_quantity=D(10))
    RecipeLineFactory(recipe=recipe, ingredient=ingredient, quantity=D(300), unit="g")
    return lot, recipe


def a_season(lot, recipe, event):
    """Productions, waste, a count correction up and a reversal."""
    first = record_production(event=event, recipe=recipe, batches=1)
    record_production(event=event, recipe=recipe, batches=1)
    adjust_lot(lot=lot, kind="waste", quantity=D("33.3"), reason="spill")
    adjust_lot(lot=lot, kind="correction", quantity=D(500), reason="count")
    reverse_production(record=first, reason="twice")
    return record_production(event=event, recipe=recipe, batches=1)


def test_an_unpriced_lot_priced_later_costs_as_if_priced_from_the_start():
    event = EventFactory()
    known, known_recipe = kitchen(D("7.77"))
    unknown, unknown_recipe = kitchen(None)
    a_season(known, known_recipe, event)
    a_season(unknown, unknown_recipe, event)
    assert Lot.objects.get(pk=unknown.pk).cost_remaining == 0

    price_lots(prices={unknown.pk: D("7.77")})

    def costs(lot):
        lot = Lot.objects.get(pk=lot.pk)
        moves = [m.cost for m in lot.movements.order_by("pk")]
        records = sorted(
            line.record.actual_cost for line in lot.consumption_lines.all()
        )
        return lot.total_cost, lot.cost_remaining, lot.is_priced, moves, records

    assert costs(unknown) == costs(known)
    assert_ledgers_hold()


def test_pricing_a_priced_lot_is_refused():
    lot, _ = kitchen(D(1))

    with pytest.raises(Exception, match="has a price already"):
        price_lots(prices={lot.pk: D(2)})

    assert Lot.objects.get(pk=lot.pk).total_cost == D(1)


def test_estimate_prices_unpriced_stock_at_the_latest_known_price():
    unknown, recipe = kitchen(None)
    record_purchase(
        ingredient=unknown.ingredient,
        quantity=D(1000),
        total_cost=D(5),
        purchased_on=DAY + datetime.timedelta(days=1),
    )

    estimate = estimate_recipe_cost(recipe=recipe, batches=D(1))

    # 300 g from the unpriced (older) lot, at $5 per 1000 g
    assert estimate.total_cost == D("1.5000")
    assert estimate.is_fully_priced


def test_estimate_flags_unpriced_stock_with_no_known_price():
    _, recipe = kitchen(None)

    estimate = estimate_recipe_cost(recipe=recipe, batches=D(1))

    assert not estimate.is_fully_priced
    assert "is unpriced" in estimate.unpriced[0].problem


def test_pantry_totals_count_unpriced_lots_apart():
    kitchen(None)
    kitchen(D(3))

    totals = get_pantry_totals()

    assert (totals.stock_value, totals.unpriced_lots) == (D(3), 1)


def test_pages_show_unpriced_never_zero(admin_client):
    _, recipe = kitchen(None)
    record_production(event=EventFactory(), recipe=recipe, batches=1)

    pantry = admin_client.get("/pantry/").content.decode()
    history = admin_client.get("/history/").content.decode()
    lots = admin_client.get("/admin/pantry/lot/").content.decode()

    assert "+ 1 unpriced" in pantry
    assert "700 g unpriced" in pantry
    assert "unpriced" in history and "+ unpriced" in history
    assert "$0.00" not in lots
    assert "unpriced" in lots


def test_csv_export_keeps_a_lot_unpriced_when_imported_again(tmp_path):
    lot, _ = kitchen(None)
    export_csv(tmp_path)
    Lot.objects.all().delete()

    import_files([tmp_path / "lots.csv"])

    [again] = Lot.objects.all()
    assert (again.ingredient, again.quantity_purchased) == (lot.ingredient, D(1000))
    assert not again.is_priced
