"""The daily path through the pages in a real browser (Debian's Chromium)."""

import datetime
import re
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from bakery.testing import BROWSER_TESTS, SCREENSHOTS
from production.models import ProductionRecord

pytestmark = BROWSER_TESTS


def shot(page, name):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)


@pytest.mark.django_db(transaction=True)
def test_record_batches_and_deliver_a_package(live_server, page, bakery):
    User.objects.create_superuser("baker", password="flour-on-hands")
    page.set_default_timeout(10_000)

    # log in, land on the dashboard
    page.goto(f"{live_server.url}/")
    page.get_by_label("Username").fill("baker")
    page.get_by_label("Password").fill("flour-on-hands")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server.url}/")
    assert page.get_by_role("heading", name="Production").is_visible()
    delivered_bar = page.locator(".stacked .part.delivered")
    assert delivered_bar.get_attribute("style") == "width: 0%"
    shot(page, "1-dashboard")

    # open the event: 1 click
    page.get_by_role("link", name=re.compile("Christmas 2026")).click()
    page.wait_for_url(re.compile(r"/events/\d+/$"))
    page.evaluate("window.stillTheSamePage = true")
    assert "0 / 3" in page.locator("#recipes-table").inner_text()

    # record: 2 clicks more, the preview first
    page.get_by_role("link", name="Record").first.click()
    preview = page.locator(".preview")
    preview.get_by_text("Record 1 batch").wait_for()
    page.get_by_label("Batches").fill("2")
    preview.get_by_role("button", name="Record 2 batches").wait_for()
    assert "Flour, all-purpose: 501 g from lot 1 Oct" in preview.inner_text()
    shot(page, "2-preview")
    preview.get_by_role("button", name="Record 2 batches").click()

    page.get_by_text("Recorded 2 batches of Chocolate chip").wait_for()
    assert "2 / 3" in page.locator("#recipes-table").inner_text()
    assert page.evaluate("window.stillTheSamePage") is True  # updated in place
    shot(page, "3-recorded")

    # a tin of 12: assembled, then delivered (recipients' factory names sort
    # "Recipient 10" before "Recipient 9": the first row may be the bag)
    tin_row = page.locator("#packages-table tbody tr", has_text="Cookie tin").first
    tin_row.get_by_role("button", name="Mark assembled").click()
    tin_row = page.locator("#packages-table tbody tr", has_text="Cookie tin").first
    tin_row.get_by_role("button", name="Mark delivered").wait_for()
    assert "assembled" in tin_row.inner_text()
    tin_row.get_by_role("button", name="Mark delivered").click()
    page.locator("#packages-table tbody tr", has_text="Cookie tin").first.get_by_text(
        "delivered"
    ).wait_for()
    assert page.evaluate("window.stillTheSamePage") is True
    shot(page, "4-delivered")

    # the dashboard's bars moved
    page.get_by_role("link", name="Dashboard").click()
    page.wait_for_url(f"{live_server.url}/")
    assert page.locator("progress").first.get_attribute("value") == "2"
    assert delivered_bar.get_attribute("style") != "width: 0%"
    assert "delivered 1" in page.locator(".legend").first.inner_text()
    shot(page, "5-dashboard-after")


@pytest.mark.django_db(transaction=True)
def test_refusal_is_shown_beside_the_package(live_server, page, bakery):
    User.objects.create_superuser("baker", password="flour-on-hands")
    page.set_default_timeout(10_000)
    page.goto(f"{live_server.url}/events/{bakery['event'].pk}/")
    page.get_by_label("Username").fill("baker")
    page.get_by_label("Password").fill("flour-on-hands")
    page.get_by_role("button", name="Log in").click()

    page.locator("#packages-table tbody tr").first.get_by_role(
        "button", name="Mark assembled"
    ).click()

    page.get_by_text("Needs 12 more Chocolate chip cookies.").wait_for()
    shot(page, "6-refusal")


