"""Many files in one import, dry runs and the problems of a row: files given
together in any order import as they would one at a time in the right
order; a dry run finds every problem the real run finds; a row's problems
are all reported, and can be written to a report file."""

import csv
import json
import random
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from events.models import Assignment, Event, Package, Recipient
from events.tests.factories import EventFactory, PackageFactory, RecipientFactory
from pantry.models import Ingredient, Lot, Product, Recipe, RecipeLine
from pantry.tests.factories import FlourFactory, IngredientFactory, RecipeFactory
from production.dataio import ImportFailed, import_files
from production.tests.test_import import OURS, counts, empty_the_database
from production.tests.test_import_bad_files import lot, ours
from production.tests.test_import_bake_tracker import OWN, SHARED, needs_shared

pytestmark = pytest.mark.django_db

D = Decimal


def write_json(tmp_path, data, name="season.json"):
    path = tmp_path / name
    path.write_text(json.dumps(data))
    return path


def state() -> dict[str, list[tuple]]:
    """What the database holds, by natural keys (ids differ between runs)."""
    return {
        "ingredients": sorted(
            (
                i.slug,
                i.name,
                i.stock_unit,
                i.density_g_per_ml,
                i.grams_per_each,
                i.needs_review,
                i.category,
                i.description,
            )
            for i in Ingredient.objects.all()
        ),
        "products": sorted(
            (
                p.ingredient.slug,
                p.brand,
                p.name,
                p.package_quantity,
                p.package_unit,
                p.package_type,
                p.is_preferred,
                p.upc,
                str(p.last_price),
            )
            for p in Product.objects.select_related("ingredient")
        ),
        "lots": sorted(
            (
                lot.ingredient.slug,
                lot.product.name if lot.product else "",
                lot.purchased_on,
                lot.quantity_purchased,
                lot.total_cost,
                lot.is_priced,
                lot.supplier,
                lot.notes,
            )
            for lot in Lot.objects.select_related("ingredient", "product")
        ),
        "recipes": sorted(
            (r.slug, r.name, r.category, r.yield_quantity, r.yield_unit, r.notes)
            for r in Recipe.objects.all()
        ),
        "lines": sorted(
            (
                line.recipe.slug,
                line.position,
                line.ingredient.slug,
                line.quantity,
                line.unit,
            )
            for line in RecipeLine.objects.select_related("recipe", "ingredient")
        ),
        "events": sorted(Event.objects.values_list("name", "date", "notes")),
        "recipients": sorted(Recipient.objects.values_list("name", "household")),
        "packages": sorted(Package.objects.values_list("name", "description")),
        "assignments": sorted(
            Assignment.objects.values_list(
                "event__name", "recipient__name", "package__name", "quantity"
            )
        ),
    }


def imported_one_at_a_time(folder, names) -> dict:
    """The state after importing the files one at a time, in this order
    (the right one), then an empty database again."""
    for name in names:
        import_files([folder / name], create_missing=True)
    after = state()
    empty_the_database()
    assert set(counts().values()) == {0}
    return after


def shuffled(names: list[str], order: str) -> list[str]:
    if order == "reversed":
        return names[::-1]
    names = list(names)
    random.Random(order).shuffle(names)
    return names


# --- all files in one command -------------------------------------------------

OWN_FILES = [  # the right order: catalogues, then the exports, then prices
    "ingredients_catalog.json",
    "food_products_catalog.json",
    "recipes_catalog.json",
    "sample_data_min.json",
    "export_4_2.json",
    "prices.csv",
]
SHARED_FILES = OWN_FILES[:4]


