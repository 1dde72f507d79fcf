"""Variance on what was baked: planned, expected, actual, variance, over-plan
and remaining cost per recipe, per event and on the dashboard; what
packages and recipients cost, actual or estimated; and the pages that say
it in words."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from bakery.testing import queries_for
from events.tests.factories import (
    AssignmentFactory,
    PackageFactory,
    PackageItemFactory,
)
from production.selectors import get_package_costs
from production.services import (
    get_dashboard_summary,
    get_production_progress,
    get_recipe_cost_breakdown,
    record_production,
    update_package_status,
)

pytestmark = pytest.mark.django_db

D = Decimal
COST_FIELDS = (
    "planned_cost",
    "expected_cost",
    "actual_cost",
    "variance",
    "variance_percent",
    "over_plan_cost",
    "remaining_cost",
)


def costs_of(row):
    return {name: getattr(row, name) for name in COST_FIELDS}


def bake(kitchen, batches, **kwargs):
    return record_production(
        event=kitchen["event"], recipe=kitchen["recipe"], batches=batches, **kwargs
    )


def test_cost_fields_when_nothing_was_baked(shortbread):
    # given the tea's plan: 2 batches, estimated live at $1.70

    # when nothing is baked yet
    [line] = get_recipe_cost_breakdown(event=shortbread["event"])
    progress = get_production_progress(event=shortbread["event"])

    # then nothing is compared, and all of the plan is still to bake
    expected = {
        "planned_cost": D("1.7000"),
        "expected_cost": D(0),
        "actual_cost": D(0),
        "variance": None,
        "variance_percent": None,
        "over_plan_cost": D(0),
        "remaining_cost": D("1.7000"),
    }
    assert costs_of(line) == expected
    assert costs_of(progress) == expected
    assert costs_of(progress.costs) == expected
    assert (line.batches_to_go, progress.batches_to_go) == (2, 2)


def test_cost_fields_when_some_batches_were_baked(shortbread):
    # given the plan kept when the first batch is recorded: $0.85 a batch
    # when that batch, all from the dear old butter, costs $1.25
    bake(shortbread, 1)

    [line] = get_recipe_cost_breakdown(event=shortbread["event"])

    # then it is compared with the $0.85 expected of 1 batch, not the $1.70
    # planned for 2
    assert costs_of(line) == {
        "planned_cost": D("1.7000"),
        "expected_cost": D("0.8500"),
        "actual_cost": D("1.2500"),
        "variance": D("0.4000"),
        "variance_percent": D("47.1"),
        "over_plan_cost": D(0),
        "remaining_cost": D("0.8500"),
    }
    progress = get_production_progress(event=shortbread["event"])
    assert costs_of(progress.costs) == costs_of(line)


def test_cost_fields_when_all_batches_were_baked(shortbread):
    bake(shortbread, 1)
    bake(shortbread, 1)  # 50 g of the old butter, 200 g of the new: $0.45

    [line] = get_recipe_cost_breakdown(event=shortbread["event"])

    assert costs_of(line) == {
        "planned_cost": D("1.7000"),
        "expected_cost": D("1.7000"),
        "actual_cost": D("1.7000"),
        "variance": D(0),
        "variance_percent": D("0.0"),
        "over_plan_cost": D(0),
        "remaining_cost": D(0),
    }
    assert line.is_complete and line.batches_to_go == 0
    progress = get_production_progress(event=shortbread["event"])
    assert costs_of(progress.costs) == costs_of(line)  # the event's only recipe


def test_cost_fields_when_baked_beyond_the_plan(shortbread):
    # given both planned batches baked ($1.70)
    bake(shortbread, 2)

    # when a third batch is baked, all from the cheap butter ($0.25)
    bake(shortbread, 1)

    # then the extra batch is its own figure, and baking it is no overspending
    [line] = get_recipe_cost_breakdown(event=shortbread["event"])
    assert costs_of(line) == {
        "planned_cost": D("1.7000"),
        "expected_cost": D("2.5500"),
        "actual_cost": D("1.9500"),
        "variance": D("-0.6000"),
        "variance_percent": D("-23.5"),
        "over_plan_cost": D("0.8500"),
        "remaining_cost": D(0),
    }
    assert line.over_plan == 1
    progress = get_production_progress(event=shortbread["event"])
    assert costs_of(progress.costs) == costs_of(line)


def test_event_totals_add_up_the_recipes_that_were_baked(bakery, shortbread):
    # given the tea also plans the bakery's cookies (3 batches, 144 cookies)
    for tin in bakery["tins"]:
        tin.event = shortbread["event"]
        tin.save()
    bakery["bags"].event = shortbread["event"]
    bakery["bags"].save()

    # when one shortbread batch is baked and no cookies
    bake(shortbread, 1)

    # then the event compares the shortbread only, and plans the rest
    progress = get_production_progress(event=shortbread["event"])
    cookies = next(r for r in progress.recipes if r.recipe == bakery["cookies"])
    assert cookies.variance is None
    assert costs_of(progress.costs) == {
        "planned_cost": D("1.7000") + cookies.planned_cost,
        "expected_cost": D("0.8500"),
        "actual_cost": D("1.2500"),
        "variance": D("0.4000"),
        "variance_percent": D("47.1"),
        "over_plan_cost": D(0),
        "remaining_cost": D("0.8500") + cookies.planned_cost,
    }
    assert (progress.batches_produced, progress.batches_to_go) == (1, 4)


def test_dashboard_entries_carry_the_cost_fields(shortbread):
    bake(shortbread, 2)
    bake(shortbread, 1)

    [entry] = get_dashboard_summary()

    assert entry.event == shortbread["event"]
    assert costs_of(entry) == {
        "planned_cost": D("1.7000"),
        "expected_cost": D("2.5500"),
        "actual_cost": D("1.9500"),
        "variance": D("-0.6000"),
        "variance_percent": D("-23.5"),
        "over_plan_cost": D("0.8500"),
        "remaining_cost": D(0),
    }


def test_dashboard_entry_before_baking_has_no_variance(shortbread):
    [entry] = get_dashboard_summary()

    assert (entry.variance, entry.variance_percent) == (None, None)
    assert (entry.remaining_cost, entry.batches_to_go) == (D("1.7000"), 2)


def test_package_cost_is_estimated_until_its_goods_are_made(shortbread):
    # given 1 of 2 batches baked: 10 pieces at $0.125, 10 still to bake
    bake(shortbread, 1)
    first, second = shortbread["boxes"]

    # when the first box is assembled from what was baked
    update_package_status(assignment=first, status="assembled")
    costs = {c.assignment: c for c in get_package_costs(event=first.event).assignments}

    # then its cost is actual; the other box's goods may be still to bake
    assert (costs[first].cost, costs[first].basis) == (D("1.2500"), "actual")
    assert (costs[second].cost, costs[second].basis) == (D("1.2500"), "estimated")


def test_package_cost_is_actual_once_every_package_is_covered(shortbread):
    bake(shortbread, 2)

    costs = get_package_costs(event=shortbread["event"]).assignments

    assert [(c.cost, c.basis) for c in costs] == [(D("0.8500"), "actual")] * 2


def test_package_cost_before_baking_is_the_planned_cost_per_unit(shortbread):
    costs = get_package_costs(event=shortbread["event"]).assignments

    assert [(c.cost, c.basis) for c in costs] == [(D("0.8500"), "estimated")] * 2


def test_package_cost_counts_a_lost_batch_in_the_cost_per_unit_made(shortbread):
    # given a burnt first batch ($1.25, nothing made) and a good one ($0.45)
    bake(shortbread, 1, units_made=0)
    bake(shortbread, 1)

    costs = get_package_costs(event=shortbread["event"]).assignments

    # then the 10 pieces made carry all $1.70
    assert [c.cost for c in costs] == [D("1.7000"), D("1.7000")]


def test_recipient_total_adds_up_their_packages(shortbread):
    # given one recipient with a box and a tin of shortbread
    first, second = shortbread["boxes"]
    tin = PackageFactory(name="Shortbread tin")
    PackageItemFactory(package=tin, recipe=shortbread["recipe"], quantity=D(10))
    second.recipient, second.package = first.recipient, tin
    second.save()
    bake(shortbread, 2)

    [recipient] = get_package_costs(event=first.event).recipients

    assert recipient.recipient == first.recipient
    assert (recipient.cost, recipient.packages, recipient.basis) == (
        D("1.7000"),
        2,
        "actual",
    )


def test_cost_per_package_delivered_is_the_events_cost_over_them(shortbread):
    bake(shortbread, 2)
    assert (
        get_production_progress(event=shortbread["event"]).cost_per_package_delivered
        is None
    )
    for box in shortbread["boxes"][:1]:
        update_package_status(assignment=box, status="assembled")
        update_package_status(assignment=box, status="delivered")

    progress = get_production_progress(event=shortbread["event"])

    assert progress.cost_per_package_delivered == D("1.7000")  # $1.70 / 1


@pytest.fixture
def boss_client(client):
    client.force_login(User.objects.create_superuser("boss", password="pw"))
    return client


def event_page(client, kitchen):
    url = reverse("production:event", args=[kitchen["event"].pk])
    return " ".join(client.get(url).content.decode().split())


def test_event_page_says_the_costs_in_words(boss_client, shortbread):
    bake(shortbread, 1)

    page = event_page(boss_client, shortbread)

    assert (
        '$1.25 spent on 1 of 2 batches, <span class="over">$0.40 more than '
        "expected (+47.1%)</span> · $0.85 planned for the 1 to go"
    ) in page
    assert '<span class="over">+$0.40 (+47.1%)</span>' in page  # Var. column
    assert "Cost per package delivered: none delivered yet." in page


def test_event_page_shows_under_spending_without_red(boss_client, shortbread):
    bake(shortbread, 2)
    bake(shortbread, 1)

    page = event_page(boss_client, shortbread)

    assert (
        '$1.95 spent on 3 of 2 batches, <span class="under">$0.60 less than '
        "expected (-23.5%)</span> · nothing left to bake"
    ) in page
    assert "1 batch beyond the plan, planned at $0.85" in page
    assert "+1 over plan ($0.85 planned)" in page
    assert 'class="over"' not in page


def test_event_page_shows_a_dash_for_unbaked_recipes(boss_client, shortbread):
    page = event_page(boss_client, shortbread)

    assert "Nothing baked yet · $1.70 planned for the 2 to go" in page
    row = page[page.index("<tbody", page.index('id="recipes-table"')) :]
    row = row[: row.index("</tr>")]
    assert row.count("—") == 3  # expected, actual and variance
    assert "$0.00" not in row


def test_event_page_labels_package_costs_and_totals_recipients(boss_client, shortbread):
    bake(shortbread, 1)
    update_package_status(assignment=shortbread["boxes"][0], status="assembled")
    update_package_status(assignment=shortbread["boxes"][0], status="delivered")

    page = event_page(boss_client, shortbread)

    assert '$1.25 <span class="marker basis-actual">actual</span>' in page
    assert '$1.25 <span class="marker basis-estimated">estimated</span>' in page
    assert 'id="recipients-table"' in page
    assert "$1.25 per package delivered" in page


def test_dashboard_says_the_costs_in_words(boss_client, shortbread):
    bake(shortbread, 1)

    page = " ".join(
        boss_client.get(reverse("production:dashboard")).content.decode().split()
    )

    assert "$1.25 spent on 1 of 2 batches" in page
    assert "$0.40 more than expected (+47.1%)" in page
    assert "$0.85 planned for the 1 to go" in page


def test_event_page_queries_do_not_grow_with_records_and_recipients(
    boss_client, shortbread
):
    # given one recipient and one part batch
    url = reverse("production:event", args=[shortbread["event"].pk])
    bake(shortbread, "0.5", units_made=4)
    few = queries_for(boss_client, url)

    # when there are many of both, and packages of every status
    box = shortbread["boxes"][0].package
    for _ in range(10):
        AssignmentFactory(event=shortbread["event"], package=box)
        bake(shortbread, "0.5", units_made=6)
    update_package_status(assignment=shortbread["boxes"][0], status="assembled")

    # then the page reads as many rows in as many queries
    assert queries_for(boss_client, url) == few
