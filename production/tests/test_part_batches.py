"""Part batches: half a batch uses half of every ingredient through the same
FIFO path, costs half to the cent, and makes half the units; the batch
limits are one rule."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from production import models
from production.forms import RecordForm
from production.models import ConsumptionLine, ProductionRecord
from production.services import (
    get_production_progress,
    preview_production,
    record_production,
)

pytestmark = pytest.mark.django_db

D = Decimal


def bake(bakery, batches, **kwargs):
    return record_production(
        event=bakery["event"], recipe=bakery["cookies"], batches=batches, **kwargs
    )


def test_half_batch_uses_half_of_every_ingredient(bakery):
    # given a whole batch takes 250.61 g of flour and 200 g of sugar
    # when half a batch is recorded
    record = bake(bakery, "0.5")

    # then half of each comes from the oldest lots
    lines = {
        line.ingredient.slug: (line.lot, line.quantity, line.cost)
        for line in record.lines.all()
    }
    assert lines == {
        "flour_all_purpose": (bakery["old_flour"], D("125.305"), D("0.2506")),
        "sugar": (bakery["sugar_lot"], D("100.000"), D("0.2000")),
    }
    record.refresh_from_db()
    assert (record.batches, record.units_made) == (D("0.5"), D(24))


def test_half_batch_costs_half_of_a_whole_one_to_the_cent(bakery):
    whole = bake(bakery, 1)
    half = bake(bakery, "0.5")

    assert whole.actual_cost == D("0.9012")
    assert half.actual_cost == D("0.4506")
    assert half.actual_cost.quantize(D("0.01")) == (whole.actual_cost / 2).quantize(
        D("0.01")
    )


def test_lots_show_what_half_batches_took(bakery):
    # given two half batches
    first = bake(bakery, "0.5")
    second = bake(bakery, "0.5")

    # then the lots hold what a whole batch would have left, to the gram and
    # the cent, and their ledger adds up
    flour, sugar = bakery["old_flour"], bakery["sugar_lot"]
    flour.refresh_from_db()
    sugar.refresh_from_db()
    assert (flour.quantity_remaining, flour.cost_remaining) == (
        D("749.390"),
        D("1.4988"),
    )
    assert (sugar.quantity_remaining, sugar.cost_remaining) == (D(1800), D("3.6000"))
    for lot in (flour, sugar):
        movements = list(lot.movements.all())
        assert lot.quantity_remaining == lot.quantity_purchased + sum(
            m.quantity for m in movements
        )
        assert lot.cost_remaining == lot.total_cost + sum(m.cost for m in movements)
    assert first.actual_cost + second.actual_cost == D("0.9012")
    assert ConsumptionLine.objects.filter(lot=flour).count() == 2


def test_part_batches_add_up_in_progress(bakery):
    bake(bakery, "1.25")

    [line] = get_production_progress(event=bakery["event"]).recipes

    # 60 of 144 cookies made; the plan stays 3 whole batches
    assert (line.batches_required, line.batches_produced) == (3, D("1.25"))
    assert (line.units_made, line.units_short) == (D(60), D(84))
    assert (line.batches_to_go, line.batches_to_cover) == (2, D("1.75"))
    assert not line.is_complete


def test_part_batch_that_covers_what_is_missing_completes_the_recipe(bakery):
    bake(bakery, "1.25")

    bake(bakery, "1.75")

    [line] = get_production_progress(event=bakery["event"]).recipes
    assert line.batches_produced == 3 and line.is_complete
    assert line.batches_to_cover is None


def test_part_batch_to_cover_rounds_up_to_a_hundredth(bakery):
    bake(bakery, 1, units_made=47)  # 97 still needed: 2.0208… batches

    [line] = get_production_progress(event=bakery["event"]).recipes

    assert line.batches_to_cover == D("2.03")


def test_event_page_offers_the_part_batch_that_covers_the_rest(bakery, client):
    client.force_login(User.objects.create_superuser("boss", password="pw"))
    bake(bakery, "1.25")
    event_url = reverse("production:event", args=[bakery["event"].pk])
    record_url = reverse(
        "production:record", args=[bakery["event"].pk, bakery["cookies"].pk]
    )

    page = " ".join(client.get(event_url).content.decode().split())
    panel = " ".join(
        client.get(record_url, HTTP_HX_REQUEST="true").content.decode().split()
    )

    assert "1.75 batches covers the 84 cookies still needed" in page
    assert "1.75 batches covers the 84 cookies still needed." in panel
    assert "batches=1.75" in panel and ">Use 1.75</a>" in panel
    offered = client.get(record_url, {"batches": "1.75"}, HTTP_HX_REQUEST="true")
    assert "Use 1.75" not in offered.content.decode()
    assert "Record 1.75 batches" in offered.content.decode()


def test_no_part_batch_is_offered_when_whole_batches_cover_the_rest(bakery, client):
    client.force_login(User.objects.create_superuser("boss", password="pw"))
    bake(bakery, 1)  # 96 cookies still needed: 2 whole batches

    [line] = get_production_progress(event=bakery["event"]).recipes
    preview = preview_production(
        event=bakery["event"], recipe=bakery["cookies"], batches="0.5"
    )
    page = client.get(reverse("production:event", args=[bakery["event"].pk]))

    assert (line.batches_to_cover, line.part_batch_offer) == (D(2), None)
    assert preview.part_batch_offer is None
    assert "covers the" not in page.content.decode()


def test_over_plan_warning_counts_part_batches(bakery):
    bake(bakery, 3)

    preview = preview_production(
        event=bakery["event"], recipe=bakery["cookies"], batches="0.5"
    )

    assert preview.over_plan_warning == (
        "This makes 3.5 of 3 batches needed: 0.5 more than planned."
    )


LIMITS = [
    ("0.01", None),
    ("1000", None),
    ("0", "Record more than 0 batches: 0.5 is half a batch."),
    ("0.005", "Batches can have at most 2 decimal places, not 0.005."),
    ("1000.01", "Record at most 1,000 batches at once."),
]


@pytest.mark.parametrize(("batches", "message"), LIMITS)
def test_batch_limits_are_one_rule_for_service_form_and_model(bakery, batches, message):
    form = RecordForm({"batches": batches, "submission_key": "k"})
    record = ProductionRecord(
        event=bakery["event"], recipe=bakery["cookies"], batches=D(batches)
    )
    try:
        record.full_clean(exclude=["actual_cost"])
    except ValidationError as error:
        model_errors = error.message_dict.get("batches", [])
    else:
        model_errors = []
    try:
        preview_production(
            event=bakery["event"], recipe=bakery["cookies"], batches=batches
        )
    except ValidationError as error:
        service_errors = error.message_dict["batches"]
    else:
        service_errors = []

    expected = [message] if message else []
    assert form.errors.get("batches", []) == expected
    assert model_errors == expected
    assert service_errors == expected


def test_batch_input_takes_its_limits_from_the_rule(bakery, client):
    client.force_login(User.objects.create_superuser("boss", password="pw"))
    url = reverse("production:record", args=[bakery["event"].pk, bakery["cookies"].pk])

    html = client.get(url, HTTP_HX_REQUEST="true").content.decode()

    assert (
        f'min="{models.MIN_BATCHES}" max="{models.MAX_BATCHES}" '
        f'step="{models.MIN_BATCHES}"'
    ) in html
    assert 'step="1"' not in html


def test_database_refuses_batches_out_of_limits(bakery):
    for batches in (D(0), D("1000.01")):
        with pytest.raises(IntegrityError), transaction.atomic():
            ProductionRecord.objects.create(
                event=bakery["event"], recipe=bakery["cookies"], batches=batches
            )
    with pytest.raises(IntegrityError), transaction.atomic():
        ProductionRecord.objects.create(
            event=bakery["event"], recipe=bakery["cookies"], batches=1, units_made=-1
        )
