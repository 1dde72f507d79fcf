import threading
from decimal import Decimal
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from events.models import FrozenPlannedCost
from events.services import get_planned_cost
from pantry.models import RecipeLine
from pantry.tests.factories import (
    IngredientFactory,
    LotFactory,
    RecipeFactory,
    RecipeLineFactory,
)
from production.models import ProductionRecord
from production.services import (
    InsufficientStock,
    preview_production,
    record_production,
    reverse_production,
)

pytestmark = pytest.mark.django_db

D = Decimal


def remaining(lot):
    lot.refresh_from_db()
    return lot.quantity_remaining, lot.cost_remaining


def test_two_of_three_batches_consume_the_oldest_lots_and_capture_their_cost(bakery):
    record = record_production(
        event=bakery["event"], recipe=bakery["cookies"], batches=2
    )

    assert remaining(bakery["old_flour"]) == (D("498.780"), D("0.9976"))
    assert remaining(bakery["new_flour"]) == (D(2000), D(6))
    assert remaining(bakery["sugar_lot"]) == (D(1600), D("3.2"))
    assert record.actual_cost == D("1.8024")
    assert [(line.lot, line.quantity, line.cost) for line in record.lines.all()] == [
        (bakery["old_flour"], D("501.220"), D("1.0024")),
        (bakery["sugar_lot"], D("400.000"), D("0.8000")),
    ]


def test_one_batch_uses_flour_and_sugar_through_their_densities(bakery):
    record = record_production(
        event=bakery["event"], recipe=bakery["cookies"], batches=1
    )

    quantities = {line.ingredient.slug: line.quantity for line in record.lines.all()}
    assert quantities == {"flour_all_purpose": D("250.610"), "sugar": D("200.000")}


def test_actual_cost_is_the_sum_of_its_lines_exactly_across_lots(bakery):
    # given 5 batches: flour runs past the old lot into the new one
    record = record_production(
        event=bakery["event"], recipe=bakery["cookies"], batches=5
    )

    lines = list(record.lines.all())
    assert [line.lot for line in lines] == [
        bakery["old_flour"],
        bakery["new_flour"],
        bakery["sugar_lot"],
    ]
    assert lines[0].cost == D("2.0000")  # the whole old lot, its whole cost
    assert record.actual_cost == sum(line.cost for line in lines)


def test_a_batch_takes_its_ingredients_in_the_recipe_lines_order(bakery):
    # the line added first comes second in the recipe
    recipe = RecipeFactory()
    second, first = IngredientFactory.create_batch(2)
    RecipeLineFactory(recipe=recipe, ingredient=second, position=2)
    RecipeLineFactory(recipe=recipe, ingredient=first, position=1)
    for ingredient in (first, second):
        LotFactory(ingredient=ingredient)

    record = record_production(event=bakery["event"], recipe=recipe, batches=1)

    taken = [line.ingredient for line in record.lines.order_by("pk")]
    assert taken == [first, second]


def test_lot_history_names_the_production(bakery):
    record = record_production(
        event=bakery["event"], recipe=bakery["cookies"], batches=1
    )

    movement = bakery["old_flour"].movements.get()
    assert (
        movement.note
        == f"consumed by Production #{record.pk} (Chocolate chip, Christmas 2026)"
    )
    assert movement.consumption_line.record == record


def test_short_stock_names_every_missing_ingredient_and_changes_nothing(
    bakery, database_snapshot
):
    before = database_snapshot()

    with pytest.raises(InsufficientStock) as raised:
        record_production(event=bakery["event"], recipe=bakery["cookies"], batches=12)

    shortages = {
        s.ingredient.slug: (s.needed, s.available) for s in raised.value.shortages
    }
    assert shortages == {
        "flour_all_purpose": (D("3007.318"), D("3000.000")),
        "sugar": (D("2399.998"), D("2000.000")),
    }
    assert "Not enough Flour, all-purpose: need 3.01 kg, have 3 kg." in str(
        raised.value
    )
    assert "Not enough Sugar, granulated: need 2.4 kg, have 2 kg." in str(raised.value)
    assert str(raised.value).endswith("Nothing was used.")
    assert database_snapshot() == before


