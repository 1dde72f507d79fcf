import datetime
from decimal import Decimal
from unittest import mock

import pytest
from django.db import connection
from django.db.models import QuerySet
from django.test.utils import CaptureQueriesContext

from events.models import Package
from events.services import get_planned_cost
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
from production.selectors import get_package_costs
from production.services import (
    get_dashboard_summary,
    get_production_progress,
    get_recipe_cost_breakdown,
    record_production,
    reverse_production,
    update_package_status,
)

pytestmark = pytest.mark.django_db

D = Decimal


def test_progress_before_production_has_zero_actual_and_the_planned_cost(bakery):
    progress = get_production_progress(event=bakery["event"])

    [recipe] = progress.recipes
    assert (recipe.batches_required, recipe.batches_produced) == (3, 0)
    assert not recipe.is_complete
    assert recipe.actual_cost == 0
    assert progress.costs.actual_total == D(0)
    assert progress.costs.planned_total == get_planned_cost(event=bakery["event"]).total
    assert (progress.packages.total, progress.packages.pending) == (11, 11)
    assert not progress.is_complete and not progress.no_packages


def test_progress_after_production(bakery):
    record = record_production(
        event=bakery["event"], recipe=bakery["cookies"], batches=2
    )

    progress = get_production_progress(event=bakery["event"])

    [recipe] = progress.recipes
    assert (recipe.batches_produced, recipe.actual_cost) == (2, record.actual_cost)
    assert (progress.batches_produced, progress.batches_required) == (2, 3)
    assert (progress.recipes_complete, progress.recipes_total) == (0, 1)
    assert progress.costs.actual_total == record.actual_cost


def test_reversed_records_count_for_nothing(bakery):
    record = record_production(
        event=bakery["event"], recipe=bakery["cookies"], batches=2
    )
    reverse_production(record=record)

    [recipe] = get_production_progress(event=bakery["event"]).recipes

    assert (recipe.batches_produced, recipe.actual_cost) == (0, 0)


def test_event_with_no_packages_is_never_complete():
    event = EventFactory()

    progress = get_production_progress(event=event)

    assert progress.no_packages
    assert not progress.is_complete
    assert progress.recipes == ()


def test_all_delivered_makes_the_event_complete(bakery):
    record_production(event=bakery["event"], recipe=bakery["cookies"], batches=3)
    assignments = [*bakery["tins"], bakery["bags"]]
    for assignment in assignments:
        update_package_status(assignment=assignment, status="assembled")
    for assignment in assignments[:-1]:
        update_package_status(assignment=assignment, status="delivered")
    assert not get_production_progress(event=bakery["event"]).is_complete

    update_package_status(assignment=assignments[-1], status="delivered")

    progress = get_production_progress(event=bakery["event"])
    assert progress.is_complete
    assert progress.packages.delivered == progress.packages.total == 11


def test_dashboard_lists_events_by_date_and_hides_complete_ones(bakery):
    bakery["event"].date = datetime.date(2026, 12, 19)
    bakery["event"].save()
    empty = EventFactory(name="Cookie swap", date=datetime.date(2026, 12, 12))
    record_production(event=bakery["event"], recipe=bakery["cookies"], batches=3)
    done = AssignmentFactory(package=bakery["tins"][0].package)
    done.event.date = datetime.date(2027, 1, 10)
    done.event.save()
    record_production(event=done.event, recipe=bakery["cookies"], batches=1)
    update_package_status(assignment=done, status="assembled")
    update_package_status(assignment=done, status="delivered")

    active = get_dashboard_summary()
    everything = get_dashboard_summary(include_complete=True)

    assert [entry.event for entry in active] == [empty, bakery["event"]]
    assert [entry.event for entry in everything] == [empty, bakery["event"], done.event]
    swap, christmas = active
    assert swap.no_packages and not swap.is_complete
    assert (christmas.batches_produced, christmas.batches_required) == (3, 3)
    assert (christmas.recipes_complete, christmas.recipes_total) == (1, 1)
    assert (christmas.pending, christmas.assembled, christmas.delivered) == (11, 0, 0)
    assert everything[2].is_complete


def test_over_production_of_an_unplanned_recipe_shows_with_zero_required(bakery):
    extra = RecipeFactory(name="Fudge")
    RecipeLineFactory(recipe=extra, ingredient=bakery["sugar"], quantity=D(100))

    record_production(event=bakery["event"], recipe=extra, batches=1)

    progress = get_production_progress(event=bakery["event"])
    fudge = next(r for r in progress.recipes if r.recipe == extra)
    assert (fudge.batches_required, fudge.batches_produced, fudge.over_plan) == (
        0,
        1,
        1,
    )
    assert progress.recipes_total == 1


