"""Recipes on the baker's pages: the list, the recipe page (cost now, where
used, batches to bake) and the form with its lines, through HTTP, per role."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags

from bakery.testing import form_data, login_as, queries_for
from events.tests.factories import (
    AssignmentFactory,
    EventFactory,
    PackageFactory,
    PackageItemFactory,
)
from pantry.models import Recipe
from pantry.tests.factories import (
    IngredientFactory,
    LotFactory,
    RecipeFactory,
    RecipeLineFactory,
)

# The baker posts as a browser does, with CSRF checks on.
pytestmark = [pytest.mark.django_db, pytest.mark.csrf_checks]

D = Decimal
HTMX = {"HTTP_HX_REQUEST": "true"}
RECIPES = "/pantry/recipes/"
NEW = "/pantry/recipes/new/"


@pytest.fixture
def sugar():
    return IngredientFactory(name="Sugar")  # no density: cups do not convert


@pytest.fixture
def cookies(flour):
    recipe = RecipeFactory(name="Chocolate chip", slug="chocolate-chip")
    RecipeLineFactory(
        recipe=recipe, ingredient=flour, quantity=D(2), unit="cup", position=1
    )
    return recipe


def text_of(response) -> str:
    return " ".join(strip_tags(response.content.decode()).split())


def recipe_data(client, url, lines: list[dict], **fields) -> dict:
    """The recipe form as the browser has it, with `fields` and `lines`
    typed in (lines beyond those shown added, as "+ another ingredient"
    adds them)."""
    data = form_data(client.get(url).content.decode(), "recipe-form")
    shown = int(data["lines-TOTAL_FORMS"][0])
    data["lines-TOTAL_FORMS"] = [str(max(shown, len(lines)))]
    for index, line in enumerate(lines):
        for name, value in line.items():
            data[f"lines-{index}-{name}"] = [value]
    data.update({name: [value] for name, value in fields.items()})
    return data


def line(ingredient, quantity, unit, note=""):
    return {
        "ingredient": str(ingredient.pk),
        "quantity": quantity,
        "unit": unit,
        "note": note,
    }


def test_recipe_create_saves_its_lines_in_order(baker, flour):
    butter = IngredientFactory(name="Butter")
    data = recipe_data(
        baker,
        NEW,
        [line(flour, "2", "cups"), line(butter, "0.5", "lb", "soft")],
        name="Shortbread",
        category="Cookies",
        yield_quantity="36",
        yield_unit="cookies",
    )

    response = baker.post(NEW, data)

    recipe = Recipe.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("pantry:recipe", args=["shortbread"])
    assert (recipe.yield_quantity, recipe.yield_unit) == (D(36), "cookies")
    assert [
        (line.position, line.ingredient, line.quantity, line.unit, line.note)
        for line in recipe.lines.all()
    ] == [(1, flour, D(2), "cup", ""), (2, butter, D("0.5"), "lb", "soft")]


def test_recipe_create_refuses_a_unit_that_does_not_convert_and_keeps_the_form(
    baker, flour, sugar
):
    data = recipe_data(
        baker,
        NEW,
        [line(flour, "2", "cup"), line(sugar, "1", "cup")],
        name="Sugar cookies",
        yield_quantity="24",
    )

    response = baker.post(NEW, data)

    assert response.status_code == 200
    assert not Recipe.objects.exists()
    html = response.content.decode()
    start = html.index('id="id_lines-1-unit_error">')
    assert "Set a density for Sugar to convert cup to g." in html[start : start + 200]
    kept = form_data(html, "recipe-form")
    assert kept["name"] == ["Sugar cookies"]
    assert kept["lines-1-ingredient"] == [str(sugar.pk)]
    assert kept["lines-TOTAL_FORMS"] == ["2"]


@pytest.mark.parametrize(
    ("fields", "lines", "where", "message"),
    [
        ({"name": "Empty"}, [], "errors", "A recipe needs at least one ingredient"),
        (
            {"name": "Chocolate chip"},
            [{"quantity": "1", "unit": "g"}],
            "id_name_error",
            "Recipe with this Name already exists.",
        ),
        (
            {"name": "Bad yield", "yield_quantity": "0"},
            [{"quantity": "1", "unit": "g"}],
            "id_yield_quantity_error",
            "greater than or equal to 0.01",
        ),
        (
            {"name": "Bad unit"},
            [{"quantity": "1", "unit": "handful"}],
            "id_lines-0-unit_error",
            "Unknown unit “handful”.",
        ),
        (
            {"name": "No amount"},
            [{"quantity": "", "unit": "g"}],
            "id_lines-0-quantity_error",
            "This field is required.",
        ),
    ],
)
def test_recipe_form_errors_are_in_words_next_to_the_field(
    baker, cookies, flour, fields, lines, where, message
):
    typed = [{"ingredient": str(flour.pk), **values} for values in lines]
    data = recipe_data(baker, NEW, typed, **fields)

    response = baker.post(NEW, data)

    assert response.status_code == 200
    assert Recipe.objects.count() == 1
    html = response.content.decode()
    start = html.index('class="errors" role="alert">' if where == "errors" else where)
    assert message in html[start : start + 300]


def test_recipe_edit_changes_removes_and_keeps_lines(baker, cookies, flour, sugar):
    butter = IngredientFactory(name="Butter")
    RecipeLineFactory(recipe=cookies, ingredient=butter, quantity=D(227), position=2)
    RecipeLineFactory(recipe=cookies, ingredient=sugar, quantity=D(200), position=3)
    url = reverse("pantry:recipe_edit", args=[cookies.slug])
    data = recipe_data(baker, url, [{"quantity": "2.5"}, {"DELETE": "on"}])

    response = baker.post(url, data)

    assert response.url == reverse("pantry:recipe", args=[cookies.slug])
    assert [
        (line.ingredient, line.quantity, line.unit) for line in cookies.lines.all()
    ] == [(flour, D("2.5"), "cup"), (sugar, D(200), "g")]


def test_recipe_edit_shows_the_lines_as_written(baker, cookies):
    RecipeLineFactory(recipe=cookies, quantity=D(100), unit="g", position=2)

    response = baker.get(reverse("pantry:recipe_edit", args=[cookies.slug]))

    data = form_data(response.content.decode(), "recipe-form")
    assert data["lines-0-quantity"] == ["2"] and data["lines-0-unit"] == ["cup"]
    assert data["lines-1-quantity"] == ["100"]
    assert data["lines-INITIAL_FORMS"] == ["2"]


def test_recipe_edit_refuses_a_new_yield_under_assembled_packages(baker, cookies):
    tin = PackageFactory(name="Cookie tin")
    PackageItemFactory(package=tin, recipe=cookies, quantity=D(12))
    AssignmentFactory(package=tin, status="assembled", assembled_at=timezone.now())
    url = reverse("pantry:recipe_edit", args=[cookies.slug])
    data = recipe_data(baker, url, [], yield_quantity="24", name="Renamed")

    response = baker.post(url, data)

    assert response.status_code == 200
    cookies.refresh_from_db()
    assert (cookies.name, cookies.yield_quantity) == ("Chocolate chip", D(48))
    html = response.content.decode()
    start = html.index('id="id_yield_quantity_error">')
    assert (
        "The yield of Chocolate chip cannot change: Cookie tin"
        in (html[start : start + 200])
    )


def test_recipe_edit_changes_the_yield_while_packages_are_pending(baker, cookies):
    tin = PackageFactory(name="Cookie tin")
    PackageItemFactory(package=tin, recipe=cookies, quantity=D(12))
    AssignmentFactory(package=tin)
    url = reverse("pantry:recipe_edit", args=[cookies.slug])

    baker.post(url, recipe_data(baker, url, [], yield_quantity="24"))

    cookies.refresh_from_db()
    assert cookies.yield_quantity == D(24)


@pytest.mark.parametrize(
    ("which", "quantity", "unit", "shown"),
    [
        ("sugar", "1", "cup", "Set a density for Sugar to convert cup to g."),
        ("flour", "2", "cups", "= 251 g"),
        ("flour", "2", "handful", "Unknown unit “handful”."),
        ("flour", "", "cup", ""),  # not typed yet: nothing to say
    ],
)
def test_recipe_line_is_checked_as_it_is_typed(
    baker, flour, sugar, which, quantity, unit, shown
):
    ingredient = {"flour": flour, "sugar": sugar}[which]
    query = {
        "lines-4-ingredient": ingredient.pk,
        "lines-4-quantity": quantity,
        "lines-4-unit": unit,
        "lines-4-note": "",
    }

    response = baker.get(reverse("pantry:recipe_line_check"), query, **HTMX)

    text = text_of(response)
    assert text.startswith(shown) if shown else text == ""
    assert "required" not in text
    fix = f'href="/pantry/ingredients/{ingredient.slug}/edit/"'
    assert (fix in response.content.decode()) == (which == "sugar")


def test_recipe_line_row_for_htmx_adds_a_line_and_counts_it(baker, flour):
    response = baker.get(reverse("pantry:recipe_line_row"), {"index": 2}, **HTMX)

    html = response.content.decode()
    assert "<html" not in html
    assert 'name="lines-2-unit"' in html
    assert f'<option value="{flour.pk}">Flour, all-purpose</option>' in html
    assert 'name="lines-TOTAL_FORMS" value="3"' in html
    assert 'hx-get="/pantry/recipes/line/?index=3"' in html


def test_recipe_another_line_without_javascript_keeps_what_was_typed(baker, flour):
    data = recipe_data(baker, NEW, [line(flour, "2", "cup")], name="Scones")
    data["add_line"] = ["1"]

    response = baker.post(NEW, data)

    assert not Recipe.objects.exists()
    kept = form_data(response.content.decode(), "recipe-form")
    assert kept["lines-TOTAL_FORMS"] == ["2"]
    assert kept["name"] == ["Scones"] and kept["lines-0-unit"] == ["cup"]


def test_recipe_page_shows_lines_cost_now_and_batches_to_bake(client, cookies, sugar):
    login_as(client, "Viewer")
    RecipeLineFactory(
        recipe=cookies, ingredient=sugar, quantity=D(100), unit="g", position=2
    )
    LotFactory(
        ingredient=cookies.lines.first().ingredient,
        purchased_on=datetime.date(2026, 10, 1),
        quantity_purchased=D(1000),
        total_cost=D("2.00"),
    )
    tin = PackageFactory(name="Cookie tin")
    PackageItemFactory(package=tin, recipe=cookies, quantity=D(12))
    today = timezone.localdate()
    soon = EventFactory(name="Christmas", date=today + datetime.timedelta(days=20))
    AssignmentFactory.create_batch(5, event=soon, package=tin)  # 60: 2 batches
    gone = EventFactory(name="Last year", date=today - datetime.timedelta(days=300))
    AssignmentFactory(event=gone, package=tin)

    response = client.get(reverse("pantry:recipe", args=[cookies.slug]))

    text = text_of(response)
    assert "One batch makes 48 cookies" in text
    assert "2 cup Flour, all-purpose 100 g Sugar" in text
    assert "Flour, all-purpose 251 g 251 g from lot 1 Oct 2026 ($0.50) $0.50" in text
    assert "No purchase of Sugar to price it from: record one." in text
    assert "$0.50 without 1 ingredient that cannot be priced" in text
    assert "Cookie tin: 12 cookies" in text
    assert f"Christmas {soon.date:%a %-d %b %Y} 60 cookies 2 batches 2 to bake" in text
    assert "Last year" not in text
    assert "2 batches to bake for upcoming events" in text
    assert "Edit" not in text


def test_recipe_page_queries_do_not_grow_with_lines_lots_and_events(client, cookies):
    login_as(client, "Baker")
    url = reverse("pantry:recipe", args=[cookies.slug])
    tin = PackageFactory()
    PackageItemFactory(package=tin, recipe=cookies)
    AssignmentFactory(package=tin, event=EventFactory(date=timezone.localdate()))
    LotFactory(ingredient=cookies.lines.first().ingredient)
    one = queries_for(client, url)

    for position in range(2, 10):
        ingredient = IngredientFactory()
        RecipeLineFactory(recipe=cookies, ingredient=ingredient, position=position)
        LotFactory.create_batch(2, ingredient=ingredient, quantity_purchased=D(50))
        package = PackageFactory()
        PackageItemFactory(package=package, recipe=cookies)
        AssignmentFactory(
            package=package, event=EventFactory(date=timezone.localdate())
        )

    assert queries_for(client, url) == one


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"q": "creme"}, ["Crème brûlée"]),
        ({"q": "BRULEE"}, ["Crème brûlée"]),
        ({"category": "Cookies"}, ["Chocolate chip"]),
        ({"sort": "-name"}, ["Crème brûlée", "Chocolate chip"]),
        ({}, ["Chocolate chip", "Crème brûlée"]),
    ],
)
def test_recipe_list_searches_filters_and_sorts(client, cookies, query, expected):
    login_as(client, "Viewer")
    RecipeFactory(name="Crème brûlée", category="Desserts")

    response = client.get(RECIPES, query)

    table = response.content.decode().split('id="recipes-table"')[1]
    names = [
        part.split("</a>", 1)[0].split(">")[-1]
        for part in table.split('<a href="/pantry/recipes/')[1:]
    ]
    assert names == expected


def test_recipe_list_empty_says_what_to_do(client):
    login_as(client, "Baker")

    response = client.get(RECIPES)

    assert (
        'No recipes match. <a href="/pantry/recipes/new/">Write a recipe</a>.'
        in response.content.decode()
    )


def test_recipe_list_queries_do_not_grow_with_the_recipes(client):
    login_as(client, "Viewer")
    RecipeLineFactory()
    one = queries_for(client, RECIPES)

    RecipeLineFactory.create_batch(15)

    assert queries_for(client, RECIPES) == one


def test_recipe_form_queries_do_not_grow_with_the_lines(client, cookies):
    login_as(client, "Baker")
    url = reverse("pantry:recipe_edit", args=[cookies.slug])
    one = queries_for(client, url)

    RecipeLineFactory.create_batch(10, recipe=cookies)

    assert queries_for(client, url) == one


@pytest.mark.parametrize("role", ["Viewer", "Packer"])
def test_readers_cannot_write_recipes(client, cookies, flour, role):
    login_as(client, role)
    edit = reverse("pantry:recipe_edit", args=[cookies.slug])
    post = {"name": "Renamed", "lines-TOTAL_FORMS": "0", "lines-INITIAL_FORMS": "0"}

    statuses = [
        client.get(NEW).status_code,
        client.post(NEW, post).status_code,
        client.get(edit).status_code,
        client.post(edit, post).status_code,
        client.get(reverse("pantry:recipe_line_row"), {"index": 1}).status_code,
        client.get(
            reverse("pantry:recipe_line_check"), {"lines-0-unit": "g"}
        ).status_code,
    ]

    assert statuses == [403] * 6
    assert list(Recipe.objects.values_list("name", flat=True)) == ["Chocolate chip"]


@pytest.mark.parametrize("role", ["Viewer", "Packer", "Baker"])
def test_every_role_reads_the_recipes(client, cookies, role):
    login_as(client, role)

    assert client.get(RECIPES).status_code == 200
    page = client.get(reverse("pantry:recipe", args=[cookies.slug]))
    assert page.status_code == 200
    assert ("Edit" in text_of(page)) == (role == "Baker")


def test_recipe_pages_need_a_login(client, cookies):
    for url in [RECIPES, NEW, reverse("pantry:recipe", args=[cookies.slug])]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("login")), url