@pytest.mark.parametrize("order", ["reversed", "seed 1", "seed 2"])
def test_own_files_in_one_command_in_any_order_import_as_one_at_a_time(capsys, order):
    # given what importing the files one at a time, in the right order, makes
    expected = imported_one_at_a_time(OWN, OWN_FILES)
    paths = [str(OWN / name) for name in shuffled(OWN_FILES, order)]

    # when they are given all at once, shuffled, dry run first
    call_command("import_data", "--create-missing", "--dry-run", *paths)
    dry_run = capsys.readouterr().out.split("(dry run, nothing written)")[1]
    assert set(counts().values()) == {0}
    call_command("import_data", "--create-missing", *paths)
    real_run = capsys.readouterr().out.split("Imported")[1]

    # then the database holds the same, and the dry run said so
    assert state() == expected
    assert dry_run.split(":", 1)[1] == real_run.split(":", 1)[1]
    assert "ingredients: 16 created, 0 updated, 0 unchanged" in real_run
    assert "prices: 1 unpriced lot(s) priced" in real_run
    # "Pecans, chopped" (a recipe) and "pecans_chopped" (a product) are one
    # ingredient, named as the recipe writes it
    pecans = Ingredient.objects.get(slug="pecans_chopped")
    assert (pecans.name, pecans.stock_unit) == ("Pecans, chopped", "g")


@needs_shared
@pytest.mark.parametrize("order", ["reversed", "seed 1"])
def test_real_files_in_one_command_in_shuffled_order_import_as_one_at_a_time(
    capsys, order
):
    expected = imported_one_at_a_time(SHARED, SHARED_FILES)
    paths = [str(SHARED / name) for name in shuffled(SHARED_FILES, order)]

    call_command("import_data", "--create-missing", "--dry-run", *paths)
    dry_run = capsys.readouterr().out
    call_command("import_data", "--create-missing", *paths)
    real_run = capsys.readouterr().out

    assert state() == expected
    for line in ("ingredients: 363 created", "products: 202 created"):
        assert line in dry_run and line in real_run
    assert Ingredient.objects.get(slug="almonds_sliced").name == "Almonds, sliced"


def test_a_later_file_updates_what_an_earlier_file_creates(tmp_path):
    # given two exports of one season, the newer one renaming a recipient's
    # household and changing a quantity
    older = {
        **OURS,
        "exported_at": "2026-11-01T10:00:00Z",
    }
    newer = json.loads(json.dumps(OURS))
    newer["exported_at"] = "2026-11-20T10:00:00Z"
    newer["recipients"][0]["address"] = "15 Elm"
    newer["assignments"][0]["quantity"] = 3
    newer_path = write_json(tmp_path, newer, "newer.json")
    older_path = write_json(tmp_path, older, "older.json")

    # when both are given, the newer first
    result = import_files([newer_path, older_path])

    # then the newer wins, and each lot is one lot
    assert Recipient.objects.get().address == "15 Elm"
    assert Assignment.objects.get().quantity == 3
    assert Lot.objects.count() == 2
    assert result.plan.counts.created["lots"] == 2
    assert result.plan.counts.unchanged["lots"] == 2


def test_files_changing_a_saved_object_leave_it_as_the_newest_says(tmp_path):
    # given a recipient at 14 Elm; an older export moves her, a newer one back
    RecipientFactory(name="Aunt Martha", household="", address="14 Elm")
    older = ours(recipients=[{"name": "Aunt Martha", "address": "15 Elm"}])
    newer = ours(recipients=[{"name": "Aunt Martha", "address": "14 Elm"}])
    older["exported_at"], newer["exported_at"] = "2026-11-01", "2026-11-20"
    paths = [
        write_json(tmp_path, newer, "b.json"),
        write_json(tmp_path, older, "a.json"),
    ]

    import_files(paths)

    assert Recipient.objects.get().address == "14 Elm"


def test_a_repeated_row_in_one_file_is_still_a_problem(tmp_path):
    data = {**OURS, "recipients": OURS["recipients"] * 2}

    with pytest.raises(ImportFailed) as raised:
        import_files([write_json(tmp_path, data)])

    assert [str(p) for p in raised.value.problems] == [
        "season.json recipients[1], name = 'Aunt Martha': repeats season.json "
        "recipients[0]"
    ]


