"""The packages' pages: list, contents with estimated cost, make and edit."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from bakery.testing import form_data, login_as, queries_for
from events.models import Package, PackageItem
from events.tests.factories import (
    AssignmentFactory,
    EventFactory,
    PackageFactory,
    PackageItemFactory,
)
from pantry.tests.factories import (
    IngredientFactory,
    LotFactory,
    RecipeFactory,
    RecipeLineFactory,
)

pytestmark = pytest.mark.django_db

D = Decimal
ROLES = ["Baker", "Packer", "Viewer"]
NOT_PLANNERS = ["Packer", "Viewer"]


def cookies(name="Chocolate chip"):
    """48 cookies a batch from 480 g of flour at $0.01 a gram: $4.80 a batch,
    $0.10 a cookie."""
    flour = IngredientFactory()
    LotFactory(ingredient=flour, quantity_purchased=D(10000), total_cost=D("100.00"))
    recipe = RecipeFactory(name=name, yield_quantity=D(48), yield_unit="cookies")
    RecipeLineFactory(recipe=recipe, ingredient=flour, quantity=D(480), unit="g")
    return recipe


def tin(recipe, name="Cookie tin", units=12):
    package = PackageFactory(name=name)
    PackageItemFactory(package=package, recipe=recipe, quantity=units)
    return package


def contents():
    return list(Package.objects.order_by("pk").values()), list(
        PackageItem.objects.order_by("pk").values()
    )


def items_form(page, rows):
    """The package form's data with its item rows filled as `rows`."""
    data = form_data(page, "package-form")
    for n, (recipe, quantity) in enumerate(rows):
        data[f"items-{n}-recipe"] = [str(recipe.pk) if recipe else ""]
        data[f"items-{n}-quantity"] = [str(quantity)]
    return data


# --- list --------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_package_list_shows_contents_and_estimated_cost_to_every_role(client, role):
    login_as(client, role)
    tin(cookies())

    page = client.get(reverse("events:package_list")).content.decode()

    assert "Cookie tin" in page
    assert "12 cookies Chocolate chip" in page
    assert "$1.20" in page
    assert ("Make a package" in page) == (role == "Baker")


def test_package_list_queries_do_not_grow_with_packages(baker):
    url = reverse("events:package_list")
    tin(cookies())
    one = queries_for(baker, url)

    for n in range(10):
        package = tin(cookies(f"Recipe {n}"), name=f"Tin {n}")
        PackageItemFactory(package=package, recipe=cookies(f"Other {n}"))
        AssignmentFactory.create_batch(2, package=package)

    assert queries_for(baker, url) == one


def test_package_list_flags_a_cost_that_could_not_be_priced(baker):
    recipe = RecipeFactory(yield_quantity=D(10))
    RecipeLineFactory(recipe=recipe, ingredient=IngredientFactory(name="Saffron"))
    tin(recipe)

    page = baker.get(reverse("events:package_list")).content.decode()

    assert "+ unpriced" in page
    assert "Saffron" in page  # in the marker's title


def test_package_list_search_ignores_accents(baker):
    tin(cookies(), name="Bûche de Noël")
    tin(cookies("Shortbread"), name="Shortbread box")

    page = baker.get(reverse("events:package_list"), {"q": "buche noel"})

    assert "Bûche de Noël" in page.content.decode()
    assert "Shortbread box" not in page.content.decode()


def test_package_list_filters_by_recipe(baker):
    shortbread = cookies("Shortbread")
    tin(cookies(), name="Cookie tin")
    tin(shortbread, name="Shortbread box")

    page = baker.get(reverse("events:package_list"), {"recipe": shortbread.pk})

    rows = page.content.decode().split("<tbody")[1]
    assert "Shortbread box" in rows
    assert "Cookie tin" not in rows


def test_package_list_sorts_by_estimated_cost(baker):
    recipe = cookies()
    tin(recipe, name="Big tin", units=D(24))
    tin(recipe, name="Small bag", units=D(6))

    page = baker.get(reverse("events:package_list"), {"sort": "estimated_cost"})

    assert page.content.index(b"Small bag") < page.content.index(b"Big tin")


def test_package_list_paginates(baker):
    for n in range(51):
        PackageFactory(name=f"Bag {n:02}")

    first = baker.get(reverse("events:package_list")).content
    second = baker.get(reverse("events:package_list"), {"page": 2}).content

    assert b"Bag 50" not in first
    assert b"Bag 50" in second


def test_package_list_empty_says_what_to_do_next(baker):
    page = baker.get(reverse("events:package_list")).content.decode()

    assert "No packages yet" in page
    assert reverse("events:package_create") in page


# --- contents page -----------------------------------------------------------


def test_package_page_shows_each_recipe_its_units_and_the_cost(baker):
    package = tin(cookies())
    PackageItemFactory(package=package, recipe=cookies("Gingerbread"), quantity=D(6))

    page = baker.get(reverse("events:package", args=[package.pk])).content.decode()

    assert "Chocolate chip" in page
    assert "Gingerbread" in page
    assert "12 cookies" in page
    assert "25%" in page  # 12 of 48 cookies
    assert "$4.80" in page  # a batch
    assert "$0.60" in page  # 6 gingerbread cookies
    assert "Estimated cost $1.80 a package" in page


def test_package_page_says_which_recipe_lacks_a_yield(baker):
    recipe = RecipeFactory(name="Fudge", yield_quantity=None)
    package = tin(recipe)

    page = baker.get(reverse("events:package", args=[package.pk])).content.decode()

    assert "Set a yield for Fudge to cost its units." in page


