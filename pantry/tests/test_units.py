from decimal import Decimal

import pytest

from pantry import units
from pantry.exceptions import ConversionError, UnknownUnit
from pantry.tests.factories import EggsFactory, FlourFactory, IngredientFactory


@pytest.mark.parametrize(
    ("written", "code"),
    [
        ("cup", "cup"),
        ("cups", "cup"),
        ("C", "cup"),
        ("tbsp", "tbsp"),
        ("Tbsp", "tbsp"),
        ("Tbsp.", "tbsp"),
        ("T", "tbsp"),
        ("tsp", "tsp"),
        ("t", "tsp"),
        ("fl oz", "fl oz"),
        ("fl. oz.", "fl oz"),
        ("oz", "oz"),
        ("lb", "lb"),
        ("lbs", "lb"),
        ("g", "g"),
        ("kg", "kg"),
        ("ml", "ml"),
        ("mL", "ml"),
        ("l", "l"),
        ("qt", "qt"),
        ("each", "each"),
        ("count", "each"),
        ("ea", "each"),
        ("  Cups ", "cup"),
    ],
)
def test_normalize_unit_reads_bakers_spelling(written, code):
    assert units.normalize_unit(written) == code


@pytest.mark.parametrize("written", ["handful", "", "cupz", "pinch of"])
def test_normalize_unit_unknown_names_the_unit_and_the_choices(written):
    with pytest.raises(UnknownUnit) as raised:
        units.normalize_unit(written)
    message = raised.value.messages[0]
    assert "Unknown unit" in message
    assert written.strip() in message
    assert "tbsp" in message and "each" in message


@pytest.mark.django_db
def test_two_cups_of_flour_with_catalog_density_in_grams():
    # given flour at "1 cup = 4.42 oz": 2 cups weigh 8.84 oz = 250.61 g
    flour = FlourFactory.build(density_g_per_ml=units.parse_density("1 cup = 4.42 oz"))

    grams = flour.to_stock_unit(Decimal(2), "cups")

    assert grams.quantize(Decimal("0.001")) == Decimal("250.610")


def test_stored_density_keeps_grams_within_a_milligram():
    flour = FlourFactory.build()  # density stored to 6 places
    grams = flour.to_stock_unit(Decimal(2), "cup")
    assert abs(grams - Decimal("250.6098")) < Decimal("0.001")


def test_eggs_count_converts_to_each():
    eggs = EggsFactory.build()
    assert eggs.to_stock_unit(Decimal(3), "count") == Decimal(3)
    assert eggs.to_stock_unit(Decimal(2), "ea") == Decimal(2)


def test_eggs_by_weight_through_weight_per_each():
    eggs = EggsFactory.build()
    assert eggs.to_stock_unit(Decimal(150), "g") == Decimal(3)


def test_tsp_to_ml():
    assert units.convert(Decimal(1), "tsp", "ml") == Decimal("4.92892159375")
    assert units.convert(Decimal(3), "tsp", "tbsp") == Decimal(1)


def test_cup_of_ingredient_without_density_names_the_ingredient_and_the_fact():
    sugar = IngredientFactory.build(name="Sugar, granulated", density_g_per_ml=None)

    with pytest.raises(ConversionError) as raised:
        sugar.to_stock_unit(Decimal(1), "cup")

    assert raised.value.messages == [
        "Set a density for Sugar, granulated to convert cup to g."
    ]
    assert raised.value.missing == "a density"


def test_count_of_ingredient_without_weight_per_each_is_a_clear_error():
    butter = IngredientFactory.build(name="Butter, unsalted", grams_per_each=None)

    with pytest.raises(
        ConversionError, match="Set a weight per each for Butter, unsalted"
    ):
        butter.to_stock_unit(Decimal(2), "each")


@pytest.mark.parametrize(
    ("text", "grams_per_ml"),
    [
        ("1 cup = 4.42 oz", Decimal("0.529633")),
        ("1 tsp = 3 g", Decimal("0.608652")),
        ("250 ml = 250 g", Decimal("1.000000")),
    ],
)
def test_parse_density(text, grams_per_ml):
    assert units.parse_density(text).quantize(Decimal("0.000001")) == grams_per_ml


@pytest.mark.parametrize(
    "text",
    ["4.42 oz", "1 cup = 4 cups", "1 oz = 4 g", "0 cup = 1 g", "1..2 cup = 4 oz"],
)
def test_parse_density_refuses_what_is_not_a_density(text):
    with pytest.raises((ConversionError, UnknownUnit)):
        units.parse_density(text)


@pytest.mark.parametrize(
    ("quantity", "unit", "shown"),
    [
        (Decimal("281.25"), "g", "281 g"),
        (Decimal("1300"), "g", "1.3 kg"),
        (Decimal("0.666667"), "cup", "0.67 cup"),
        (Decimal("12.5"), "lb", "12.5 lb"),
        (Decimal("12"), "each", "12 each"),
        (Decimal("2500"), "ml", "2.5 l"),
    ],
)
def test_format_quantity_is_readable(quantity, unit, shown):
    assert units.format_quantity(quantity, unit) == shown


def test_format_in_packages_shows_packages_then_quantity():
    shown = units.format_in_packages(
        Decimal("12.5"),
        "lb",
        package_quantity=Decimal(5),
        package_unit="lb",
        package_type="bag",
    )
    assert shown == "2.5 bags (12.5 lb)"


def test_format_in_packages_under_one_package_is_plain():
    shown = units.format_in_packages(
        Decimal("2"),
        "lb",
        package_quantity=Decimal(5),
        package_unit="lb",
        package_type="bag",
    )
    assert shown == "2 lb"
