from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from events import selectors
from events.models import FrozenPlannedCost
from events.services import (
    freeze_planned_cost,
    get_planned_cost,
    get_recipe_needs,
    get_shopping_list,
)
from events.tests.factories import (
    AssignmentFactory,
    EventFactory,
    PackageFactory,
    PackageItemFactory,
)
from pantry.services import consume_fifo
from pantry.tests.factories import (
    EggsFactory,
    FlourFactory,
    IngredientFactory,
    LotFactory,
    ProductFactory,
    RecipeFactory,
    RecipeLineFactory,
)

pytestmark = pytest.mark.django_db

D = Decimal


def package_of(*contents):
    """A package holding (recipe, units) pairs."""
    package = PackageFactory()
    for recipe, units in contents:
        PackageItemFactory(package=package, recipe=recipe, quantity=D(units))
    return package


@pytest.fixture
def cookies():
    """Chocolate chip (48 a batch) and shortbread (32 a batch)."""
    return (
        RecipeFactory(name="Chocolate chip", yield_quantity=D(48)),
        RecipeFactory(name="Shortbread", yield_quantity=D(32)),
    )


def test_recipe_needs_add_up_packages_sharing_a_recipe(cookies):
    chocolate_chip, shortbread = cookies
    tin = package_of((chocolate_chip, 12), (shortbread, 6))
    bag = package_of((chocolate_chip, 6))
    event = EventFactory()
    AssignmentFactory(event=event, package=tin, quantity=3)  # 36 cc, 18 sb
    AssignmentFactory(event=event, package=tin)  # 12 cc, 6 sb
    AssignmentFactory(event=event, package=bag, quantity=2)  # 12 cc

    needs = get_recipe_needs(event=event)

    assert [(n.recipe, n.units_needed, n.batches_required) for n in needs] == [
        (chocolate_chip, D(60), 2),
        (shortbread, D(24), 1),
    ]


@pytest.mark.parametrize(
    ("units", "batches"), [("48", 1), ("49", 2), ("96", 2), ("0.5", 1), ("97", 3)]
)
def test_batches_required_round_up(units, batches):
    recipe = RecipeFactory(yield_quantity=D(48))
    event = EventFactory()
    AssignmentFactory(event=event, package=package_of((recipe, units)))

    [need] = get_recipe_needs(event=event)

    assert need.batches_required == batches


def test_event_without_assignments_needs_nothing():
    event = EventFactory()

    assert get_recipe_needs(event=event) == ()
    planned = get_planned_cost(event=event)
    assert (planned.recipes, planned.total) == ((), 0)
    assert get_shopping_list(event=event).items == ()


def test_recipe_without_yield_is_reported_not_divided_by_zero():
    loaf = RecipeFactory(name="Stollen", yield_quantity=None)
    event = EventFactory()
    AssignmentFactory(event=event, package=package_of((loaf, 1)))

    [need] = get_recipe_needs(event=event)
    [planned] = get_planned_cost(event=event).recipes

    assert need.batches_required is None
    assert need.problem == "Set a yield for Stollen to plan its batches."
    assert planned.planned_cost is None and not planned.is_fully_priced
    assert get_shopping_list(event=event).problems == (need.problem,)


def plan_with_flour(flour, grams_per_batch="100", batches_units="96"):
    recipe = RecipeFactory(yield_quantity=D(48))
    RecipeLineFactory(recipe=recipe, ingredient=flour, quantity=D(grams_per_batch))
    event = EventFactory()
    AssignmentFactory(event=event, package=package_of((recipe, batches_units)))
    return event, recipe


def test_planned_cost_with_full_stock_is_the_fifo_estimate():
    flour = IngredientFactory(name="Flour")
    LotFactory(ingredient=flour, quantity_purchased=D(150), total_cost=D("1.50"))
    LotFactory(ingredient=flour, quantity_purchased=D(1000), total_cost=D("3.00"))
    event, _ = plan_with_flour(flour)  # 2 batches x 100 g

    planned = get_planned_cost(event=event)

    [line] = planned.recipes
    assert (line.batches_required, line.planned_cost) == (2, D("1.6500"))
    assert line.cost_per_batch == D("0.8250")
    assert not line.is_frozen and line.is_fully_priced
    assert planned.total == D("1.6500")


