import datetime
from decimal import Decimal

import pytest

from events.tests.factories import (
    AssignmentFactory,
    EventFactory,
    PackageFactory,
    PackageItemFactory,
)
from pantry.models import Lot, StockMovement
from pantry.tests.factories import (
    FlourFactory,
    IngredientFactory,
    LotFactory,
    RecipeFactory,
    RecipeLineFactory,
)
from production.models import ConsumptionLine, ProductionRecord

D = Decimal


@pytest.fixture
def bakery():
    """Chocolate chip cookies (48 a batch; 2 cups of flour = 250.61 g and
    1 cup of sugar = 200 g) for Christmas: 8 tins of 12 and 3 bags of 16,
    144 cookies, 3 batches. Flour in an old and a new lot, sugar in one."""
    flour = FlourFactory()
    sugar = IngredientFactory(
        name="Sugar, granulated",
        slug="sugar",
        density_g_per_ml=D("0.845350"),  # 1 cup = 200 g
    )
    old_flour = LotFactory(
        ingredient=flour,
        purchased_on=datetime.date(2026, 10, 1),
        quantity_purchased=D(1000),
        total_cost=D("2.00"),
    )
    new_flour = LotFactory(
        ingredient=flour,
        purchased_on=datetime.date(2026, 11, 1),
        quantity_purchased=D(2000),
        total_cost=D("6.00"),
    )
    sugar_lot = LotFactory(
        ingredient=sugar,
        purchased_on=datetime.date(2026, 10, 15),
        quantity_purchased=D(2000),
        total_cost=D("4.00"),
    )
    cookies = RecipeFactory(name="Chocolate chip", yield_quantity=D(48))
    RecipeLineFactory(recipe=cookies, ingredient=flour, quantity=D(2), unit="cup")
    RecipeLineFactory(recipe=cookies, ingredient=sugar, quantity=D(1), unit="cup")
    tin = PackageFactory(name="Cookie tin")
    PackageItemFactory(package=tin, recipe=cookies, quantity=D(12))
    bag = PackageFactory(name="Bag")
    PackageItemFactory(package=bag, recipe=cookies, quantity=D(16))
    event = EventFactory(name="Christmas 2026")
    tins = AssignmentFactory.create_batch(8, event=event, package=tin)
    bags = AssignmentFactory(event=event, package=bag, quantity=3)
    return {
        "flour": flour,
        "sugar": sugar,
        "old_flour": old_flour,
        "new_flour": new_flour,
        "sugar_lot": sugar_lot,
        "cookies": cookies,
        "event": event,
        "tins": tins,
        "bags": bags,
    }


def _table(model):
    return [tuple(row.values()) for row in model.objects.order_by("pk").values()]


@pytest.fixture
def database_snapshot():
    """Lots, movements, production records and their lines, to prove that a
    refused call changed nothing."""

    def take():
        from events.models import Assignment, FrozenPlannedCost

        return [
            _table(model)
            for model in (
                Lot,
                StockMovement,
                ProductionRecord,
                ConsumptionLine,
                FrozenPlannedCost,
                Assignment,
            )
        ]

    return take


@pytest.fixture
def shortbread():
    """Shortbread (10 pieces a batch, 250 g of butter) for a tea: 2 boxes of
    10, so 2 batches. The older butter costs $5/kg (300 g), the newer $1/kg
    (10 kg): the plan kept when baking begins is $0.85 a batch (300 g at $5
    and 200 g at $1 over the 2 batches), while the first batch, all from the
    old lot, costs $1.25."""
    butter = IngredientFactory(name="Butter", slug="butter")
    old = LotFactory(
        ingredient=butter,
        purchased_on=datetime.date(2026, 10, 1),
        quantity_purchased=D(300),
        total_cost=D("1.50"),
    )
    new = LotFactory(
        ingredient=butter,
        purchased_on=datetime.date(2026, 11, 1),
        quantity_purchased=D(10000),
        total_cost=D("10.00"),
    )
    recipe = RecipeFactory(
        name="Shortbread", slug="shortbread", yield_quantity=D(10), yield_unit="pieces"
    )
    RecipeLineFactory(recipe=recipe, ingredient=butter, quantity=D(250), unit="g")
    box = PackageFactory(name="Shortbread box")
    PackageItemFactory(package=box, recipe=recipe, quantity=D(10))
    event = EventFactory(name="Tea", date=datetime.date(2026, 12, 20))
    boxes = AssignmentFactory.create_batch(2, event=event, package=box)
    return {
        "butter": butter,
        "old": old,
        "new": new,
        "recipe": recipe,
        "event": event,
        "boxes": boxes,
    }
