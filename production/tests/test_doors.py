"""Every rule holds through every door: the admin's forms and actions,
posted as a browser posts them, as well as the services."""

import datetime
import json
from decimal import Decimal

import pytest
from django.contrib import admin
from django.urls import reverse

from bakery.testing import form_data
from events.models import Assignment, PackageItem
from pantry.models import Ingredient, Lot, Product, Recipe, StockUnitChange
from pantry.services import adjust_lot, record_purchase
from pantry.tests.factories import IngredientFactory, LotFactory, ProductFactory
from production.dataio import ImportFailed, import_files
from production.models import ConsumptionLine, ProductionRecord
from production.services import (
    change_stock_unit,
    record_production,
    reverse_production,
    update_package_status,
)

pytestmark = pytest.mark.django_db

D = Decimal


def change_url(obj) -> str:
    opts = obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])


def change_form(client, obj) -> dict[str, list[str]]:
    """What the object's admin change form submits unchanged."""
    page = client.get(change_url(obj))
    assert page.status_code == 200
    return form_data(page.content.decode(), form_id=f"{obj._meta.model_name}_form")


def post_change_form(client, obj, **changes):
    """Posts the object's admin change form back with `changes`, as a
    browser would."""
    url = change_url(obj)
    data = change_form(client, obj)
    for name, value in changes.items():
        data[name] = [str(value)]
    return client.post(url, data)


