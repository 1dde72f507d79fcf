"""A backup (export_data) restored into an empty database (import_data) is
the same database: the same files, the same figures, the same history."""

import dataclasses
import datetime
import json
from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import models
from django.utils import timezone

from events.models import Assignment, Event
from events.tests.factories import (
    AssignmentFactory,
    EventFactory,
    PackageFactory,
    PackageItemFactory,
    RecipientFactory,
)
from pantry.models import Ingredient, Lot, Recipe, StockMovement
from pantry.selectors import get_pantry_totals
from pantry.services import adjust_lot, record_purchase
from pantry.tests.factories import (
    EggsFactory,
    FlourFactory,
    IngredientFactory,
    ProductFactory,
    RecipeFactory,
    RecipeLineFactory,
)
from production.dataio import ImportFailed, import_files
from production.dataio.backup import MODELS
from production.models import ProductionRecord
from production.selectors import (
    get_dashboard_summary,
    get_production_progress,
    get_recipe_cost_breakdown,
    production_history,
)
from production.services import (
    change_stock_unit,
    record_production,
    reverse_production,
    update_package_status,
)

pytestmark = pytest.mark.django_db

D = Decimal
User = get_user_model()


@pytest.fixture
def season():
    """A season with history, made through the services: lots bought the same
    day (a FIFO tie), an unpriced lot used first, waste and corrections both
    ways, a stock unit change, batches whole and part, a reversal, packages
    pending, assembled and delivered with a note, by two bakers; and an event
    with nothing planned."""
    alice = User.objects.create_user("alice", password="pw")
    bob = User.objects.create_user("bob", password="pw")
    today = timezone.localdate()
    day = today - datetime.timedelta(days=30)
    flour, eggs = FlourFactory(), EggsFactory()
    sugar = IngredientFactory(
        name="Sugar, granulated", slug="sugar", density_g_per_ml=D("0.845350")
    )
    butter = IngredientFactory(name="Butter", slug="butter")
    bag = ProductFactory(
        ingredient=flour,
        brand="King Arthur",
        name="AP flour",
        package_quantity=D(5),
        package_unit="lb",
        is_preferred=True,
    )
    record_purchase(
        ingredient=flour,
        product=bag,
        quantity=D(1),
        unit="lb",
        total_cost=D("2.99"),
        purchased_on=day,
    )
    second_flour = record_purchase(
        ingredient=flour,
        quantity=D(2000),
        total_cost=D("6.00"),
        purchased_on=day,
        supplier="Costco",
        expires_on=today + datetime.timedelta(days=200),
    )
    record_purchase(
        ingredient=sugar,
        quantity=D(300),
        total_cost=None,
        purchased_on=day - datetime.timedelta(days=10),
        notes="opening stock",
    )
    sugar_lot = record_purchase(
        ingredient=sugar, quantity=D(2000), total_cost=D("4.00"), purchased_on=day
    )
    record_purchase(
        ingredient=eggs, quantity=D(24), total_cost=D("7.20"), purchased_on=day
    )
    record_purchase(
        ingredient=butter,
        quantity=D(2),
        unit="lb",
        total_cost=D("9.00"),
        purchased_on=day,
    )
    adjust_lot(
        lot=second_flour, kind="waste", quantity=D(150), reason="mice", user=alice
    )
    adjust_lot(lot=second_flour, kind="correction", quantity=D(1900), reason="recount")
    adjust_lot(lot=sugar_lot, kind="correction", quantity=D(1800), reason="spilt")
    change_stock_unit(ingredient=butter, unit="kg", user=alice)

    cookies = RecipeFactory(name="Chocolate chip", slug="chocolate-chip")
    RecipeLineFactory(recipe=cookies, ingredient=flour, quantity=D(2), unit="cup")
    RecipeLineFactory(recipe=cookies, ingredient=sugar, quantity=D(1), unit="cup")
    RecipeLineFactory(recipe=cookies, ingredient=eggs, quantity=D(2), unit="each")
    RecipeLineFactory(recipe=cookies, ingredient=butter, quantity=D(100), unit="g")
    shortbread = RecipeFactory(name="Shortbread", slug="shortbread")
    RecipeLineFactory(recipe=shortbread, ingredient=flour, quantity=D(300), unit="g")
    RecipeLineFactory(recipe=shortbread, ingredient=butter, quantity=D(200), unit="g")
    tin = PackageFactory(name="Cookie tin")
    PackageItemFactory(package=tin, recipe=cookies, quantity=D(12))
    PackageItemFactory(package=tin, recipe=shortbread, quantity=D(6))
    christmas = EventFactory(name="Christmas", date=today + datetime.timedelta(20))
    EventFactory(name="New Year", date=today + datetime.timedelta(31))
    tins = [
        AssignmentFactory(event=christmas, package=tin, recipient=RecipientFactory())
        for _ in range(4)
    ]

    record_production(
        event=christmas,
        recipe=cookies,
        batches=2,
        user=alice,
        notes="first tray",
        produced_at=timezone.now() - datetime.timedelta(hours=5),
    )
    burnt = record_production(event=christmas, recipe=cookies, batches=1, user=alice)
    reverse_production(record=burnt, user=bob, reason="burnt")
    record_production(
        event=christmas, recipe=cookies, batches=D("0.5"), units_made=D(20), user=bob
    )
    record_production(event=christmas, recipe=shortbread, batches=1)
    update_package_status(assignment=tins[0], status="assembled", user=alice)
    update_package_status(
        assignment=tins[0], status="delivered", user=bob, note="left at the door"
    )
    update_package_status(assignment=tins[1], status="assembled", user=alice)
    return {"christmas": christmas}