def test_an_ingredient_created_for_review_is_checked_as_the_row_asking_for_it(
    tmp_path,
):
    # given two lots naming one new ingredient, by its slug and by its name
    data = ours(lots=[lot(ingredient="rye_flour"), lot(ingredient="Rye flour")])

    result = import_files(
        [write_json(tmp_path, data)], create_missing=True, dry_run=True
    )

    # then it is created once, and its problems would name the first row
    (rye,) = result.plan.creates["ingredients"]
    assert rye.source == "season.json lots[0] (--create-missing)"
    assert rye.values["name"] == "Rye flour"
    assert result.plan.counts.created["lots"] == 2
    assert not Ingredient.objects.exists()


# --- a dry run finds what the real run finds ------------------------------------


def _several_bad_rows(tmp_path):
    bad = json.loads(json.dumps(OURS))
    bad["lots"][0]["total_cost"] = "abc"
    bad["lots"][1]["purchased_on"] = "01/11/2026"
    bad["recipes"][0]["lines"][1]["unit"] = "handful"
    bad["assignments"][0]["package"] = "Box"
    return [write_json(tmp_path, bad)]


def _every_column(tmp_path):
    FlourFactory(slug="flour")
    RecipeFactory(slug="shortbread", name="Shortbread")
    PackageFactory(name="Tin")
    RecipientFactory(name="Aunt Martha")
    EventFactory(name="Christmas", date="2026-12-19")
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
        recipes=[{"slug": "cake", "name": "Cake", "yield_quantity": "123456789"}],
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
    return [write_json(tmp_path, data)]


def _with_flour(data):
    def build(tmp_path):
        FlourFactory(slug="flour")
        return [write_json(tmp_path, data)]

    return build


def _file(name, content: bytes):
    def build(tmp_path):
        path = tmp_path / name
        path.write_bytes(content)
        return [path]

    return build


def _renaming_onto_another(tmp_path):
    FlourFactory(slug="flour", name="Flour")
    IngredientFactory(slug="sugar", name="Sugar")
    return [
        write_json(tmp_path, ours(ingredients=[{"slug": "flour", "name": "Sugar"}]))
    ]


def _prices(tmp_path):
    IngredientFactory(slug="pecans", name="Pecans")
    path = tmp_path / "prices.csv"
    path.write_text(
        "product_name,brand,package_qty,package_unit,ingredient_name,unit_price\n"
        "Pecans,Costco,-1,handful,Pecans,13.69.1\n"
    )
    return [path]


def _unknown_references(tmp_path):
    import_files([OWN / "ingredients_catalog.json"])
    return [OWN / "recipes_catalog.json"]


def _new_names_taken(tmp_path):
    # Two files, each creating an ingredient whose name the other's takes.
    first = ours(ingredients=[{"slug": "rye", "name": "Rye"}])
    second = ours(ingredients=[{"slug": "rye_flour", "name": "rye"}])
    return [
        write_json(tmp_path, first, "a.json"),
        write_json(tmp_path, second, "b.json"),
    ]


