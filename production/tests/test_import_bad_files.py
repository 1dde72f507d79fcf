"""Bad files given to import_data: each is a list of problems naming file,
row or JSON path, field, value and reason, status 1 and nothing written —
never a traceback. Values too wide for their columns are refused by the dry
run and the real run alike."""

import datetime
import json
import random
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from events.tests.factories import EventFactory, PackageFactory, RecipientFactory
from pantry.models import Ingredient, Lot
from pantry.tests.factories import FlourFactory, IngredientFactory, RecipeFactory
from production.dataio.rows import MAX_FILE_BYTES
from production.tests.test_import import counts

pytestmark = pytest.mark.django_db

D = Decimal
NOT_AN_OBJECT = 'not an object like {"name": ...}'


def write_json(tmp_path, data, name="season.json"):
    path = tmp_path / name
    path.write_text(json.dumps(data))
    return path


def ours(**sections):
    return {"format": "bakery", **sections}


def lot(**fields):
    return {
        "ingredient": "flour",
        "purchased_on": "2026-11-01",
        "quantity": "1",
        "total_cost": "1",
        **fields,
    }


def refused(capsys, *args, dry_run=False) -> list[str]:
    """The problems import_data lists for files it refuses (status 1, as a
    CommandError), once it is shown that nothing was written."""
    before = counts()
    options = ["--dry-run"] if dry_run else []

    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_data", *map(str, args), *options)

    assert counts() == before
    return capsys.readouterr().err.splitlines()


# --- every value fits its column ---------------------------------------------


@pytest.mark.parametrize("dry_run", [True, False], ids=["dry run", "real run"])
def test_a_lot_quantity_wider_than_its_column_is_refused_by_both_runs(
    tmp_path, capsys, dry_run
):
    FlourFactory(slug="flour")
    path = write_json(tmp_path, ours(lots=[lot(quantity="123456789012")]))

    problems = refused(capsys, path, dry_run=dry_run)

    assert problems == [
        "season.json lots[0], quantity = '123456789012': does not fit: at most 11 "
        "digits before the decimal point and 3 after"
    ]


def test_a_lot_quantity_is_checked_as_stored_in_its_stock_unit(tmp_path, capsys):
    # 300,000,000 lb is 136,077,711,000 g: 12 digits where the column holds 11.
    FlourFactory(slug="flour")
    path = write_json(tmp_path, ours(lots=[lot(quantity="300000000", unit="lb")]))

    problems = refused(capsys, path)

    assert problems == [
        "season.json lots[0], quantity = '300000000': is 136,077,711,000.000 g in "
        "its stock unit: does not fit: at most 11 digits before the decimal point "
        "and 3 after"
    ]


def test_a_lot_at_the_limit_of_its_columns_is_imported_and_read_back(tmp_path):
    FlourFactory(slug="flour")
    row = lot(quantity="99999999999.999", total_cost="9999999999.9999")

    call_command("import_data", str(write_json(tmp_path, ours(lots=[row]))))

    stored = Lot.objects.get()
    assert stored.quantity_purchased == D("99999999999.999")
    assert stored.total_cost == D("9999999999.9999")


@pytest.mark.parametrize(
    ("written", "shown"),
    [
        ('"1e30"', "'1e30'"),
        ('"1e400"', "'1e400'"),
        ("1e30", "1E+30"),  # JSON numbers are read exactly,
        ("1e400", "1E+400"),  # not as infinity
        ("1e999999", "1E+999999"),
    ],
)
@pytest.mark.parametrize("unit", ["", "lb"])
def test_huge_quantities_are_refused(tmp_path, capsys, written, shown, unit):
    FlourFactory(slug="flour")
    path = tmp_path / "season.json"
    data = json.dumps(ours(lots=[lot(quantity="?", unit=unit)]))
    path.write_text(data.replace('"?"', written))

    problems = refused(capsys, path)

    assert len(problems) == 1
    assert problems[0].startswith(f"season.json lots[0], quantity = {shown}: ")
    assert problems[0].endswith(
        "does not fit: at most 11 digits before the decimal point and 3 after"
    )


@pytest.mark.parametrize(
    "cost", ["1234567890123456", "$12345678901234567.50", "12345678901"]
)
def test_costs_wider_than_their_column_are_refused(tmp_path, capsys, cost):
    FlourFactory(slug="flour")
    path = write_json(tmp_path, ours(lots=[lot(total_cost=cost)]))

    problems = refused(capsys, path)

    assert problems == [
        f"season.json lots[0], total_cost = '{cost}': does not fit: at most 10 "
        "digits before the decimal point and 4 after"
    ]


