"""The import checks what it writes in bulk: what full_clean would say, in
queries that do not grow with the rows; and the database refusing a bulk
write still names the row."""

import copy
import datetime
import json
from decimal import Decimal

import pytest
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from events.models import Assignment, Event, Package, Recipient
from events.tests.factories import EventFactory, PackageFactory, RecipientFactory
from pantry.models import Ingredient, Lot, Product, Recipe
from pantry.tests.factories import FlourFactory, IngredientFactory, ProductFactory
from production.dataio import ImportFailed, import_files
from production.dataio.checks import check_writes
from production.dataio.plan import Pending, Plan
from production.dataio.rows import Problem
from production.dataio.sections.common import write_creates

pytestmark = pytest.mark.django_db

D = Decimal


def full_clean_problems(source, obj, exclude=()):
    """What Model.full_clean says of the object, as the import reports it."""
    try:
        obj.full_clean(exclude=set(exclude))
    except ValidationError as error:
        return [
            Problem(
                source,
                "" if name == NON_FIELD_ERRORS else name,
                None if name == NON_FIELD_ERRORS else getattr(obj, name, None),
                " ".join(messages),
            )
            for name, messages in error.message_dict.items()
        ]
    return []


def test_bulk_checks_say_what_full_clean_says():
    # given saved objects that new ones collide with, and new objects each
    # breaking a field, a model's clean, a check or a unique constraint
    flour = FlourFactory()
    sugar = IngredientFactory(name="Sugar", slug="sugar")
    ProductFactory(ingredient=flour, brand="KA", name="AP", is_preferred=True)
    RecipientFactory(name="Aunt Martha", household="")
    christmas = EventFactory(name="Christmas", date=datetime.date(2026, 12, 19))
    tin = PackageFactory(name="Tin")
    martha = Recipient.objects.get()
    new = [
        (Ingredient, {"slug": "flour-2", "name": flour.name, "stock_unit": "g"}),
        (Ingredient, {"slug": "b", "name": "B", "stock_unit": "cup"}),
        (Ingredient, {"slug": "c", "name": "C", "grams_per_each": D("-1")}),
        (
            Product,
            {
                "ingredient": flour,
                "brand": "KA",
                "name": "AP",
                "package_quantity": D("1000.000"),
                "package_unit": "g",
            },
        ),
        (
            Product,
            {
                "ingredient": flour,
                "brand": "KA",
                "name": "Bread",
                "package_quantity": D(1),
                "package_unit": "kg",
                "is_preferred": True,
            },
        ),
        (
            Product,
            {
                "ingredient": flour,
                "name": "Odd",
                "package_quantity": D(1),
                "package_unit": "handful",
            },
        ),
        (Recipe, {"slug": "r", "name": "R", "yield_quantity": D(0)}),
        (Recipient, {"name": "Aunt Martha", "household": ""}),
        (Event, {"name": "Christmas", "date": datetime.date(2026, 12, 19)}),
        (Package, {"name": "Tin"}),
        (
            Assignment,
            {
                "event": christmas,
                "recipient": martha,
                "package": tin,
                "status": "delivered",
            },
        ),
        (
            Lot,
            {
                "ingredient": flour,
                "purchased_on": datetime.date(2026, 11, 1),
                "quantity_purchased": D(1),
                "quantity_remaining": D(2),
                "total_cost": D(1),
                "cost_remaining": D(2),
                "is_priced": False,
            },
        ),
    ]
    pendings = [
        Pending(model, values, f"row {index}")
        for index, (model, values) in enumerate(new)
    ]
    renamed = copy.copy(sugar)
    renamed.name = flour.name
    unchanged = {f.name for f in Ingredient._meta.concrete_fields if f.name != "name"}
    expected = [
        problem
        for pending in pendings
        for problem in full_clean_problems(
            pending.source, pending.model(**pending.values)
        )
    ] + full_clean_problems("update row", renamed, unchanged)
    assert len(expected) > len(new)  # every object is refused, some twice

    # when the import checks them all at once
    with CaptureQueriesContext(connection) as queries:
        problems = check_writes(
            creates=pendings,
            planned={sugar: {"name": flour.name}},
            changed_by={sugar: "update row"},
            as_planned=lambda obj: renamed if obj == sugar else obj,
            refused=set(),
        )

    # then it says what full_clean says, asking the database once for each
    # unique field or constraint of a model (and Ingredient.clean of the
    # ingredient changed), never once an object
    assert problems == expected
    assert len(queries) <= 12


def test_objects_created_together_are_checked_against_each_other():
    # given two new packages of the same name, from two rows
    first = Pending(Package, {"name": "Tin"}, "packages.csv row 2")
    second = Pending(Package, {"name": "Tin"}, "packages.csv row 3")

    # when they are checked
    problems = check_writes(
        creates=[first, second],
        planned={},
        changed_by={},
        as_planned=lambda obj: obj,
        refused=set(),
    )

    # then the second is refused, naming the first
    assert problems == [
        Problem(
            "packages.csv row 3",
            "name",
            "Tin",
            "package with this name is created by packages.csv row 2 already",
        )
    ]


def season(events: int, recipients: int) -> dict:
    return {
        "format": "bakery",
        "version": 1,
        "recipients": [{"name": f"Recipient {n}"} for n in range(recipients)],
        "packages": [{"name": "Tin"}],
        "events": [
            {"name": f"Event {e}", "date": f"2026-12-{1 + e:02d}"}
            for e in range(events)
        ],
        "assignments": [
            {
                "event": f"Event {e}",
                "event_date": f"2026-12-{1 + e:02d}",
                "recipient": f"Recipient {n}",
                "package": "Tin",
                "quantity": 1 + n % 2,
            }
            for e in range(events)
            for n in range(recipients)
        ],
    }


@pytest.mark.parametrize("dry_run", [True, False], ids=["dry run", "real run"])
def test_import_queries_do_not_grow_with_the_rows(tmp_path, dry_run):
    # given a season of 1 assignment and one of 200
    one, many = tmp_path / "one.json", tmp_path / "many.json"
    one.write_text(json.dumps(season(1, 1)))
    many.write_text(json.dumps(season(10, 20)))

    # when each is imported into an empty database
    with CaptureQueriesContext(connection) as of_one:
        import_files([one], dry_run=True)
    with CaptureQueriesContext(connection) as of_many:
        result = import_files([many], dry_run=dry_run)

    # then the 231 rows take as many queries as the 4, but for the bulk
    # inserts SQLite splits by its 999 parameters (200 assignments: 3)
    assert result.plan.counts.created["assignments"] == 200
    assert len(of_many) <= len(of_one) + 3
    assert Assignment.objects.count() == (0 if dry_run else 200)


def test_a_bulk_insert_the_database_refuses_names_the_row():
    # given two new ingredients of the same slug that no check caught
    plan = Plan()
    plan.creates["ingredients"] = [
        Pending(Ingredient, {"slug": "rye", "name": "Rye"}, "season.json rows[0]"),
        Pending(Ingredient, {"slug": "rye", "name": "Rye 2"}, "season.json rows[1]"),
    ]

    # when they are written, in the import's transaction
    with pytest.raises(ImportFailed) as failed, transaction.atomic():
        write_creates(plan, section="ingredients")

    # then the import fails naming the second row, and nothing is written
    (problem,) = failed.value.problems
    assert problem.source == "season.json rows[1]"
    assert problem.reason.startswith("the database refused it:")
    assert not Ingredient.objects.exists()
