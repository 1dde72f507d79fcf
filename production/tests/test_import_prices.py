"""Lots whose cost is unknown, as bake-tracker 4.2 exports its inventory, and
the price lists (CSV) that bake-tracker's users keep apart: they give those
lots their cost and the estimates their latest price."""

import csv
import datetime
import json
import shutil
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from events.tests.factories import EventFactory
from pantry.models import Ingredient, Lot, Product
from pantry.selectors import estimate_recipe_cost, get_latest_unit_costs
from pantry.services import record_purchase
from pantry.tests.factories import (
    IngredientFactory,
    ProductFactory,
    RecipeFactory,
    RecipeLineFactory,
)
from production.dataio import ImportFailed, import_files
from production.models import ProductionRecord
from production.services import record_production
from production.tests.test_import import counts
from production.tests.test_import_bake_tracker import OWN

pytestmark = pytest.mark.django_db

D = Decimal
HEADER = [
    "uuid",
    "product_name",
    "brand",
    "package_qty",
    "package_unit",
    "ingredient_name",
    "supplier_name",
    "unit_price",
    "search_string",
    "notes",
]


def price_list(tmp_path, *rows, name="prices.csv"):
    """A price list as bake-tracker writes it: rows of (product_name, brand,
    package_qty, package_unit, ingredient_name, unit_price)."""
    path = tmp_path / name
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for product, brand, quantity, unit, ingredient, price in rows:
            writer.writerow(
                [
                    "x",
                    product,
                    brand,
                    quantity,
                    unit,
                    ingredient,
                    "Costco",
                    price,
                    "",
                    "",
                ]
            )
    return path


def lot_of(slug: str) -> Lot:
    return Lot.objects.get(ingredient__slug=slug)


# --- a bake-tracker 4.2 export, then its price list ----------------------------


def test_4_2_export_with_unpriced_inventory_then_a_price_list_prices_it(capsys):
    # given a 4.2 export whose walnuts were counted without a price
    call_command("import_data", str(OWN / "export_4_2.json"))
    imported = capsys.readouterr().out
    walnuts = Ingredient.objects.get(slug="walnuts")
    assert not lot_of("walnuts").is_priced
    assert walnuts.pk not in get_latest_unit_costs(ingredient_ids=[walnuts.pk])

    # when its price list is imported
    call_command("import_data", str(OWN / "prices.csv"))
    priced = capsys.readouterr().out

    # then the export's summary counted the unpriced lot
    assert "lots: 2 created (1 unpriced: cost unknown), 0 updated" in imported
    # the walnuts take the price of 454 g of a 3 lb bag at $16.49
    walnut_lot = lot_of("walnuts")
    assert walnut_lot.is_priced
    assert walnut_lot.total_cost == walnut_lot.cost_remaining == D("5.5016")
    # the bread flour, priced by the export, keeps its price
    assert lot_of("flour_bread").total_cost == D("11.98")
    # both products keep their price of a package for the estimates
    assert dict(Product.objects.values_list("name", "last_price")) == {
        "Bread Flour": D("6.95"),
        "Chopped Walnuts": D("5.49"),
    }
    assert get_latest_unit_costs(ingredient_ids=[walnuts.pk]) == {
        walnuts.pk: D("5.5016") / D(454)
    }
    assert (
        "prices: 1 unpriced lot(s) priced, latest price of 2 product(s) changed, "
        "1 row(s) without a price skipped, 1 row(s) pricing nothing (listed)"
    ) in priced
    assert "prices.csv row 6: names no product by brand, name and package" in priced


def test_4_2_export_and_its_price_list_again_change_nothing():
    import_files([OWN / "export_4_2.json"])
    import_files([OWN / "prices.csv"])
    before = counts(), list(Lot.objects.values_list("total_cost", "is_priced"))

    again = import_files([OWN / "export_4_2.json", OWN / "prices.csv"])

    # the unpriced walnut row is the lot priced since, not a new lot
    assert again.plan.counts.unchanged["lots"] == 2
    assert sum(again.plan.counts.created.values()) == 0
    assert again.plan.counts.prices.lots == again.plan.counts.prices.products == 0
    assert (
        counts(),
        list(Lot.objects.values_list("total_cost", "is_priced")),
    ) == before


def test_4_2_export_and_its_price_list_in_one_command_price_the_new_lots():
    result = import_files([OWN / "prices.csv", OWN / "export_4_2.json"])

    assert lot_of("walnuts").total_cost == D("5.5016")
    assert result.plan.counts.unpriced["lots"] == 0
    assert Product.objects.get(name="Chopped Walnuts").last_price == D("5.49")


# --- matching rows to products -------------------------------------------------