def test_a_density_wider_than_its_column_is_refused(tmp_path, capsys):
    ingredient = {"slug": "lead", "name": "Lead", "density_g_per_ml": "12345678"}
    path = write_json(tmp_path, ours(ingredients=[ingredient]))

    problems = refused(capsys, path)

    assert problems == [
        "season.json ingredients[0], density_g_per_ml = '12345678': does not fit: "
        "at most 6 digits before the decimal point and 6 after"
    ]


def test_a_density_derived_from_a_measure_is_checked_as_stored(tmp_path, capsys):
    ingredient = {"slug": "lead", "name": "Lead", "density": "1 tsp = 99999 lb"}
    path = write_json(tmp_path, ours(ingredients=[ingredient]))

    problems = refused(capsys, path)

    assert problems == [
        "season.json ingredients[0], density = '1 tsp = 99999 lb': makes "
        "9,202,577.591241 g per ml: does not fit: at most 6 digits before the "
        "decimal point and 6 after"
    ]


@pytest.mark.parametrize("dry_run", [True, False], ids=["dry run", "real run"])
def test_every_column_of_every_section_is_checked(tmp_path, capsys, dry_run):
    FlourFactory(slug="flour")
    RecipeFactory(slug="shortbread", name="Shortbread")
    PackageFactory(name="Tin")
    RecipientFactory(name="Aunt Martha")
    EventFactory(name="Christmas", date=datetime.date(2026, 12, 19))
    data = ours(
        ingredients=[{"slug": "eggs", "name": "Eggs", "grams_per_each": "1e12"}],
        products=[
            {
                "ingredient": "flour",
                "name": "AP",
                "package_quantity": "123456789012",
                "package_unit": "g",
            }
        ],
        recipes=[
            {"slug": "cake", "name": "Cake", "yield_quantity": "123456789"},
            {
                "slug": "pie",
                "name": "Pie",
                "lines": [{"ingredient": "flour", "quantity": "1e9", "unit": "g"}],
            },
        ],
        packages=[
            {"name": "Box", "items": [{"recipe": "shortbread", "quantity": "1e8"}]}
        ],
        assignments=[
            {
                "event": "Christmas",
                "event_date": "2026-12-19",
                "recipient": "Aunt Martha",
                "package": "Tin",
                "quantity": str(2**63),
            }
        ],
    )

    problems = refused(capsys, write_json(tmp_path, data), dry_run=dry_run)

    assert problems == [
        "season.json ingredients[0], grams_per_each = '1e12': does not fit: at most "
        "9 digits before the decimal point and 3 after",
        "season.json products[0], package_quantity = '123456789012': does not fit: "
        "at most 11 digits before the decimal point and 3 after",
        "season.json recipes[0], yield_quantity = '123456789': does not fit: at "
        "most 8 digits before the decimal point and 2 after",
        "season.json recipes[1].lines[0], quantity = '1e9': does not fit: at most 9 "
        "digits before the decimal point and 3 after",
        "season.json packages[0].items[0], quantity = '1e8': does not fit: at most "
        "8 digits before the decimal point and 2 after",
        f"season.json assignments[0], quantity = '{2**63}': Ensure this value is "
        # the database's own limit: 2**31 - 1 on PostgreSQL, 2**63 - 1 on SQLite
        "less than or equal to "
        f"{connection.ops.integer_field_range('PositiveIntegerField')[1]}.",
    ]


def test_a_slug_the_database_refuses_is_refused_by_the_dry_run(tmp_path, capsys):
    # \w takes "crème"; SlugField, when the writer saved it, did not.
    path = write_json(tmp_path, ours(ingredients=[{"slug": "crème", "name": "C"}]))

    problems = refused(capsys, path, dry_run=True)

    assert problems == [
        "season.json ingredients[0], slug = 'crème': Enter a valid “slug” "
        "consisting of letters, numbers, underscores or hyphens."
    ]


@pytest.mark.parametrize("dry_run", [True, False], ids=["dry run", "real run"])
def test_a_change_the_database_refuses_is_refused_by_both_runs(
    tmp_path, capsys, dry_run
):
    # Saved as it was, the update broke the name's uniqueness with a traceback.
    FlourFactory(slug="flour", name="Flour")
    IngredientFactory(slug="sugar", name="Sugar")
    path = write_json(tmp_path, ours(ingredients=[{"slug": "flour", "name": "Sugar"}]))

    problems = refused(capsys, path, dry_run=dry_run)

    assert problems == [
        "season.json ingredients[0], name = 'Sugar': Ingredient with this Name "
        "already exists."
    ]