@pytest.mark.parametrize(
    ("batches", "message"),
    [
        (0, "Record more than 0 batches: 0.5 is half a batch."),
        (-1, "Record more than 0 batches: 0.5 is half a batch."),
        (D("1.555"), "Batches can have at most 2 decimal places, not 1.555."),
        ("0.001", "Batches can have at most 2 decimal places, not 0.001."),
        (1.0, "Batches must be a number such as 1 or 0.5, not “1.0”."),
        (10**12, "Record at most 1,000 batches at once."),
        ("1000.01", "Record at most 1,000 batches at once."),
        ("abc", "Batches must be a number such as 1 or 0.5, not “abc”."),
        ("", "Batches must be a number such as 1 or 0.5, not “”."),
        (None, "Batches must be a number such as 1 or 0.5, not “None”."),
        ("NaN", "Batches must be a number such as 1 or 0.5, not “NaN”."),
    ],
)
def test_bad_batches_are_refused_clearly(bakery, database_snapshot, batches, message):
    before = database_snapshot()

    for call in (record_production, preview_production):
        with pytest.raises(ValidationError) as raised:
            call(event=bakery["event"], recipe=bakery["cookies"], batches=batches)
        assert raised.value.message_dict == {"batches": [message]}

    assert database_snapshot() == before


def test_unknown_event_or_recipe_is_refused(bakery, database_snapshot):
    before = database_snapshot()

    with pytest.raises(ValidationError) as raised:
        record_production(event=99999, recipe=bakery["cookies"], batches=1)
    assert raised.value.message_dict == {"event": ["Unknown event “99999”."]}
    with pytest.raises(ValidationError) as raised:
        record_production(event=bakery["event"], recipe="chocolate", batches=1)
    assert raised.value.message_dict == {"recipe": ["Unknown recipe “chocolate”."]}
    assert database_snapshot() == before


def test_recipe_whose_unit_does_not_convert_is_refused(bakery, database_snapshot):
    vanilla = IngredientFactory(name="Vanilla")
    LotFactory(ingredient=vanilla)
    RecipeLineFactory(
        recipe=bakery["cookies"], ingredient=vanilla, quantity=D(1), unit="tsp"
    )
    before = database_snapshot()

    with pytest.raises(ValidationError, match="Set a density for Vanilla"):
        record_production(event=bakery["event"], recipe=bakery["cookies"], batches=1)

    assert database_snapshot() == before


def test_over_plan_production_warns_in_preview_and_proceeds(bakery):
    record_production(event=bakery["event"], recipe=bakery["cookies"], batches=3)

    preview = preview_production(
        event=bakery["event"], recipe=bakery["cookies"], batches=2
    )
    record = record_production(
        event=bakery["event"], recipe=bakery["cookies"], batches=2
    )

    assert (preview.batches_required, preview.batches_produced) == (3, 3)
    assert preview.over_plan == 2
    assert (
        preview.over_plan_warning
        == "This makes 5 of 3 batches needed: 2 more than planned."
    )
    assert record.batches == 2


def test_preview_shows_lots_and_cost_and_writes_nothing(bakery, database_snapshot):
    before = database_snapshot()

    preview = preview_production(
        event=bakery["event"], recipe=bakery["cookies"], batches=5
    )

    flour, sugar = preview.ingredients
    assert [(line.lot, line.quantity) for line in flour.lots] == [
        (bakery["old_flour"], D("1000.000")),
        (bakery["new_flour"], D("253.049")),
    ]
    assert sugar.cost == D("2.0000")
    assert preview.total_cost == flour.cost + sugar.cost
    assert preview.can_record and not preview.shortages
    assert preview.over_plan == 2
    assert database_snapshot() == before


def test_preview_lists_every_shortage(bakery):
    preview = preview_production(
        event=bakery["event"], recipe=bakery["cookies"], batches=12
    )

    assert [s.ingredient.slug for s in preview.shortages] == [
        "flour_all_purpose",
        "sugar",
    ]
    assert not preview.can_record


def test_first_record_freezes_the_planned_cost_before_consuming(bakery):
    # planned before: 3 batches = 751.83 g of the old flour lot ($1.5037)
    # and 599.999 g of sugar ($1.2000)
    before = get_planned_cost(event=bakery["event"]).total

    record_production(event=bakery["event"], recipe=bakery["cookies"], batches=2)
    after = get_planned_cost(event=bakery["event"])

    frozen = FrozenPlannedCost.objects.get()
    assert before == D("2.7037")
    assert frozen.cost_per_batch == D("0.9012")
    assert after.total == D("2.7036")
    assert abs(after.total - before) < D("0.0002")
    assert after.recipes[0].is_frozen