BAD_FILES = {
    "several bad rows": _several_bad_rows,
    "unknown ingredient and cost": _with_flour(
        ours(lots=[lot(ingredient="nope"), lot(total_cost="12.3.4")])
    ),
    "cost abc": _with_flour(ours(lots=[lot(total_cost="abc")])),
    "cost -3": _with_flour(ours(lots=[lot(total_cost="-3")])),
    "cost with 5 decimals": _with_flour(ours(lots=[lot(total_cost="1.23456")])),
    "quantity wider than its column": _with_flour(
        ours(lots=[lot(quantity="123456789012")])
    ),
    "quantity wider in its stock unit": _with_flour(
        ours(lots=[lot(quantity="300000000", unit="lb")])
    ),
    "cost wider than its column": _with_flour(
        ours(lots=[lot(total_cost="$12345678901234567.50")])
    ),
    "expiry before purchase": _with_flour(ours(lots=[lot(expires_on="2026-10-01")])),
    "density wider than its column": _with_flour(
        ours(
            ingredients=[
                {"slug": "lead", "name": "Lead", "density": "1 tsp = 99999 lb"}
            ]
        )
    ),
    "every column of every section": _every_column,
    "slug the database refuses": _with_flour(
        ours(ingredients=[{"slug": "crème", "name": "C"}])
    ),
    "a rename onto another ingredient": _renaming_onto_another,
    "new names taken twice": _new_names_taken,
    "NUL in text": _with_flour(ours(recipients=[{"name": "Aunt\u0000Martha"}])),
    "rows that are not objects": _with_flour(ours(lots=["abc", 1, None])),
    "lines that are not objects": _with_flour(
        ours(recipes=[{"slug": "cake", "name": "Cake", "lines": ["abc", 1]}])
    ),
    "a section that is not a list": _with_flour(
        {"application": "bake-tracker", "recipes": {"slug": "cake"}}
    ),
    "neither UTF-8 nor Windows-1252": _file(
        "ingredients.csv", b"slug,name\ncreme,Cr\x81me\n"
    ),
    "a CSV field over the limit": _file(
        "lots.csv",
        b"ingredient,purchased_on,quantity,total_cost,notes\n"
        + b"flour,2026-11-01,1,1,"
        + b"x" * 131_073
        + b"\n",
    ),
    "JSON nested too deep": _file("deep.json", b"[" * 40 + b"]" * 40),
    "a CSV file we do not read": _file("stuff.csv", b"a,b\n1,2\n"),
    "a price list with bad values": _prices,
    "unknown references": _unknown_references,
}


def problems_of(capsys, paths, *, dry_run: bool) -> list[str]:
    before = counts()
    options = ["--dry-run"] if dry_run else []

    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_data", *map(str, paths), *options)

    assert counts() == before
    return capsys.readouterr().err.splitlines()


@pytest.mark.parametrize("build", BAD_FILES.values(), ids=BAD_FILES.keys())
def test_a_dry_run_finds_every_problem_the_real_run_finds(tmp_path, capsys, build):
    paths = build(tmp_path)

    dry_run = problems_of(capsys, paths, dry_run=True)
    real_run = problems_of(capsys, paths, dry_run=False)

    assert dry_run == real_run
    assert dry_run


def test_the_dry_run_of_files_that_import_writes_nothing_and_counts_the_same(capsys):
    paths = [str(OWN / name) for name in OWN_FILES]

    call_command("import_data", "--create-missing", "--dry-run", *paths)
    dry_run = capsys.readouterr().out
    assert set(counts().values()) == {0}
    call_command("import_data", "--create-missing", *paths)
    real_run = capsys.readouterr().out

    counted = [line for line in dry_run.splitlines() if line.startswith("  ")]
    assert counted == [line for line in real_run.splitlines() if line.startswith("  ")]
    assert counted


# --- every problem of a row -----------------------------------------------------


def test_a_row_with_several_bad_fields_reports_all_of_them(tmp_path):
    bad = lot(
        ingredient="nope",
        quantity="-2",
        unit="handful",
        total_cost="abc",
        purchased_on="01/11/2026",
        expires_on="soon",
        supplier="S" * 201,
    )

    with pytest.raises(ImportFailed) as raised:
        import_files([write_json(tmp_path, ours(lots=[bad]))])

    assert [(p.field, p.reason[:30]) for p in raised.value.problems] == [
        ("quantity", "must be above zero"),
        ("unit", "Unknown unit “handful”. Use on"),
        ("total_cost", "is not an amount of money: wri"),
        ("purchased_on", "is not a date: write it as YYY"),
        ("expires_on", "is not a date: write it as YYY"),
        ("supplier", "is longer than 200 characters"),
        ("ingredient", "matches no ingredient by slug,"),
    ]
    assert {p.source for p in raised.value.problems} == {"season.json lots[0]"}


