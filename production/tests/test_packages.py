from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError

from events.tests.factories import AssignmentFactory
from production.services import (
    IncompleteProduction,
    InvalidStatusTransition,
    can_assemble_package,
    record_production,
    reverse_production,
    update_package_status,
)

pytestmark = pytest.mark.django_db

D = Decimal


def assemble(assignment, **kwargs):
    return update_package_status(assignment=assignment, status="assembled", **kwargs)


def deliver(assignment, **kwargs):
    return update_package_status(assignment=assignment, status="delivered", **kwargs)


def test_assembling_needs_the_baked_goods(bakery, database_snapshot):
    tin = bakery["tins"][0]
    before = database_snapshot()

    with pytest.raises(IncompleteProduction) as raised:
        assemble(tin)

    [missing] = raised.value.missing
    assert (missing.recipe, missing.units_needed, missing.units_available) == (
        bakery["cookies"],
        D(12),
        D(0),
    )
    assert raised.value.messages == ["Needs 12 more Chocolate chip cookies."]
    assert database_snapshot() == before


def test_assembling_counts_units_already_in_assembled_packages(bakery):
    # 1 batch = 48 cookies: 4 tins of 12, then nothing left for a 5th
    record_production(event=bakery["event"], recipe=bakery["cookies"], batches=1)
    for tin in bakery["tins"][:4]:
        assemble(tin)

    check = can_assemble_package(assignment=bakery["tins"][4])

    assert not check.can_assemble
    assert [str(m) for m in check.missing] == ["Needs 12 more Chocolate chip cookies."]
    with pytest.raises(IncompleteProduction):
        assemble(bakery["tins"][4])


def test_assembled_records_when_and_by_whom(bakery):
    baker = User.objects.create_user("june")
    record_production(event=bakery["event"], recipe=bakery["cookies"], batches=1)

    tin = assemble(bakery["tins"][0], user=baker)

    tin.refresh_from_db()
    assert tin.status == "assembled"
    assert tin.assembled_at is not None and tin.delivered_at is None
    assert tin.status_changed_by == baker


def test_delivering_needs_assembled_first(bakery, database_snapshot):
    record_production(event=bakery["event"], recipe=bakery["cookies"], batches=1)
    before = database_snapshot()

    with pytest.raises(InvalidStatusTransition) as raised:
        deliver(bakery["tins"][0])

    assert "from pending to delivered" in raised.value.messages[0]
    assert database_snapshot() == before


def test_delivering_keeps_a_note(bakery):
    record_production(event=bakery["event"], recipe=bakery["cookies"], batches=1)
    assemble(bakery["tins"][0])

    tin = deliver(bakery["tins"][0], note="Left with the neighbour")

    assert (tin.status, tin.delivery_note) == ("delivered", "Left with the neighbour")
    assert tin.delivered_at is not None


@pytest.mark.parametrize(
    ("steps", "requested", "message"),
    [
        (["assembled"], "pending", "from assembled to pending"),
        (["assembled", "delivered"], "assembled", "from delivered to assembled"),
        (["assembled", "delivered"], "pending", "from delivered to pending"),
        (["assembled"], "assembled", "is assembled already"),
        (["assembled", "delivered"], "delivered", "is delivered already"),
        ([], "pending", "is pending already"),
    ],
)
def test_status_never_moves_back_or_repeats(
    bakery, database_snapshot, steps, requested, message
):
    record_production(event=bakery["event"], recipe=bakery["cookies"], batches=1)
    tin = bakery["tins"][0]
    for step in steps:
        update_package_status(assignment=tin, status=step)
    before = database_snapshot()

    with pytest.raises(InvalidStatusTransition, match=message):
        update_package_status(assignment=tin, status=requested)

    assert database_snapshot() == before


def test_unknown_status_is_refused(bakery):
    with pytest.raises(ValidationError) as raised:
        update_package_status(assignment=bakery["tins"][0], status="eaten")
    assert raised.value.message_dict["status"] == [
        "Unknown status “eaten”: use pending, assembled or delivered."
    ]


def test_reversal_refused_when_assembled_packages_rely_on_it(bakery, database_snapshot):
    record = record_production(
        event=bakery["event"], recipe=bakery["cookies"], batches=1
    )
    assemble(bakery["tins"][0])
    before = database_snapshot()

    with pytest.raises(ValidationError) as raised:
        reverse_production(record=record)

    tin = bakery["tins"][0]
    assert raised.value.messages == [
        f"Cannot reverse {record}: 12 cookies it made are in assembled or "
        f"delivered packages: Cookie tin for {tin.recipient} (assembled)."
    ]
    assert database_snapshot() == before


def test_reversal_allowed_of_a_batch_no_package_holds(bakery):
    # packages take the oldest batch first: the second one is free
    first = record_production(
        event=bakery["event"], recipe=bakery["cookies"], batches=1
    )
    second = record_production(
        event=bakery["event"], recipe=bakery["cookies"], batches=1
    )
    assemble(bakery["tins"][0])

    reverse_production(record=second)

    second.refresh_from_db()
    assert second.is_reversed
    with pytest.raises(ValidationError, match="are in assembled or delivered"):
        reverse_production(record=first)


def test_reversed_records_do_not_count_for_assembly(bakery):
    record = record_production(
        event=bakery["event"], recipe=bakery["cookies"], batches=1
    )
    reverse_production(record=record)

    with pytest.raises(IncompleteProduction):
        assemble(bakery["tins"][0])


def test_package_with_a_recipe_without_yield_cannot_be_assembled(bakery):
    bakery["cookies"].yield_quantity = None
    bakery["cookies"].save()

    check = can_assemble_package(assignment=bakery["tins"][0])

    assert [str(m) for m in check.missing] == [
        "Set a yield for Chocolate chip to count what its batches make."
    ]


def test_assignment_of_another_event_does_not_use_this_events_batches(bakery):
    other = AssignmentFactory(package=bakery["tins"][0].package)
    record_production(event=bakery["event"], recipe=bakery["cookies"], batches=1)

    assert not can_assemble_package(assignment=other).can_assemble
