import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission, User
from django.urls import reverse

from bakery.testing import queries_for
from pantry.models import (
    Ingredient,
    Lot,
    MovementKind,
    Recipe,
    RecipeLine,
    StockMovement,
)
from pantry.services import consume_fifo
from pantry.tests.factories import (
    FlourFactory,
    IngredientFactory,
    LotFactory,
    ProductFactory,
    RecipeFactory,
    RecipeLineFactory,
)

pytestmark = pytest.mark.django_db

D = Decimal


def make_rows(count):
    """`count` ingredients, each with a product, two lots (one partly used)
    and a recipe line."""
    for _ in range(count):
        ingredient = IngredientFactory()
        ProductFactory(ingredient=ingredient, is_preferred=True)
        LotFactory(ingredient=ingredient)
        LotFactory(ingredient=ingredient)
        consume_fifo(ingredient=ingredient, quantity=D(10))
        RecipeLineFactory(ingredient=ingredient)


CHANGELISTS = ["ingredient", "product", "lot", "stockmovement", "recipe"]


@pytest.mark.parametrize("model", CHANGELISTS)
def test_changelist_query_count_does_not_grow_with_rows(admin_client, model):
    url = reverse(f"admin:pantry_{model}_changelist")
    make_rows(1)
    few = queries_for(admin_client, url)

    make_rows(25)
    many = queries_for(admin_client, url)

    assert many == few


@pytest.mark.parametrize("model", CHANGELISTS)
def test_changelist_search_and_filters_load(admin_client, model):
    make_rows(2)
    url = reverse(f"admin:pantry_{model}_changelist")

    response = admin_client.get(url, {"q": "Ingredient"})

    assert response.status_code == 200


def test_ingredient_changelist_shows_stock_in_packages(admin_client):
    flour = FlourFactory()
    ProductFactory(
        ingredient=flour, package_quantity=D(5), package_unit="lb", is_preferred=True
    )
    LotFactory(
        ingredient=flour, quantity_purchased=D("5669.905"), total_cost=D("14.80")
    )

    response = admin_client.get(reverse("admin:pantry_ingredient_changelist"))

    assert "2.5 bags (5.67 kg)" in response.content.decode()
    assert "$14.80" in response.content.decode()


def test_ingredient_change_page_query_count_does_not_grow_with_products(admin_client):
    flour = FlourFactory()
    ProductFactory(ingredient=flour)
    url = reverse("admin:pantry_ingredient_change", args=[flour.pk])
    few = queries_for(admin_client, url)

    ProductFactory.create_batch(12, ingredient=flour)

    assert queries_for(admin_client, url) == few


def test_recipe_change_page_query_count_does_not_grow_with_lines(admin_client):
    recipe = RecipeFactory()
    RecipeLineFactory(recipe=recipe, ingredient=LotFactory().ingredient)
    url = reverse("admin:pantry_recipe_change", args=[recipe.pk])
    few = queries_for(admin_client, url)

    for _ in range(12):
        RecipeLineFactory(recipe=recipe, ingredient=LotFactory().ingredient)

    assert queries_for(admin_client, url) == few


def test_lot_change_page_query_count_does_not_grow_with_movements(admin_client):
    lot = LotFactory()
    consume_fifo(ingredient=lot.ingredient, quantity=D(1))
    url = reverse("admin:pantry_lot_change", args=[lot.pk])
    few = queries_for(admin_client, url)

    for _ in range(12):
        consume_fifo(ingredient=lot.ingredient, quantity=D(1))

    assert queries_for(admin_client, url) == few


@pytest.mark.parametrize("model", ["ingredient", "product", "lot", "recipe"])
def test_add_pages_load(admin_client, model):
    assert admin_client.get(reverse(f"admin:pantry_{model}_add")).status_code == 200