@pytest.mark.django_db(transaction=True)
def test_record_a_part_batch_with_units_made_on_an_earlier_day(
    live_server, page, bakery
):
    User.objects.create_superuser("baker", password="flour-on-hands")
    page.set_default_timeout(10_000)
    baked = timezone.localtime().replace(hour=9, minute=30, second=0, microsecond=0)
    baked -= datetime.timedelta(days=3)
    page.goto(f"{live_server.url}/events/{bakery['event'].pk}/")
    page.get_by_label("Username").fill("baker")
    page.get_by_label("Password").fill("flour-on-hands")
    page.get_by_role("button", name="Log in").click()
    page.evaluate("window.stillTheSamePage = true")

    # open the record form: one batch, baked now, by default
    page.get_by_role("link", name="Record").first.click()
    preview = page.locator(".preview")
    preview.get_by_role("button", name="Record 1 batch").wait_for()
    assert (
        page.get_by_label("Baked")
        .input_value()
        .startswith(timezone.localdate().isoformat())
    )

    # a batch and a half, that made 70 cookies rather than 72, three days ago
    page.get_by_label("Batches").fill("1.5")
    preview.get_by_role("button", name="Record 1.5 batches").wait_for()
    assert "Flour, all-purpose: 376 g from lot 1 Oct ($0.75)" in preview.inner_text()
    page.get_by_label("Units made").fill("70")
    preview.get_by_text("made 70 of 72 cookies").wait_for()
    page.get_by_label("Baked").fill(baked.strftime("%Y-%m-%dT%H:%M"))
    preview.get_by_text(f"Baked {baked:%a %-d %b}, 09:30").wait_for()
    shot(page, "7-part-batch-preview")
    preview.get_by_role("button", name="Record 1.5 batches").click()

    page.get_by_text(
        "Recorded 1.5 batches of Chocolate chip for $1.35: made 70 of 72 "
        f"cookies, baked {baked:%a %-d %b} 09:30."
    ).wait_for()
    recipes = page.locator("#recipes-table").inner_text()
    assert "1.5 / 3" in recipes and "made 70 of 72" in recipes
    assert page.evaluate("window.stillTheSamePage") is True
    shot(page, "8-part-batch-recorded")
    record = ProductionRecord.objects.get()
    assert (record.batches, record.units_made) == (
        Decimal("1.5"),
        Decimal(70),
    )
    assert record.produced_at == baked


@pytest.mark.django_db(transaction=True)
def test_from_the_pantry_open_a_lot_and_reach_its_recall_list(
    live_server, page, bakery
):
    from production.services import record_production, update_package_status

    User.objects.create_superuser("baker", password="flour-on-hands")
    record_production(event=bakery["event"], recipe=bakery["cookies"], batches=1)
    tin = bakery["tins"][0]
    update_package_status(assignment=tin, status="assembled")
    page.set_default_timeout(10_000)
    page.goto(f"{live_server.url}/pantry/")
    page.get_by_label("Username").fill("baker")
    page.get_by_label("Password").fill("flour-on-hands")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server.url}/pantry/")

    # the flour's lots, then the oldest one: the one the cookies used
    row = page.locator("#pantry-table tr", has_text="Flour, all-purpose")
    row.locator("summary").click()
    row.get_by_role("link", name="1 Oct 2026").click()
    page.wait_for_url(re.compile(r"/lots/\d+/$"))
    assert page.get_by_role("heading", name="Went into").is_visible()

    page.get_by_role("link", name="Recall").click()
    page.wait_for_url(re.compile(r"/lots/\d+/recall/$"))
    recall = page.locator("#recall-table").inner_text()
    assert str(tin.recipient) in recall
    assert "assembled" in recall
    shot(page, "recall")


PHONE = {"width": 390, "height": 844}


def open_event_on_a_phone(page, url: str) -> None:
    """Logs a new baker in at a phone's width, landing on the event's page."""
    User.objects.create_superuser("baker", password="flour-on-hands")
    page.set_viewport_size(PHONE)
    page.set_default_timeout(10_000)
    page.goto(url)
    page.get_by_label("Username").fill("baker")
    page.get_by_label("Password").fill("flour-on-hands")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/events/\d+/$"))


@pytest.mark.django_db(transaction=True)
def test_pages_fit_a_phone_and_their_buttons_are_big(live_server, page, bakery):
    from production.services import record_production, update_package_status

    User.objects.create_superuser("baker", password="flour-on-hands")
    record_production(event=bakery["event"], recipe=bakery["cookies"], batches=1)
    update_package_status(assignment=bakery["tins"][0], status="assembled")
    page.set_viewport_size(PHONE)
    page.set_default_timeout(10_000)
    page.goto(f"{live_server.url}/")
    page.get_by_label("Username").fill("baker")
    page.get_by_label("Password").fill("flour-on-hands")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server.url}/")

    event = f"/events/{bakery['event'].pk}/"
    for path in ["/", event, "/pantry/", "/history/", "/events/"]:
        page.goto(f"{live_server.url}{path}")
        shot(page, f"phone{path.replace('/', '-')}")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], (path, width)

    # the menu: two rows of targets a finger can hit, at 360 px too
    menu = page.get_by_role("navigation", name="Main")
    assert menu.bounding_box()["height"] <= 2 * 44 + 8
    page.set_viewport_size({"width": 360, "height": 740})
    assert menu.bounding_box()["height"] <= 2 * 44 + 8
    for target in menu.get_by_role("link").or_(menu.get_by_role("button")).all():
        box = target.bounding_box()
        if box is not None:  # the brand is hidden
            assert box["height"] >= 44 and box["width"] >= 44, target.inner_text()

    page.goto(f"{live_server.url}{event}")
    for name in ("Record", "Mark assembled", "Mark delivered"):
        button = (
            page.get_by_role("link", name=name)
            .or_(page.get_by_role("button", name=name))
            .first
        )
        box = button.bounding_box()
        assert box is not None, name
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], name
        assert box["height"] >= 44 and box["width"] >= 44, (name, box)