def plain(value):
    """Figures as plain values: model instances as (model, id)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)
        }
    if isinstance(value, models.Model):
        return (type(value).__name__, value.pk)
    if isinstance(value, (list, tuple)):
        return tuple(plain(item) for item in value)
    if isinstance(value, dict):
        return {plain(key): plain(item) for key, item in value.items()}
    return value


def username(user):
    return user.username if user else None


def figures():
    """Every figure a baker sees: dashboard, each event's progress and cost
    breakdown, the pantry, the production history and every lot's ledger."""
    events = list(Event.objects.order_by("pk"))
    return {
        "dashboard": plain(get_dashboard_summary(include_complete=True)),
        "progress": [plain(get_production_progress(event=e)) for e in events],
        "breakdown": [plain(get_recipe_cost_breakdown(event=e)) for e in events],
        "pantry": plain(get_pantry_totals()),
        "history": [
            (
                record.pk,
                record.event_id,
                record.recipe_id,
                record.batches,
                record.units_made,
                record.actual_cost,
                record.produced_at,
                username(record.produced_by),
                record.notes,
                record.reversed_at,
                username(record.reversed_by),
                record.reversal_reason,
                [
                    (line.lot_id, line.ingredient_id, line.quantity, line.cost)
                    for line in record.lines.all()
                ],
            )
            for record in production_history().order_by("pk")
        ],
        "ledgers": [
            (
                m.pk,
                m.lot_id,
                m.kind,
                m.quantity,
                m.cost,
                m.created_at,
                username(m.created_by),
                m.note,
                m.reverses_id,
            )
            for m in StockMovement.objects.select_related("created_by").order_by("pk")
        ],
        "assignments": [
            (
                a.pk,
                a.status,
                a.assembled_at,
                a.delivered_at,
                username(a.status_changed_by),
                a.delivery_note,
                a.created_at,
            )
            for a in Assignment.objects.select_related("status_changed_by").order_by(
                "pk"
            )
        ],
        "lots": list(Lot.objects.order_by("pk").values()),
    }


def empty_the_database():
    """Every row of every backed-up model, and the users, deleted."""
    StockMovement.objects.update(reverses=None)
    for _, model in reversed(MODELS):
        model._base_manager.all().delete()
    User.objects.all().delete()


def backup_of(path):
    call_command("export_data", str(path))
    return json.loads(path.read_text())


def write(path, data):
    path.write_text(json.dumps(data))
    return path


def row_counts():
    return {section: model.objects.count() for section, model in MODELS}


# --- the round trip ----------------------------------------------------------


def test_backup_round_trip_gives_the_same_file_and_every_figure(season, tmp_path):
    first, second = tmp_path / "first.json", tmp_path / "second.json"
    before = figures()
    call_command("export_data", str(first))
    empty_the_database()

    call_command("import_data", str(first))

    call_command("export_data", str(second))
    assert first.read_bytes() == second.read_bytes()
    after = figures()
    for name, value in before.items():
        assert after[name] == value, name


def test_backup_holds_the_history_the_season_made(season, tmp_path):
    data = backup_of(tmp_path / "backup.json")

    assert (data["format"], data["version"], data["backup"]) == ("bakery", 2, True)
    kinds = {m["kind"] for m in data["stock_movements"]}
    assert kinds == {"consumption", "reversal", "waste", "correction"}
    assert {a["status"] for a in data["assignments"]} == {
        "pending",
        "assembled",
        "delivered",
    }
    [delivered] = [a for a in data["assignments"] if a["status"] == "delivered"]
    assert delivered["delivery_note"] == "left at the door"
    assert delivered["status_changed_by"] == "bob"
    [reversed_record] = [r for r in data["production_records"] if r["reversed_at"]]
    assert (reversed_record["reversed_by"], reversed_record["reversal_reason"]) == (
        "bob",
        "burnt",
    )
    assert [lot["is_priced"] for lot in data["lots"]].count(False) == 1
    assert len(data["stock_unit_changes"]) == 1
    assert len(data["frozen_planned_costs"]) == 2
    assert any(r["batches"] == "0.50" for r in data["production_records"])