def test_package_page_lists_the_events_it_is_planned_for(baker):
    package = tin(cookies())
    AssignmentFactory(package=package, event=EventFactory(name="Christmas"))

    page = baker.get(reverse("events:package", args=[package.pk])).content.decode()

    assert "Christmas" in page


def test_package_page_queries_do_not_grow_with_its_contents(baker):
    package = tin(cookies())
    one = queries_for(baker, reverse("events:package", args=[package.pk]))
    big = tin(cookies("Big"), name="Hamper")
    for n in range(8):
        PackageItemFactory(package=big, recipe=cookies(f"R{n}"))
        AssignmentFactory(package=big)

    assert queries_for(baker, reverse("events:package", args=[big.pk])) == one


# --- make and edit -----------------------------------------------------------


def test_package_create_with_two_recipes_saves_them(baker):
    shortbread, chip = cookies("Shortbread"), cookies()
    url = reverse("events:package_create")
    data = items_form(baker.get(url).content.decode(), [(chip, 12), (shortbread, 6)])
    data["name"] = ["Cookie tin"]

    response = baker.post(url, data)

    package = Package.objects.get()
    assert response.url == reverse("events:package", args=[package.pk])
    assert {(i.recipe, i.quantity) for i in package.items.all()} == {
        (chip, D(12)),
        (shortbread, D(6)),
    }


def test_package_create_without_recipes_links_to_write_one(baker):
    page = baker.get(reverse("events:package_create")).content.decode()

    assert "No recipes yet" in page
    assert reverse("pantry:recipe_new") in page


def test_package_create_without_contents_says_so_and_keeps_the_name(baker):
    url = reverse("events:package_create")
    data = form_data(baker.get(url).content.decode(), "package-form")
    data["name"] = ["Cookie tin"]

    response = baker.post(url, data)

    page = response.content.decode()
    assert "Add at least one recipe, with how many units of it." in page
    assert 'value="Cookie tin"' in page
    assert not Package.objects.exists()


def test_package_create_with_a_recipe_twice_says_so(baker):
    chip = cookies()
    url = reverse("events:package_create")
    data = items_form(baker.get(url).content.decode(), [(chip, 12), (chip, 6)])
    data["name"] = ["Cookie tin"]

    response = baker.post(url, data)

    assert "Chocolate chip is in the package already." in response.content.decode()
    assert not Package.objects.exists()


def test_package_create_with_bad_units_says_so_beside_them(baker):
    chip = cookies()
    url = reverse("events:package_create")
    data = items_form(baker.get(url).content.decode(), [(chip, "0")])
    data["name"] = ["Cookie tin"]

    response = baker.post(url, data)

    page = response.content.decode()
    assert 'id="id_items-0-quantity_error"' in page
    assert "Give more than 0 units." in page
    assert not Package.objects.exists()


def test_package_create_with_a_recipe_and_no_units_says_how_many(baker):
    chip = cookies()
    url = reverse("events:package_create")
    data = items_form(baker.get(url).content.decode(), [(chip, "")])
    data["name"] = ["Cookie tin"]

    response = baker.post(url, data)

    assert "Say how many cookies of Chocolate chip." in response.content.decode()
    assert not Package.objects.exists()


def test_package_create_with_a_taken_name_says_so(baker):
    tin(cookies())
    url = reverse("events:package_create")
    data = items_form(baker.get(url).content.decode(), [(cookies("Other"), 3)])
    data["name"] = ["Cookie tin"]

    response = baker.post(url, data)

    assert "A package with this name exists already." in response.content.decode()
    assert Package.objects.count() == 1


@pytest.mark.parametrize("role", NOT_PLANNERS)
def test_package_create_and_edit_are_refused_to_packers_and_viewers(client, role):
    login_as(client, role)
    package = tin(cookies())
    before = contents()

    for url in (
        reverse("events:package_create"),
        reverse("events:package_edit", args=[package.pk]),
    ):
        assert client.get(url).status_code == 403
        assert client.post(url, {"name": "New"}).status_code == 403
    assert contents() == before


def test_package_edit_changes_the_contents(baker):
    chip = cookies()
    package = tin(chip)
    gingerbread = cookies("Gingerbread")
    url = reverse("events:package_edit", args=[package.pk])
    page = baker.get(url).content.decode()
    assert form_data(page, "package-form")["items-0-quantity"] == ["12"]
    data = items_form(page, [(None, ""), (gingerbread, 4)])

    baker.post(url, data)

    assert [(i.recipe, i.quantity) for i in package.items.all()] == [
        (gingerbread, D(4))
    ]


def test_package_edit_of_contents_held_by_an_assembled_package_is_refused(baker):
    package = tin(cookies())
    AssignmentFactory(package=package, status="assembled", assembled_at=timezone.now())
    url = reverse("events:package_edit", args=[package.pk])
    page = baker.get(url).content.decode()
    assert 'id="settled-note"' in page
    data = items_form(page, [(package.items.get().recipe, 24)])
    before = contents()

    response = baker.post(url, data)

    assert "Cookie tin cannot change its contents" in response.content.decode()
    assert contents() == before


def test_package_edit_renames_a_package_held_by_an_assembled_one(baker):
    package = tin(cookies())
    AssignmentFactory(package=package, status="assembled", assembled_at=timezone.now())
    url = reverse("events:package_edit", args=[package.pk])
    data = form_data(baker.get(url).content.decode(), "package-form")
    data["name"] = ["Holiday tin"]

    response = baker.post(url, data)

    assert response.status_code == 302
    package.refresh_from_db()
    assert package.name == "Holiday tin"
    assert package.items.get().quantity == D(12)