@pytest.mark.parametrize("character", ["\u0000", "\ud800"], ids=["NUL", "surrogate"])
def test_text_no_database_keeps_is_refused(tmp_path, capsys, character):
    path = tmp_path / "season.json"
    path.write_text(
        json.dumps(ours(recipients=[{"name": f"Aunt{character}Martha"}])),
        encoding="utf-8",
    )

    problems = refused(capsys, path)

    assert problems == [
        f"season.json recipients[0], name = {f'Aunt{character}Martha'!r}: holds a "
        "character no database keeps (NUL, or half a surrogate pair)"
    ]


# --- rows, lines and items that are not objects ------------------------------

NOT_OBJECTS = ["abc", 1, None]
NOT_OBJECTS_PROBLEMS = [
    f"[0] = 'abc': is text, {NOT_AN_OBJECT}",
    f"[1] = 1: is a number, {NOT_AN_OBJECT}",
    f"[2]: is null, {NOT_AN_OBJECT}",
]


@pytest.mark.parametrize(
    ("data", "where"),
    [
        (ours(lots=NOT_OBJECTS), "season.json lots"),
        (
            ours(recipes=[{"slug": "cake", "name": "Cake", "lines": NOT_OBJECTS}]),
            "season.json recipes[0].lines",
        ),
        (
            ours(packages=[{"name": "Tin", "items": NOT_OBJECTS}]),
            "season.json packages[0].items",
        ),
        (
            {"application": "bake-tracker", "version": "4.2", "purchases": NOT_OBJECTS},
            "season.json purchases",
        ),
        (
            {
                "application": "bake-tracker",
                "recipes": [
                    {"slug": "cake", "name": "Cake", "ingredients": NOT_OBJECTS}
                ],
            },
            "season.json recipes[0].ingredients",
        ),
        (
            {
                "application": "bake-tracker",
                "recipes": [
                    {"slug": "cake", "name": "Cake", "finished_units": NOT_OBJECTS}
                ],
            },
            "season.json recipes[0].finished_units",
        ),
        (
            {
                "application": "bake-tracker",
                "packages": [{"name": "T", "items": NOT_OBJECTS}],
            },
            "season.json packages[0].items",
        ),
    ],
    ids=[
        "rows",
        "recipe lines",
        "package items",
        "bake-tracker rows",
        "bake-tracker recipe lines",
        "bake-tracker finished units",
        "bake-tracker package items",
    ],
)
def test_rows_lines_and_items_that_are_not_objects_are_refused(
    tmp_path, capsys, data, where
):
    problems = refused(capsys, write_json(tmp_path, data))

    assert problems == [where + problem for problem in NOT_OBJECTS_PROBLEMS]


def test_a_section_that_is_not_a_list_is_refused(tmp_path, capsys):
    data = {"application": "bake-tracker", "recipes": {"slug": "cake"}}

    problems = refused(capsys, write_json(tmp_path, data))

    assert problems == [
        "season.json recipes = {'slug': 'cake'}: is an object, not a list"
    ]


def test_odd_values_in_a_bake_tracker_export_are_refused_by_name(tmp_path, capsys):
    FlourFactory(slug="flour")
    data = {
        "application": "bake-tracker",
        "products": [
            {
                "slug": "bag",
                "ingredient_slug": "flour",
                "product_name": "Bag",
                "package_unit_quantity": "5",
                "package_unit": "lb",
            }
        ],
        "purchases": [
            {
                "product_slug": "bag",
                "package_count": "two",
                "unit_price": "4",
                "purchase_date": "2026-11-01",
            },
            {
                "product_slug": ["bag"],
                "ingredient_slug": "flour",
                "quantity": "1",
                "unit": "kg",
                "unit_price": "3",
                "package_count": "x",
                "purchase_date": "2026-11-01",
            },
        ],
        "recipes": [
            {
                "slug": "cake",
                "name": "Cake",
                "finished_units": [
                    {"unit_yield_quantity": "12"},
                    {"unit_yield_quantity": 48},
                    {"unit_yield_quantity": "lots"},
                ],
            }
        ],
    }

    problems = refused(capsys, write_json(tmp_path, data))

    assert problems == [
        "season.json purchases[0], quantity = 'two': is not a number",
        "season.json purchases[1], total_cost = '3 × x': is not an amount of "
        "money: write it like 13.69",
    ]