def test_a_row_with_a_bad_value_still_has_its_others_checked(tmp_path):
    # given a cost that is no money and a quantity too wide for its column
    FlourFactory(slug="flour")
    bad = lot(total_cost="abc", quantity="123456789012")

    with pytest.raises(ImportFailed) as raised:
        import_files([write_json(tmp_path, ours(lots=[bad]))])

    assert [str(p) for p in raised.value.problems] == [
        "season.json lots[0], total_cost = 'abc': is not an amount of money: "
        "write it like 13.69",
        "season.json lots[0], quantity = '123456789012': does not fit: at most 11 "
        "digits before the decimal point and 3 after",
    ]


def test_every_section_reports_every_bad_field_of_a_row(tmp_path):
    data = ours(
        ingredients=[{"slug": "a b", "name": "", "grams_per_each": "x"}],
        products=[{"ingredient": "", "name": "", "package_quantity": "0"}],
        recipes=[
            {
                "slug": "",
                "name": "",
                "yield_quantity": "x",
                "lines": [{"ingredient": "", "quantity": "x", "unit": "pinch"}],
            }
        ],
        events=[{"name": "", "date": "soon"}],
        assignments=[{"event": "", "recipient": "", "package": "", "quantity": "x"}],
    )

    with pytest.raises(ImportFailed) as raised:
        import_files([write_json(tmp_path, data)])

    fields = [(p.source.split()[-1], p.field) for p in raised.value.problems]
    assert fields == [
        ("ingredients[0]", "name"),
        ("ingredients[0]", "grams_per_each"),
        ("ingredients[0]", "slug"),
        ("products[0]", "ingredient"),
        ("products[0]", "name"),
        ("products[0]", "package_quantity"),
        ("products[0]", "package_unit"),
        ("recipes[0]", "slug"),
        ("recipes[0]", "name"),
        ("recipes[0]", "yield_quantity"),
        ("recipes[0].lines[0]", "ingredient"),
        ("recipes[0].lines[0]", "quantity"),
        ("recipes[0].lines[0]", "unit"),
        ("events[0]", "name"),
        ("events[0]", "date"),
        ("assignments[0]", "event"),
        ("assignments[0]", "event_date"),
        ("assignments[0]", "recipient"),
        ("assignments[0]", "package"),
        ("assignments[0]", "quantity"),
    ]


# --- the report -----------------------------------------------------------------


def test_report_csv_lists_every_problem_with_its_row_field_value_and_reason(
    tmp_path, capsys
):
    bad = lot(ingredient="nope", total_cost="abc")
    path = write_json(tmp_path, ours(lots=[bad]))
    report = tmp_path / "report.csv"

    with pytest.raises(CommandError, match="2 problem"):
        call_command("import_data", str(path), "--report", str(report))

    with report.open(newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["file/row", "field", "value", "reason", "kind"]
    assert rows[1] == [
        "season.json lots[0]",
        "total_cost",
        "abc",
        "is not an amount of money: write it like 13.69",
        "problem",
    ]
    assert rows[2][:3] == ["season.json lots[0]", "ingredient", "nope"]
    assert len(rows) == 3
    # and stderr lists them as before
    assert len(capsys.readouterr().err.splitlines()) == 2


def test_report_text_lists_warnings_and_notes_of_an_import(tmp_path, capsys):
    report = tmp_path / "report.txt"

    call_command(
        "import_data",
        str(OWN / "ingredients_catalog.json"),
        str(OWN / "recipes_catalog.json"),
        "--create-missing",
        "--report",
        str(report),
    )

    lines = report.read_text().splitlines()
    assert lines[0] == (
        "warning: recipes_catalog.json recipes[0].ingredients[3]: 1 cup of Almonds "
        "is kept, but cannot be costed or baked yet: Set a density for Almonds to "
        "convert cup to g."
    )
    assert "note: recipes_catalog.json: bake-tracker format 1.0" in lines
    assert len(lines) == 6
    assert capsys.readouterr().out.endswith(
        f"Report written to {report} (6 line(s)).\n"
    )
