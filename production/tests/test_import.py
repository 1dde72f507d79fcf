import csv
import json
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from events.models import (
    Assignment,
    Event,
    FrozenPlannedCost,
    Package,
    PackageItem,
    Recipient,
)
from pantry.models import (
    Ingredient,
    Lot,
    Product,
    Recipe,
    RecipeLine,
    StockMovement,
)
from pantry.tests.factories import FlourFactory
from production.dataio import ImportFailed, import_files
from production.models import Allocation, ConsumptionLine, ProductionRecord

pytestmark = pytest.mark.django_db

D = Decimal

OURS = {
    "format": "bakery",
    "version": 1,
    "ingredients": [
        {
            "slug": "flour",
            "name": "Flour, all-purpose",
            "category": "Flours",
            "stock_unit": "g",
            "density": "1 cup = 4.42 oz",
        },
        {
            "slug": "eggs",
            "name": "Eggs, large",
            "stock_unit": "each",
            "grams_per_each": "50",
        },
    ],
    "products": [
        {
            "ingredient": "flour",
            "brand": "King Arthur",
            "name": "AP Flour",
            "package_quantity": "25",
            "package_unit": "lb",
            "package_type": "bag",
            "is_preferred": True,
        },
    ],
    "lots": [
        {
            "ingredient": "flour",
            "product_brand": "King Arthur",
            "product_name": "AP Flour",
            "purchased_on": "2026-11-01",
            "quantity": "25",
            "unit": "lb",
            "total_cost": "$18.49",
            "supplier": "Costco",
        },
        {
            "ingredient": "eggs",
            "purchased_on": "2026-11-02",
            "quantity": "12",
            "total_cost": "4,99",
        },
    ],
    "recipes": [
        {
            "slug": "cookies",
            "name": "Cookies",
            "yield_quantity": "48",
            "yield_unit": "cookies",
            "lines": [
                {"ingredient": "flour", "quantity": "2.25", "unit": "cups"},
                {"ingredient": "eggs", "quantity": "2", "unit": "count"},
            ],
        },
    ],
    "recipients": [{"name": "Aunt Martha", "household": "", "address": "14 Elm"}],
    "packages": [{"name": "Tin", "items": [{"recipe": "cookies", "quantity": "12"}]}],
    "events": [{"name": "Christmas", "date": "2026-12-19"}],
    "assignments": [
        {
            "event": "Christmas",
            "event_date": "2026-12-19",
            "recipient": "Aunt Martha",
            "package": "Tin",
            "quantity": 2,
        }
    ],
}


def write_json(tmp_path, data, name="season.json"):
    path = tmp_path / name
    path.write_text(json.dumps(data))
    return path


def counts():
    return {
        model.__name__: model.objects.count()
        for model in (
            Ingredient,
            Product,
            Lot,
            Recipe,
            RecipeLine,
            Recipient,
            Package,
            Event,
            Assignment,
        )
    }


def test_our_json_imports_everything_through_the_purchase_service(tmp_path):
    result = import_files([write_json(tmp_path, OURS)])

    lot = Lot.objects.get(ingredient__slug="flour")
    assert (lot.quantity_purchased, lot.quantity_remaining) == (D("11339.809"),) * 2
    assert (lot.total_cost, lot.cost_remaining) == (D("18.49"), D("18.49"))
    assert lot.product.name == "AP Flour"
    assert Lot.objects.get(ingredient__slug="eggs").total_cost == D("4.99")
    assert Ingredient.objects.get(slug="flour").density_g_per_ml == D("0.529633")
    assert Recipe.objects.get().lines.count() == 2
    assert Assignment.objects.get().quantity == 2
    assert result.plan.counts.created["lots"] == 2


def test_importing_the_same_file_twice_changes_nothing(tmp_path):
    path = write_json(tmp_path, OURS)
    import_files([path])
    before = counts()

    again = import_files([path])

    assert counts() == before
    assert sum(again.plan.counts.created.values()) == 0
    assert sum(again.plan.counts.updated.values()) == 0