# --- encodings ---------------------------------------------------------------


def test_a_windows_csv_is_read_as_windows_1252_with_a_note(tmp_path, capsys):
    path = tmp_path / "ingredients.csv"
    path.write_bytes("slug,name\ncreme,Crème fraîche “épaisse”\n".encode("cp1252"))

    call_command("import_data", str(path))

    assert Ingredient.objects.get().name == "Crème fraîche “épaisse”"
    assert (
        "ingredients.csv: not UTF-8, read as Windows-1252 (latin-1); check its "
        "accents, first on line 2: creme,Crème fraîche “épaisse”"
    ) in capsys.readouterr().out


@pytest.mark.parametrize(
    "data",
    [
        ours(ingredients=[{"slug": "creme", "name": "Crème fraîche"}]),
        {
            "application": "bake-tracker",
            "ingredients": [{"slug": "creme", "display_name": "Crème fraîche"}],
        },
    ],
    ids=["ours", "bake-tracker"],
)
def test_latin_1_json_is_detected_and_read(tmp_path, capsys, data):
    path = tmp_path / "season.json"
    path.write_bytes(json.dumps(data, ensure_ascii=False).encode("latin-1"))

    call_command("import_data", str(path))

    assert Ingredient.objects.get().name == "Crème fraîche"
    assert "season.json: not UTF-8, read as Windows-1252" in capsys.readouterr().out


def test_text_in_neither_utf_8_nor_windows_1252_is_refused(tmp_path, capsys):
    path = tmp_path / "ingredients.csv"
    path.write_bytes(b"slug,name\ncreme,Cr\x81me\n")

    problems = refused(capsys, path)

    assert problems == [
        "ingredients.csv: is not text: byte 0x81 at position 18 is neither UTF-8 "
        "nor Windows-1252; save it as UTF-8"
    ]


# --- broken and hostile files --------------------------------------------------


def test_a_csv_field_over_the_field_limit_names_its_row(tmp_path, capsys):
    path = tmp_path / "lots.csv"
    path.write_text(
        "ingredient,purchased_on,quantity,total_cost,notes\n"
        "flour,2026-11-01,1,1,fine\n"
        f"flour,2026-11-01,1,1,{'x' * 131_073}\n"
    )

    problems = refused(capsys, path)

    assert problems == [
        "lots.csv row 3: has a field longer than 131,072 characters, more than a "
        "CSV field may hold (is a quote left open?)"
    ]


@pytest.mark.parametrize("name", ["random.json", "lots.csv"])
def test_fifty_megabytes_of_random_bytes_are_refused(tmp_path, capsys, name):
    path = tmp_path / name
    path.write_bytes(random.Random(2026).randbytes(50 * 2**20))

    problems = refused(capsys, path)

    assert problems == [
        f"{name}: holds NUL bytes, so it is not text: save it as CSV (UTF-8) or JSON"
    ]


@pytest.mark.parametrize("name", ["big.json", "lots.csv"])
def test_a_file_over_the_size_limit_is_refused_unread(tmp_path, capsys, name):
    path = tmp_path / name
    with path.open("wb") as handle:
        handle.truncate(MAX_FILE_BYTES + 1)  # sparse: nothing is written

    problems = refused(capsys, path)

    assert problems == [
        f"{name}: is larger than 64 MB ({MAX_FILE_BYTES + 1:,} bytes), the most a "
        "file may hold: split it in several"
    ]


@pytest.mark.parametrize("levels", [33, 200_000])
@pytest.mark.parametrize("format", ["auto", "json", "bake-tracker"])
def test_json_nested_too_deep_is_refused(tmp_path, capsys, format, levels):
    path = tmp_path / "deep.json"
    path.write_text("[" * levels + "]" * levels)

    problems = refused(capsys, path, "--format", format)

    assert problems == [
        "deep.json: nests lists and objects more than 32 levels deep; our files need 5"
    ]


def test_json_nested_as_deep_as_allowed_is_read_to_its_rows(tmp_path, capsys):
    path = tmp_path / "deep.json"
    path.write_text('{"lots": ' + "[" * 31 + "]" * 31 + "}")

    problems = refused(capsys, path)

    assert problems == [
        'deep.json lots[0] = [[[...]]]: is a list, not an object like {"name": ...}'
    ]


def test_a_folder_is_refused(tmp_path, capsys):
    problems = refused(capsys, tmp_path)

    assert problems == [
        f"{tmp_path}: is a folder: give the files in it, like folder/*.csv"
    ]
