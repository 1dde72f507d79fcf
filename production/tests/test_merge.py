"""Merging a duplicate ingredient into another, in the admin."""

from decimal import Decimal

import pytest
from django.urls import reverse

from pantry.models import Ingredient, Lot, Product, RecipeLine
from pantry.tests.factories import (
    IngredientFactory,
    LotFactory,
    ProductFactory,
    RecipeFactory,
    RecipeLineFactory,
)
from production.models import ConsumptionLine
from production.services import merge_ingredients, record_production
from production.tests.test_doors import assert_ledgers_hold

pytestmark = pytest.mark.django_db

D = Decimal
CHANGELIST = "admin:pantry_ingredient_changelist"


def merge_action(client, sources, follow=False, **data):
    return client.post(
        reverse(CHANGELIST),
        {
            "action": "merge",
            "_selected_action": [source.pk for source in sources],
            **data,
        },
        follow=follow,
    )


@pytest.fixture
def duplicate(bakery):
    """Milk counted in ml, created for review, with a lot a production used,
    a product and a recipe line in cups; and milk counted in g, with a
    density."""
    review = IngredientFactory(name="whole milk", stock_unit="ml", needs_review=True)
    lot = LotFactory(ingredient=review, quantity_purchased=D(1000), total_cost=D(2))
    ProductFactory(ingredient=review, package_quantity=1, package_unit="l")
    recipe = RecipeFactory(name="Custard", yield_quantity=D(6))
    RecipeLineFactory(recipe=recipe, ingredient=review, quantity=D(1), unit="cup")
    record = record_production(event=bakery["event"], recipe=recipe, batches=1)
    milk = IngredientFactory(
        name="Milk, whole", stock_unit="g", density_g_per_ml=D("1.03")
    )
    return {"review": review, "lot": lot, "milk": milk, "record": record}


def test_merge_asks_shows_what_it_will_do_then_merges(admin_client, duplicate):
    review, milk = duplicate["review"], duplicate["milk"]

    asked = merge_action(admin_client, [review])
    previewed = merge_action(admin_client, [review], into=milk.pk)
    merged = merge_action(admin_client, [review], into=milk.pk, confirmed="yes")

    assert asked.status_code == 200 and "Merge into" in asked.content.decode()
    assert "whole milk merged into Milk, whole" in previewed.content.decode()
    assert merged.status_code == 302
    assert not Ingredient.objects.filter(pk=review.pk).exists()
    lot = Lot.objects.get(pk=duplicate["lot"].pk)
    assert lot.ingredient == milk
    assert lot.quantity_purchased == D(1030)  # 1 l at 1.03 g per ml
    assert lot.total_cost == D(2)
    assert RecipeLine.objects.get(recipe__name="Custard").ingredient == milk
    assert set(
        ConsumptionLine.objects.filter(record=duplicate["record"]).values_list(
            "ingredient__name", flat=True
        )
    ) == {"Milk, whole"}
    assert Product.objects.get(package_unit="l").ingredient == milk
    assert_ledgers_hold()


def test_merge_without_a_conversion_fact_is_refused_naming_it(
    admin_client, duplicate, database_snapshot
):
    plain = IngredientFactory(name="Milk, plain", stock_unit="g")
    before = database_snapshot()

    previewed = merge_action(admin_client, [duplicate["review"]], into=plain.pk)
    confirmed = merge_action(
        admin_client,
        [duplicate["review"]],
        into=plain.pk,
        confirmed="yes",
        follow=True,
    )

    assert "Set a density for whole milk" in previewed.content.decode()
    assert "Yes, merge" not in previewed.content.decode()
    assert "Set a density for whole milk" in confirmed.content.decode()
    assert Ingredient.objects.filter(pk=duplicate["review"].pk).exists()
    assert database_snapshot() == before


def test_merge_joins_a_product_both_have_and_keeps_one_preferred(bakery):
    flour = bakery["flour"]
    copy = IngredientFactory(name="AP flour", stock_unit="g")
    kept = ProductFactory(ingredient=flour, brand="KA", name="AP", is_preferred=True)
    twin = ProductFactory(ingredient=copy, brand="ka", name="ap", is_preferred=True)
    other = ProductFactory(ingredient=copy, name="Bulk", is_preferred=False)
    lot = LotFactory(ingredient=copy, product=twin)

    merge = merge_ingredients(source=copy, target=flour)

    assert "AP flour merged into Flour, all-purpose" in str(merge)
    assert Lot.objects.get(pk=lot.pk).product == kept
    assert not Product.objects.filter(pk=twin.pk).exists()
    assert Product.objects.get(pk=other.pk).ingredient == flour
    assert list(Product.objects.filter(is_preferred=True)) == [kept]


def test_merge_dry_run_changes_nothing(duplicate, database_snapshot):
    before = database_snapshot()

    merge = merge_ingredients(
        source=duplicate["review"], target=duplicate["milk"], dry_run=True
    )

    assert merge.lots == 1
    assert database_snapshot() == before
    assert Ingredient.objects.get(pk=duplicate["milk"].pk).stock_unit == "g"
