"""Buying and writing a recipe in a real browser (Debian's Chromium), on a
phone-sized window: the htmx rows, the inline product, the line check."""

from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib.auth.models import Group, User

from bakery.roles import sync_roles
from bakery.testing import BROWSER_TESTS, SCREENSHOTS
from pantry.models import Lot, Product, Recipe
from pantry.tests.factories import FlourFactory, IngredientFactory

PHONE = {"width": 360, "height": 780}

pytestmark = BROWSER_TESTS


def shot(page, name):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"pantry-{name}.png", full_page=True)


def log_in_as_baker(page, url):
    sync_roles(apps)  # a transactional test starts with the tables flushed
    user = User.objects.create_user("baker", password="flour-on-hands")
    user.groups.add(Group.objects.get(name="Baker"))
    page.set_default_timeout(10_000)
    page.set_viewport_size(PHONE)
    page.goto(url)
    page.get_by_label("Username").fill("baker")
    page.get_by_label("Password").fill("flour-on-hands")
    page.get_by_role("button", name="Log in").click()


def assert_no_sideways_scroll(page):
    """Neither the page nor any of its tables scrolls sideways."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page is {width} px wide"
    tables = page.evaluate(
        "[...document.querySelectorAll('.table-container')]"
        ".map(e => [e.scrollWidth, e.clientWidth])"
    )
    assert all(scroll <= client for scroll, client in tables), tables


@pytest.mark.django_db(transaction=True)
def test_buy_a_receipt_of_two_rows_with_a_new_product(live_server, page):
    flour = FlourFactory()
    IngredientFactory(name="Sugar, granulated")
    log_in_as_baker(page, f"{live_server.url}/pantry/buy/")
    page.get_by_role("heading", name="Add purchase").wait_for()
    assert_no_sideways_scroll(page)

    # the product is missing: add it inline, the rows stay as typed
    page.get_by_label("Supplier").fill("Costco")
    page.get_by_text("Add a product").click()
    panel = page.locator("#new-product")
    panel.get_by_label("Ingredient").select_option(label="Flour, all-purpose")
    panel.get_by_label("Brand").fill("King Arthur")
    panel.get_by_label("Name").fill("AP flour")
    panel.get_by_label("One package holds").fill("25")
    panel.get_by_label("Unit", exact=True).fill("lb")
    panel.get_by_label("Package", exact=True).fill("bag")
    panel.get_by_role("button", name="Add product").click()
    panel.get_by_text("choose it in a row above").wait_for()
    assert page.get_by_label("Supplier").input_value() == "Costco"
    label = "King Arthur AP flour, 25 lb bag · Flour, all-purpose"
    assert page.locator(f'#purchase-choices option[value="{label}"]').count() == 1

    # two rows, the second added by htmx
    page.locator("#id_rows-0-item").fill(label)
    page.locator("#id_rows-0-price").fill("$13.69")
    page.get_by_role("button", name="+ another row").click()
    page.locator("#id_rows-1-item").wait_for()
    page.locator("#id_rows-1-item").fill("sugar, granulated")
    page.locator("#id_rows-1-size").fill("2 kg")
    page.locator("#id_rows-1-price").fill("3,10")
    assert page.locator("#id_rows-TOTAL_FORMS").input_value() == "2"
    assert_no_sideways_scroll(page)
    shot(page, "1-receipt")
    page.get_by_role("button", name="Save receipt").click()

    page.get_by_text("Recorded 2 purchases for $16.79.").wait_for()
    assert Lot.objects.count() == 2
    assert Product.objects.get().ingredient == flour
    assert_no_sideways_scroll(page)
    shot(page, "2-lots")


@pytest.mark.django_db(transaction=True)
def test_write_a_recipe_with_its_lines_checked_as_typed(live_server, page):
    FlourFactory()
    IngredientFactory(name="Sugar")  # no density
    log_in_as_baker(page, f"{live_server.url}/pantry/recipes/new/")
    page.get_by_role("heading", name="New recipe").wait_for()

    page.get_by_label("Name").fill("Sugar cookies")
    page.get_by_label("One batch makes").fill("24")
    page.get_by_label("of what").fill("cookies")
    page.locator("#id_lines-0-quantity").fill("2")
    page.locator("#id_lines-0-unit").fill("cup")
    page.locator("#id_lines-0-ingredient").select_option(label="Flour, all-purpose")
    page.locator("#lines-0 .line-check").get_by_text("= 251 g").wait_for()
    page.get_by_role("button", name="+ another ingredient").click()
    page.locator("#id_lines-1-unit").wait_for()
    page.locator("#id_lines-1-quantity").fill("1")
    page.locator("#id_lines-1-unit").fill("cup")
    page.locator("#id_lines-1-ingredient").select_option(label="Sugar")
    page.locator("#lines-1 .line-check").get_by_text(
        "Set a density for Sugar to convert cup to g."
    ).wait_for()
    assert_no_sideways_scroll(page)
    shot(page, "3-recipe-line-check")

    page.locator("#id_lines-1-unit").fill("g")
    page.locator("#id_lines-1-quantity").fill("200")
    page.locator("#lines-1 .line-check").get_by_text("= 200 g").wait_for()
    page.get_by_role("button", name="Save recipe").click()

    page.get_by_text("Saved Sugar cookies.").wait_for()
    recipe = Recipe.objects.get()
    assert [(line.quantity, line.unit) for line in recipe.lines.all()] == [
        (Decimal(2), "cup"),
        (Decimal(200), "g"),
    ]
    assert_no_sideways_scroll(page)
    shot(page, "4-recipe")
