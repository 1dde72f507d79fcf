import datetime
from decimal import Decimal

import pytest

from pantry.selectors import (
    estimate_recipe_cost,
    estimate_recipe_costs,
    get_latest_unit_costs,
    get_pantry_totals,
    get_recipe_requirements,
    ingredients_with_stock,
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


def lot(ingredient, day, quantity, cost, product=None):
    return LotFactory(
        ingredient=ingredient,
        product=product,
        purchased_on=datetime.date(2026, 10, day),
        quantity_purchased=D(quantity),
        total_cost=D(cost),
    )


def test_estimate_with_full_stock_is_the_fifo_cost():
    flour = FlourFactory()
    lot(flour, 1, "500", "1.00")
    lot(flour, 2, "1000", "3.00")
    recipe = RecipeLineFactory(ingredient=flour, quantity=D("300"), unit="g").recipe

    estimate = estimate_recipe_cost(recipe=recipe, batches=D(2))

    [line] = estimate.lines
    assert line.quantity == D("600.000")
    assert [(piece.lot.purchased_on.day, piece.quantity) for piece in line.lots] == [
        (1, D("500.000")),
        (2, D("100.000")),
    ]
    assert line.shortfall == 0
    assert estimate.total_cost == D("1.3000")
    assert estimate.cost_per_batch == D("0.6500")
    assert estimate.is_fully_priced


def test_estimate_prices_shortfall_at_latest_price_of_preferred_product():
    butter = IngredientFactory(name="Butter")
    preferred = ProductFactory(ingredient=butter, is_preferred=True)
    other = ProductFactory(ingredient=butter)
    lot(butter, 1, "200", "2.00", product=preferred)  # 0.01 per g, newest preferred
    lot(butter, 5, "100", "5.00", product=other)  # 0.05 per g, newer but not preferred
    consume_fifo(ingredient=butter, quantity=D("250"))  # leaves 50 g at 2.50
    recipe = RecipeLineFactory(ingredient=butter, quantity=D("454"), unit="g").recipe

    estimate = estimate_recipe_cost(recipe=recipe)

    [line] = estimate.lines
    assert (line.from_stock, line.stock_cost) == (D("50.000"), D("2.5000"))
    assert line.shortfall == D("404.000")
    assert line.latest_unit_cost == D("0.01")
    assert line.shortfall_cost == D("4.0400")
    assert estimate.total_cost == D("6.5400")


def test_estimate_falls_back_to_any_product_without_a_preferred_one():
    sugar = IngredientFactory(name="Sugar")
    lot(sugar, 1, "100", "1.00")
    lot(sugar, 9, "100", "3.00")
    consume_fifo(ingredient=sugar, quantity=D("200"))

    assert get_latest_unit_costs(ingredient_ids=[sugar.pk]) == {sugar.pk: D("0.03")}


def test_estimate_flags_an_ingredient_that_cannot_be_priced_and_never_zero():
    flour, vanilla = FlourFactory(), IngredientFactory(name="Vanilla", stock_unit="ml")
    lot(flour, 1, "1000", "2.00")
    recipe = RecipeFactory()
    RecipeLineFactory(recipe=recipe, ingredient=flour, quantity=D("100"), unit="g")
    RecipeLineFactory(recipe=recipe, ingredient=vanilla, quantity=D("2"), unit="tsp")

    estimate = estimate_recipe_cost(recipe=recipe)

    flour_line, vanilla_line = estimate.lines
    assert flour_line.cost == D("0.2000")
    assert vanilla_line.cost is None
    assert (
        vanilla_line.problem == "No purchase of Vanilla to price it from: record one."
    )
    assert not estimate.is_fully_priced
    assert estimate.unpriced == (vanilla_line,)
    assert estimate.total_cost == D("0.2000")


def test_estimate_flags_an_ingredient_whose_unit_does_not_convert():
    sugar = IngredientFactory(name="Sugar")
    lot(sugar, 1, "1000", "2.00")
    recipe = RecipeLineFactory(ingredient=sugar, quantity=D(1), unit="cup").recipe

    [line] = estimate_recipe_cost(recipe=recipe).lines

    assert line.cost is None
    assert line.problem == "Set a density for Sugar to convert cup to g."


def test_requirements_add_up_lines_of_the_same_ingredient_in_different_units():
    flour, eggs = FlourFactory(), EggsFactory()
    recipe = RecipeFactory()
    RecipeLineFactory(recipe=recipe, ingredient=flour, quantity=D(2), unit="cup")
    RecipeLineFactory(recipe=recipe, ingredient=eggs, quantity=D(2), unit="count")
    RecipeLineFactory(recipe=recipe, ingredient=flour, quantity=D(100), unit="g")

    requirements = get_recipe_requirements(recipe=recipe, batches=D(3))

    assert [(r.ingredient, r.quantity) for r in requirements] == [
        (flour, D("1051.830")),
        (eggs, D("6.000")),
    ]


def test_estimate_of_one_recipe_is_one_dry_run_of_the_whole_quantity():
    # the same ingredient twice must not take the oldest lot twice
    flour = FlourFactory()
    lot(flour, 1, "100", "1.00")
    lot(flour, 2, "100", "5.00")
    recipe = RecipeFactory()
    RecipeLineFactory(recipe=recipe, ingredient=flour, quantity=D(100), unit="g")
    RecipeLineFactory(recipe=recipe, ingredient=flour, quantity=D(100), unit="g")

    assert estimate_recipe_cost(recipe=recipe).total_cost == D("6.0000")


def test_estimate_recipe_costs_query_count_does_not_grow(django_assert_num_queries):
    def make_recipes(count, lines, lots_each):
        recipes = []
        for _ in range(count):
            recipe = RecipeFactory()
            for _ in range(lines):
                ingredient = IngredientFactory()
                for day in range(1, lots_each + 1):
                    lot(ingredient, day, "100", "1.00")
                RecipeLineFactory(recipe=recipe, ingredient=ingredient)
            recipes.append(recipe)
        return [(recipe, D(2)) for recipe in recipes]

    small, large = make_recipes(1, 1, 1), make_recipes(6, 8, 5)

    # the lines, the lots in stock, the latest prices
    with django_assert_num_queries(3):
        estimate_recipe_costs(orders=small)
    with django_assert_num_queries(3):
        estimates = estimate_recipe_costs(orders=large)
    assert len(estimates) == 6


def test_ingredients_with_stock_annotates_on_hand_value_and_package():
    flour, empty = FlourFactory(), IngredientFactory(name="Zest")
    bag = ProductFactory(
        ingredient=flour, package_quantity=D(5), package_unit="lb", is_preferred=True
    )
    lot(flour, 1, "1000", "2.00")
    lot(flour, 2, "500", "1.50")
    consume_fifo(ingredient=flour, quantity=D(1000))

    rows = {row.pk: row for row in ingredients_with_stock()}

    assert (rows[flour.pk].on_hand, rows[flour.pk].stock_value) == (D("500"), D("1.5"))
    assert rows[flour.pk].lots_in_stock == 1
    assert (rows[flour.pk].package_quantity, rows[flour.pk].package_unit) == (
        D(5),
        bag.package_unit,
    )
    assert (rows[empty.pk].on_hand, rows[empty.pk].lots_in_stock) == (0, 0)


def test_pantry_totals():
    flour = FlourFactory()
    IngredientFactory()
    lot(flour, 1, "1000", "2.00")
    lot(flour, 2, "500", "1.50")
    RecipeFactory()

    totals = get_pantry_totals()

    assert (totals.ingredients, totals.ingredients_in_stock, totals.lots_in_stock) == (
        2,
        1,
        2,
    )
    assert (totals.stock_value, totals.recipes) == (D("3.5"), 1)