def test_planned_cost_with_partial_stock_prices_the_rest_at_the_latest_price():
    flour = IngredientFactory(name="Flour")
    bag = ProductFactory(ingredient=flour, is_preferred=True)
    LotFactory(
        ingredient=flour, product=bag, quantity_purchased=D(100), total_cost=D(2)
    )
    LotFactory(
        ingredient=flour, product=bag, quantity_purchased=D(100), total_cost=D(4)
    )
    consume_fifo(ingredient=flour, quantity=D(150))  # 50 g left at 0.04
    event, _ = plan_with_flour(flour)  # 200 g: 50 from stock, 150 at 0.04

    assert get_planned_cost(event=event).total == D("8.0000")


def test_planned_cost_flags_an_unpriceable_ingredient():
    flour, vanilla = IngredientFactory(name="Flour"), IngredientFactory(name="Vanilla")
    LotFactory(ingredient=flour, quantity_purchased=D(1000), total_cost=D(10))
    event, recipe = plan_with_flour(flour)
    RecipeLineFactory(recipe=recipe, ingredient=vanilla, quantity=D(5))

    planned = get_planned_cost(event=event)

    [line] = planned.recipes
    assert line.planned_cost == D("2.0000")  # the flour alone
    assert line.unpriced == (
        "Vanilla: No purchase of Vanilla to price it from: record one.",
    )
    assert not planned.is_fully_priced


def test_frozen_cost_per_batch_survives_later_stock_changes():
    flour = IngredientFactory(name="Flour")
    LotFactory(ingredient=flour, quantity_purchased=D(200), total_cost=D(2))
    LotFactory(ingredient=flour, quantity_purchased=D(1000), total_cost=D(50))
    event, recipe = plan_with_flour(flour)  # 2 batches x 100 g = 2.00

    frozen = freeze_planned_cost(event=event, recipe=recipe)
    consume_fifo(ingredient=flour, quantity=D(200))  # the cheap lot is gone
    again = freeze_planned_cost(event=event, recipe=recipe)

    assert again is None  # kept nothing
    assert frozen.cost_per_batch == D("1.0000")
    frozen.refresh_from_db()
    assert frozen.cost_per_batch == D("1.0000")
    [line] = get_planned_cost(event=event).recipes
    assert (line.planned_cost, line.is_frozen) == (D("2.0000"), True)
    assert FrozenPlannedCost.objects.count() == 1


def test_frozen_cost_follows_batches_required_when_the_plan_grows():
    flour = IngredientFactory(name="Flour")
    LotFactory(ingredient=flour, quantity_purchased=D(1000), total_cost=D(10))
    event, recipe = plan_with_flour(flour)
    freeze_planned_cost(event=event, recipe=recipe)

    AssignmentFactory(event=event, package=package_of((recipe, 48)))

    [line] = get_planned_cost(event=event).recipes
    assert (line.batches_required, line.planned_cost) == (3, D("3.0000"))


def test_freeze_of_a_recipe_the_event_does_not_plan_keeps_one_batch():
    flour = IngredientFactory(name="Flour")
    LotFactory(ingredient=flour, quantity_purchased=D(1000), total_cost=D(10))
    extra = RecipeLineFactory(ingredient=flour, quantity=D(300)).recipe

    frozen = freeze_planned_cost(event=EventFactory(), recipe=extra)

    assert frozen.cost_per_batch == D("3.0000")


