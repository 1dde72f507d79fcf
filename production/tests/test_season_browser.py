"""A whole season as a new baker lives it, in a real browser on a phone,
from an empty database, never opening the admin: ingredients and products,
a receipt, a recipe, an event, packages for five recipients, baking,
assembling, delivering with a note, and the dashboard saying complete."""

import re

import pytest
from django.apps import apps
from django.contrib.auth.models import Group, User

from bakery.roles import sync_roles
from bakery.testing import BROWSER_TESTS
from events.models import Assignment
from pantry.models import Lot
from production.models import ProductionRecord
from production.tests.test_browser import PHONE, shot

pytestmark = BROWSER_TESTS

RECIPIENTS = ["Aunt Martha", "The Lees", "Bob Smith", "Zoë Müller", "Sam"]


@pytest.mark.django_db(transaction=True)
def test_a_whole_season_from_an_empty_database(live_server, page):
    sync_roles(apps)  # a transactional test may start with the tables flushed
    baker = User.objects.create_user("baker", password="flour-on-hands")
    baker.groups.add(Group.objects.get(name="Baker"))
    page.set_default_timeout(15_000)
    page.set_viewport_size(PHONE)
    visited = []
    page.on("request", lambda request: visited.append(request.url))
    url = live_server.url

    page.goto(f"{url}/")
    page.get_by_label("Username").fill("baker")
    page.get_by_label("Password").fill("flour-on-hands")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{url}/")

    # 1. an ingredient and a product
    page.goto(f"{url}/pantry/ingredients/new/")
    page.get_by_label("Name").fill("Butter")
    page.get_by_role("button", name="Add ingredient").click()
    page.wait_for_load_state()
    page.goto(f"{url}/pantry/products/new/")
    page.get_by_label("Ingredient").select_option(label="Butter")
    page.get_by_label("Brand").fill("Kerrygold")
    page.get_by_label("Name").fill("Unsalted")
    page.get_by_label("One package holds").fill("250")
    page.get_by_label("Unit", exact=True).fill("g")
    page.get_by_label("Package", exact=True).fill("block")
    page.get_by_role("button", name="Add product").click()
    page.wait_for_load_state()

    # 2. a receipt: four blocks of butter
    page.goto(f"{url}/pantry/buy/")
    page.locator("#id_rows-0-item").fill("Kerrygold Unsalted, 250 g block · Butter")
    page.locator("#id_rows-0-packages").fill("4")
    page.locator("#id_rows-0-price").fill("$12.00")
    page.get_by_role("button", name="Save receipt").click()
    page.get_by_text(re.compile(r"Recorded 1 purchase")).wait_for()
    assert Lot.objects.get().quantity_purchased == 1000

    # 3. a recipe: 200 g of butter make 24 shortbread
    page.goto(f"{url}/pantry/recipes/new/")
    page.get_by_label("Name").fill("Shortbread")
    page.get_by_label("One batch makes").fill("24")
    page.get_by_label("of what").fill("pieces")
    page.locator("#id_lines-0-quantity").fill("200")
    page.locator("#id_lines-0-unit").fill("g")
    page.locator("#id_lines-0-ingredient").select_option(label="Butter")
    page.locator("#lines-0 .line-check").get_by_text("= 200 g").wait_for()
    page.get_by_role("button", name="Save recipe").click()
    page.get_by_text("Saved Shortbread.").wait_for()

    # a package of 6 pieces
    page.goto(f"{url}/plan/packages/new/")
    page.get_by_label("Name").fill("Shortbread bag")
    page.locator("select[name$='-recipe']").first.select_option(
        label="Shortbread (24 pieces a batch)"
    )
    page.locator("input[name$='-quantity']").first.fill("6")
    page.get_by_role("button", name="Save the package").click()
    page.wait_for_load_state()

    # 4. an event
    page.goto(f"{url}/plan/")
    page.get_by_role("link", name="+ Plan an event").click()
    page.get_by_label("Name").fill("Christmas")
    page.get_by_label("Date").fill("2099-12-19")
    page.get_by_role("button", name="Plan the event").click()
    page.wait_for_url(re.compile(r"/plan/events/\d+/packages/$"))

    # 5. packages for five recipients, pasted, created after confirming
    page.get_by_role("link", name="+ Add packages").click()
    page.get_by_label("Package").select_option(label="Shortbread bag")
    page.get_by_label("Or paste names, one per line").fill("\n".join(RECIPIENTS))
    page.get_by_role("button", name="Add", exact=True).click()
    page.get_by_text("Will create 5 new recipients").wait_for()
    page.get_by_role("button", name="Create them and add Shortbread bag").click()
    page.wait_for_url(re.compile(r"/plan/events/\d+/packages/$"))
    assert Assignment.objects.count() == 5

    # 6. bake: 30 pieces needed, two batches
    event_page = page.url.replace("/plan/events/", "/events/").replace("packages/", "")
    page.goto(event_page)
    page.get_by_role("link", name="Record").first.click()
    page.locator("#record-panel").get_by_label("Batches").fill("2")
    page.get_by_role("button", name=re.compile("^Record 2 batches")).wait_for()
    page.get_by_role("button", name=re.compile("^Record 2 batches")).click()
    page.get_by_text("Recorded 2 batches of Shortbread").wait_for()
    assert ProductionRecord.objects.get().batches == 2

    # 7. assemble all five, then deliver them, the first with a note
    def press_each(name):
        buttons = page.get_by_role("button", name=name)
        for left in range(len(RECIPIENTS), 0, -1):
            buttons.first.click()
            page.wait_for_function(
                "([name, left]) => [...document.querySelectorAll('button')]"
                ".filter(b => b.textContent.trim() === name).length < left",
                arg=[name, left],
            )

    press_each("Mark assembled")
    page.get_by_placeholder("Delivery note (optional)").first.fill("left on the porch")
    press_each("Mark delivered")
    assert set(Assignment.objects.values_list("status", flat=True)) == {"delivered"}
    assert Assignment.objects.filter(delivery_note="left on the porch").count() == 1
    shot(page, "season-delivered")

    # 8. the dashboard says complete
    page.goto(f"{url}/?completed=1")
    card = page.locator(".event-card", has_text="Christmas")
    assert "Complete" in card.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert not [u for u in visited if "/admin/" in u]
