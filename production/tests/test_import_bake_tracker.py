"""bake-tracker's exports, messy as they come: the project's own small files
(tests/data/bake_tracker, formats 3.5, 4.1 and 4.2) prove every case, and
bake-tracker's real catalogues are imported too wherever they are at hand."""

import json
import os
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings

from events.models import Event
from pantry.models import Ingredient, Lot, Recipe, RecipeLine
from production.dataio import ImportFailed, import_files
from production.tests.test_import import counts

pytestmark = pytest.mark.django_db

D = Decimal
OWN = Path(__file__).parent / "data" / "bake_tracker"
SHARED = Path(
    os.environ.get("BAKE_TRACKER_DATA")
    or Path(settings.BASE_DIR).parent / "shared" / "data" / "bake-tracker"
)
CATALOGS = [
    "ingredients_catalog",
    "food_products_catalog",
    "recipes_catalog",
    "sample_data_min",
]
# CI always has the real files beside the clone: there a missing folder fails.
needs_shared = pytest.mark.skipif(
    not SHARED.is_dir() and not os.environ.get("CI"),
    reason=f"bake-tracker's real exports not found at {SHARED} "
    "(set BAKE_TRACKER_DATA to their folder)",
)


def import_catalogs_in_order(folder: Path) -> None:
    import_files([folder / "ingredients_catalog.json"])
    import_files([folder / "food_products_catalog.json"])
    import_files([folder / "recipes_catalog.json"], create_missing=True)
    import_files([folder / "sample_data_min.json"], create_missing=True)


def assert_import_again_changes_nothing(folder: Path) -> None:
    after_first = counts()
    for name in CATALOGS:
        result = import_files([folder / f"{name}.json"])
        assert sum(result.plan.counts.created.values()) == 0, name
        assert sum(result.plan.counts.updated.values()) == 0, name
    assert counts() == after_first


def review_slugs() -> set[str]:
    return set(
        Ingredient.objects.filter(needs_review=True).values_list("slug", flat=True)
    )


def unknown_references(folder: Path) -> dict[str, str]:
    import_files([folder / "ingredients_catalog.json"])
    before = counts()
    with pytest.raises(ImportFailed) as raised:
        import_files([folder / "recipes_catalog.json"])
    assert counts() == before
    return {problem.value: problem.reason for problem in raised.value.problems}


def export_4_2_priced(tmp_path) -> Path:
    """The 4.2 export with a price on its unpriced inventory item."""
    data = json.loads((OWN / "export_4_2.json").read_text())
    data["inventory_items"][1]["total_cost"] = "6.50"
    path = tmp_path / "export_4_2.json"
    path.write_text(json.dumps(data))
    return path


# --- the project's own files ---------------------------------------------------


def test_own_files_import_in_order_and_again_with_no_change():
    import_catalogs_in_order(OWN)

    assert_import_again_changes_nothing(OWN)
    flour = Ingredient.objects.get(slug="flour_all_purpose")
    assert flour.density_g_per_ml == D("0.529633")  # "1 cup = 4.42 oz"
    assert not flour.needs_review
    assert Ingredient.objects.get(slug="sugar_granulated").density_g_per_ml == D(
        "0.845351"  # "1 cup = 200 g"
    )
    chocolate_chip = Recipe.objects.get(slug="chocolate-chip-cookies")
    assert (chocolate_chip.yield_quantity, chocolate_chip.yield_unit) == (48, "cookies")
    assert review_slugs() == {
        "almonds_slivered",
        "almond_flour",
        "pecans_chopped",
        "eggs_large",
        "cocoa_powder",
        "almonds_sliced",
    }
    assert set(Event.objects.values_list("name", flat=True)) == {
        "Holiday Bake Sale 2025",
        "Christmas Gift Boxes 2025",
    }


def test_own_files_name_ingredients_by_display_name_and_description_aliases():
    import_catalogs_in_order(OWN)

    biscotti = {
        line.ingredient.slug
        for line in RecipeLine.objects.filter(recipe__slug="almond-biscotti")
    }
    # "Butter, unsalted" is a display name, "AP flour" an alias in the
    # description, "Almonds, whole" the description of "Almonds".
    assert {"butter_unsalted", "flour_all_purpose", "almonds"} <= biscotti
    sandies = RecipeLine.objects.filter(recipe__slug="pecan-sandies")
    # "plain flour", another alias
    assert sandies.filter(ingredient__slug="flour_all_purpose").exists()
    assert Recipe.objects.get(slug="almond-biscotti").notes.endswith(
        "Source: Holiday Cooking 1982"
    )


