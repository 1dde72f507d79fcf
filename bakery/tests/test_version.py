"""The data version: every write to what costs are worked out from moves
it, through every door, and estimates and planned costs are worked out once
per version. The tests commit, as the pages do: inside a transaction
nothing is kept."""

import datetime
from decimal import Decimal

import pytest
from django.core.management.sql import emit_post_migrate_signal
from django.db import connection, transaction

from bakery import version
from events.models import Assignment, FrozenPlannedCost
from events.selectors import get_planned_cost, get_planned_cost_by_event
from events.tests.factories import (
    AssignmentFactory,
    EventFactory,
    PackageFactory,
    PackageItemFactory,
    RecipientFactory,
)
from pantry.models import Ingredient, Lot, Product, Recipe, RecipeLine
from pantry.selectors import estimate_recipe_cost
from pantry.tests.factories import (
    IngredientFactory,
    LotFactory,
    ProductFactory,
    RecipeLineFactory,
)
from production.services import record_production, update_package_status

pytestmark = pytest.mark.django_db(transaction=True)

D = Decimal


@pytest.fixture
def recipe():
    """100 g of sugar a batch of 48; 1 kg in stock at $2.00; a product of sugar."""
    sugar = IngredientFactory(name="Sugar")
    ProductFactory(ingredient=sugar)
    LotFactory(ingredient=sugar, quantity_purchased=D(1000), total_cost=D("2.00"))
    return RecipeLineFactory(ingredient=sugar, quantity=D(100), unit="g").recipe


@pytest.fixture
def event(recipe):
    """One package of 48 cookies of the recipe given: one batch."""
    item = PackageItemFactory(recipe=recipe, quantity=D(48))
    return AssignmentFactory(package=item.package).event


def _raw_update():
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {Lot._meta.db_table} SET notes = 'raw'")


WRITES = {
    "a purchase": lambda recipe: LotFactory(),
    "QuerySet.update of lots": lambda recipe: Lot.objects.update(notes="counted"),
    "bulk_update of lots": lambda recipe: Lot.objects.bulk_update(
        [Lot(pk=lot.pk, notes="bulk") for lot in Lot.objects.all()], ["notes"]
    ),
    "raw SQL": lambda recipe: _raw_update(),
    "an ingredient saved": lambda recipe: Ingredient.objects.get().save(),
    "a product's price": lambda recipe: Product.objects.update(last_price=D(3)),
    "a product deleted": lambda recipe: Product.objects.all().delete(),
    "a recipe line added": lambda recipe: RecipeLineFactory(recipe=recipe),
    "recipe lines deleted": lambda recipe: RecipeLine.objects.all().delete(),
    "a recipe's yield": lambda recipe: Recipe.objects.update(yield_quantity=24),
    "a package given": lambda recipe: AssignmentFactory(),
    "a package's contents": lambda recipe: PackageItemFactory(recipe=recipe),
    "a planned cost kept": lambda recipe: FrozenPlannedCost.objects.create(
        event=EventFactory(), recipe=recipe, cost_per_batch=D(1)
    ),
}


@pytest.mark.parametrize("write", WRITES.values(), ids=WRITES.keys())
def test_every_write_to_what_costs_are_worked_out_from_moves_the_version(recipe, write):
    before = version.current()

    write(recipe)

    assert version.current() not in (before, None)


def test_writes_elsewhere_leave_the_version(recipe):
    before = version.current()

    EventFactory()
    RecipientFactory()

    assert version.current() == before


def test_a_package_marked_leaves_the_version_and_the_planned_cost_kept(
    recipe, event, django_assert_num_queries
):
    record_production(event=event, recipe=recipe, batches=1)
    assignment = event.assignments.get()
    get_planned_cost(event=event)
    before = version.current()

    update_package_status(assignment=assignment, status="assembled")
    update_package_status(assignment=assignment, status="delivered", note="porch")
    Assignment.objects.update(delivery_note="left on the porch")

    assert version.current() == before
    with django_assert_num_queries(1):  # the version
        get_planned_cost_by_event(events=[event])


@pytest.mark.parametrize("field", ["quantity", "package", "event"])
def test_a_package_given_counted_again_or_moved_moves_the_version(event, field):
    value = {"quantity": 2, "package": PackageFactory(), "event": EventFactory()}
    before = version.current()

    Assignment.objects.update(**{field: value[field]})

    assert version.current() not in (before, None)


