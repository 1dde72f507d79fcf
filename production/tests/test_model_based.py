"""Random sequences of purchases, productions (part batches and stated units
made among them), reversals, waste and package steps, checked after every
step against a small reference model of FIFO written here, independently of
pantry.services."""

import datetime
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    rule,
    run_state_machine_as_test,
)

from events.tests.factories import (
    AssignmentFactory,
    EventFactory,
    PackageFactory,
    PackageItemFactory,
)
from pantry.models import Lot
from pantry.services import adjust_lot, record_purchase
from pantry.tests.factories import IngredientFactory, RecipeFactory, RecipeLineFactory
from production.models import ProductionRecord
from production.services import (
    IncompleteProduction,
    InsufficientStock,
    InvalidStatusTransition,
    ReversalRefused,
    record_production,
    reverse_production,
    update_package_status,
)

D = Decimal
GRAMS = D("0.001")
CENTS = D("0.0001")
NEXT = {"pending": "assembled", "assembled": "delivered"}


def take_cost(lot, quantity):
    if quantity == lot["quantity"]:
        return lot["cost"]
    return (lot["cost"] * quantity / lot["quantity"]).quantize(
        CENTS, rounding=ROUND_HALF_UP
    )


class Bakery(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.atomic = transaction.atomic()
        self.atomic.__enter__()
        self.ingredients = [IngredientFactory(), IngredientFactory()]
        # recipe 0 uses both ingredients, recipe 1 only the second
        self.needs = [
            {0: D("50.5"), 1: D("20.3")},
            {1: D("120")},
        ]
        self.recipes = []
        for needs in self.needs:
            recipe = RecipeFactory(yield_quantity=D(10))
            for index, grams in needs.items():
                RecipeLineFactory(
                    recipe=recipe,
                    ingredient=self.ingredients[index],
                    quantity=grams,
                    unit="g",
                )
            self.recipes.append(recipe)
        package = PackageFactory()
        PackageItemFactory(package=package, recipe=self.recipes[0], quantity=D(6))
        PackageItemFactory(package=package, recipe=self.recipes[1], quantity=D(4))
        self.event = EventFactory()
        self.assignments = [
            AssignmentFactory(event=self.event, package=package) for _ in range(3)
        ]
        # the reference model
        self.lots: dict[int, dict] = {}
        self.records: dict[int, dict] = {}
        self.statuses = ["pending"] * 3
        self.held: dict[int, Decimal] = {}  # units packages hold, by record
        # a newer lot recorded before an older one, for each ingredient
        for which in (0, 1):
            self.purchase(which, grams=400, cents=97, day=20)
            self.purchase(which, grams=300, cents=131, day=5)

    def teardown(self):
        transaction.set_rollback(True)
        self.atomic.__exit__(None, None, None)

    def fifo(self, ingredient_index):
        ingredient = self.ingredients[ingredient_index]
        return sorted(
            (
                lot
                for lot in self.lots.values()
                if lot["ingredient"] == ingredient.pk and lot["quantity"] > 0
            ),
            key=lambda lot: (lot["purchased_on"], lot["id"]),
        )

    @rule(
        which=st.integers(0, 1),
        grams=st.integers(1, 900),
        cents=st.integers(0, 999),
        day=st.integers(1, 28),
    )
    def purchase(self, which, grams, cents, day):
        lot = record_purchase(
            ingredient=self.ingredients[which],
            quantity=D(grams),
            total_cost=D(cents) / 100,
            purchased_on=datetime.date(2026, 10, day),
        )
        self.lots[lot.pk] = {
            "id": lot.pk,
            "ingredient": lot.ingredient_id,
            "purchased_on": lot.purchased_on,
            "quantity": D(grams),
            "cost": D(cents) / 100,
        }

    @rule(
        which=st.integers(0, 1),
        batches=st.sampled_from(["0.5", "1", "1.25", "2", "3", "0.01"]).map(D),
        units_made=st.none() | st.integers(0, 40).map(D),
    )
    def produce(self, which, batches, units_made):
        plan, short = [], False
        for index, grams in self.needs[which].items():
            needed = (grams * batches).quantize(GRAMS, rounding=ROUND_HALF_UP)
            for lot in self.fifo(index):
                if needed <= 0:
                    break
                taken = min(needed, lot["quantity"])
                plan.append((lot, taken, take_cost(lot, taken)))
                needed -= taken
            short = short or needed > 0
        try:
            record = record_production(
                event=self.event,
                recipe=self.recipes[which],
                batches=batches,
                units_made=units_made,
            )
        except InsufficientStock:
            assert short, "refused although the model has the stock"
            return
        assert not short, "recorded although the model is short"
        for lot, taken, cost in plan:
            lot["quantity"] -= taken
            lot["cost"] -= cost
        # what the batches made: as stated, else 10 a batch
        made = D(10) * batches if units_made is None else units_made
        self.records[record.pk] = {"recipe": which, "units": made, "plan": plan}
        assert record.actual_cost == sum(cost for _, _, cost in plan)
        assert record.units_made == made

    def units(self, recipe_index):
        return sum(
            (r["units"] for r in self.records.values() if r["recipe"] == recipe_index),
            D(0),
        )

    def committed(self, recipe_index, exclude=None):
        per_package = D(6) if recipe_index == 0 else D(4)
        return per_package * sum(
            1
            for index, status in enumerate(self.statuses)
            if status != "pending" and index != exclude
        )

    @rule(data=st.data())
    def reverse(self, data):
        if not self.records:
            return
        pk = data.draw(st.sampled_from(sorted(self.records)))
        record = self.records[pk]
        # packages hold units of the oldest records first: one they hold
        # anything of stays
        allowed = not self.held.get(pk)
        try:
            reverse_production(record=ProductionRecord.objects.get(pk=pk))
        except ReversalRefused:
            assert not allowed
            return
        assert allowed
        for lot, taken, cost in record["plan"]:
            lot["quantity"] += taken
            lot["cost"] += cost
        del self.records[pk]

    @rule(data=st.data(), grams=st.integers(1, 50))
    def waste(self, data, grams):
        candidates = sorted(
            pk for pk, lot in self.lots.items() if lot["quantity"] >= grams
        )
        if not candidates:
            return
        lot = self.lots[data.draw(st.sampled_from(candidates))]
        adjust_lot(
            lot=Lot.objects.get(pk=lot["id"]),
            kind="waste",
            quantity=D(grams),
            reason="dropped",
        )
        cost = take_cost(lot, D(grams))
        lot["quantity"] -= D(grams)
        lot["cost"] -= cost

    @rule(index=st.integers(0, 2))
    def next_status(self, index):
        status = self.statuses[index]
        wanted = NEXT.get(status, "delivered")
        covered = all(
            self.units(r) - self.committed(r, exclude=index)
            >= (D(6) if r == 0 else D(4))
            for r in (0, 1)
        )
        try:
            update_package_status(assignment=self.assignments[index], status=wanted)
        except InvalidStatusTransition:
            assert status == "delivered"
            return
        except IncompleteProduction:
            assert status == "pending" and not covered
            return
        assert status != "delivered"
        assert status == "assembled" or covered
        self.statuses[index] = wanted
        if wanted == "assembled":
            for recipe, needed in ((0, D(6)), (1, D(4))):
                for pk in sorted(self.records):
                    record = self.records[pk]
                    if record["recipe"] != recipe or needed <= 0:
                        continue
                    take = min(needed, record["units"] - self.held.get(pk, D(0)))
                    if take > 0:
                        self.held[pk] = self.held.get(pk, D(0)) + take
                        needed -= take

    @invariant()
    def database_agrees_with_the_model(self):
        for lot in Lot.objects.prefetch_related("movements"):
            model = self.lots[lot.pk]
            assert (lot.quantity_remaining, lot.cost_remaining) == (
                model["quantity"],
                model["cost"],
            )
            assert lot.quantity_remaining >= 0
            movements = list(lot.movements.all())
            assert lot.quantity_remaining == lot.quantity_purchased + sum(
                (m.quantity for m in movements), D(0)
            )
            assert lot.cost_remaining == lot.total_cost + sum(
                (m.cost for m in movements), D(0)
            )
        statuses = [
            a.status
            for a in type(self.assignments[0])
            .objects.filter(event=self.event)
            .order_by("pk")
        ]
        assert statuses == self.statuses


@pytest.mark.django_db
def test_random_bakery_days_keep_every_rule():
    run_state_machine_as_test(
        Bakery,
        settings=settings(
            max_examples=40,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=[
                HealthCheck.function_scoped_fixture,
                HealthCheck.too_slow,
            ],
        ),
    )