@pytest.mark.django_db(transaction=True)
def test_record_panel_opens_under_the_recipe_tapped(live_server, page, bakery):
    open_event_on_a_phone(page, f"{live_server.url}/events/{bakery['event'].pk}/")

    page.get_by_role("link", name="Record").first.click()
    panel = page.locator("#recipes-table tr.record-row #record-panel")
    panel.wait_for()

    # the row right after the tapped recipe's row, in view
    follows = page.evaluate(
        "document.querySelector('#recipes-table tr.record-row')"
        ".previousElementSibling.textContent.includes('Chocolate chip')"
    )
    assert follows
    assert panel.is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.get_by_role("button", name=re.compile("^Record 1 batch")).click()
    page.get_by_text("Recorded 1 batch of Chocolate chip").wait_for()
    assert page.locator(".record-row").count() == 0


@pytest.mark.django_db(transaction=True)
def test_the_record_panel_hears_what_is_typed_the_moment_it_is_shown(
    live_server, page, bakery
):
    open_event_on_a_phone(page, f"{live_server.url}/events/{bakery['event'].pk}/")
    # types into Batches as soon as the panel is in the page, before any timer runs
    page.evaluate(
        """() => new MutationObserver((changes, observer) => {
            const batches = document.querySelector('.record-row input[name=batches]');
            if (!batches) return;
            observer.disconnect();
            batches.value = '2';
            batches.dispatchEvent(new Event('input', {bubbles: true}));
        }).observe(document.body, {childList: true, subtree: true})"""
    )

    page.get_by_role("link", name="Record").first.click()

    page.get_by_role("button", name="Record 2 batches").wait_for()


@pytest.mark.django_db(transaction=True)
def test_packages_by_pages_fit_a_phone_and_keep_their_page(live_server, page):
    from events.tests.factories import (
        AssignmentFactory,
        EventFactory,
        PackageFactory,
    )

    # 130 packages with nothing in them (any can be packed): three pages
    event = EventFactory(name="Open house")
    AssignmentFactory.create_batch(130, event=event, package=PackageFactory())
    open_event_on_a_phone(page, f"{live_server.url}/events/{event.pk}/")

    pages = page.locator("#packages .pagination")
    pages.get_by_role("link", name="2", exact=True).click()
    page.wait_for_url(re.compile(r"packages-page=2#packages-table$"))
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    for link in pages.get_by_role("link").all():
        box = link.bounding_box()
        assert box["height"] >= 44 and box["width"] >= 44, box
    rows = page.locator("#packages-table tbody tr")
    assert rows.count() == 50
    first = rows.first.get_attribute("id")

    rows.first.get_by_role("button", name="Mark assembled").click()
    page.get_by_text(": assembled.").wait_for()

    # still the second page: its first package, now assembled, is there
    assert page.locator("#packages-table tbody tr").first.get_attribute("id") == first
    assert "page=2" in page.url
    assert page.locator(f"#{first} .status").inner_text() == "assembled"


def in_view(page, locator) -> bool:
    """Whether the element is within the visible part of the page."""
    box = locator.bounding_box()
    height = page.viewport_size["height"]
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= height