def test_cost_breakdown_variance_and_percent(bakery):
    record_production(event=bakery["event"], recipe=bakery["cookies"], batches=3)

    [line] = get_recipe_cost_breakdown(event=bakery["event"])

    assert line.planned_cost == D("2.7036")  # 3 x the 0.9012 kept per batch
    assert line.actual_cost == D("2.7037")
    assert line.variance == D("0.0001")
    assert line.variance_percent == D("0.0")


def test_unplanned_recipe_is_over_plan_and_compared_with_its_kept_cost(bakery):
    # given fudge the event's packages do not hold: 100 g of sugar, $0.20
    extra = RecipeFactory(name="Fudge")
    RecipeLineFactory(recipe=extra, ingredient=bakery["sugar"], quantity=D(100))

    # when a batch is baked anyway
    record_production(event=bakery["event"], recipe=extra, batches=1)

    # then it cost what was expected of it, and all of it is beyond the plan
    fudge = next(
        r for r in get_recipe_cost_breakdown(event=bakery["event"]) if r.recipe == extra
    )
    assert fudge.planned_cost == 0
    assert (fudge.expected_cost, fudge.actual_cost) == (D("0.2000"), D("0.2000"))
    assert (fudge.variance, fudge.variance_percent) == (D(0), D("0.0"))
    assert (fudge.over_plan_cost, fudge.remaining_cost) == (D("0.2000"), D(0))


def test_package_costs_leave_out_an_assignment_deleted_as_they_are_read():
    event = EventFactory()
    kept, gone = AssignmentFactory.create_batch(2, event=event)
    read_packages = QuerySet.in_bulk

    def deleted_first(queryset, *args, **kwargs):
        # another request deletes the assignment and then its package just
        # after this one read the event's assignments
        if queryset.model is Package:
            gone.delete()
            gone.package.delete()
        return read_packages(queryset, *args, **kwargs)

    with mock.patch.object(QuerySet, "in_bulk", deleted_first):
        costs = get_package_costs(event=event)

    assert [cost.assignment for cost in costs.assignments] == [kept]


def test_package_costs_use_the_cost_per_unit_made_once_some_are_baked(bakery):
    tin = bakery["tins"][0]
    before = get_package_costs(event=bakery["event"])
    record_production(event=bakery["event"], recipe=bakery["cookies"], batches=1)

    after = get_package_costs(event=bakery["event"])

    cost_before = next(c for c in before.assignments if c.assignment == tin)
    cost_after = next(c for c in after.assignments if c.assignment == tin)
    # 1 of 3 batches: the tin's cookies may be among those still to bake
    assert not cost_before.is_actual and not cost_after.is_actual
    # 1 batch: flour 250.61 g of the $2/kg lot + 200 g sugar at $2/kg = $0.9012
    assert cost_after.cost == (D("0.9012") / 48 * 12).quantize(D("0.0001"))
    recipient_cost = next(r for r in after.recipients if r.recipient == tin.recipient)
    assert recipient_cost.cost == cost_after.cost


def make_events(count, assignments_each):
    ingredients = [IngredientFactory() for _ in range(3)]
    for ingredient in ingredients:
        LotFactory(ingredient=ingredient, quantity_purchased=D(100000))
    recipes = []
    for _ in range(3):
        recipe = RecipeFactory()
        for ingredient in ingredients:
            RecipeLineFactory(recipe=recipe, ingredient=ingredient, quantity=D(1))
        recipes.append(recipe)
    package = PackageFactory()
    for recipe in recipes:
        PackageItemFactory(package=package, recipe=recipe)
    events = []
    for _ in range(count):
        event = EventFactory()
        for _ in range(assignments_each):
            AssignmentFactory(event=event, package=package)
        record_production(event=event, recipe=recipes[0], batches=1)
        events.append(event)
    return events


@pytest.mark.parametrize(
    "read",
    [
        lambda events: get_production_progress(event=events[0]),
        lambda events: get_recipe_cost_breakdown(event=events[0]),
        lambda events: get_dashboard_summary(),
        lambda events: get_package_costs(event=events[0]),
    ],
    ids=["progress", "cost_breakdown", "dashboard", "package_costs"],
)
def test_reads_run_in_constant_queries(read):
    small = make_events(1, 1)
    with CaptureQueriesContext(connection) as few:
        read(small)

    make_events(12, 10)
    with CaptureQueriesContext(connection) as many:
        read(small)

    assert len(many) == len(few)


def test_dashboard_query_budget(django_assert_max_num_queries):
    make_events(5, 4)
    with django_assert_max_num_queries(10):
        assert len(get_dashboard_summary()) == 5


def test_shopping_list_counts_what_production_has_baked(bakery):
    from events.services import get_shopping_list

    record_production(event=bakery["event"], recipe=bakery["cookies"], batches=2)

    flour = next(
        item
        for item in get_shopping_list(event=bakery["event"]).items
        if item.ingredient == bakery["flour"]
    )

    assert flour.needed == D("250.610")  # the one batch left
