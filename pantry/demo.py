"""A small, realistic pantry for trying the application: ingredients with the
densities bakers measure by, products, a few weeks of purchases (several lots
of the staples, so FIFO shows), and four holiday cookie recipes."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from bakery.validation import save_valid
from pantry import services, units
from pantry.models import Ingredient, Product, Recipe, RecipeLine

# slug, name, category, stock unit, density ("1 cup = 4.42 oz"), grams per each
INGREDIENTS = [
    (
        "flour_all_purpose",
        "Flour, all-purpose",
        "Flours & Starches",
        "g",
        "1 cup = 4.42 oz",
        None,
    ),
    (
        "sugar_granulated",
        "Sugar, granulated",
        "Sugars & Sweeteners",
        "g",
        "1 cup = 7.09 oz",
        None,
    ),
    (
        "sugar_brown_light",
        "Sugar, brown light",
        "Sugars & Sweeteners",
        "g",
        "1 cup = 7.76 oz",
        None,
    ),
    (
        "sugar_powdered",
        "Sugar, powdered",
        "Sugars & Sweeteners",
        "g",
        "1 cup = 4.17 oz",
        None,
    ),
    (
        "butter_unsalted",
        "Butter, unsalted",
        "Fats & Oils",
        "g",
        "1 cup = 8.01 oz",
        None,
    ),
    ("eggs_large", "Eggs, large", "Eggs & Dairy", "each", None, "50"),
    (
        "vanilla_extract",
        "Vanilla extract",
        "Spices & Extracts",
        "ml",
        "1 tsp = 4.2 g",
        None,
    ),
    ("baking_soda", "Baking soda", "Leaveners", "g", "1 tsp = 4.8 g", None),
    ("baking_powder", "Baking powder", "Leaveners", "g", "1 tsp = 4 g", None),
    ("salt_kosher", "Salt, kosher", "Additives & Thickeners", "g", "1 tsp = 3 g", None),
    (
        "chocolate_chips_semi_sweet",
        "Chocolate chips, semi-sweet",
        "Chocolate & Cocoa",
        "g",
        "1 cup = 6 oz",
        None,
    ),
    ("molasses", "Molasses", "Sugars & Sweeteners", "ml", "1 cup = 11.5 oz", None),
    (
        "ginger_ground",
        "Ginger, ground",
        "Spices & Extracts",
        "g",
        "1 tsp = 1.8 g",
        None,
    ),
    (
        "cinnamon_ground",
        "Cinnamon, ground",
        "Spices & Extracts",
        "g",
        "1 tsp = 2.6 g",
        None,
    ),
    (
        "cloves_ground",
        "Cloves, ground",
        "Spices & Extracts",
        "g",
        "1 tsp = 2.1 g",
        None,
    ),
]

# ingredient slug, brand, name, package quantity, unit, type, preferred
PRODUCTS = [
    (
        "flour_all_purpose",
        "King Arthur",
        "Unbleached All-Purpose Flour",
        "25",
        "lb",
        "bag",
        True,
    ),
    ("flour_all_purpose", "Gold Medal", "All-Purpose Flour", "5", "lb", "bag", False),
    ("sugar_granulated", "Domino", "Granulated Sugar", "4", "lb", "bag", True),
    ("sugar_brown_light", "C&H", "Light Brown Sugar", "2", "lb", "bag", True),
    ("sugar_powdered", "Domino", "Powdered Sugar", "2", "lb", "bag", True),
    (
        "butter_unsalted",
        "Kirkland Signature",
        "Unsalted Butter",
        "1",
        "lb",
        "box",
        True,
    ),
    ("eggs_large", "Vital Farms", "Large Eggs", "12", "each", "carton", True),
    (
        "vanilla_extract",
        "Nielsen-Massey",
        "Pure Vanilla Extract",
        "4",
        "fl oz",
        "bottle",
        True,
    ),
    ("baking_soda", "Arm & Hammer", "Pure Baking Soda", "1", "lb", "box", True),
    ("baking_powder", "Rumford", "Baking Powder", "230", "g", "can", True),
    ("salt_kosher", "Diamond Crystal", "Kosher Salt", "3", "lb", "box", True),
    (
        "chocolate_chips_semi_sweet",
        "Guittard",
        "Semisweet Chocolate Chips",
        "12",
        "oz",
        "bag",
        True,
    ),
    ("molasses", "Grandma's", "Original Molasses", "12", "fl oz", "bottle", True),
    ("ginger_ground", "Penzeys", "Ground Ginger", "1.7", "oz", "jar", True),
    ("cinnamon_ground", "Penzeys", "Ground Cinnamon", "1.8", "oz", "jar", True),
    ("cloves_ground", "Penzeys", "Ground Cloves", "1.1", "oz", "jar", True),
]

# product (ingredient slug, product name), days ago, packages, price per package
PURCHASES = [
    ("flour_all_purpose", "All-Purpose Flour", 40, 1, "4.29"),
    ("flour_all_purpose", "Unbleached All-Purpose Flour", 20, 1, "18.49"),
    ("sugar_granulated", "Granulated Sugar", 35, 2, "3.89"),
    ("sugar_brown_light", "Light Brown Sugar", 30, 1, "3.49"),
    ("sugar_brown_light", "Light Brown Sugar", 6, 1, "3.69"),
    ("sugar_powdered", "Powdered Sugar", 30, 1, "3.29"),
    ("butter_unsalted", "Unsalted Butter", 21, 4, "4.50"),
    ("butter_unsalted", "Unsalted Butter", 7, 4, "4.79"),
    ("eggs_large", "Large Eggs", 10, 2, "6.49"),
    ("eggs_large", "Large Eggs", 3, 1, "6.99"),
    ("vanilla_extract", "Pure Vanilla Extract", 60, 1, "16.99"),
    ("baking_soda", "Pure Baking Soda", 90, 1, "1.29"),
    ("baking_powder", "Baking Powder", 90, 1, "3.99"),
    ("salt_kosher", "Kosher Salt", 120, 1, "5.49"),
    ("chocolate_chips_semi_sweet", "Semisweet Chocolate Chips", 14, 3, "4.99"),
    ("chocolate_chips_semi_sweet", "Semisweet Chocolate Chips", 2, 6, "5.29"),
    ("molasses", "Original Molasses", 45, 1, "5.29"),
    ("ginger_ground", "Ground Ginger", 80, 1, "6.95"),
    ("cinnamon_ground", "Ground Cinnamon", 80, 1, "5.95"),
]

# slug, name, category, yield, yield unit, lines (ingredient slug, quantity, unit)
RECIPES = [
    (
        "chocolate-chip-cookies",
        "Chocolate Chip Cookies",
        "Cookies",
        "48",
        "cookies",
        [
            ("flour_all_purpose", "2.25", "cup"),
            ("butter_unsalted", "1", "cup"),
            ("sugar_granulated", "0.75", "cup"),
            ("sugar_brown_light", "0.75", "cup"),
            ("eggs_large", "2", "count"),
            ("vanilla_extract", "2", "tsp"),
            ("baking_soda", "1", "tsp"),
            ("salt_kosher", "1", "tsp"),
            ("chocolate_chips_semi_sweet", "12", "oz"),
        ],
    ),
    (
        "gingerbread-cookies",
        "Gingerbread Cookies",
        "Cookies",
        "36",
        "cookies",
        [
            ("flour_all_purpose", "3", "cups"),
            ("baking_soda", "0.75", "tsp"),
            ("ginger_ground", "1", "Tbsp"),
            ("cinnamon_ground", "1.5", "tsp"),
            ("cloves_ground", "0.25", "tsp"),
            ("salt_kosher", "0.25", "tsp"),
            ("butter_unsalted", "0.75", "cup"),
            ("sugar_brown_light", "0.75", "cup"),
            ("molasses", "0.5", "cup"),
            ("eggs_large", "1", "each"),
            ("vanilla_extract", "2", "tsp"),
        ],
    ),
    (
        "shortbread",
        "Shortbread",
        "Cookies",
        "32",
        "cookies",
        [
            ("butter_unsalted", "2", "cup"),
            ("sugar_powdered", "1", "cup"),
            ("flour_all_purpose", "4", "cup"),
            ("salt_kosher", "0.5", "tsp"),
            ("vanilla_extract", "1", "tsp"),
        ],
    ),
    (
        "sugar-cookies",
        "Sugar Cookies",
        "Cookies",
        "30",
        "cookies",
        [
            ("flour_all_purpose", "2.75", "cup"),
            ("baking_soda", "1", "tsp"),
            ("baking_powder", "0.5", "tsp"),
            ("butter_unsalted", "1", "cup"),
            ("sugar_granulated", "1.5", "cup"),
            ("eggs_large", "1", "ea"),
            ("vanilla_extract", "1", "tsp"),
        ],
    ),
]


@transaction.atomic
def load_pantry_demo(*, today: datetime.date | None = None) -> dict[str, int]:
    """Creates the demo pantry; returns how many of each thing it made."""
    today = today or timezone.localdate()
    ingredients = {}
    for slug, name, category, stock_unit, density, per_each in INGREDIENTS:
        ingredient = Ingredient(
            slug=slug,
            name=name,
            category=category,
            stock_unit=stock_unit,
            density_g_per_ml=units.parse_density(density) if density else None,
            grams_per_each=Decimal(per_each) if per_each else None,
        )
        ingredients[slug] = save_valid(ingredient)

    products = {}
    for slug, brand, name, size, unit, package_type, preferred in PRODUCTS:
        product = Product(
            ingredient=ingredients[slug],
            brand=brand,
            name=name,
            package_quantity=Decimal(size),
            package_unit=unit,
            package_type=package_type,
            is_preferred=preferred,
        )
        products[slug, name] = save_valid(product)

    for slug, product_name, days_ago, packages, price in PURCHASES:
        product = products[slug, product_name]
        services.record_purchase(
            ingredient=ingredients[slug],
            product=product,
            quantity=product.package_quantity * packages,
            unit=product.package_unit,
            total_cost=Decimal(price) * packages,
            purchased_on=today - datetime.timedelta(days=days_ago),
        )

    for slug, name, category, yield_quantity, yield_unit, lines in RECIPES:
        recipe = Recipe(
            slug=slug,
            name=name,
            category=category,
            yield_quantity=Decimal(yield_quantity),
            yield_unit=yield_unit,
        )
        save_valid(recipe)
        for position, (ingredient_slug, quantity, unit) in enumerate(lines, start=1):
            line = RecipeLine(
                recipe=recipe,
                ingredient=ingredients[ingredient_slug],
                quantity=Decimal(quantity),
                unit=unit,
                position=position,
            )
            save_valid(line)

    return {
        "ingredients": len(INGREDIENTS),
        "products": len(PRODUCTS),
        "lots": len(PURCHASES),
        "recipes": len(RECIPES),
    }
