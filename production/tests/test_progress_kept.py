"""An event's progress is worked out again only when what it comes from
changes: its planned costs, its production totals or its package counts.
Outside transactions, as the pages read it (transaction=True tests)."""

from dataclasses import replace
from decimal import Decimal
from unittest import mock

import pytest
from django.db import transaction

from events.models import Assignment
from events.selectors import get_planned_cost
from events.tests.factories import AssignmentFactory, EventFactory
from production import selectors
from production.models import ProductionRecord
from production.services import (
    get_dashboard_summary,
    get_production_progress,
    record_production,
    reverse_production,
    update_package_status,
)

pytestmark = pytest.mark.django_db(transaction=True)

D = Decimal


@pytest.fixture
def worked_out():
    """Counts the events whose progress is worked out."""
    with mock.patch.object(
        selectors, "_progress", wraps=selectors._progress
    ) as progress:
        yield progress


def _by_event(summary):
    return {progress.event.pk: progress for progress in summary}


def test_a_second_view_works_out_no_event_again(bakery, worked_out):
    AssignmentFactory(event=EventFactory(name="Easter"))
    first = get_dashboard_summary()
    assert worked_out.call_count == 2

    again = get_dashboard_summary()

    assert worked_out.call_count == 2
    assert again == first


def test_a_batch_baked_is_seen_at_once(bakery):
    get_production_progress(event=bakery["event"])

    record = record_production(
        event=bakery["event"], recipe=bakery["cookies"], batches=1
    )

    progress = get_production_progress(event=bakery["event"])
    assert progress.batches_produced == 1
    assert progress.costs.actual_cost == record.actual_cost > 0


def test_a_record_edited_apart_from_the_pantry_works_out_its_event_alone(
    bakery, worked_out
):
    # the version moves with the pantry and the plan, not with the records
    easter = AssignmentFactory(event=EventFactory(name="Easter")).event
    record = record_production(
        event=bakery["event"], recipe=bakery["cookies"], batches=1
    )
    get_dashboard_summary()
    worked_out.reset_mock()

    ProductionRecord.objects.filter(pk=record.pk).update(units_made=D(40))

    summary = _by_event(get_dashboard_summary())
    assert [call.args[0] for call in worked_out.call_args_list] == [bakery["event"]]
    [cookies] = summary[bakery["event"].pk].recipes
    assert (cookies.units_made, cookies.units_short) == (40, 104)
    assert summary[easter.pk].batches_produced == 0


def test_a_reversal_is_seen_at_once(bakery):
    record = record_production(
        event=bakery["event"], recipe=bakery["cookies"], batches=2
    )
    assert get_production_progress(event=bakery["event"]).batches_produced == 2

    reverse_production(record=record)

    progress = get_production_progress(event=bakery["event"])
    assert progress.batches_produced == 0
    assert progress.costs.actual_cost == 0


def test_a_package_changing_status_is_counted_at_once(bakery):
    record_production(event=bakery["event"], recipe=bakery["cookies"], batches=3)
    assert get_production_progress(event=bakery["event"]).packages.assembled == 0

    update_package_status(assignment=bakery["tins"][0], status="assembled")

    packages = get_production_progress(event=bakery["event"]).packages
    assert (packages.pending, packages.assembled) == (10, 1)


def test_a_change_of_plan_is_seen_at_once(bakery):
    assert get_production_progress(event=bakery["event"]).batches_required == 3

    Assignment.objects.filter(pk=bakery["bags"].pk).update(quantity=6)

    assert get_production_progress(event=bakery["event"]).batches_required == 4


def test_the_progress_holds_the_event_asked_for(bakery):
    get_production_progress(event=bakery["event"])
    [event] = selectors.events_with_package_counts()
    event.name = "Renamed, not saved"

    [progress] = selectors.get_progress_by_event(events=[event]).values()

    assert progress.event is event


def test_the_progress_kept_is_that_of_the_planned_costs_given(bakery):
    # planned costs worked out again under the same version (as when the
    # version moved between the reads of two threads) are never taken for
    # those the progress kept was worked out from
    event = bakery["event"]
    kept = get_production_progress(event=event)
    planned = get_planned_cost(event=event)
    again = replace(planned, total=D("99.00"), worked_out=object())

    with mock.patch.object(
        selectors, "get_planned_cost_by_event", return_value={event.pk: again}
    ):
        progress = get_production_progress(event=event)

    assert kept.costs.planned_cost == planned.total != D("99.00")
    assert progress.costs.planned_cost == D("99.00")


def test_nothing_is_kept_from_inside_a_transaction(bakery, worked_out):
    event = bakery["event"]
    with transaction.atomic():
        ProductionRecord.objects.create(
            event=event, recipe=bakery["cookies"], batches=1, actual_cost=D("5.00")
        )
        assert get_production_progress(event=event).batches_produced == 1
        transaction.set_rollback(True)

    assert get_production_progress(event=event).batches_produced == 0
    assert worked_out.call_count == 2
