import datetime
from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from pantry import services
from pantry.models import Ingredient, Lot, Product, Recipe, RecipeLine


class IngredientFactory(DjangoModelFactory):
    class Meta:
        model = Ingredient
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Ingredient {n}")
    slug = factory.Sequence(lambda n: f"ingredient-{n}")
    category = "Baking"
    stock_unit = "g"


class FlourFactory(IngredientFactory):
    name = "Flour, all-purpose"
    slug = "flour_all_purpose"
    category = "Flours & Starches"
    # "1 cup = 4.42 oz", as the bake-tracker catalog gives it.
    density_g_per_ml = Decimal("0.529633")


class EggsFactory(IngredientFactory):
    name = "Eggs, large"
    slug = "eggs_large"
    category = "Eggs & Dairy"
    stock_unit = "each"
    grams_per_each = Decimal("50")


class ProductFactory(DjangoModelFactory):
    class Meta:
        model = Product

    ingredient = factory.SubFactory(IngredientFactory)
    brand = "House"
    name = factory.Sequence(lambda n: f"Product {n}")
    package_quantity = Decimal("1000")
    package_unit = "g"
    package_type = "bag"


class LotFactory(DjangoModelFactory):
    """Lots are made the way the application makes them: as a purchase."""

    class Meta:
        model = Lot

    ingredient = factory.SubFactory(IngredientFactory)
    product = None
    purchased_on = factory.Sequence(
        lambda n: datetime.date(1990, 1, 1) + datetime.timedelta(n)
    )
    quantity_purchased = Decimal("1000")
    total_cost = Decimal("10.00")

    @classmethod
    def _create(cls, model_class, *, quantity_purchased, total_cost, **kwargs):
        return services.record_purchase(
            quantity=quantity_purchased, total_cost=total_cost, **kwargs
        )


class RecipeFactory(DjangoModelFactory):
    class Meta:
        model = Recipe

    name = factory.Sequence(lambda n: f"Recipe {n}")
    slug = factory.Sequence(lambda n: f"recipe-{n}")
    category = "Cookies"
    yield_quantity = Decimal("48")
    yield_unit = "cookies"


class RecipeLineFactory(DjangoModelFactory):
    class Meta:
        model = RecipeLine

    recipe = factory.SubFactory(RecipeFactory)
    ingredient = factory.SubFactory(IngredientFactory)
    quantity = Decimal("100")
    unit = "g"