def errors(html):
    import re

    return re.findall(r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', html, re.S)


def assert_ledgers_hold():
    """remaining = purchased + movements, for quantity and cost; every
    production's cost is the sum of its lines."""
    for lot in Lot.objects.prefetch_related("movements"):
        moves = list(lot.movements.all())
        assert lot.quantity_remaining == lot.quantity_purchased + sum(
            (m.quantity for m in moves), D(0)
        ), lot
        assert lot.cost_remaining == lot.total_cost + sum(
            (m.cost for m in moves), D(0)
        ), lot
    for record in ProductionRecord.objects.prefetch_related("lines"):
        assert record.actual_cost == sum(
            (line.cost for line in record.lines.all()), D(0)
        )
    for line in ConsumptionLine.objects.select_related("movement"):
        assert line.quantity == -line.movement.quantity


def bake_and_assemble(bakery):
    record_production(event=bakery["event"], recipe=bakery["cookies"], batches=1)
    tin = bakery["tins"][0]
    update_package_status(assignment=tin, status="assembled")
    return tin


# --- stock unit -------------------------------------------------------------------


def test_stock_unit_change_in_the_admin_converts_lots_movements_and_lines(
    admin_client, bakery, django_assert_max_num_queries
):
    record_production(event=bakery["event"], recipe=bakery["cookies"], batches=3)
    adjust_lot(lot=bakery["new_flour"], kind="waste", quantity=D(5), reason="spill")
    flour = bakery["flour"]
    on_hand = sum(lot.quantity_remaining for lot in flour.lots.all())
    costs = sorted(Lot.objects.filter(ingredient=flour).values_list("cost_remaining"))

    response = post_change_form(admin_client, flour, stock_unit="kg")

    assert response.status_code == 302, errors(response.content.decode())
    flour.refresh_from_db()
    assert flour.stock_unit == "kg"
    lots = list(flour.lots.order_by("purchased_on"))
    assert [lot.quantity_purchased for lot in lots] == [D(1), D(2)]
    assert sum(lot.quantity_remaining for lot in lots) == (on_hand / 1000).quantize(
        D("0.001")
    )
    assert (
        sorted(Lot.objects.filter(ingredient=flour).values_list("cost_remaining"))
        == costs
    )
    change = StockUnitChange.objects.get()
    assert (change.from_unit, change.to_unit, change.lots) == ("g", "kg", 2)
    assert change.changed_by.username == "admin"
    assert_ledgers_hold()
    # the recipe still asks for 2 cups, now counted in kg
    record = record_production(
        event=bakery["event"], recipe=bakery["cookies"], batches=1
    )
    assert sum(line.quantity for line in record.lines.filter(ingredient=flour)) == D(
        "0.251"
    )


def test_stock_unit_change_without_a_density_is_refused_naming_it(
    admin_client, database_snapshot
):
    butter = IngredientFactory(name="Butter")
    LotFactory(ingredient=butter, quantity_purchased=D(700))
    before = database_snapshot()

    response = post_change_form(admin_client, butter, stock_unit="ml")

    assert response.status_code == 200
    assert "Set a density for Butter" in response.content.decode()
    butter.refresh_from_db()
    assert butter.stock_unit == "g"
    assert database_snapshot() == before
    assert not StockUnitChange.objects.exists()


def test_stock_unit_change_refuses_movements_that_would_round_to_nothing(bakery):
    salt = IngredientFactory(name="Salt")
    lot = LotFactory(ingredient=salt, quantity_purchased=D(100))
    adjust_lot(lot=lot, kind="waste", quantity=D("0.4"), reason="pinch")

    with pytest.raises(Exception, match=r"waste of 0.4 g is less than 0.001 kg"):
        change_stock_unit(ingredient=salt, unit="kg")

    salt.refresh_from_db()
    assert salt.stock_unit == "g"
    assert Lot.objects.get(pk=lot.pk).quantity_remaining == D("99.6")


def test_stock_unit_change_dry_run_writes_nothing(bakery):
    conversion = change_stock_unit(ingredient=bakery["flour"], unit="lb", dry_run=True)

    assert conversion.on_hand_after == D("6.614")  # 3000 g
    assert Ingredient.objects.get(pk=bakery["flour"].pk).stock_unit == "g"
    assert not StockUnitChange.objects.exists()


def test_a_model_form_cannot_change_the_stock_unit_of_lots(bakery):
    flour = bakery["flour"]
    flour.stock_unit = "kg"

    with pytest.raises(Exception, match="changes only with every lot converted"):
        flour.full_clean()


# --- assembled and delivered packages ------------------------------------------


def test_assembled_assignment_is_read_only_in_its_admin_form(admin_client, bakery):
    tin = bake_and_assemble(bakery)

    response = post_change_form(
        admin_client,
        tin,
        quantity=40,
        package=bakery["bags"].package.pk,
        delivery_note="left with a neighbour",
    )

    assert response.status_code == 302
    tin.refresh_from_db()
    assert (tin.quantity, tin.package.name) == (1, "Cookie tin")
    assert tin.delivery_note == "left with a neighbour"


def test_assembled_assignment_cannot_be_deleted_in_the_admin(admin_client, bakery):
    tin = bake_and_assemble(bakery)
    delete_url = reverse("admin:events_assignment_delete", args=[tin.pk])

    assert admin_client.post(delete_url, {"post": "yes"}).status_code == 403
    response = admin_client.post(
        reverse("admin:events_assignment_changelist"),
        {"action": "delete_selected", "_selected_action": [tin.pk], "post": "yes"},
    )

    assert response.status_code in (200, 302, 403)
    assert Assignment.objects.filter(pk=tin.pk).exists()


def test_assembled_assignment_stays_in_the_event_inline(admin_client, bakery):
    tin = bake_and_assemble(bakery)
    url = change_url(bakery["event"])
    data = change_form(admin_client, bakery["event"])
    prefix = next(
        name.removesuffix("-id")
        for name, values in data.items()
        if name.endswith("-id") and values == [str(tin.pk)]
    )
    data[f"{prefix}-quantity"] = ["40"]

    admin_client.post(url, data)
    data[f"{prefix}-DELETE"] = ["on"]
    response = admin_client.post(url, data)

    assert response.status_code == 200
    text = response.content.decode()
    # refused by the formset's rule, or by the allocations it holds
    assert "is assembled: it cannot be removed" in text or "protected" in text
    tin.refresh_from_db()
    assert tin.quantity == 1


def test_assignment_model_guard_refuses_changes_once_assembled(bakery):
    tin = bake_and_assemble(bakery)
    tin.quantity = 40

    with pytest.raises(Exception, match="quantity stays as it is"):
        tin.full_clean()


def test_package_contents_stay_while_assembled_packages_hold_them(admin_client, bakery):
    tin = bake_and_assemble(bakery)
    item = PackageItem.objects.get(package=tin.package)
    url = change_url(tin.package)
    data = change_form(admin_client, tin.package)
    prefix = next(
        name.removesuffix("-id")
        for name, values in data.items()
        if name.endswith("-id") and values == [str(item.pk)]
    )
    data[f"{prefix}-quantity"] = ["100"]

    response = admin_client.post(url, data)

    assert response.status_code == 200
    text = response.content.decode()
    assert "Cookie tin cannot change its contents" in text
    assert "Cookie tin for Recipient" in text
    item.refresh_from_db()
    assert item.quantity == 12


def test_package_contents_change_freely_while_none_is_assembled(admin_client, bakery):
    item = PackageItem.objects.get(package__name="Cookie tin")

    prefix = "items-0"
    response = post_change_form(
        admin_client, item.package, **{f"{prefix}-quantity": 10}
    )

    assert response.status_code == 302
    item.refresh_from_db()
    assert item.quantity == 10


@pytest.mark.parametrize("new_yield", ["1", ""])
def test_recipe_yield_stays_while_assembled_packages_hold_it(
    admin_client, bakery, new_yield
):
    bake_and_assemble(bakery)
    cookies = bakery["cookies"]

    response = post_change_form(admin_client, cookies, yield_quantity=new_yield)

    assert response.status_code == 200
    assert "The yield of Chocolate chip cannot change" in response.content.decode()
    assert Recipe.objects.get(pk=cookies.pk).yield_quantity == 48


def test_recipe_other_fields_change_while_packages_are_assembled(admin_client, bakery):
    bake_and_assemble(bakery)

    response = post_change_form(admin_client, bakery["cookies"], notes="Chill first.")

    assert response.status_code == 302, errors(response.content.decode())
    assert Recipe.objects.get(pk=bakery["cookies"].pk).notes == "Chill first."


# --- products, reversals, dates, submission keys --------------------------------


def test_product_with_lots_keeps_its_ingredient(admin_client, bakery):
    product = ProductFactory(ingredient=bakery["flour"])
    LotFactory(ingredient=bakery["flour"], product=product)

    response = post_change_form(admin_client, product, ingredient=bakery["sugar"].pk)

    assert response.status_code == 200
    assert "stays a product of Flour, all-purpose" in response.content.decode()
    assert Product.objects.get(pk=product.pk).ingredient == bakery["flour"]


def test_reversal_after_a_count_correction_returns_what_fits(bakery):
    record = record_production(
        event=bakery["event"], recipe=bakery["cookies"], batches=1
    )
    old_flour = Lot.objects.get(pk=bakery["old_flour"].pk)
    used = old_flour.quantity_purchased - old_flour.quantity_remaining
    # counted: the bag is fuller than the ledger says
    adjust_lot(
        lot=old_flour, kind="correction", quantity=D(1000) - used / 2, reason="count"
    )

    reverse_production(record=record, reason="recorded by mistake")

    old_flour.refresh_from_db()
    assert old_flour.quantity_remaining == old_flour.quantity_purchased
    assert old_flour.cost_remaining == old_flour.total_cost
    returned = old_flour.movements.get(kind="reversal")
    assert returned.quantity == used / 2
    assert "not returned: the lot was counted since" in returned.note
    assert_ledgers_hold()


def test_reversal_after_a_full_count_correction_moves_nothing_on_that_lot(bakery):
    record = record_production(
        event=bakery["event"], recipe=bakery["cookies"], batches=1
    )
    old_flour = Lot.objects.get(pk=bakery["old_flour"].pk)
    adjust_lot(lot=old_flour, kind="correction", quantity=D(1000), reason="count")

    reverse_production(record=record)

    assert not old_flour.movements.filter(kind="reversal").exists()
    assert Lot.objects.get(pk=bakery["sugar_lot"].pk).quantity_remaining == D(2000)
    assert ProductionRecord.objects.get(pk=record.pk).is_reversed
    assert_ledgers_hold()


def test_reversal_after_correction_through_the_admin_action(admin_client, bakery):
    record = record_production(
        event=bakery["event"], recipe=bakery["cookies"], batches=1
    )
    adjust_lot(lot=bakery["old_flour"], kind="correction", quantity=D(1000), reason="c")

    response = admin_client.post(
        reverse("admin:production_productionrecord_changelist"),
        {"action": "reverse", "_selected_action": [record.pk]},
        follow=True,
    )

    assert response.status_code == 200
    assert ProductionRecord.objects.get(pk=record.pk).is_reversed
    assert_ledgers_hold()


@pytest.mark.parametrize("purchased_on", ["9999-12-31", "2027-01-01"])
def test_purchase_dated_in_the_future_is_refused_in_the_admin(
    admin_client, bakery, purchased_on
):
    response = admin_client.post(
        reverse("admin:pantry_lot_add"),
        {
            "ingredient": bakery["flour"].pk,
            "purchased_on": purchased_on,
            "quantity": "1",
            "unit": "kg",
            "total_cost": "2.00",
        },
    )

    assert response.status_code == 200
    assert "is in the future" in response.content.decode()
    assert Lot.objects.count() == 3


def test_purchase_dated_tomorrow_is_allowed(bakery):
    tomorrow = datetime.date.today() + datetime.timedelta(days=1)

    lot = record_purchase(
        ingredient=bakery["flour"],
        quantity=D(1),
        total_cost=D(1),
        purchased_on=tomorrow,
    )

    assert lot.purchased_on == tomorrow


def test_submission_key_reused_for_another_recipe_is_refused(bakery, database_snapshot):
    record_production(
        event=bakery["event"], recipe=bakery["cookies"], batches=1, submission_key="k1"
    )
    other = Recipe.objects.create(
        name="Shortbread", slug="shortbread", yield_quantity=24
    )
    before = database_snapshot()

    with pytest.raises(Exception, match=r"recorded 1 batch\(es\) of Chocolate chip"):
        record_production(
            event=bakery["event"], recipe=other, batches=1, submission_key="k1"
        )
    with pytest.raises(Exception, match="cannot record anything else"):
        record_production(
            event=bakery["event"],
            recipe=bakery["cookies"],
            batches=2,
            submission_key="k1",
        )

    assert database_snapshot() == before


def test_submission_key_reused_through_the_page_says_nothing_was_recorded(
    admin_client, bakery
):
    event, cookies = bakery["event"], bakery["cookies"]
    other = Recipe.objects.create(
        name="Shortbread", slug="shortbread", yield_quantity=24
    )
    url = reverse("production:record", args=[event.pk, cookies.pk])
    admin_client.post(url, {"batches": "1", "submission_key": "k1"})

    response = admin_client.post(
        reverse("production:record", args=[event.pk, other.pk]),
        {"batches": "1", "submission_key": "k1"},
    )

    text = response.content.decode()
    assert "Recorded 1 batch of Shortbread" not in text
    assert "cannot record anything else" in text
    assert ProductionRecord.objects.count() == 1


# --- every admin form -----------------------------------------------------------


@pytest.fixture
def season(bakery):
    """One of everything: a production, an assembled and a delivered package,
    a reversed record, waste, a product, a stock unit change."""
    record_production(event=bakery["event"], recipe=bakery["cookies"], batches=2)
    undone = record_production(
        event=bakery["event"], recipe=bakery["cookies"], batches=1
    )
    reverse_production(record=undone, reason="test")
    tins = bakery["tins"]
    update_package_status(assignment=tins[0], status="assembled")
    update_package_status(assignment=tins[1], status="assembled")
    update_package_status(assignment=tins[1], status="delivered", note="porch")
    adjust_lot(lot=bakery["sugar_lot"], kind="waste", quantity=D(5), reason="spill")
    ProductFactory(ingredient=bakery["flour"], package_unit="lb", package_quantity=5)
    eggs = IngredientFactory(name="Eggs", stock_unit="each", grams_per_each=D(50))
    LotFactory(ingredient=eggs, quantity_purchased=D(12))
    change_stock_unit(ingredient=eggs, unit="g")
    return bakery


def test_every_admin_change_form_posted_with_its_own_values_never_fails(
    admin_client, season
):
    assert_ledgers_hold()
    checked = []
    for model in admin.site._registry:
        for obj in model._default_manager.all()[:3]:
            url = change_url(obj)
            response = admin_client.post(url, change_form(admin_client, obj))
            assert response.status_code in (302, 403), (url, response.status_code)
            if response.status_code == 302:
                checked.append(model.__name__)
    assert_ledgers_hold()
    assert {
        "Ingredient",
        "Product",
        "Lot",
        "Recipe",
        "Recipient",
        "Package",
        "Event",
        "Assignment",
    } <= set(checked)


# --- imports -----------------------------------------------------------------------


def import_season(tmp_path, **sections):
    path = tmp_path / "season.json"
    path.write_text(json.dumps({"format": "bakery", "version": 1, **sections}))
    return path


def tin_assignment_row(tin, quantity):
    return {
        "event": tin.event.name,
        "event_date": tin.event.date.isoformat(),
        "recipient": tin.recipient.name,
        "package": tin.package.name,
        "quantity": quantity,
    }


@pytest.mark.parametrize("dry_run", [True, False])
def test_import_cannot_change_a_delivered_assignment(
    tmp_path, bakery, database_snapshot, dry_run
):
    tin = bake_and_assemble(bakery)
    update_package_status(assignment=tin, status="delivered")
    path = import_season(tmp_path, assignments=[tin_assignment_row(tin, 40)])
    before = database_snapshot()

    with pytest.raises(ImportFailed) as raised:
        import_files([path], dry_run=dry_run)

    [problem] = raised.value.problems
    assert (problem.source, problem.field) == ("season.json assignments[0]", "quantity")
    assert "is delivered: its quantity stays as it is" in problem.reason
    assert database_snapshot() == before


@pytest.mark.parametrize("dry_run", [True, False])
def test_import_cannot_change_contents_or_yield_under_assembled_packages(
    tmp_path, bakery, dry_run
):
    bake_and_assemble(bakery)
    cookies = bakery["cookies"]
    path = import_season(
        tmp_path,
        recipes=[
            {
                "slug": cookies.slug,
                "name": cookies.name,
                "yield_quantity": "1",
                "lines": [
                    {
                        "ingredient": line.ingredient.slug,
                        "quantity": str(line.quantity),
                        "unit": line.unit,
                    }
                    for line in cookies.lines.all()
                ],
            }
        ],
        packages=[
            {
                "name": "Cookie tin",
                "items": [{"recipe": cookies.slug, "quantity": "100"}],
            }
        ],
    )

    with pytest.raises(ImportFailed) as raised:
        import_files([path], dry_run=dry_run)

    reasons = {problem.field: problem.reason for problem in raised.value.problems}
    assert "The yield of Chocolate chip cannot change" in reasons["yield_quantity"]
    assert "Cookie tin cannot change its contents" in reasons["items"]
    assert Recipe.objects.get(pk=cookies.pk).yield_quantity == 48
    assert PackageItem.objects.get(package__name="Cookie tin").quantity == 12


def test_import_cannot_change_the_stock_unit_of_an_ingredient_with_lots(
    tmp_path, bakery, database_snapshot
):
    flour = bakery["flour"]
    path = import_season(
        tmp_path,
        ingredients=[{"slug": flour.slug, "name": flour.name, "stock_unit": "kg"}],
    )
    before = database_snapshot()

    with pytest.raises(ImportFailed) as raised:
        import_files([path])

    assert "changes only with every lot converted" in str(raised.value.problems[0])
    assert Ingredient.objects.get(pk=flour.pk).stock_unit == "g"
    assert database_snapshot() == before


def test_stock_unit_change_refuses_quantities_wider_than_their_column(bakery):
    sugar = bakery["sugar"]
    LotFactory(ingredient=sugar, quantity_purchased=D("99999999999"))

    with pytest.raises(Exception, match="more than a lot can hold"):
        change_stock_unit(ingredient=sugar, unit="ml")

    assert Ingredient.objects.get(pk=sugar.pk).stock_unit == "g"
