"""Lots on the baker's pages: the list, waste and count corrections, and
the ingredient page, through HTTP, per role."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils.html import strip_tags

from bakery.testing import form_data, login_as, queries_for
from pantry import units
from pantry.models import Ingredient, Lot, MovementKind, StockMovement
from pantry.tests.factories import (
    FlourFactory,
    IngredientFactory,
    LotFactory,
    ProductFactory,
)

# The baker posts as a browser does, with CSRF checks on.
pytestmark = [pytest.mark.django_db, pytest.mark.csrf_checks]

D = Decimal
HTMX = {"HTTP_HX_REQUEST": "true"}
LOTS = "/pantry/lots/"


@pytest.fixture
def flour_lot():
    """1 kg of flour bought for $10."""
    return LotFactory(
        ingredient=FlourFactory(),
        purchased_on=datetime.date(2026, 10, 12),
        quantity_purchased=D(1000),
        total_cost=D(10),
    )


def text_of(response) -> str:
    """The page's words as a reader sees them: no tags, single spaces."""
    return " ".join(strip_tags(response.content.decode()).split())


def rows_of(response) -> list[str]:
    """The lot ids of the lots table's rows, in order."""
    html = response.content.decode()
    return [part.split('"', 1)[0] for part in html.split('<tr id="lot-')[1:]]


def test_lots_list_newest_first_with_unpriced_and_used_up(client, flour_lot):
    login_as(client, "Viewer")
    old = LotFactory(purchased_on=datetime.date(2026, 1, 1), total_cost=None)

    response = client.get(LOTS)

    assert rows_of(response) == [str(flour_lot.pk), str(old.pk)]
    text = text_of(response)
    assert "12 Oct 2026" in text and "$10.00" in text
    assert '<span class="marker short">unpriced</span>' in response.content.decode()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"q": "creme"}, ["creme"]),
        ({"q": "FRAICHE costco"}, ["creme"]),
        ({"stock": "empty"}, ["empty"]),
        ({"stock": "in"}, ["creme", "flour"]),
        ({"priced": "no"}, ["flour"]),
        ({"category": "Dairy"}, ["creme", "empty"]),
        ({"bought_from": "2026-03-01"}, ["creme"]),
        ({"bought_to": "2026-02-15"}, ["flour", "empty"]),
    ],
)
def test_lots_list_filters(client, query, expected):
    login_as(client, "Viewer")
    creme = IngredientFactory(name="Crème fraîche", category="Dairy", stock_unit="ml")
    milk = IngredientFactory(name="Milk", category="Dairy", stock_unit="ml")
    lots = {
        "creme": LotFactory(
            ingredient=creme, purchased_on=datetime.date(2026, 3, 1), supplier="Costco"
        ),
        "flour": LotFactory(
            ingredient=FlourFactory(),
            purchased_on=datetime.date(2026, 2, 1),
            total_cost=None,
        ),
        "empty": LotFactory(ingredient=milk, purchased_on=datetime.date(2026, 1, 1)),
    }
    Lot.objects.filter(pk=lots["empty"].pk).update(
        quantity_remaining=0, cost_remaining=0
    )

    response = client.get(LOTS, query)

    assert rows_of(response) == [str(lots[name].pk) for name in expected]


def test_lots_list_sorts_and_pages(client):
    login_as(client, "Viewer")
    zest = LotFactory.create_batch(30, ingredient=IngredientFactory(name="Zest"))
    apples = LotFactory.create_batch(30, ingredient=IngredientFactory(name="Apples"))

    first = client.get(LOTS, {"sort": "ingredient"})
    second = client.get(LOTS, {"sort": "ingredient", "page": "2"})
    reversed_ = client.get(LOTS, {"sort": "-ingredient"})

    assert len(rows_of(first)) == 50 and len(rows_of(second)) == 10
    assert set(rows_of(first)[:30]) == {str(lot.pk) for lot in apples}
    assert set(rows_of(second)) <= {str(lot.pk) for lot in zest}
    assert set(rows_of(reversed_)[:30]) == {str(lot.pk) for lot in zest}
    # the page links keep the sort and lead back to the table
    assert 'href="?sort=ingredient&amp;page=2#lots-table"' in first.content.decode()


def test_lots_list_empty_says_what_to_do(client):
    login_as(client, "Baker")

    response = client.get(LOTS)

    assert 'No lots match. <a href="/pantry/buy/">Add a purchase</a>.' in (
        response.content.decode()
    )


def test_lots_list_queries_do_not_grow_with_the_lots(client):
    login_as(client, "Baker")
    product = ProductFactory()
    LotFactory(ingredient=product.ingredient, product=product)
    one = queries_for(client, LOTS)

    for _ in range(12):
        product = ProductFactory()
        LotFactory(ingredient=product.ingredient, product=product)

    assert queries_for(client, LOTS) == one