def test_recipe_edited_after_production_keeps_old_records_cost(bakery):
    record = record_production(
        event=bakery["event"], recipe=bakery["cookies"], batches=1
    )
    cost = record.actual_cost

    RecipeLine.objects.filter(recipe=bakery["cookies"]).update(quantity=D(5))

    record.refresh_from_db()
    assert record.actual_cost == cost
    assert record.actual_cost == sum(line.cost for line in record.lines.all())


def test_submission_key_records_once(bakery):
    first = record_production(
        event=bakery["event"], recipe=bakery["cookies"], batches=1, submission_key="k1"
    )
    again = record_production(
        event=bakery["event"], recipe=bakery["cookies"], batches=1, submission_key="k1"
    )

    assert again == first
    assert ProductionRecord.objects.count() == 1


def test_record_production_query_count_does_not_grow_with_lots(bakery):
    def recipe_over(lots_each):
        recipe = RecipeLineFactory(ingredient=IngredientFactory(), quantity=D(1)).recipe
        for _ in range(11):
            RecipeLineFactory(
                recipe=recipe, ingredient=IngredientFactory(), quantity=D(1)
            )
        for line in recipe.lines.all():
            for _ in range(lots_each):
                LotFactory(ingredient=line.ingredient, quantity_purchased=D("0.5"))
        return recipe

    # 12 x 10 lines stay within one bulk insert on SQLite (999 parameters)
    few, many = recipe_over(2), recipe_over(12)
    record_production(event=bakery["event"], recipe=bakery["cookies"], batches=1)

    with CaptureQueriesContext(connection) as small:
        record_production(event=bakery["event"], recipe=few, batches=1)
    with CaptureQueriesContext(connection) as large:
        record = record_production(event=bakery["event"], recipe=many, batches=5)

    assert record.lines.count() == 12 * 10
    assert len(large) == len(small)


def test_failure_after_the_lots_were_updated_leaves_everything_as_before(
    bakery, database_snapshot
):
    # given a failure once lots and movements are written, before the lines
    before = database_snapshot()

    with (
        mock.patch("production.services.insert", side_effect=RuntimeError("disk full")),
        pytest.raises(RuntimeError, match="disk full"),
    ):
        record_production(event=bakery["event"], recipe=bakery["cookies"], batches=5)

    assert database_snapshot() == before


def test_reversal_restores_lots_exactly_and_keeps_the_record(bakery):
    lots = [bakery["old_flour"], bakery["new_flour"], bakery["sugar_lot"]]
    before = [remaining(lot) for lot in lots]
    record = record_production(
        event=bakery["event"], recipe=bakery["cookies"], batches=5
    )

    reverse_production(record=record, reason="Burnt")

    assert [remaining(lot) for lot in lots] == before
    record.refresh_from_db()
    assert record.is_reversed and record.reversal_reason == "Burnt"
    assert record.actual_cost == D("4.7591")
    for lot in lots:
        assert lot.quantity_remaining == lot.quantity_purchased + sum(
            m.quantity for m in lot.movements.all()
        )


def test_reversing_twice_is_refused(bakery, database_snapshot):
    record = record_production(
        event=bakery["event"], recipe=bakery["cookies"], batches=1
    )
    reverse_production(record=record)
    before = database_snapshot()

    with pytest.raises(ValidationError, match="reversed already"):
        reverse_production(record=record)

    assert database_snapshot() == before


@pytest.mark.django_db(transaction=True)
def test_concurrent_recordings_never_use_the_same_stock_twice(bakery):
    # given sugar for 10 batches, two bakers record 6 batches each
    outcomes = []
    barrier = threading.Barrier(2)

    def bake():
        try:
            barrier.wait(timeout=10)
            with transaction.atomic():
                outcomes.append(
                    record_production(
                        event=bakery["event"], recipe=bakery["cookies"], batches=6
                    ).batches
                )
        except InsufficientStock as error:
            outcomes.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=bake) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(type(outcome).__name__ for outcome in outcomes) == [
        "Decimal",
        "InsufficientStock",
    ]
    assert remaining(bakery["sugar_lot"]) == (D("800.001"), D("1.6"))