def test_shopping_list_shows_shortfall_in_stock_and_friendly_units():
    flour, eggs = FlourFactory(), EggsFactory()
    ProductFactory(
        ingredient=flour, package_quantity=D(5), package_unit="lb", is_preferred=True
    )
    LotFactory(ingredient=flour, quantity_purchased=D(1000), total_cost=D(2))
    LotFactory(ingredient=eggs, quantity_purchased=D(12), total_cost=D(6))
    recipe = RecipeFactory(yield_quantity=D(48))
    RecipeLineFactory(recipe=recipe, ingredient=flour, quantity=D("2.25"), unit="cup")
    RecipeLineFactory(recipe=recipe, ingredient=eggs, quantity=D(2), unit="count")
    event = EventFactory()
    AssignmentFactory(event=event, package=package_of((recipe, 48)), quantity=4)

    shopping = get_shopping_list(event=event)

    eggs_item, flour_item = shopping.items
    assert (eggs_item.needed, eggs_item.on_hand, eggs_item.shortfall) == (8, 12, 0)
    assert not eggs_item.is_short
    assert flour_item.needed == D("1127.744")
    assert flour_item.shortfall == D("127.744")
    assert flour_item.shortfall_display == "128 g"
    assert flour_item.on_hand_display == "1 kg"
    assert eggs_item.on_hand_display == "12 each"
    assert shopping.to_buy == (flour_item,)


def produced(batches, units_made):
    """What the production app tells the events app one recipe made."""
    return SimpleNamespace(batches=D(batches), units_made=D(units_made))


def test_shopping_list_counts_only_batches_still_to_bake(monkeypatch):
    flour = IngredientFactory(name="Flour")
    event, recipe = plan_with_flour(flour)  # 2 batches x 100 g
    monkeypatch.setattr(selectors, "_produced_batches", [])
    selectors.register_produced_batches(
        lambda ids: {event.pk: {recipe.pk: produced(1, 48)}}
    )

    [item] = get_shopping_list(event=event).items

    assert (item.needed, item.shortfall) == (D(100), D(100))


@pytest.mark.parametrize(
    ("batches", "units_made", "grams_left"),
    [
        ("1", "0", "200"),  # a lost batch: both batches are still to bake
        ("1", "40", "200"),  # 56 cookies missing: two whole batches more
        ("1", "60", "100"),  # 36 missing: one whole batch more
        ("1.5", "72", "100"),  # 24 missing: whole batches, so one more
        ("2", "96", None),  # all made: nothing to buy
        ("1.5", "96", None),  # a part batch that made what was needed
    ],
)
def test_shopping_list_counts_the_units_made_not_the_batches(
    monkeypatch, batches, units_made, grams_left
):
    # given 96 cookies needed, 48 a batch of 100 g of flour
    flour = IngredientFactory(name="Flour")
    event, recipe = plan_with_flour(flour)
    monkeypatch.setattr(selectors, "_produced_batches", [])
    selectors.register_produced_batches(
        lambda ids: {event.pk: {recipe.pk: produced(batches, units_made)}}
    )

    # when the shopping list is read
    items = get_shopping_list(event=event).items

    # then it buys for the whole batches that make the units still missing
    assert [item.needed for item in items] == ([D(grams_left)] if grams_left else [])


def make_event(assignments):
    """An event with that many assignments over 3 packages and 4 recipes."""
    flour, sugar = IngredientFactory(), IngredientFactory()
    LotFactory(ingredient=flour)
    LotFactory(ingredient=sugar)
    recipes = [RecipeFactory() for _ in range(4)]
    for recipe in recipes:
        RecipeLineFactory(recipe=recipe, ingredient=flour)
        RecipeLineFactory(recipe=recipe, ingredient=sugar)
    packages = [package_of((recipes[i], 6), (recipes[i + 1], 6)) for i in range(3)]
    event = EventFactory()
    for index in range(assignments):
        AssignmentFactory(event=event, package=packages[index % 3])
    freeze_planned_cost(event=event, recipe=recipes[0])
    return event


@pytest.mark.parametrize(
    "read",
    [get_recipe_needs, get_planned_cost, get_shopping_list],
    ids=lambda f: f.__name__,
)
def test_reads_run_in_constant_queries(read):
    small, large = make_event(1), make_event(30)

    with CaptureQueriesContext(connection) as few:
        read(event=small)
    with CaptureQueriesContext(connection) as many:
        read(event=large)

    assert len(many) == len(few) <= 8