@pytest.mark.django_db(transaction=True)
def test_a_package_marked_far_down_the_page_says_so_where_the_baker_is(
    live_server, page
):
    from events.tests.factories import AssignmentFactory, EventFactory, PackageFactory

    event = EventFactory(name="Open house")
    AssignmentFactory.create_batch(40, event=event, package=PackageFactory())
    open_event_on_a_phone(page, f"{live_server.url}/events/{event.pk}/")
    row = page.locator("#packages-table tbody tr").nth(30)
    row_id = row.get_attribute("id")
    button = row.get_by_role("button", name="Mark assembled")
    button.scroll_into_view_if_needed()
    before = page.evaluate("window.scrollY")
    assert before > 1000

    button.click()
    page.locator(f"#{row_id} .status", has_text="assembled").wait_for()

    assert abs(page.evaluate("window.scrollY") - before) < 5
    message = page.get_by_text(": assembled.")
    assert in_view(page, message), message.bounding_box()
    assert in_view(page, page.locator(f"#{row_id}"))

    # delivered: the summary at the top of the page counts it, out of view
    page.locator(f"#{row_id}").get_by_role("button", name="Mark delivered").click()
    page.get_by_text(": delivered.").wait_for()
    assert "Packages 1/40 delivered" in page.locator("#progress-summary").inner_text()
    assert page.locator(".messages").count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_batch_recorded_far_down_the_page_keeps_the_page_where_it_was(
    live_server, page
):
    from events.tests.factories import (
        AssignmentFactory,
        EventFactory,
        PackageFactory,
        PackageItemFactory,
    )
    from pantry.tests.factories import LotFactory, RecipeLineFactory

    # 30 recipes of 100 g of their own ingredient, 48 a batch, in one tin
    tin = PackageFactory(name="Sampler tin")
    for line in RecipeLineFactory.create_batch(30):
        LotFactory(ingredient=line.ingredient)
        PackageItemFactory(package=tin, recipe=line.recipe, quantity=Decimal(48))
    event = EventFactory(name="Open house")
    AssignmentFactory(event=event, package=tin)
    open_event_on_a_phone(page, f"{live_server.url}/events/{event.pk}/")
    row = page.locator("#recipes-table tbody tr").nth(25)
    name = row.locator("td.lead").inner_text()
    row.get_by_role("link", name="Record").click()
    record = page.get_by_role("button", name="Record 1 batch")
    record.scroll_into_view_if_needed()
    before = page.evaluate("window.scrollY")
    assert before > 1000

    record.click()
    message = page.get_by_text(f"Recorded 1 batch of {name}")
    message.wait_for()

    assert abs(page.evaluate("window.scrollY") - before) < 5
    assert in_view(page, message), message.bounding_box()
    assert ProductionRecord.objects.get().recipe.name == name


@pytest.mark.django_db(transaction=True)
def test_on_a_phone_a_number_says_what_it_counts(live_server, page, bakery):
    open_event_on_a_phone(page, f"{live_server.url}/events/{bakery['event'].pk}/")
    label = (
        "([table, column]) => getComputedStyle(document.querySelector("
        "`#${table} tbody tr td[data-label='${column}']`), '::before').content"
    )

    page.goto(f"{live_server.url}/events/")
    phone = page.evaluate(label, ["events-table", "Pending"])
    page.goto(f"{live_server.url}/events/{bakery['event'].pk}/")
    shot(page, "phone-event-labels")
    recipients = page.evaluate(label, ["recipients-table", "Packages"])
    page.set_viewport_size({"width": 1280, "height": 800})
    desktop = page.evaluate(label, ["recipients-table", "Packages"])

    assert phone == '"Pending "'
    assert recipients == '"Packages "'
    assert desktop == "none"


@pytest.mark.django_db(transaction=True)
def test_today_on_a_phone_is_a_checklist_to_tick_off(live_server, page, bakery):
    from production.services import record_production

    event = bakery["event"]
    event.date = timezone.localdate() + datetime.timedelta(days=3)
    event.save()
    record_production(event=event, recipe=bakery["cookies"], batches=1)
    open_event_on_a_phone(page, f"{live_server.url}/events/{event.pk}/")
    page.goto(f"{live_server.url}/today/")
    assemble = page.locator(".checklist-steps > li", has_text="Assemble")
    deliver = page.locator(".checklist-steps > li", has_text="Deliver")
    first = assemble.locator(".todo li").first
    recipient = first.locator(".lead").inner_text()

    first.get_by_role("button", name="Mark assembled").click()
    page.get_by_text(f"Cookie tin for {recipient}: assembled.").wait_for()

    assert assemble.locator(".todo li", has_text=recipient).count() == 0
    ticked = deliver.locator(".todo li", has_text=recipient)
    assert ticked.get_by_role("button", name="Mark delivered").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    box = ticked.get_by_role("button", name="Mark delivered").bounding_box()
    assert box["height"] >= 44 and box["width"] >= 44
    assert page.locator("#messages").count() == 1
    shot(page, "phone-today-ticked")

    ticked.get_by_placeholder("Delivery note (optional)").fill("on the porch")
    ticked.get_by_role("button", name="Mark delivered").click()
    page.get_by_text(f"Cookie tin for {recipient}: delivered.").wait_for()
    assert deliver.locator(".todo li", has_text=recipient).count() == 0
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    delivered = bakery["event"].assignments.get(recipient__name=recipient)
    assert delivered.delivery_note == "on the porch"