def adjust_data(client, lot, **values) -> dict:
    url = reverse("pantry:lot_adjust", args=[lot.pk]) + f"?next={LOTS}%3Fstock%3Din"
    data = form_data(client.get(url).content.decode(), "adjust-lot-form")
    data.update({name: [value] for name, value in values.items()})
    return data


def test_lot_adjust_writes_waste_with_its_reason(baker, flour_lot):
    data = adjust_data(baker, flour_lot, kind="waste", quantity="250", reason="mice")

    response = baker.post(reverse("pantry:lot_adjust", args=[flour_lot.pk]), data)

    assert response.status_code == 302
    assert response.url == f"{LOTS}?stock=in"
    flour_lot.refresh_from_db()
    assert (flour_lot.quantity_remaining, flour_lot.cost_remaining) == (
        D(750),
        D("7.5"),
    )
    movement = StockMovement.objects.get()
    assert (movement.kind, movement.quantity, movement.note) == (
        MovementKind.WASTE,
        D(-250),
        "mice",
    )
    assert movement.created_by.username == "baker"
    assert "now holds 750 g ($7.50)" in text_of(baker.get(response.url))


def test_lot_adjust_takes_a_count_in_another_unit(baker, flour_lot):
    data = adjust_data(
        baker,
        flour_lot,
        kind="correction",
        quantity="1",
        unit="lb",
        reason="counted on the shelf",
    )

    baker.post(reverse("pantry:lot_adjust", args=[flour_lot.pk]), data)

    flour_lot.refresh_from_db()
    assert flour_lot.quantity_remaining == D("453.592")


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        (
            {"kind": "waste", "quantity": "5000", "reason": "spilled"},
            "quantity",
            "Cannot waste 5 kg: the lot has 1 kg left.",
        ),
        (
            {"kind": "correction", "quantity": "1000", "reason": "counted"},
            "quantity",
            "The count is what the lot already holds: nothing to correct.",
        ),
        ({"kind": "waste", "quantity": "10", "reason": ""}, "reason", "required"),
        (
            {"kind": "waste", "quantity": "2", "unit": "cups of", "reason": "x"},
            "unit",
            "Unknown unit “cups of”.",
        ),
        (
            {"kind": "waste", "quantity": "2", "unit": "each", "reason": "x"},
            "unit",
            "Set a weight per each for Flour, all-purpose to convert each to g.",
        ),
    ],
)
def test_lot_adjust_errors_are_next_to_the_field_and_keep_what_was_typed(
    baker, flour_lot, values, field, message
):
    data = adjust_data(baker, flour_lot, **values)

    response = baker.post(reverse("pantry:lot_adjust", args=[flour_lot.pk]), data)

    assert response.status_code == 200
    assert not StockMovement.objects.exists()
    html = response.content.decode()
    start = html.index(f'id="id_{field}_error">')
    assert message in html[start : start + 200]
    assert f'name="quantity" value="{values["quantity"]}"' in html


def test_lot_adjust_panel_for_htmx_is_the_form_alone(baker, flour_lot):
    url = reverse("pantry:lot_adjust", args=[flour_lot.pk])

    response = baker.get(url, **HTMX)

    html = response.content.decode()
    assert "<html" not in html
    assert html.strip().startswith('<div class="panel adjust" id="adjust-form">')
    assert 'name="csrfmiddlewaretoken"' in html


def test_lot_adjust_goes_back_only_to_this_site(baker, flour_lot):
    url = reverse("pantry:lot_adjust", args=[flour_lot.pk])
    data = adjust_data(baker, flour_lot, kind="waste", quantity="1", reason="x")
    data["next"] = ["https://elsewhere.example/"]

    response = baker.post(url, data)

    assert response.url == LOTS


def test_lots_list_offers_waste_or_count_to_bakers_only(client, flour_lot):
    login_as(client, "Baker")
    button = f'href="/pantry/lots/{flour_lot.pk}/adjust/?next='

    assert button in client.get(LOTS).content.decode()
    client.logout()
    login_as(client, "Packer")
    assert button not in client.get(LOTS).content.decode()


@pytest.mark.parametrize("role", ["Viewer", "Packer"])
def test_readers_cannot_adjust_lots(client, flour_lot, role):
    login_as(client, role)
    url = reverse("pantry:lot_adjust", args=[flour_lot.pk])

    get = client.get(url)
    post = client.post(url, {"kind": "waste", "quantity": "10", "reason": "x"})

    assert (get.status_code, post.status_code) == (403, 403)
    assert not StockMovement.objects.exists()