def test_restore_keeps_ids_fifo_order_and_times(season, tmp_path):
    path = tmp_path / "backup.json"
    call_command("export_data", str(path))
    lots = list(Lot.objects.order_by("pk").values("pk", "purchased_on", "created_at"))
    frozen_at = list(
        season["christmas"].frozen_costs.order_by("pk").values_list("frozen_at")
    )
    empty_the_database()

    import_files([path])

    assert (
        list(Lot.objects.order_by("pk").values("pk", "purchased_on", "created_at"))
        == lots
    )
    assert (
        list(
            Event.objects.get(name="Christmas")
            .frozen_costs.order_by("pk")
            .values_list("frozen_at")
        )
        == frozen_at
    )
    flour = Ingredient.objects.get(slug="flour_all_purpose")
    same_day = [lot.pk for lot in Lot.objects.filter(ingredient=flour).fifo()]
    assert same_day == sorted(same_day)
    # the next row takes the next id, not one a restored row holds
    assert Recipe.objects.create(name="New", slug="new").pk > max(
        Recipe.objects.exclude(slug="new").values_list("pk", flat=True)
    )


def test_restore_creates_missing_users_inactive_without_a_password(
    season, tmp_path, capsys
):
    path = tmp_path / "backup.json"
    call_command("export_data", str(path))
    empty_the_database()
    User.objects.create_user("alice", password="pw")

    call_command("import_data", str(path))

    bob = User.objects.get(username="bob")
    assert not bob.is_active and not bob.has_usable_password()
    assert User.objects.get(username="alice").is_active
    assert "Created 1 inactive user(s)" in capsys.readouterr().out
    assert ProductionRecord.objects.filter(reversed_by=bob).count() == 1


# --- refusals ------------------------------------------------------------------


def test_restore_into_a_database_with_other_data_is_refused(season, tmp_path):
    path = tmp_path / "backup.json"
    call_command("export_data", str(path))
    RecipientFactory(name="Someone new")
    counts = row_counts()

    with pytest.raises(CommandError, match="1 problem"):
        call_command("import_data", str(path))

    assert row_counts() == counts
    with pytest.raises(ImportFailed) as refused:
        import_files([path])
    [problem] = refused.value.problems
    assert "restores only into an empty database" in problem.reason
    assert "recipients id" in problem.reason


def test_restore_of_the_data_held_already_changes_nothing(season, tmp_path, capsys):
    path = tmp_path / "backup.json"
    call_command("export_data", str(path))
    before = figures()

    call_command("import_data", str(path))

    assert "holds exactly the data of backup.json already" in capsys.readouterr().out
    assert figures() == before


def test_restore_of_a_broken_ledger_names_the_row_and_writes_nothing(season, tmp_path):
    data = backup_of(tmp_path / "backup.json")
    empty_the_database()
    data["lots"][1]["quantity_remaining"] = "1234.000"
    data["production_records"][0]["actual_cost"] = "0.0100"
    path = write(tmp_path / "edited.json", data)

    with pytest.raises(ImportFailed) as refused:
        import_files([path])

    problems = {(p.source, p.field): p.reason for p in refused.value.problems}
    assert set(problems) == {
        ("edited.json lots[1]", "quantity_remaining"),
        ("edited.json production_records[0]", "actual_cost"),
    }
    assert problems[("edited.json lots[1]", "quantity_remaining")].startswith(
        "is not its quantity_purchased (2000.000) plus its 7 stock movement(s)"
    )
    assert set(row_counts().values()) == {0}
    assert not User.objects.exists()


@pytest.mark.parametrize(
    ("section", "index", "name", "value", "reason"),
    [
        ("lots", 0, "total_cost", "12345678901.0000", "does not fit"),
        ("lots", 0, "ingredient", 999, "refers to no row of ingredients"),
        ("lots", 0, "purchased_on", "01/11/2026", "invalid date format"),
        ("lots", 0, "colour", "red", "is not a field of lots"),
        ("assignments", 0, "status", "lost", "not a valid choice"),
        ("assignments", 0, "quantity", "1.5", "is not a whole number"),
        ("ingredients", 1, "slug", "flour_all_purpose", "repeats"),
        ("production_records", 0, "produced_by", "", "is not a username"),
        ("recipes", 0, "id", None, "is required"),
    ],
)
def test_restore_refuses_a_hand_edited_value_by_row_and_field(
    season, tmp_path, section, index, name, value, reason
):
    data = backup_of(tmp_path / "backup.json")
    empty_the_database()
    data[section][index][name] = value
    path = write(tmp_path / "edited.json", data)

    with pytest.raises(ImportFailed) as refused:
        import_files([path])

    assert [
        (p.source, p.field) for p in refused.value.problems if reason in p.reason
    ] == [(f"edited.json {section}[{index}]", name)]
    assert set(row_counts().values()) == {0}


