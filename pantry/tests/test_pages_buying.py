"""Buying on the baker's pages: receipts, buy again, new products and
ingredients, through HTTP as a browser posts them, per role."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from bakery.numbers import parse_money
from bakery.testing import form_data, login_as, queries_for
from pantry import services, units
from pantry.exceptions import ReceiptAlreadyRecorded
from pantry.models import Ingredient, Lot, Product
from pantry.services import Purchase
from pantry.tests.factories import (
    IngredientFactory,
    LotFactory,
    ProductFactory,
)

# The baker posts as a browser does, with CSRF checks on.
pytestmark = [pytest.mark.django_db, pytest.mark.csrf_checks]

D = Decimal
HTMX = {"HTTP_HX_REQUEST": "true"}
BUY = "/pantry/buy/"


@pytest.fixture
def king_arthur(flour):
    return ProductFactory(
        ingredient=flour,
        brand="King Arthur",
        name="AP flour",
        package_quantity=D(25),
        package_unit="lb",
    )


def receipt_data(client, rows: list[dict], **header) -> dict:
    """The buying page's form as the browser has it, with `rows` typed in
    (rows beyond the first added, as "+ another row" adds them)."""
    data = form_data(client.get(BUY).content.decode(), "receipt-form")
    data["rows-TOTAL_FORMS"] = [str(len(rows))]
    for index, row in enumerate(rows):
        values = {"packages": "1", "price_for": "total", **row}
        for name, value in values.items():
            data[f"rows-{index}-{name}"] = [value]
    for name, value in header.items():
        data[name] = [value]
    return data


def page_text(response) -> str:
    return " ".join(response.content.decode().split())


def test_buy_receipt_records_every_row(baker, flour, king_arthur):
    sugar = IngredientFactory(name="Sugar, granulated")
    data = receipt_data(
        baker,
        [
            {
                "item": "King Arthur AP flour, 25 lb bag · Flour, all-purpose",
                "price": "$13.69",
            },
            {"item": "Sugar, granulated", "size": "2 kg", "price": "3.10"},
        ],
        supplier="Costco",
    )

    response = baker.post(BUY, data)

    assert response.status_code == 302
    assert response.url == reverse("pantry:lots")
    flour_lot = Lot.objects.get(ingredient=flour)
    assert flour_lot.product == king_arthur
    assert flour_lot.quantity_purchased == D("11339.809")  # 25 lb in g
    assert flour_lot.total_cost == D("13.69")
    assert flour_lot.supplier == "Costco"
    assert flour_lot.purchased_on == timezone.localdate()
    sugar_lot = Lot.objects.get(ingredient=sugar)
    assert (sugar_lot.quantity_purchased, sugar_lot.total_cost) == (D(2000), D("3.1"))
    assert "Recorded 2 purchases for $16.79." in page_text(baker.get(response.url))


def test_buy_the_same_receipt_posted_twice_records_it_once(baker, king_arthur):
    data = receipt_data(
        baker,
        [{"item": "King Arthur AP flour, 25 lb bag · Flour, all-purpose"}],
    )
    assert data["submission_key"] != [""]

    first = baker.post(BUY, data)
    second = baker.post(BUY, data)  # a second click, or the form sent again

    assert (first.status_code, second.status_code) == (302, 302)
    assert Lot.objects.count() == 1
    assert "This receipt was recorded already (1 purchase(s))" in page_text(
        baker.get(second.url)
    )


def test_a_refused_receipt_can_be_mended_and_sent_with_the_same_key(baker, king_arthur):
    item = "King Arthur AP flour, 25 lb bag · Flour, all-purpose"
    future = (timezone.localdate() + datetime.timedelta(days=5)).isoformat()
    refused = baker.post(
        BUY, receipt_data(baker, [{"item": item}], purchased_on=future)
    )
    data = form_data(refused.content.decode(), "receipt-form")
    data["purchased_on"] = [timezone.localdate().isoformat()]

    assert baker.post(BUY, data).status_code == 302
    assert Lot.objects.count() == 1


def test_a_new_receipt_form_has_a_new_key(baker):
    keys = {
        form_data(baker.get(BUY).content.decode(), "receipt-form")["submission_key"][0]
        for _ in range(2)
    }
    assert len(keys) == 2


def test_buy_price_per_package_with_a_decimal_comma(baker, king_arthur):
    data = receipt_data(
        baker,
        [
            {
                "item": "King Arthur AP flour, 25 lb bag · Flour, all-purpose",
                "packages": "2",
                "price": "13,69",
                "price_for": "package",
            }
        ],
    )

    baker.post(BUY, data)

    lot = Lot.objects.get()
    assert lot.total_cost == D("27.38")
    assert lot.quantity_purchased == D("22679.619")


def test_buy_without_a_price_records_an_unpriced_lot(baker, king_arthur):
    data = receipt_data(
        baker, [{"item": "King Arthur AP flour, 25 lb bag · Flour, all-purpose"}]
    )

    response = baker.post(BUY, data, follow=True)

    lot = Lot.objects.get()
    assert not lot.is_priced and lot.total_cost == 0
    assert "Recorded 1 purchase, unpriced." in page_text(response)
    assert "unpriced" in page_text(baker.get(reverse("pantry:lots")))


def test_buy_priced_and_unpriced_rows_are_told_apart(baker, flour, king_arthur):
    label = "King Arthur AP flour, 25 lb bag · Flour, all-purpose"
    data = receipt_data(baker, [{"item": label, "price": "13.69"}, {"item": label}])

    response = baker.post(BUY, data, follow=True)

    assert "Recorded 2 purchases for $13.69 and 1 unpriced." in page_text(response)
    assert sorted(Lot.objects.values_list("is_priced", flat=True)) == [False, True]


def test_buy_an_ingredient_by_the_size_of_its_packages(baker, flour):
    data = receipt_data(
        baker, [{"item": "flour, all-purpose", "packages": "2", "size": "1.5 kg"}]
    )

    baker.post(BUY, data)

    lot = Lot.objects.get()
    assert (lot.ingredient, lot.product) == (flour, None)
    assert lot.quantity_purchased == D(3000)


def test_buy_finds_an_item_ignoring_case_and_accents(baker):
    creme = IngredientFactory(name="Crème fraîche", stock_unit="ml")
    IngredientFactory(name="Cream cheese")
    data = receipt_data(baker, [{"item": "CREME FRAICHE", "size": "250 ml"}])

    baker.post(BUY, data)

    assert Lot.objects.get().ingredient == creme


def test_buy_refuses_a_bad_row_saves_nothing_and_keeps_what_was_typed(
    baker, flour, king_arthur
):
    label = "King Arthur AP flour, 25 lb bag · Flour, all-purpose"
    data = receipt_data(
        baker,
        [{"item": label, "price": "13.69"}, {"item": label, "price": "abc"}],
        supplier="Costco",
    )

    response = baker.post(BUY, data)

    assert response.status_code == 200
    assert not Lot.objects.exists()
    html = response.content.decode()
    assert (
        '<span class="error" id="id_rows-1-price_error">“abc” is not an amount of '
        "money: write it like 13.69.</span>" in html
    )
    assert 'name="rows-1-price" value="abc"' in html
    assert 'name="supplier" value="Costco"' in html
    kept = form_data(html, "receipt-form")
    assert kept["rows-0-item"] == [label] and kept["rows-TOTAL_FORMS"] == ["2"]


@pytest.mark.parametrize(
    ("row", "field", "message"),
    [
        (
            {"item": "Flour, all-purpose"},
            "size",
            "Say what one package of Flour, all-purpose holds, like 500 g",
        ),
        (
            {"item": "Flour, all-purpose", "size": "3 each"},
            "size",
            "Set a weight per each for Flour, all-purpose to convert each to g.",
        ),
        (
            {"item": "Flour, all-purpose", "size": "3 handfuls"},
            "size",
            "Unknown unit “handfuls”.",
        ),
        (
            {"item": "Flour, all-purpose", "size": "1 kg", "packages": "0"},
            "packages",
            "Ensure this value is greater than or equal to 0.001.",
        ),
        ({"item": "Rye"}, "item", "Nothing to buy is called “Rye”"),
        ({"item": "flour"}, "item", "“flour” matches 2:"),
        (
            {"item": "Flour, all-purpose", "size": "1 kg", "expires_on": "2000-01-01"},
            "expires_on",
            "A lot cannot expire before it was bought.",
        ),
    ],
)
def test_buy_row_errors_are_in_words_next_to_the_field(
    baker, flour, king_arthur, row, field, message
):
    response = baker.post(BUY, receipt_data(baker, [row]))

    assert response.status_code == 200
    assert not Lot.objects.exists()
    html = response.content.decode()
    start = html.index(f'id="id_rows-0-{field}_error">')
    assert message in html[start : start + 300]


def test_buy_refuses_a_date_in_the_future(baker, flour):
    later = timezone.localdate() + datetime.timedelta(days=5)
    data = receipt_data(
        baker,
        [{"item": "Flour, all-purpose", "size": "1 kg"}],
        purchased_on=later.isoformat(),
    )

    response = baker.post(BUY, data)

    assert not Lot.objects.exists()
    assert "is in the future." in page_text(response)


def test_buy_an_empty_receipt_asks_for_a_purchase(baker, flour):
    response = baker.post(BUY, receipt_data(baker, [{}]))

    assert response.status_code == 200
    assert not Lot.objects.exists()
    assert "Add at least one purchase" in page_text(response)


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("13.69", D("13.69")),
        ("$13.69", D("13.69")),
        ("13,69", D("13.69")),
        (" $ 1,234.50 ", D("1234.50")),
        ("12", D(12)),
        (".5", D("0.5")),
    ],
)
def test_money_is_read_as_people_write_it(text, amount):
    assert parse_money(text) == amount


@pytest.mark.parametrize("text", ["", "abc", "-1", "13,6,9", "1,23,456", "1.23456"])
def test_money_that_is_not_money_is_refused_never_zero(text):
    with pytest.raises(ValidationError):
        parse_money(text)


def flour_at(flour, cost) -> Purchase:
    return Purchase(
        ingredient=flour,
        quantity=D(1000),
        total_cost=D(cost),
        purchased_on=timezone.localdate(),
    )


def test_record_receipt_saves_nothing_when_one_purchase_is_bad(flour):
    good, bad = flour_at(flour, 2), flour_at(flour, -1)

    with pytest.raises(ValidationError, match="cannot be negative"):
        services.record_receipt(purchases=[good, bad])

    assert not Lot.objects.exists()


def test_record_receipt_keeps_no_key_of_a_receipt_it_refused(flour):
    good, bad = flour_at(flour, 2), flour_at(flour, -1)
    with pytest.raises(ValidationError, match="cannot be negative"):
        services.record_receipt(purchases=[good, bad], submission_key="k1")

    assert services.record_receipt(purchases=[good], submission_key="k1") == 1
    with pytest.raises(ReceiptAlreadyRecorded):
        services.record_receipt(purchases=[good], submission_key="k1")
    assert Lot.objects.count() == 1


def test_buy_another_row_without_javascript_keeps_the_rows(baker, flour):
    data = receipt_data(baker, [{"item": "Flour, all-purpose", "price": "abc"}])
    data["add_row"] = ["1"]

    response = baker.post(BUY, data)

    assert response.status_code == 200
    assert not Lot.objects.exists()
    kept = form_data(response.content.decode(), "receipt-form")
    assert kept["rows-TOTAL_FORMS"] == ["2"]
    assert kept["rows-0-price"] == ["abc"]
    assert "rows-1-item" in kept
    assert 'class="error"' not in response.content.decode()  # not checked yet


def test_buy_row_for_htmx_adds_a_row_and_counts_it(baker):
    response = baker.get(reverse("pantry:buy_row") + "?index=3", **HTMX)

    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert 'name="rows-3-item"' in html
    assert 'name="rows-TOTAL_FORMS" value="4"' in html
    assert 'hx-get="/pantry/buy/row/?index=4"' in html
    assert " required" not in html  # an unused row does not block saving


@pytest.mark.parametrize("index", ["", "x", "-1", "²", "100"])
def test_buy_row_refuses_an_index_that_is_not_one(baker, index):
    response = baker.get(reverse("pantry:buy_row"), {"index": index}, **HTMX)

    assert response.status_code == 400


def test_buy_choices_search_ignores_accents(baker, flour, king_arthur):
    IngredientFactory(name="Crème fraîche")

    response = baker.get(reverse("pantry:buy_choices"), {"rows-2-item": "creme"})

    html = response.content.decode()
    assert '<option value="Crème fraîche">' in html
    assert "Flour" not in html


def test_buy_page_chooses_the_product_asked_for(baker, king_arthur):
    response = baker.get(BUY, {"product": king_arthur.pk})

    data = form_data(response.content.decode(), "receipt-form")
    assert data["rows-0-item"] == [
        "King Arthur AP flour, 25 lb bag · Flour, all-purpose"
    ]


def test_buy_again_repeats_the_last_purchase_in_one_click(baker, flour, king_arthur):
    LotFactory(
        ingredient=flour,
        product=king_arthur,
        purchased_on=datetime.date(2026, 1, 5),
        quantity_purchased=D("11339.809"),
        total_cost=D("13.69"),
        supplier="Costco",
    )
    page = baker.get(reverse("pantry:ingredient", args=[flour.slug]))
    url = reverse("pantry:buy_again", args=[king_arthur.pk])
    data = form_data(page.content.decode(), f"buy-again-{king_arthur.pk}")

    response = baker.post(url, data)

    assert response.status_code == 302
    assert response.url == reverse("pantry:ingredient", args=[flour.slug])
    again = Lot.objects.latest("pk")
    assert again.purchased_on == timezone.localdate()
    assert (again.product, again.quantity_purchased, again.total_cost) == (
        king_arthur,
        D("11339.809"),
        D("13.69"),
    )
    assert again.supplier == "Costco"
    assert Lot.objects.count() == 2


def test_a_second_tap_on_buy_again_buys_nothing_more(baker, flour, king_arthur):
    LotFactory(ingredient=flour, product=king_arthur, total_cost=D("13.69"))
    url = reverse("pantry:buy_again", args=[king_arthur.pk])
    page = baker.get(reverse("pantry:ingredient", args=[flour.slug]))
    data = form_data(page.content.decode(), f"buy-again-{king_arthur.pk}")

    first = baker.post(url, data, follow=True)
    second = baker.post(url, data, follow=True)

    assert "Bought again" in page_text(first)
    assert "bought again already with this button: nothing was bought twice" in (
        page_text(second)
    )
    assert Lot.objects.count() == 2
    # the page as it is now has a new key: its button buys once more
    page = second.content.decode()
    baker.post(url, form_data(page, f"buy-again-{king_arthur.pk}"))
    assert Lot.objects.count() == 3


def test_buy_again_refuses_a_key_longer_than_those_it_makes(baker, flour, king_arthur):
    LotFactory(ingredient=flour, product=king_arthur)
    page = baker.get(reverse("pantry:ingredient", args=[flour.slug]))
    data = form_data(page.content.decode(), f"buy-again-{king_arthur.pk}")

    response = baker.post(
        reverse("pantry:buy_again", args=[king_arthur.pk]),
        {**data, "submission_key": "k" * 65},
    )

    assert response.status_code == 400
    assert Lot.objects.count() == 1


def test_buy_again_of_a_product_never_bought_says_so(client, king_arthur):
    # The page offers no button for it; a stale page may still post.
    login_as(client, "Baker")

    response = client.post(
        reverse("pantry:buy_again", args=[king_arthur.pk]), follow=True
    )

    assert not Lot.objects.exists()
    assert "has never been bought" in page_text(response)


def product_data(client, **values) -> dict:
    data = form_data(client.get(BUY).content.decode(), "product-form")
    data.update({f"product-{name}": [value] for name, value in values.items()})
    return data


def test_new_product_inline_offers_it_in_the_rows(baker, flour):
    data = product_data(
        baker,
        ingredient=str(flour.pk),
        brand="Bob's",
        name="Unbleached flour",
        package_quantity="5",
        package_unit="lbs",
        package_type="bag",
    )

    response = baker.post(
        reverse("pantry:product_new"), data, HTTP_HX_TARGET="new-product", **HTMX
    )

    product = Product.objects.get()
    assert (product.package_quantity, product.package_unit) == (D(5), "lb")
    html = response.content.decode()
    assert '<datalist id="purchase-choices" hx-swap-oob="true">' in html
    assert "Bob&#x27;s Unbleached flour, 5 lb bag · Flour, all-purpose" in html
    assert "choose it in a row above" in html


def test_new_product_with_a_package_unit_that_does_not_convert_is_refused(baker):
    sugar = IngredientFactory(name="Sugar")  # counted in g, no density
    data = product_data(
        baker,
        ingredient=str(sugar.pk),
        name="Sugar cups",
        package_quantity="2",
        package_unit="cup",
    )

    response = baker.post(reverse("pantry:product_new"), data, **HTMX)

    assert not Product.objects.exists()
    html = response.content.decode()
    assert "Set a density for Sugar to convert cup to g." in html
    assert 'name="product-name" value="Sugar cups"' in html


def ingredient_data(client, **values) -> dict:
    data = form_data(client.get(BUY).content.decode(), "ingredient-form")
    data.update({f"ingredient-{name}": [value] for name, value in values.items()})
    return data


def test_new_ingredient_takes_its_density_as_what_a_cup_weighs(baker):
    data = ingredient_data(
        baker,
        name="Flour, bread",
        category="Flours",
        stock_unit="g",
        cup_weight="4.25",
        cup_weight_unit="oz",
    )

    response = baker.post(reverse("pantry:ingredient_new"), data)

    bread = Ingredient.objects.get()
    assert bread.slug == "flour_bread"
    assert bread.density_g_per_ml == units.parse_density("1 cup = 4.25 oz")
    assert response.url == reverse("pantry:ingredient", args=["flour_bread"])


def test_new_ingredient_from_the_buying_page_without_javascript_comes_back_to_it(
    baker,
):
    page = baker.get(BUY).content.decode()
    action = page.split('id="ingredient-form"')[0].rsplit('action="', 1)[1]
    action = action.split('"')[0]
    data = ingredient_data(baker, name="Eggs", stock_unit="each", grams_per_each="50")

    response = baker.post(action, data)

    assert response.status_code == 302
    assert response.url == f"{BUY}?ingredient=eggs"
    follow = baker.get(response.url)
    assert form_data(follow.content.decode(), "receipt-form")["rows-0-item"] == ["Eggs"]


def test_new_ingredient_inline_updates_the_product_form_and_the_choices(baker):
    data = ingredient_data(baker, name="Butter, unsalted", stock_unit="g")

    response = baker.post(
        reverse("pantry:ingredient_new"), data, HTTP_HX_TARGET="new-ingredient", **HTMX
    )

    butter = Ingredient.objects.get()
    html = response.content.decode()
    assert '<div id="new-product" class="panel" hx-swap-oob="true">' in html
    assert f'<option value="{butter.pk}" selected>Butter, unsalted</option>' in html
    assert '<option value="Butter, unsalted">' in html


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"name": "Flour, all-purpose"}, "name", "already exists"),
        ({"name": "Milk", "cup_weight": "-2"}, "cup_weight", "greater than or equal"),
        ({"name": ""}, "name", "This field is required."),
    ],
)
def test_new_ingredient_errors_are_next_to_the_field(
    baker, flour, values, field, message
):
    data = ingredient_data(baker, stock_unit="g", **values)
    before = Ingredient.objects.count()

    response = baker.post(reverse("pantry:ingredient_new"), data)

    assert response.status_code == 200
    assert Ingredient.objects.count() == before
    html = response.content.decode()
    start = html.index(f'id="id_ingredient-{field}_error">')
    assert message in html[start : start + 200]
    assert (
        f'aria-describedby="id_ingredient-{field}_helptext id_ingredient-{field}_error"'
        in html
        or f'aria-describedby="id_ingredient-{field}_error"' in html
    )


def test_buying_pages_need_a_login(client, king_arthur):
    urls = [
        BUY,
        reverse("pantry:buy_row") + "?index=1",
        reverse("pantry:buy_choices"),
        reverse("pantry:ingredient_new"),
        reverse("pantry:product_new"),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("login")), url


def test_buy_post_without_the_csrf_token_is_refused(baker, flour):
    data = receipt_data(baker, [{"item": "Flour, all-purpose", "size": "1 kg"}])
    del data["csrfmiddlewaretoken"]

    response = baker.post(BUY, data)

    assert response.status_code == 403
    assert not Lot.objects.exists()


def test_buy_post_from_htmx_carries_the_token_of_the_body(baker, flour):
    html = baker.get(BUY).content.decode()
    token = html.split('hx-headers=\'{"X-CSRFToken": "', 1)[1].split('"')[0]
    data = receipt_data(baker, [{"item": "Flour, all-purpose", "size": "1 kg"}])
    del data["csrfmiddlewaretoken"]

    response = baker.post(BUY, data, HTTP_X_CSRFTOKEN=token, **HTMX)

    assert response.status_code == 302
    assert Lot.objects.count() == 1


@pytest.mark.parametrize("role", ["Viewer", "Packer"])
def test_readers_cannot_buy_or_add_products(client, role, flour, king_arthur):
    login_as(client, role)
    LotFactory(ingredient=flour, product=king_arthur)
    before = Lot.objects.count()

    responses = {
        "buy page": client.get(BUY),
        "buy": client.post(BUY, {"rows-TOTAL_FORMS": "1"}),
        "row": client.get(reverse("pantry:buy_row") + "?index=1"),
        "again": client.post(reverse("pantry:buy_again", args=[king_arthur.pk])),
        "ingredient": client.post(
            reverse("pantry:ingredient_new"),
            {"ingredient-name": "Salt", "ingredient-stock_unit": "g"},
        ),
        "product": client.post(reverse("pantry:product_new"), {}),
    }

    assert {name: r.status_code for name, r in responses.items()} == dict.fromkeys(
        responses, 403
    )
    assert Lot.objects.count() == before
    assert not Ingredient.objects.filter(name="Salt").exists()


@pytest.mark.parametrize("role", ["Viewer", "Packer"])
def test_readers_see_no_buying_buttons(client, role, flour, king_arthur):
    login_as(client, role)
    LotFactory(ingredient=flour, product=king_arthur)

    ingredient = client.get(reverse("pantry:ingredient", args=[flour.slug]))
    pantry = client.get(reverse("production:pantry"))

    assert ingredient.status_code == pantry.status_code == 200
    assert "Add purchase" not in page_text(ingredient)
    assert "Buy again" not in page_text(ingredient)
    assert "Add purchase" not in page_text(pantry)


def test_baker_sees_add_purchase_on_the_pantry_page_and_each_ingredient(
    client, flour, king_arthur
):
    login_as(client, "Baker")
    LotFactory(ingredient=flour, product=king_arthur)

    pantry = client.get(reverse("production:pantry")).content.decode()
    ingredient = client.get(reverse("pantry:ingredient", args=[flour.slug]))

    assert f'href="{BUY}">+ Add purchase</a>' in pantry
    html = ingredient.content.decode()
    assert f'href="{BUY}?ingredient={flour.slug}">+ Add purchase</a>' in html
    assert f'href="{BUY}?product={king_arthur.pk}">Add purchase</a>' in html
    assert "Buy again</button>" in html


def test_buy_page_queries_do_not_grow_with_the_products(client):
    login_as(client, "Baker")
    ProductFactory()
    one = queries_for(client, BUY)

    ProductFactory.create_batch(15)
    IngredientFactory.create_batch(15)

    assert queries_for(client, BUY) == one


def test_buy_choices_queries_do_not_grow_with_the_products(client):
    login_as(client, "Baker")
    url = reverse("pantry:buy_choices") + "?q=product"
    ProductFactory()
    one = queries_for(client, url)

    ProductFactory.create_batch(15)

    assert queries_for(client, url) == one


# --- editing a product ---------------------------------------------------------


def product_edit_url(product) -> str:
    return reverse("pantry:product_edit", args=[product.pk])


def edit_product(client, product, **changes):
    """The product form as the page has it, with `changes` typed in."""
    url = product_edit_url(product)
    data = form_data(client.get(url).content.decode(), "product-form")
    for name, value in changes.items():
        data[f"product-{name}"] = [value]
    return client.post(url, data)


def test_product_edit_saves_and_goes_back_to_the_ingredient(baker, king_arthur):
    response = edit_product(
        baker, king_arthur, name="All-purpose flour", package_quantity="50"
    )

    assert response.status_code == 302
    assert response.url == reverse(
        "pantry:ingredient", args=[king_arthur.ingredient.slug]
    )
    king_arthur.refresh_from_db()
    assert (king_arthur.name, king_arthur.package_quantity) == (
        "All-purpose flour",
        D(50),
    )
    assert "Saved King Arthur All-purpose flour, 50 lb" in page_text(
        baker.get(response.url)
    )


def test_product_with_lots_keeps_its_ingredient(baker, king_arthur):
    LotFactory(ingredient=king_arthur.ingredient, product=king_arthur)
    sugar = IngredientFactory(name="Sugar, granulated")

    response = edit_product(baker, king_arthur, ingredient=str(sugar.pk))

    assert response.status_code == 200
    assert "so it stays a product of Flour, all-purpose" in page_text(response)
    king_arthur.refresh_from_db()
    assert king_arthur.ingredient.name == "Flour, all-purpose"


def test_product_edit_refuses_a_second_preferred_product(baker, flour, king_arthur):
    ProductFactory(ingredient=flour, name="Bread flour", is_preferred=True)

    response = edit_product(baker, king_arthur, is_preferred="on")

    assert response.status_code == 200
    assert "already has a preferred product" in page_text(response)
    king_arthur.refresh_from_db()
    assert not king_arthur.is_preferred


@pytest.mark.parametrize("role", ["Packer", "Viewer"])
def test_product_edit_is_for_bakers_only(client, role, king_arthur):
    login_as(client, role)
    ingredient_page = reverse("pantry:ingredient", args=[king_arthur.ingredient.slug])

    assert client.get(product_edit_url(king_arthur)).status_code == 403
    assert client.post(product_edit_url(king_arthur)).status_code == 403
    assert (
        product_edit_url(king_arthur)
        not in client.get(ingredient_page).content.decode()
    )


def test_the_ingredient_page_links_to_editing_its_products(baker, king_arthur):
    page = baker.get(reverse("pantry:ingredient", args=[king_arthur.ingredient.slug]))

    assert product_edit_url(king_arthur) in page.content.decode()
