import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.db.models import Count, F, Q
from django.utils import timezone

from events.models import Assignment, Event, Package, Recipient
from events.selectors import get_shopping_list
from events.tests.factories import EventFactory, RecipientFactory
from pantry.models import Ingredient, Lot, Product, Recipe
from pantry.selectors import estimate_recipe_cost
from pantry.tests.factories import IngredientFactory, RecipeFactory
from production.models import ProductionRecord
from production.services import get_production_progress, preview_production

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(capsys):
    call_command("load_demo")
    return capsys.readouterr().out


def _upcoming_and_past():
    today = timezone.localdate()
    upcoming = list(Event.objects.filter(date__gt=today).order_by("date"))
    past = list(Event.objects.filter(date__lt=today))
    return upcoming, past


def test_ensure_admin_creates_a_superuser_once_and_prints_the_password(capsys):
    call_command("ensure_admin")
    first = capsys.readouterr().out

    call_command("ensure_admin")
    second = capsys.readouterr().out

    admin = User.objects.get()
    assert admin.is_superuser and admin.is_staff
    password = first.split("password: ")[1].split()[0]
    assert admin.check_password(password)
    assert "password" not in second
    assert User.objects.count() == 1


def test_load_demo_fills_an_empty_database_with_a_holiday_season(demo):
    assert "Demo data loaded" in demo
    assert Ingredient.objects.count() >= 25
    assert Recipe.objects.count() >= 8
    assert Recipient.objects.count() == 15
    assert Package.objects.count() == 5
    assert Event.objects.count() == 3
    upcoming, past = _upcoming_and_past()
    assert len(upcoming) == 2
    assert len(past) == 1


def test_load_demo_prices_every_recipe_from_its_purchases(demo):
    recipes = list(Recipe.objects.all())

    estimates = {recipe.name: estimate_recipe_cost(recipe=recipe) for recipe in recipes}

    assert {r.category for r in recipes} >= {"Cookies", "Bars", "Breads", "Candies"}
    assert all(recipe.yield_quantity for recipe in recipes)
    unpriced = {
        name: [line.problem for line in estimate.unpriced]
        for name, estimate in estimates.items()
        if not estimate.is_fully_priced
    }
    assert unpriced == {}
    assert all(estimate.total_cost > 0 for estimate in estimates.values())


def test_load_demo_pantry_has_preferred_products_and_fifo_lots(demo):
    ingredients = Ingredient.objects.annotate(
        preferred=Count(
            "products", filter=Q(products__is_preferred=True), distinct=True
        ),
        lot_count=Count("lots", distinct=True),
    )

    assert all(ingredient.preferred == 1 for ingredient in ingredients)
    assert all(ingredient.lot_count >= 1 for ingredient in ingredients)
    assert sum(ingredient.lot_count >= 2 for ingredient in ingredients) >= 5
    assert Product.objects.values("brand").distinct().count() >= 10
    # Purchases name their product by ingredient and product name.
    assert not (
        Product.objects.values("ingredient", "name")
        .annotate(same=Count("pk"))
        .filter(same__gt=1)
        .exists()
    )
    assert Lot.objects.values("purchased_on").distinct().count() >= 10
    partly_used = Lot.objects.filter(
        quantity_remaining__gt=0, quantity_remaining__lt=F("quantity_purchased")
    )
    assert partly_used.count() >= 5
    assert Lot.objects.filter(quantity_remaining=0).exists()
    # The staples were bought more than once, at different prices.
    flour_lots = Lot.objects.filter(ingredient__slug="flour_all_purpose")
    assert len({lot.unit_cost for lot in flour_lots}) >= 2


def test_load_demo_packages_hold_two_to_four_recipes(demo):
    sizes = Package.objects.annotate(recipes=Count("items")).values_list(
        "recipes", flat=True
    )

    assert all(2 <= size <= 4 for size in sizes)


def test_load_demo_past_event_is_baked_assembled_and_delivered(demo):
    [past] = _upcoming_and_past()[1]

    progress = get_production_progress(event=past)

    assert progress.is_complete
    assert progress.packages.total >= 1
    assert progress.recipes_complete == progress.recipes_total >= 1
    assert progress.is_fully_priced
    assert progress.actual_cost > 0


def test_load_demo_one_upcoming_event_is_under_way_and_one_unplanned(demo):
    upcoming = _upcoming_and_past()[0]

    progress = [get_production_progress(event=event) for event in upcoming]

    unplanned = [p for p in progress if p.no_packages]
    under_way = [p for p in progress if not p.no_packages]
    assert len(unplanned) == 1
    assert not unplanned[0].is_complete
    [started] = under_way
    assert started.pending > 0
    assert started.assembled > 0
    assert started.delivered > 0
    assert 0 < started.batches_produced < started.batches_required
    assert started.is_fully_priced
    assert ProductionRecord.objects.filter(event=started.event).exists()
    # Every recipient gets something at the big event.
    assert (
        Assignment.objects.filter(event=started.event)
        .values("recipient")
        .distinct()
        .count()
        == 15
    )


def test_load_demo_leaves_stock_for_more_batches(demo):
    [event] = [e for e in _upcoming_and_past()[0] if e.assignments.exists()]
    unfinished = [
        line.recipe
        for line in get_production_progress(event=event).recipes
        if not line.is_complete
    ]

    shopping = get_shopping_list(event=event)
    recordable = [
        recipe
        for recipe in unfinished
        if preview_production(event=event, recipe=recipe, batches=1).can_record
    ]

    # A shortage or two, as in a real December, each blocking at most a recipe.
    assert 1 <= len(shopping.to_buy) <= 2
    assert shopping.problems == ()
    assert len(recordable) >= len(unfinished) - len(shopping.to_buy)
    assert unfinished


def test_load_demo_if_empty_keeps_existing_data(capsys):
    call_command("load_demo")
    lots = Lot.objects.count()

    call_command("load_demo", "--if-empty")

    assert "not loaded" in capsys.readouterr().out
    assert Lot.objects.count() == lots


@pytest.mark.parametrize(
    "factory", [IngredientFactory, RecipeFactory, RecipientFactory, EventFactory]
)
def test_load_demo_if_empty_does_nothing_on_a_database_with_data(factory, capsys):
    factory()
    before = _counts()

    call_command("load_demo", "--if-empty")

    assert "not loaded" in capsys.readouterr().out
    assert _counts() == before


@pytest.mark.parametrize(
    "factory", [IngredientFactory, RecipeFactory, RecipientFactory, EventFactory]
)
def test_load_demo_refuses_a_database_with_data(factory):
    factory()
    before = _counts()

    with pytest.raises(CommandError, match="Nothing was changed"):
        call_command("load_demo")

    assert _counts() == before


def test_load_demo_refuses_to_load_twice():
    call_command("load_demo")
    before = _counts()

    with pytest.raises(CommandError, match="Nothing was changed"):
        call_command("load_demo")

    assert _counts() == before


def _counts() -> dict[str, int]:
    models = (Ingredient, Product, Lot, Recipe, Recipient, Package, Event, Assignment)
    return {model.__name__: model.objects.count() for model in models} | {
        "ProductionRecord": ProductionRecord.objects.count()
    }