def test_own_files_unknown_references_are_all_reported_with_suggestions():
    unknown = unknown_references(OWN)

    assert set(unknown) == {"Almonds, slivered", "Almond flour", "Pecans, chopped"}
    assert "Closest: Flour, almond" in unknown["Almond flour"]
    assert "Use --create-missing" in unknown["Pecans, chopped"]


def test_own_files_repeated_slugs_are_merged_first_row_first():
    result = import_files([OWN / "ingredients_catalog.json"])

    repeats = [note for note in result.dataset.notes if "repeats the slug" in note]
    assert len(repeats) == 2
    poppy = Ingredient.objects.get(slug="poppy_seeds")
    assert poppy.category == "Nuts & Seeds"  # the first row wins
    assert poppy.density_g_per_ml == D("0.583292")  # filled from the repeat
    # the first row's "1 cup = 3.76 oz" stays; the repeat's 96 g is ignored
    assert Ingredient.objects.get(slug="flour_almond").density_g_per_ml == D("0.450547")


def test_own_files_sub_recipes_are_noted_not_imported():
    import_files([OWN / "ingredients_catalog.json"])

    result = import_files([OWN / "recipes_catalog.json"], create_missing=True)

    assert any("1 sub-recipes are not imported" in n for n in result.dataset.notes)


def test_own_4_2_export_skips_hierarchy_and_unmodelled_sections(tmp_path):
    result = import_files([export_4_2_priced(tmp_path)], dry_run=True)

    assert result.dataset.skipped == [
        "export_4_2.json: materials (1) — not modelled here",
        "export_4_2.json: suppliers (1) — not modelled here",
        "export_4_2.json: production_runs (0) — not modelled here",
    ]
    assert result.plan.counts.created["ingredients"] == 2  # not "Flours"
    assert not Ingredient.objects.exists()  # a dry run


def test_own_4_2_export_inventory_without_a_price_becomes_an_unpriced_lot():
    result = import_files([OWN / "export_4_2.json"])

    walnuts = Lot.objects.get(ingredient__slug="walnuts")
    assert not walnuts.is_priced
    assert (walnuts.quantity_purchased, walnuts.total_cost) == (D(454), D(0))
    assert Lot.objects.get(ingredient__slug="flour_bread").is_priced
    assert result.plan.counts.unpriced["lots"] == 1
    assert (
        "lots: 2 created (1 unpriced: cost unknown), 0 updated, 0 unchanged"
        in result.plan.counts.lines()
    )


def test_own_4_2_export_inventory_with_a_price_becomes_a_lot(tmp_path):
    import_files([export_4_2_priced(tmp_path)])

    bread_flour, walnuts = Lot.objects.order_by("purchased_on")
    assert bread_flour.quantity_purchased == D("4535.924")  # 2 bags of 5 lb
    assert bread_flour.total_cost == D("11.98")
    assert bread_flour.product.brand == "King Arthur"
    assert (walnuts.quantity_purchased, walnuts.total_cost) == (D(454), D("6.50"))


# --- bake-tracker's real exports ----------------------------------------------


@needs_shared
def test_real_files_import_in_order_and_again_with_no_change():
    import_catalogs_in_order(SHARED)

    assert_import_again_changes_nothing(SHARED)
    flour = Ingredient.objects.get(slug="flour_all_purpose")
    assert flour.density_g_per_ml == D("0.529633")
    assert not flour.needs_review
    chocolate_chip = Recipe.objects.get(slug="chocolate-chip-cookies")
    assert (chocolate_chip.yield_quantity, chocolate_chip.yield_unit) == (48, "cookies")
    assert {
        "almonds_sliced",
        "pecans_chopped",
        "eggs_large",
        "cocoa_powder",
    } <= review_slugs()
    assert Event.objects.filter(name="Holiday Bake Sale 2025").exists()
    # "Almonds, whole" matches the catalog's "Almonds" through its description
    assert RecipeLine.objects.filter(ingredient__slug="almonds").exists()


@needs_shared
def test_real_files_unknown_references_are_all_reported_with_suggestions():
    unknown = unknown_references(SHARED)

    assert set(unknown) == {
        "All-purpose wheat flour",
        "Almonds, slivered",
        "Almond flour",
        "Pecans, halves",
        "Pecans, chopped",
        "Almonds, sliced",
    }
    assert "Closest: Flour, almond" in unknown["Almond flour"]
    assert "Use --create-missing" in unknown["Almonds, sliced"]


@needs_shared
def test_real_files_repeated_slugs_are_merged():
    result = import_files([SHARED / "ingredients_catalog.json"])

    assert any("repeats the slug" in note for note in result.dataset.notes)
    poppy = Ingredient.objects.get(slug="poppy_seeds")
    assert poppy.category == "Nuts & Seeds"
    assert poppy.density_g_per_ml is not None