def test_a_changed_row_updates_its_object(tmp_path):
    import_files([write_json(tmp_path, OURS)])
    changed = json.loads(json.dumps(OURS))
    changed["recipes"][0]["lines"][0]["quantity"] = "3"
    changed["assignments"][0]["quantity"] = 5

    result = import_files([write_json(tmp_path, changed)])

    assert result.plan.counts.updated["recipes"] == 1
    assert result.plan.counts.updated["assignments"] == 1
    assert RecipeLine.objects.get(ingredient__slug="flour").quantity == D(3)
    assert Assignment.objects.get().quantity == 5


def test_csv_files_import(tmp_path):
    files = {
        "ingredients.csv": [
            ["slug", "name", "stock_unit", "density"],
            ["flour", "Flour", "g", "1 cup = 4.42 oz"],
        ],
        "lots.csv": [
            ["ingredient", "purchased_on", "quantity", "unit", "total_cost"],
            ["flour", "2026-11-01", "5", "lb", "13,69"],
            ["flour", "2026-11-03", "1000", "", "$2.10"],
        ],
        "recipes.csv": [
            ["slug", "name", "yield_quantity", "yield_unit"],
            ["shortbread", "Shortbread", "32", "cookies"],
        ],
        "recipe_lines.csv": [
            ["recipe", "ingredient", "quantity", "unit"],
            ["shortbread", "flour", "4", "cup"],
        ],
    }
    for name, rows in files.items():
        with (tmp_path / name).open("w", newline="") as handle:
            csv.writer(handle).writerows(rows)

    import_files(sorted(tmp_path.glob("*.csv")))

    assert [lot.total_cost for lot in Lot.objects.order_by("purchased_on")] == [
        D("13.69"),
        D("2.10"),
    ]
    assert RecipeLine.objects.get().unit == "cup"


def test_several_bad_rows_are_all_reported_and_nothing_is_written(tmp_path):
    bad = json.loads(json.dumps(OURS))
    bad["lots"][0]["total_cost"] = "abc"
    bad["lots"][1]["purchased_on"] = "01/11/2026"
    bad["lots"].append(
        {
            "ingredient": "flour",
            "purchased_on": "2026-11-05",
            "quantity": "-2",
            "total_cost": "1",
        }
    )
    bad["recipes"][0]["lines"][1]["unit"] = "handful"
    bad["assignments"][0]["package"] = "Box"

    with pytest.raises(ImportFailed) as raised:
        import_files([write_json(tmp_path, bad)])

    messages = [str(problem) for problem in raised.value.problems]
    assert messages == [
        "season.json lots[0], total_cost = 'abc': is not an amount of money: "
        "write it like 13.69",
        "season.json lots[1], purchased_on = '01/11/2026': is not a date: "
        "write it as YYYY-MM-DD",
        "season.json lots[2], quantity = '-2': must be above zero",
        "season.json recipes[0].lines[1], unit = 'handful': Unknown unit “handful”. "
        "Use one of: g, kg, oz, lb, ml, l, tsp, tbsp, cup, fl oz, pt, qt, gal, each.",
        "season.json assignments[0], package = 'Box': matches no package",
    ]
    assert set(counts().values()) == {0}


def test_the_command_exits_non_zero_and_lists_every_problem(tmp_path, capsys):
    bad = {
        "format": "bakery",
        "lots": [
            {
                "ingredient": "nope",
                "purchased_on": "2026-11-01",
                "quantity": "1",
                "total_cost": "1",
            },
            {
                "ingredient": "flour",
                "purchased_on": "2026-11-01",
                "quantity": "1",
                "total_cost": "12.3.4",
            },
        ],
    }
    FlourFactory(slug="flour")

    with pytest.raises(CommandError, match="2 problem"):
        call_command("import_data", str(write_json(tmp_path, bad)))

    errors = capsys.readouterr().err
    assert "lots[1], total_cost = '12.3.4'" in errors
    assert "ingredient = 'nope': matches no ingredient" in errors
    assert not Lot.objects.exists()


