"""What batches really made: units made below, at and above the yield, a
lost batch, and what packages can take from them."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.urls import reverse

from production.models import ProductionRecord
from production.services import (
    IncompleteProduction,
    ReversalRefused,
    can_assemble_package,
    get_production_progress,
    preview_production,
    record_production,
    reverse_production,
    update_package_status,
)

pytestmark = pytest.mark.django_db

D = Decimal


def bake(bakery, batches=1, **kwargs):
    return record_production(
        event=bakery["event"], recipe=bakery["cookies"], batches=batches, **kwargs
    )


def assemble(assignment):
    return update_package_status(assignment=assignment, status="assembled")


def test_units_made_default_to_what_the_batches_yield(bakery):
    record = bake(bakery, 2)

    record.refresh_from_db()
    assert record.units_made == D(96)


@pytest.mark.parametrize(("made", "tins"), [("44", 3), ("48", 4), ("52", 4)])
def test_assembly_takes_the_units_made_not_the_yield(bakery, made, tins):
    # given 1 batch (48 by the recipe) that really made `made` cookies
    bake(bakery, units_made=made)

    # when tins of 12 are assembled while they can be
    for tin in bakery["tins"][:tins]:
        assemble(tin)

    # then the next one is refused for the units actually missing
    check = can_assemble_package(assignment=bakery["tins"][tins])
    short = D(12) - (D(made) - 12 * tins)
    assert [str(m) for m in check.missing] == [
        f"Needs {short:f} more Chocolate chip cookies."
    ]


def test_lost_batch_uses_and_costs_its_ingredients_and_makes_nothing(
    bakery, database_snapshot
):
    # given the flour and sugar lots as bought
    # when a burnt batch is recorded
    record = bake(bakery, units_made=0)

    # then its ingredients are gone and costed, and it made nothing
    bakery["old_flour"].refresh_from_db()
    bakery["sugar_lot"].refresh_from_db()
    assert bakery["old_flour"].quantity_remaining == D("749.390")
    assert bakery["sugar_lot"].quantity_remaining == D(1800)
    assert (record.units_made, record.actual_cost) == (D(0), D("0.9012"))
    [line] = get_production_progress(event=bakery["event"]).recipes
    assert (line.batches_produced, line.units_made, line.actual_cost) == (
        D(1),
        D(0),
        D("0.9012"),
    )
    assert line.yield_differs and line.batches_to_go == 3
    before = database_snapshot()
    with pytest.raises(IncompleteProduction, match="Needs 12 more"):
        assemble(bakery["tins"][0])
    assert database_snapshot() == before


def test_reversal_counts_the_units_each_record_made(bakery, database_snapshot):
    # given a batch that made 60 cookies and a lost one, and 5 tins assembled
    good = bake(bakery, units_made=60)
    lost = bake(bakery, units_made=0)
    for tin in bakery["tins"][:5]:
        assemble(tin)

    # when the lost batch is reversed: the tins never relied on it
    reverse_production(record=lost)

    # then the good one cannot be: the tins hold what it made
    before = database_snapshot()
    with pytest.raises(ReversalRefused, match="60 cookies it made are in assembled"):
        reverse_production(record=good)
    assert database_snapshot() == before


@pytest.mark.parametrize(
    ("units_made", "message"),
    [
        ("-1", "Units made cannot be negative: 0 is a lost batch."),
        ("a dozen", "Units made must be a number such as 22"),
        (1.5, "Units made must be a number such as 22"),
        (10**12, "Units made must be at most 1,000,000,000."),
    ],
)
def test_bad_units_made_are_refused_and_change_nothing(
    bakery, database_snapshot, units_made, message
):
    before = database_snapshot()

    for call in (record_production, preview_production):
        with pytest.raises(ValidationError) as raised:
            call(
                event=bakery["event"],
                recipe=bakery["cookies"],
                batches=1,
                units_made=units_made,
            )
        [error] = raised.value.message_dict["units_made"]
        assert error.startswith(message)

    assert database_snapshot() == before


def test_preview_shows_what_the_batches_will_make(bakery):
    stated = preview_production(
        event=bakery["event"], recipe=bakery["cookies"], batches=1, units_made="22"
    )
    default = preview_production(
        event=bakery["event"], recipe=bakery["cookies"], batches=1
    )

    assert (stated.units_made, stated.units_yielded, stated.yield_differs) == (
        D(22),
        D(48),
        True,
    )
    assert (default.units_made, default.yield_differs) == (D(48), False)


@pytest.fixture
def boss_client(client):
    client.force_login(User.objects.create_superuser("boss", password="pw"))
    return client


def page_text(response):
    return " ".join(response.content.decode().split())


def test_pages_show_the_yield_variance(boss_client, bakery):
    bake(bakery, units_made="44")

    event = page_text(
        boss_client.get(reverse("production:event", args=[bakery["event"].pk]))
    )
    history = page_text(boss_client.get(reverse("production:history")))
    admin = page_text(
        boss_client.get(reverse("admin:production_productionrecord_changelist"))
    )

    assert "made 44 of 48" in event
    assert "44 of 48 cookies" in history
    assert '<td class="field-units_made">44.000</td>' in admin


def test_record_form_records_the_units_made(boss_client, bakery):
    url = reverse("production:record", args=[bakery["event"].pk, bakery["cookies"].pk])

    preview = page_text(
        boss_client.get(
            url, {"batches": "1", "units_made": "0"}, HTTP_HX_REQUEST="true"
        )
    )
    response = boss_client.post(
        url,
        {"batches": "1", "units_made": "0", "submission_key": "k"},
        HTTP_HX_REQUEST="true",
    )

    assert "made 0 of 48 cookies: a lost batch" in preview
    assert "Recorded 1 batch of Chocolate chip for $0.90: made 0 of 48 cookies." in (
        response.content.decode()
    )
    assert ProductionRecord.objects.get().units_made == 0