def test_movement_change_page_is_read_only(admin_client):
    lot = LotFactory()
    [line] = consume_fifo(ingredient=lot.ingredient, quantity=D(1)).lines
    url = reverse("admin:pantry_stockmovement_change", args=[line.movement.pk])

    response = admin_client.get(url)

    assert response.status_code == 200
    assert b'name="quantity"' not in response.content
    assert admin_client.post(url, {"quantity": "5"}).status_code == 403


def test_recipe_change_page_shows_estimated_cost(admin_client):
    flour = FlourFactory()
    LotFactory(ingredient=flour, quantity_purchased=D(1000), total_cost=D("2.00"))
    recipe = RecipeLineFactory(ingredient=flour, quantity=D(250), unit="g").recipe

    response = admin_client.get(reverse("admin:pantry_recipe_change", args=[recipe.pk]))

    assert "$0.50" in response.content.decode()


def test_admin_add_lot_records_a_purchase_in_the_stock_unit(admin_client):
    flour = FlourFactory()
    bag = ProductFactory(ingredient=flour, package_quantity=D(25), package_unit="lb")

    response = admin_client.post(
        reverse("admin:pantry_lot_add"),
        {
            "ingredient": flour.pk,
            "product": bag.pk,
            "purchased_on": "2026-11-20",
            "quantity": "25",
            "unit": "lb",
            "total_cost": "18.49",
            "supplier": "Costco",
            "notes": "",
            "movements-TOTAL_FORMS": "0",
            "movements-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    lot = Lot.objects.get()
    assert (lot.quantity_purchased, lot.quantity_remaining) == (D("11339.809"),) * 2
    assert (lot.total_cost, lot.cost_remaining) == (D("18.49"),) * 2
    assert response.url == reverse("admin:pantry_lot_changelist")


def test_admin_add_lot_with_unconvertible_unit_shows_error_and_saves_nothing(
    admin_client,
):
    flour = FlourFactory(density_g_per_ml=None)

    response = admin_client.post(
        reverse("admin:pantry_lot_add"),
        {
            "ingredient": flour.pk,
            "purchased_on": "2026-11-20",
            "quantity": "2",
            "unit": "cups",
            "total_cost": "1.00",
            "movements-TOTAL_FORMS": "0",
            "movements-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 200
    form = response.context["adminform"].form
    assert form.errors["unit"] == [
        "Set a density for Flour, all-purpose to convert cup to g."
    ]
    assert not Lot.objects.exists()


def test_admin_lot_change_keeps_quantities_and_costs_read_only(admin_client):
    lot = LotFactory(quantity_purchased=D(1000), total_cost=D(10))
    url = reverse("admin:pantry_lot_change", args=[lot.pk])

    response = admin_client.post(
        url,
        {
            "purchased_on": "2026-02-01",
            "quantity_remaining": "5",
            "cost_remaining": "0",
            "supplier": "Mill",
            "notes": "",
            "movements-TOTAL_FORMS": "0",
            "movements-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 302
    lot.refresh_from_db()
    assert lot.supplier == "Mill"
    assert (lot.quantity_remaining, lot.cost_remaining) == (D(1000), D(10))


def test_admin_adjust_stock_writes_a_movement_with_its_reason(admin_client):
    lot = LotFactory(
        ingredient=FlourFactory(), quantity_purchased=D(1000), total_cost=D(4)
    )
    url = reverse("admin:pantry_lot_adjust", args=[lot.pk])
    assert admin_client.get(url).status_code == 200

    response = admin_client.post(
        url, {"kind": "waste", "quantity": "250", "reason": "Weevils"}
    )

    assert response.status_code == 302
    movement = StockMovement.objects.get()
    assert (movement.kind, movement.quantity, movement.note) == (
        MovementKind.WASTE,
        D("-250"),
        "Weevils",
    )
    assert movement.created_by.username == "admin"
    lot.refresh_from_db()
    assert (lot.quantity_remaining, lot.cost_remaining) == (D(750), D(3))


def test_admin_adjust_stock_bad_input_shows_every_error_and_changes_nothing(
    admin_client,
):
    lot = LotFactory(
        ingredient=FlourFactory(), quantity_purchased=D(1000), total_cost=D(4)
    )
    url = reverse("admin:pantry_lot_adjust", args=[lot.pk])

    response = admin_client.post(
        url, {"kind": "waste", "quantity": "5000", "reason": "Spill"}
    )

    assert response.status_code == 200
    assert "Cannot waste 5 kg: the lot has 1 kg left." in response.content.decode()
    assert not StockMovement.objects.exists()

    response = admin_client.post(url, {"kind": "", "quantity": "", "reason": ""})
    assert set(response.context["form"].errors) == {"kind", "quantity", "reason"}


def test_admin_adjust_stock_needs_change_permission(client):
    lot = LotFactory()
    viewer = User.objects.create_user("viewer", password="pw", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_lot"))
    client.force_login(viewer)
    url = reverse("admin:pantry_lot_adjust", args=[lot.pk])

    assert client.get(url).status_code == 403
    assert (
        client.post(url, {"kind": "waste", "quantity": "1", "reason": "x"}).status_code
        == 403
    )
    assert not StockMovement.objects.exists()


def test_admin_ingredient_density_as_a_measure(admin_client):
    response = admin_client.post(
        reverse("admin:pantry_ingredient_add"),
        {
            "name": "Flour, bread",
            "slug": "flour_bread",
            "category": "Flours & Starches",
            "stock_unit": "g",
            "density_text": "1 cup = 4.42 oz",
            "density_g_per_ml": "",
            "products-TOTAL_FORMS": "0",
            "products-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 302
    assert Ingredient.objects.get().density_g_per_ml == D("0.529633")


def test_admin_ingredient_bad_density_text_is_explained(admin_client):
    response = admin_client.post(
        reverse("admin:pantry_ingredient_add"),
        {
            "name": "Flour, bread",
            "slug": "flour_bread",
            "stock_unit": "g",
            "density_text": "heavy",
            "products-TOTAL_FORMS": "0",
            "products-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 200
    assert "like “1 cup = 4.42 oz”" in response.content.decode()
    assert not Ingredient.objects.exists()


def test_admin_recipe_with_a_bad_line_unit_saves_nothing(admin_client):
    sugar = IngredientFactory(name="Sugar")

    response = admin_client.post(
        reverse("admin:pantry_recipe_add"),
        {
            "name": "Meringues",
            "slug": "meringues",
            "yield_quantity": "24",
            "yield_unit": "meringues",
            "lines-TOTAL_FORMS": "2",
            "lines-INITIAL_FORMS": "0",
            "lines-0-position": "1",
            "lines-0-ingredient": sugar.pk,
            "lines-0-quantity": "1",
            "lines-0-unit": "cup",
            "lines-1-position": "2",
            "lines-1-ingredient": sugar.pk,
            "lines-1-quantity": "1",
            "lines-1-unit": "handful",
        },
    )

    assert response.status_code == 200
    content = response.content.decode()
    assert "Set a density for Sugar to convert cup to g." in content
    assert "Unknown unit “handful”" in content
    assert not Recipe.objects.exists()
    assert not RecipeLine.objects.exists()


def test_deleting_an_ingredient_with_lots_is_refused(admin_client):
    lot = LotFactory()
    url = reverse("admin:pantry_ingredient_delete", args=[lot.ingredient.pk])

    response = admin_client.post(url, {"post": "yes"})

    assert response.status_code == 200
    assert "would require deleting the following protected related objects" in (
        response.content.decode()
    )
    assert Ingredient.objects.filter(pk=lot.ingredient.pk).exists()


def test_lots_list_in_fifo_order(admin_client):
    flour = FlourFactory()
    newer = LotFactory(ingredient=flour, purchased_on=datetime.date(2026, 3, 1))
    older = LotFactory(ingredient=flour, purchased_on=datetime.date(2026, 1, 1))

    response = admin_client.get(reverse("admin:pantry_lot_changelist"))

    assert list(response.context["cl"].result_list) == [older, newer]