def test_dry_run_reports_and_writes_nothing(tmp_path, capsys):
    call_command("import_data", str(write_json(tmp_path, OURS)), "--dry-run")

    output = capsys.readouterr().out
    assert "Would import (dry run, nothing written)" in output
    assert "lots: 2 created, 0 updated, 0 unchanged" in output
    assert set(counts().values()) == {0}


@pytest.mark.parametrize(
    ("price", "stored"),
    [
        ("13.69", "13.69"),
        ("$13.69", "13.69"),
        ("13,69", "13.69"),
        ("1,234.50", "1234.5"),
        (13.69, "13.69"),
        ("0", "0"),
    ],
)
def test_prices_are_understood(tmp_path, price, stored):
    data = {**OURS, "lots": [{**OURS["lots"][1], "total_cost": price}]}
    import_files([write_json(tmp_path, data)])
    assert Lot.objects.get().total_cost == D(stored)


@pytest.mark.parametrize("price", ["abc", "-3", "13.69.1", "$", "1.23456"])
def test_bad_prices_are_refused_never_zero(tmp_path, price):
    data = {**OURS, "lots": [{**OURS["lots"][1], "total_cost": price}]}
    with pytest.raises(ImportFailed) as raised:
        import_files([write_json(tmp_path, data)])
    assert raised.value.problems[0].field == "total_cost"
    assert not Lot.objects.exists()


@pytest.mark.parametrize("price", ["", None, "  "])
def test_a_lot_without_a_price_is_unpriced_never_zero(tmp_path, price):
    data = {**OURS, "lots": [{**OURS["lots"][1], "total_cost": price}]}

    result = import_files([write_json(tmp_path, data)])

    lot = Lot.objects.get()
    assert not lot.is_priced
    assert (lot.total_cost, lot.cost_remaining) == (0, 0)
    assert result.plan.counts.unpriced["lots"] == 1


def test_round_trip_json_and_csv_is_identical(tmp_path):
    call_command("load_demo")
    first, csv_first = tmp_path / "first.json", tmp_path / "csv-first"
    call_command("export_data", str(first))
    call_command("export_data", str(csv_first), "--format", "csv")
    empty_the_database()

    call_command("import_data", str(first))
    second, csv_second = tmp_path / "second.json", tmp_path / "csv-second"
    call_command("export_data", str(second))
    call_command("export_data", str(csv_second), "--format", "csv")

    assert first.read_text() == second.read_text()
    for path in sorted(csv_first.iterdir()):
        assert path.read_text() == (csv_second / path.name).read_text(), path.name


def empty_the_database():
    """Everything the demo made, deleted in the order the foreign keys allow."""
    for model in (
        Allocation,
        ConsumptionLine,
        ProductionRecord,
        StockMovement,
        FrozenPlannedCost,
        Assignment,
        Event,
        PackageItem,
        Package,
        Recipient,
        Lot,
        RecipeLine,
        Recipe,
        Product,
        Ingredient,
    ):
        model.objects.all().delete()


def test_csv_export_neutralises_formulas_and_import_restores_them(tmp_path):
    data = json.loads(json.dumps(OURS))
    data["recipients"][0]["notes"] = '=HYPERLINK("http://x")'
    data["recipients"].append(
        {"name": "+Bob", "household": "@home", "address": "-1 Elm"}
    )
    import_files([write_json(tmp_path, data)])
    folder = tmp_path / "csv"

    call_command("export_data", str(folder), "--format", "csv")

    text = (folder / "recipients.csv").read_text()
    assert (
        "'=HYPERLINK" in text
        and "'+Bob" in text
        and "'@home" in text
        and "'-1 Elm" in text
    )
    Assignment.objects.all().delete()
    Recipient.objects.all().delete()
    import_files([folder / "recipients.csv"])
    assert Recipient.objects.get(name="+Bob").household == "@home"
    assert Recipient.objects.get(name="Aunt Martha").notes.startswith("=HYPERLINK")