def test_restore_refused_by_a_database_rule_names_the_row(season, tmp_path):
    data = backup_of(tmp_path / "backup.json")
    empty_the_database()
    [index] = [i for i, a in enumerate(data["assignments"]) if a["delivered_at"]]
    data["assignments"][index]["delivered_at"] = None
    path = write(tmp_path / "edited.json", data)

    with pytest.raises(ImportFailed) as refused:
        import_files([path])

    [problem] = refused.value.problems
    assert problem.source == f"edited.json assignments[{index}]"
    assert "assignment_delivered_has_time" in problem.reason
    assert set(row_counts().values()) == {0}


def test_restore_dry_run_checks_everything_and_writes_nothing(season, tmp_path, capsys):
    path = tmp_path / "backup.json"
    call_command("export_data", str(path))
    empty_the_database()

    call_command("import_data", str(path), "--dry-run")

    out = capsys.readouterr().out
    assert "Would import (dry run, nothing written)" in out
    assert "lots: 6" in out
    assert set(row_counts().values()) == {0}
    assert not User.objects.exists()


def test_restore_dry_run_finds_what_the_database_refuses(season, tmp_path):
    data = backup_of(tmp_path / "backup.json")
    empty_the_database()
    for product in data["products"]:
        product["is_preferred"] = True
    data["products"].append({**data["products"][0], "id": 99, "name": "Other"})
    path = write(tmp_path / "edited.json", data)

    with pytest.raises(ImportFailed, match="nothing was imported"):
        import_files([path], dry_run=True)

    assert set(row_counts().values()) == {0}


def test_restore_of_a_backup_with_other_files_is_refused(season, tmp_path):
    path = tmp_path / "backup.json"
    call_command("export_data", str(path))
    other = write(tmp_path / "v1.json", {"format": "bakery", "version": 1})
    empty_the_database()

    with pytest.raises(ImportFailed) as refused:
        import_files([path, other])

    assert [p.source for p in refused.value.problems] == [str(path)]
    assert "restores on its own" in refused.value.problems[0].reason


# --- formats -----------------------------------------------------------------


def test_restore_of_a_backup_without_a_newer_field_takes_its_default(season, tmp_path):
    data = backup_of(tmp_path / "backup.json")
    empty_the_database()
    for ingredient in data["ingredients"]:
        del ingredient["needs_review"]
    path = write(tmp_path / "older.json", data)

    import_files([path])

    assert Ingredient.objects.count() == len(data["ingredients"])
    assert not Ingredient.objects.filter(needs_review=True).exists()


def test_import_of_a_version_1_file_still_works(tmp_path):
    path = write(
        tmp_path / "v1.json",
        {
            "format": "bakery",
            "version": 1,
            "ingredients": [{"slug": "flour", "name": "Flour", "stock_unit": "g"}],
            "lots": [
                {
                    "ingredient": "flour",
                    "purchased_on": "2026-11-01",
                    "quantity": "1000",
                    "total_cost": "2.50",
                }
            ],
        },
    )

    call_command("import_data", str(path))

    lot = Lot.objects.get()
    assert (lot.ingredient.slug, lot.quantity_remaining, lot.cost_remaining) == (
        "flour",
        D(1000),
        D("2.50"),
    )


def test_backup_covers_every_model_of_the_apps():
    backed_up = {model for _, model in MODELS}
    for label in ("pantry", "events", "production"):
        for model in apps.get_app_config(label).get_models():
            assert model in backed_up, f"{model.__name__} is not in backup.MODELS"


def test_backup_sections_come_after_what_they_refer_to():
    order = [model for _, model in MODELS]
    for position, model in enumerate(order):
        for field in model._meta.concrete_fields:
            if field.is_relation and field.related_model in order:
                assert order.index(field.related_model) <= position, (
                    f"{model.__name__}.{field.name}"
                )


def test_export_of_an_empty_database_restores_to_nothing(tmp_path):
    path = tmp_path / "empty.json"
    data = backup_of(path)

    import_files([path])

    assert all(data[section] == [] for section, _ in MODELS)
    assert set(row_counts().values()) == {0}