def test_an_estimate_is_worked_out_once_per_version(recipe, django_assert_num_queries):
    first = estimate_recipe_cost(recipe=recipe, batches=D(2))

    with django_assert_num_queries(1):  # the version
        again = estimate_recipe_cost(recipe=recipe, batches=D(2))

    assert again == first
    assert again.total_cost == D("0.40")


def test_a_write_around_the_services_is_seen_at_once(recipe):
    estimate_recipe_cost(recipe=recipe)

    Lot.objects.update(total_cost=D("4.00"), cost_remaining=D("4.00"))

    assert estimate_recipe_cost(recipe=recipe).total_cost == D("0.40")


def test_a_rolled_back_write_leaves_no_estimate_behind(recipe):
    before = estimate_recipe_cost(recipe=recipe).total_cost

    with pytest.raises(RuntimeError), transaction.atomic():
        Lot.objects.update(total_cost=D("9.00"), cost_remaining=D("9.00"))
        assert estimate_recipe_cost(recipe=recipe).total_cost == D("0.90")
        raise RuntimeError("rolled back")

    assert estimate_recipe_cost(recipe=recipe).total_cost == before == D("0.20")


def test_a_planned_cost_is_worked_out_once_per_version(
    event, django_assert_num_queries
):
    first = get_planned_cost(event=event)

    with django_assert_num_queries(1):  # the version
        again = get_planned_cost_by_event(events=[event])[event.pk]

    assert again == first
    assert again.total == D("0.20")


def test_a_planned_cost_follows_the_packages_given(event):
    get_planned_cost(event=event)

    Assignment.objects.update(quantity=3)

    assert get_planned_cost(event=event).total == D("0.60")


def test_a_planned_cost_holds_the_event_asked_for(event):
    get_planned_cost(event=event)
    event.name = "Renamed, not saved"

    assert get_planned_cost(event=event).event.name == "Renamed, not saved"


def test_the_fifo_order_setting_is_part_of_what_is_kept(recipe, settings):
    sugar = Ingredient.objects.get()
    LotFactory(
        ingredient=sugar,
        purchased_on=datetime.date(2026, 11, 1),
        expires_on=datetime.date(2026, 11, 2),
        quantity_purchased=D(1000),
        total_cost=D("8.00"),
    )
    assert estimate_recipe_cost(recipe=recipe).total_cost == D("0.20")

    settings.FIFO_ORDER = "expiry"

    assert estimate_recipe_cost(recipe=recipe).total_cost == D("0.80")


def _triggers() -> set[tuple[str, str]]:
    """(table, trigger) of the pantry version's triggers."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT tbl_name, name FROM sqlite_master WHERE type = 'trigger' "
                "AND name LIKE %s",
                [f"{version.TABLE}%"],
            )
        else:
            cursor.execute(
                "SELECT tgrelid::regclass::text, tgname FROM pg_trigger "
                "WHERE tgname LIKE %s",
                [f"{version.TABLE}%"],
            )
        return set(cursor.fetchall())


def _expected(tables) -> set[tuple[str, str]]:
    if connection.vendor == "sqlite":
        return {
            (table, f"{version.TABLE}_{table}_{event}")
            for table in tables
            for event in ("insert", "update", "delete")
        }
    names = (version.TABLE, f"{version.TABLE}_truncate")
    return {(table, name) for table in tables for name in names}


def _drop_triggers() -> None:
    with connection.cursor() as cursor:
        for table, name in _triggers():
            on = f" ON {table}" if connection.vendor == "postgresql" else ""
            cursor.execute(f"DROP TRIGGER {name}{on}")


def test_every_migrate_puts_back_the_triggers_a_table_rebuild_drops():
    assert _triggers() == _expected(version.watched_tables())
    _drop_triggers()
    assert _triggers() == set()

    try:
        emit_post_migrate_signal(verbosity=0, interactive=False, db=connection.alias)

        assert _triggers() == _expected(version.watched_tables())
    finally:
        version.install(using=connection.alias)


def test_a_migrate_before_the_pantry_tables_exist_leaves_them_for_later(
    monkeypatch,
):
    watched = version.watched_tables()
    monkeypatch.setattr(version, "watched_tables", lambda: (*watched, "not_made_yet"))

    version.install(using=connection.alias)

    assert _triggers() == _expected(watched)