def test_a_price_list_prices_its_products_unpriced_lots_by_the_package(tmp_path):
    # given two unpriced lots of a 1 lb bag: 2 bags, and 1.5 lb written in oz
    export = {
        "application": "bake-tracker",
        "version": "4.2",
        "ingredients": [{"slug": "pecans", "display_name": "Pecans"}],
        "products": [
            {
                "slug": "pecans-1lb",
                "ingredient_slug": "pecans",
                "brand": "Kirkland",
                "product_name": "Pecan Halves",
                "package_unit": "lb",
                "package_unit_quantity": 1,
            }
        ],
        "inventory_items": [
            {
                "product_slug": "pecans-1lb",
                "quantity": 2,
                "purchase_date": "2026-10-01",
            },
            {
                "product_slug": "pecans-1lb",
                "quantity": 24,
                "unit": "oz",
                "purchase_date": "2026-10-02",
            },
        ],
    }
    path = tmp_path / "export.json"
    path.write_text(json.dumps(export))
    import_files([path])
    prices = price_list(
        tmp_path, ("Pecan Halves", "Kirkland", "16", "oz", "Pecans", "$7.99")
    )

    result = import_files([prices])

    # 16 oz is the 1 lb bag; $7.99 a bag
    assert list(
        Lot.objects.order_by("purchased_on").values_list("total_cost", flat=True)
    ) == [D("15.98"), D("11.985")]
    assert result.plan.counts.prices.lots == 2


def test_a_price_list_row_named_by_its_ingredient_takes_its_one_product(tmp_path):
    pecans = IngredientFactory(name="Pecans", slug="pecans")
    product = ProductFactory(
        ingredient=pecans, brand="Diamond", name="Pecans", package_quantity=D(500)
    )
    record_purchase(
        ingredient=pecans,
        product=product,
        quantity=D(1000),
        total_cost=None,
        purchased_on=datetime.date(2026, 10, 1),
    )
    prices = price_list(
        tmp_path, ("Pecan pieces", "Trader Joe's", "500", "g", "pecans", "4.00")
    )

    import_files([prices])

    assert lot_of("pecans").total_cost == D("8.00")
    assert Product.objects.get().last_price == D("4.00")


def test_a_price_list_gives_an_ingredient_without_priced_lots_its_latest_price(
    tmp_path,
):
    # given a recipe taking 100 g of an ingredient never bought
    sugar = IngredientFactory(name="Sugar", slug="sugar")
    ProductFactory(
        ingredient=sugar, brand="Domino", name="Sugar", package_quantity=D(2000)
    )
    recipe = RecipeFactory()
    RecipeLineFactory(recipe=recipe, ingredient=sugar, quantity=D(100), unit="g")
    assert not estimate_recipe_cost(recipe=recipe).is_fully_priced

    # when a price list prices its 2 kg bag at $3.00
    import_files([price_list(tmp_path, ("Sugar", "Domino", "2", "kg", "", "3.00"))])

    # then the estimate prices the 100 g at the latest price
    estimate = estimate_recipe_cost(recipe=recipe)
    assert estimate.is_fully_priced
    assert estimate.total_cost == D("0.15")


def test_price_list_rows_that_price_nothing_are_listed_with_the_closest_names(
    tmp_path, capsys
):
    import_files([OWN / "ingredients_catalog.json", OWN / "food_products_catalog.json"])
    prices = price_list(
        tmp_path,
        ("Semi-Sweet Morsel", "Nestle", "12", "oz", "Chocolate chip", "$3.99"),
        ("Almond Flour", "King Arthur", "16", "oz", "Almond flour", "$22.99"),
    )

    call_command("import_data", str(prices))

    output = capsys.readouterr().out
    assert (
        "prices.csv row 2: names no product by brand, name and package, and no "
        "ingredient by ingredient_name: not priced. Closest: Nestle Semi-Sweet "
        "Morsels, 12 oz bag"
    ) in output
    assert (
        "prices.csv row 3: names no product by brand, name and package, and no "
        "ingredient by ingredient_name: not priced. Closest: King Arthur Unbleached "
        "All-Purpose Flour, 25 lb bag, Flour, almond, Almonds."
    ) in output
    assert "2 row(s) pricing nothing (listed)" in output
    assert not Product.objects.filter(last_price__isnull=False).exists()


def test_price_list_rows_that_disagree_leave_the_price_unknown(tmp_path, capsys):
    pecans = IngredientFactory(name="Pecans", slug="pecans")
    record_purchase(
        ingredient=pecans,
        quantity=D(454),
        total_cost=None,
        purchased_on=datetime.date(2026, 10, 1),
    )
    prices = price_list(
        tmp_path,
        ("Pecans", "Costco", "1", "lb", "Pecans", "$5.00"),
        ("Pecans", "Costco", "1", "lb", "Pecans", "$5.00"),  # a repeat agrees
        ("Pecan halves", "Kirkland", "2", "lb", "Pecans", "$9.00"),
    )

    call_command("import_data", str(prices))

    assert not lot_of("pecans").is_priced
    assert (
        "prices.csv row 4, unit_price = '$9.00': prices Pecans at $9.00 a package, "
        "but prices.csv row 2 at $5.00: it is not priced"
    ) in capsys.readouterr().out