@pytest.mark.parametrize("role", ["Viewer", "Packer", "Baker"])
def test_every_role_reads_lots_and_ingredients(client, flour_lot, role):
    login_as(client, role)

    for url in [LOTS, reverse("pantry:ingredient", args=[flour_lot.ingredient.slug])]:
        assert client.get(url).status_code == 200, url


def test_lot_pages_need_a_login(client, flour_lot):
    for url in [
        LOTS,
        reverse("pantry:lot_adjust", args=[flour_lot.pk]),
        reverse("pantry:ingredient", args=[flour_lot.ingredient.slug]),
    ]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("login")), url


def test_ingredient_page_shows_its_facts_products_and_lots(client):
    login_as(client, "Viewer")
    flour = FlourFactory()
    bag = ProductFactory(
        ingredient=flour,
        brand="King Arthur",
        name="AP flour",
        package_quantity=D(5),
        package_unit="lb",
        is_preferred=True,
    )
    ProductFactory(ingredient=flour, brand="Store", name="Flour")
    LotFactory(
        ingredient=flour,
        product=bag,
        purchased_on=datetime.date(2026, 11, 3),
        quantity_purchased=D("2267.962"),
        total_cost=D("4.99"),
    )

    response = client.get(reverse("pantry:ingredient", args=[flour.slug]))

    text = text_of(response)
    assert "1 cup weighs 4.42 oz (125 g)" in text
    assert "1 bag (2.27 kg) on hand in 1 lot, worth $4.99" in text
    assert "King Arthur AP flour preferred" in text
    assert "3 Nov 2026 $4.99 for 2.27 kg" in text
    assert "Store Flour 1,000 g bag never —" in text


def test_ingredient_page_queries_do_not_grow_with_products_and_lots(client):
    login_as(client, "Baker")
    flour = FlourFactory()
    url = reverse("pantry:ingredient", args=[flour.slug])
    product = ProductFactory(ingredient=flour)
    LotFactory(ingredient=flour, product=product)
    one = queries_for(client, url)

    for _ in range(8):
        product = ProductFactory(ingredient=flour)
        LotFactory.create_batch(2, ingredient=flour, product=product)

    assert queries_for(client, url) == one


def test_ingredient_page_of_an_unknown_slug_is_not_found(client):
    login_as(client, "Viewer")

    assert client.get(reverse("pantry:ingredient", args=["nothing"])).status_code == 404


def edit_data(client, ingredient, **values) -> dict:
    url = reverse("pantry:ingredient_edit", args=[ingredient.slug])
    data = form_data(client.get(url).content.decode(), "ingredient-form")
    data.update({name: [value] for name, value in values.items()})
    return data


def test_ingredient_edit_keeps_the_density_when_the_cup_is_untouched(baker):
    flour = FlourFactory()  # 0.529633 g/ml, shown as 4.42 oz a cup
    data = edit_data(baker, flour, category="Flours")

    response = baker.post(reverse("pantry:ingredient_edit", args=[flour.slug]), data)

    assert response.status_code == 302
    flour.refresh_from_db()
    assert flour.category == "Flours"
    assert flour.density_g_per_ml == D("0.529633")


def test_ingredient_edit_sets_a_density_from_a_cup_in_grams(baker):
    sugar = IngredientFactory(name="Sugar")
    data = edit_data(baker, sugar, cup_weight="200", cup_weight_unit="g")

    baker.post(reverse("pantry:ingredient_edit", args=[sugar.slug]), data)

    sugar.refresh_from_db()
    assert sugar.density_g_per_ml == units.parse_density("1 cup = 200 g")


def test_ingredient_edit_refuses_a_new_stock_unit_while_it_has_lots(baker, flour_lot):
    flour = flour_lot.ingredient
    data = edit_data(baker, flour, stock_unit="oz")

    response = baker.post(reverse("pantry:ingredient_edit", args=[flour.slug]), data)

    assert response.status_code == 200
    assert Ingredient.objects.get(pk=flour.pk).stock_unit == "g"
    html = response.content.decode()
    start = html.index('id="id_stock_unit_error">')
    assert "has lots counted in g" in html[start : start + 200]


@pytest.mark.parametrize("role", ["Viewer", "Packer"])
def test_readers_cannot_edit_ingredients(client, role):
    login_as(client, role)
    flour = FlourFactory()
    url = reverse("pantry:ingredient_edit", args=[flour.slug])

    assert client.get(url).status_code == 403
    assert client.post(url, {"name": "Rye", "stock_unit": "g"}).status_code == 403
    assert Ingredient.objects.get().name == "Flour, all-purpose"