def test_bake_tracker_4x_purchases_people_packages_and_skipped_sections(tmp_path):
    export = {
        "version": "4.1",
        "application": "bake-tracker",
        "ingredients": [
            {
                "slug": "flour_all_purpose",
                "display_name": "Flour, all-purpose",
                "category": "Flours",
                "density_volume_value": 1,
                "density_volume_unit": "cup",
                "density_weight_value": 4.42,
                "density_weight_unit": "oz",
            },
            {"slug": "flours", "display_name": "Flours"},
            {
                "slug": "bread_flour",
                "display_name": "Bread flour",
                "parent_slug": "flours",
            },
        ],
        "products": [
            {
                "slug": "ka-ap",
                "ingredient_slug": "flour_all_purpose",
                "brand": "King Arthur",
                "product_name": "AP",
                "package_unit": "lb",
                "package_unit_quantity": 5.0,
            }
        ],
        "purchases": [
            {
                "product_slug": "ka-ap",
                "purchase_date": "2026-10-01",
                "package_count": 2,
                "unit_price": "4.79",
                "supplier": "Safeway",
            }
        ],
        "inventory_items": [
            {
                "ingredient_slug": "flour_all_purpose",
                "quantity": 500,
                "unit": "g",
                "purchase_date": "2026-09-01",
                "total_cost": 1.1,
            }
        ],
        "recipes": [
            {
                "slug": "bread",
                "name": "Bread",
                "finished_units": [
                    {"unit_yield_quantity": 2, "unit_yield_unit": "loaves"}
                ],
                "ingredients": [
                    {
                        "ingredient_slug": "flour_all_purpose",
                        "quantity": 4,
                        "unit": "cup",
                    }
                ],
            }
        ],
        "recipients": [{"name": "The Lees", "address": "3 Orchard Lane"}],
        "events": [{"slug": "xmas", "name": "Christmas", "event_date": "2026-12-19"}],
        "packages": [
            {"name": "Loaf", "items": [{"recipe_slug": "bread", "quantity": 1}]}
        ],
        "assignments": [
            {
                "event_slug": "xmas",
                "recipient_name": "The Lees",
                "package_name": "Loaf",
                "quantity": 2,
            }
        ],
        "materials": [{"name": "ribbon"}],
        "suppliers": [{"name": "Safeway"}],
    }
    path = write_json(tmp_path, export, "export-4.1.json")

    result = import_files([path])

    assert [str(lot.total_cost) for lot in Lot.objects.order_by("purchased_on")] == [
        "1.1000",
        "9.5800",
    ]
    assert Lot.objects.get(supplier="Safeway").quantity_purchased == D("4535.924")
    assert not Ingredient.objects.filter(slug="flours").exists()  # a hierarchy level
    assert Ingredient.objects.filter(slug="bread_flour").exists()
    assert Assignment.objects.get().quantity == 2
    assert result.dataset.skipped == [
        "export-4.1.json: materials (1) — not modelled here",
        "export-4.1.json: suppliers (1) — not modelled here",
    ]


def test_missing_file_and_unknown_csv_name_are_reported(tmp_path):
    stray = tmp_path / "stuff.csv"
    stray.write_text("a,b\n1,2\n")

    with pytest.raises(ImportFailed) as raised:
        import_files([tmp_path / "nothing.json", stray])

    reasons = [problem.reason for problem in raised.value.problems]
    assert reasons[0] == "does not exist"
    assert reasons[1].startswith("is not a file we read")


def test_bulk_purchases_refuse_a_bad_lot_and_write_nothing(tmp_path):
    from django.db import transaction

    from pantry.services import Purchase, record_purchases

    flour = FlourFactory()
    purchases = [
        Purchase(
            ingredient=flour, quantity=D(1), total_cost=D(1), purchased_on="2026-01-01"
        ),
        Purchase(
            ingredient=flour, quantity=D(0), total_cost=D(1), purchased_on="2026-01-02"
        ),
    ]

    with pytest.raises(Exception, match="above zero"), transaction.atomic():
        record_purchases(purchases=purchases)

    assert not Lot.objects.exists()