def test_a_price_list_prices_what_was_baked_from_its_lots_exactly(tmp_path):
    # given an unpriced lot of 1000 g, 300 g of which were baked
    flour = IngredientFactory(name="Rye flour", slug="rye")
    record_purchase(
        ingredient=flour,
        quantity=D(1000),
        total_cost=None,
        purchased_on=datetime.date(2026, 10, 1),
    )
    recipe = RecipeFactory(yield_quantity=D(10))
    RecipeLineFactory(recipe=recipe, ingredient=flour, quantity=D(300), unit="g")
    record = record_production(event=EventFactory(), recipe=recipe, batches=1)
    assert record.actual_cost == 0

    # when a price list prices its 1 kg bag at $7.77
    import_files([price_list(tmp_path, ("Rye", "Bob's", "1", "kg", "rye", "7.77"))])

    # then the lot and the batch baked from it cost as if priced from the start
    lot = lot_of("rye")
    assert (lot.total_cost, lot.cost_remaining) == (D("7.77"), D("5.439"))
    assert ProductionRecord.objects.get().actual_cost == D("2.331")


def test_a_price_list_with_bad_values_reports_them_all_and_writes_nothing(
    tmp_path, capsys
):
    IngredientFactory(name="Pecans", slug="pecans")
    prices = price_list(
        tmp_path,
        ("Pecans", "Costco", "-1", "handful", "Pecans", "13.69.1"),
        ("", "", "1", "lb", "", "$5"),
    )

    with pytest.raises(CommandError, match="4 problem"):
        call_command("import_data", str(prices))

    assert capsys.readouterr().err.splitlines() == [
        "prices.csv row 2, unit_price = '13.69.1': is not an amount of money: "
        "write it like 13.69",
        "prices.csv row 2, package_qty = '-1': must be above zero",
        "prices.csv row 2, package_unit = 'handful': Unknown unit “handful”. Use one "
        "of: g, kg, oz, lb, ml, l, tsp, tbsp, cup, fl oz, pt, qt, gal, each.",
        "prices.csv row 3, product_name: is required, or brand, or ingredient_name",
    ]
    assert not Product.objects.exists()


def test_a_price_list_is_told_by_its_header_whatever_its_name(tmp_path):
    IngredientFactory(name="Pecans", slug="pecans")
    path = tmp_path / "Costco December.csv"
    shutil.copy(
        price_list(tmp_path, ("Pecans", "Costco", "1", "lb", "pecans", "5")), path
    )

    result = import_files([path])

    assert result.plan.counts.prices is not None
    with pytest.raises(ImportFailed, match="1 problem"):
        import_files([tmp_path / "prices.csv"], format="csv")


# --- weight ounces ---------------------------------------------------------------


def test_oz_on_a_bag_of_nuts_counted_in_cups_so_far_is_a_weight(tmp_path):
    # given sliced almonds created for review from a recipe's cups (counted in ml)
    almonds = IngredientFactory(
        name="Almonds, sliced", slug="almonds_sliced", stock_unit="ml"
    )
    export = {
        "application": "bake-tracker",
        "products": [
            {
                "ingredient_slug": "almonds_sliced",
                "brand": "Diamond",
                "product_name": "Sliced Almonds",
                "package_unit": "oz",
                "package_unit_quantity": 6,
            }
        ],
    }
    path = tmp_path / "products.json"
    path.write_text(json.dumps(export))

    result = import_files([path])

    # then the bag is 6 ounces of weight, and the almonds are counted by weight
    product = Product.objects.get()
    assert (product.package_quantity, product.package_unit) == (D(6), "oz")
    almonds.refresh_from_db()
    assert almonds.stock_unit == "g"
    assert "taken as fl oz" not in " ".join(map(str, result.plan.warnings))


def test_oz_of_a_liquid_with_bottles_in_fl_oz_already_is_a_fluid_ounce(tmp_path):
    vanilla = IngredientFactory(name="Vanilla", slug="vanilla", stock_unit="ml")
    ProductFactory(
        ingredient=vanilla, name="Extract", package_quantity=D(4), package_unit="fl oz"
    )
    export = {
        "application": "bake-tracker",
        "products": [
            {
                "ingredient_slug": "vanilla",
                "brand": "Penzeys",
                "product_name": "Pure Vanilla",
                "package_unit": "oz",
                "package_unit_quantity": 8,
            }
        ],
    }
    path = tmp_path / "products.json"
    path.write_text(json.dumps(export))

    result = import_files([path])

    assert Product.objects.get(brand="Penzeys").package_unit == "fl oz"
    assert "taken as fl oz" in " ".join(map(str, result.plan.warnings))
