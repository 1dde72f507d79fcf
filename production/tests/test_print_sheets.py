"""The sheets printed for the kitchen: an event's shopping list and its
packing list, each with a box to tick per row."""

from decimal import Decimal

import pytest
from django.urls import reverse

from bakery.testing import login_as, queries_for
from events.tests.factories import (
    AssignmentFactory,
    EventFactory,
    PackageFactory,
    PackageItemFactory,
    RecipientFactory,
)
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
SHEETS = ["shopping_sheet", "packing_sheet"]


@pytest.fixture
def viewer(client):
    """A client logged in as a Viewer: the sheets are for every role."""
    login_as(client, "Viewer")
    return client


def bread_for(event, *, flour, sugar):
    """A basket of one loaf for the event: a batch of bread, 12.5 lb of flour
    and 100 g of sugar."""
    bread = RecipeFactory(name="Bread", yield_quantity=D(1), yield_unit="loaf")
    RecipeLineFactory(recipe=bread, ingredient=flour, quantity=D("12.5"), unit="lb")
    RecipeLineFactory(recipe=bread, ingredient=sugar, quantity=D(100), unit="g")
    basket = PackageFactory(name="Bread basket")
    PackageItemFactory(package=basket, recipe=bread, quantity=D(1))
    AssignmentFactory(event=event, package=basket)


@pytest.mark.parametrize("name", SHEETS)
def test_print_sheet_needs_a_login(client, bakery, name):
    url = reverse(f"production:{name}", args=[bakery["event"].pk])

    response = client.get(url)

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("name", SHEETS)
def test_print_sheet_loads_for_a_viewer_with_the_event_name_and_date(
    viewer, bakery, name
):
    url = reverse(f"production:{name}", args=[bakery["event"].pk])

    response = viewer.get(url)

    assert response.status_code == 200
    content = response.content.decode()
    assert "Christmas 2026" in content
    assert bakery["event"].date.strftime("%a %-d %b %Y") in content
    assert 'onclick="window.print()"' in content


def test_event_page_links_to_both_print_sheets(viewer, bakery):
    event = bakery["event"]

    response = viewer.get(reverse("production:event", args=[event.pk]))

    content = response.content.decode()
    assert reverse("production:shopping_sheet", args=[event.pk]) in content
    assert reverse("production:packing_sheet", args=[event.pk]) in content


def test_shopping_sheet_lists_what_to_buy_for_this_event_only(viewer):
    event = EventFactory(name="Christmas")
    flour = FlourFactory()
    ProductFactory(
        ingredient=flour, package_quantity=D(5), package_unit="lb", is_preferred=True
    )
    sugar = IngredientFactory(name="Sugar", slug="sugar")
    LotFactory(ingredient=sugar, quantity_purchased=D(5000), total_cost=D(5))
    bread_for(event, flour=flour, sugar=sugar)
    shortbread = RecipeFactory(name="Shortbread")
    butter = IngredientFactory(name="Butter", slug="butter")
    RecipeLineFactory(recipe=shortbread, ingredient=butter)
    box = PackageFactory(name="Shortbread box")
    PackageItemFactory(package=box, recipe=shortbread)
    AssignmentFactory(event=EventFactory(name="Other"), package=box)

    response = viewer.get(reverse("production:shopping_sheet", args=[event.pk]))

    table = response.context["table"]
    assert [row.record.ingredient for row in table.rows] == [flour]
    content = response.content.decode()
    assert "2.5 bags (5.67 kg)" in content
    assert "On hand already: Sugar." in content
    assert "Butter" not in content
    assert content.count('<span class="box"></span>') == 1


def test_shopping_sheet_with_nothing_to_buy_says_so(viewer, bakery):
    response = viewer.get(
        reverse("production:shopping_sheet", args=[bakery["event"].pk])
    )

    content = response.content.decode()
    assert "Nothing to buy: the pantry holds what remains to bake." in content
    assert "On hand already: Flour, all-purpose, Sugar, granulated." in content


def test_packing_sheet_lists_this_events_packages_by_recipient(viewer, bakery):
    event = bakery["event"]
    AssignmentFactory(
        event=EventFactory(name="Other"), recipient=RecipientFactory(name="Stranger")
    )

    response = viewer.get(reverse("production:packing_sheet", args=[event.pk]))

    rows = [row.record for row in response.context["table"].rows]
    assert rows == sorted(
        [*bakery["tins"], bakery["bags"]], key=lambda a: a.recipient.name
    )
    content = response.content.decode()
    assert "Stranger" not in content
    assert content.count("12 cookies Chocolate chip") == 8
    assert "Bag × 3" in content
    assert "16 cookies Chocolate chip" in content
    assert content.count('<span class="status status-pending">pending</span>') == 9
    assert content.count('<span class="box"></span>') == 9


def test_packing_sheet_query_count_does_not_grow_with_packages(viewer, bakery):
    url = reverse("production:packing_sheet", args=[bakery["event"].pk])
    few = queries_for(viewer, url)

    for _ in range(10):
        package = PackageFactory()
        PackageItemFactory.create_batch(2, package=package)
        AssignmentFactory(event=bakery["event"], package=package)

    assert queries_for(viewer, url) == few
