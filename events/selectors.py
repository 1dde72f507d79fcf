"""What events need: batches per recipe, planned cost, shopping list.

Each read runs in a constant number of queries, whatever the number of
assignments, packages and recipes. The functions for several events at once
(`*_by_event`) serve the dashboard.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Protocol

from django.db.models import Sum

from bakery.numbers import ZERO, quantize_money
from events.models import Assignment, Event, FrozenPlannedCost, PackageItem
from pantry.models import Ingredient, Recipe
from pantry.selectors import (
    describe_stock,
    estimate_recipe_costs,
    get_recipe_requirements,
    ingredients_with_stock,
    recipes_with_lines,
)


@dataclass(frozen=True)
class RecipeNeed:
    """How much of a recipe an event's packages hold, and the batches to bake.

    `batches_required` is None, and `problem` says why, when the recipe has
    no yield to divide by.
    """

    recipe: Recipe
    units_needed: Decimal
    yield_quantity: Decimal | None
    yield_unit: str
    batches_required: int | None
    problem: str = ""


def get_recipe_needs(*, event: Event) -> tuple[RecipeNeed, ...]:
    """Per recipe in the event's packages, by recipe name: units needed (sum of
    assignment quantity x package item quantity) and whole batches to bake."""
    return get_recipe_needs_by_event(events=[event])[event.pk]


def get_recipe_needs_by_event(
    *, events: Iterable[Event]
) -> dict[int, tuple[RecipeNeed, ...]]:
    """Recipe needs of several events, in two queries."""
    event_ids = [event.pk for event in events]
    packages_by_event: dict[int, dict[int, int]] = defaultdict(dict)
    for row in (
        Assignment.objects.filter(event_id__in=event_ids)
        .values("event_id", "package_id")
        .annotate(count=Sum("quantity"))
        .order_by()
    ):
        packages_by_event[row["event_id"]][row["package_id"]] = row["count"]
    package_ids = {pk for packages in packages_by_event.values() for pk in packages}
    items_by_package: dict[int, list[PackageItem]] = defaultdict(list)
    for item in PackageItem.objects.filter(package_id__in=package_ids).select_related(
        "recipe"
    ):
        items_by_package[item.package_id].append(item)

    needs = {}
    for event_id in event_ids:
        units: dict[int, Decimal] = defaultdict(Decimal)
        recipes: dict[int, Recipe] = {}
        for package_id, count in packages_by_event[event_id].items():
            for item in items_by_package[package_id]:
                units[item.recipe_id] += item.quantity * count
                recipes[item.recipe_id] = item.recipe
        needs[event_id] = tuple(
            _need(recipes[pk], units[pk])
            for pk in sorted(recipes, key=lambda pk: recipes[pk].name)
        )
    return needs


def _need(recipe: Recipe, units_needed: Decimal) -> RecipeNeed:
    if not recipe.yield_quantity:
        return RecipeNeed(
            recipe=recipe,
            units_needed=units_needed,
            yield_quantity=None,
            yield_unit=recipe.yield_unit,
            batches_required=None,
            problem=f"Set a yield for {recipe.name} to plan its batches.",
        )
    return RecipeNeed(
        recipe=recipe,
        units_needed=units_needed,
        yield_quantity=recipe.yield_quantity,
        yield_unit=recipe.yield_unit,
        batches_required=math.ceil(units_needed / recipe.yield_quantity),
    )


@dataclass(frozen=True)
class RecipePlannedCost:
    """The planned cost of one recipe of an event.

    Live (`is_frozen` False) it is the estimated cost of the required
    batches; once the event's first batch of the recipe is recorded it is
    batches required x the cost per batch kept then. `planned_cost` is None
    when the recipe has no yield; `unpriced` names ingredients that could not
    be priced (their cost is left out, never taken as zero).
    """

    recipe: Recipe
    batches_required: int | None
    cost_per_batch: Decimal | None
    planned_cost: Decimal | None
    is_frozen: bool
    unpriced: tuple[str, ...] = ()
    problem: str = ""
    units_needed: Decimal = ZERO  # in the recipe's yield units

    @property
    def is_fully_priced(self) -> bool:
        return self.planned_cost is not None and not self.unpriced


@dataclass(frozen=True)
class EventPlannedCost:
    """`frozen_cost_per_batch` holds every cost per batch kept for the event,
    by recipe id, those of recipes baked beyond its packages included."""

    event: Event
    recipes: tuple[RecipePlannedCost, ...]
    total: Decimal
    frozen_cost_per_batch: dict[int, Decimal] = field(default_factory=dict)

    @property
    def is_fully_priced(self) -> bool:
        return all(recipe.is_fully_priced for recipe in self.recipes)

    def for_recipe(self, recipe_id: int) -> RecipePlannedCost | None:
        return next((r for r in self.recipes if r.recipe.pk == recipe_id), None)


def get_planned_cost(*, event: Event) -> EventPlannedCost:
    """Planned cost per recipe and in total (DESIGN.md, "Costs")."""
    return get_planned_cost_by_event(events=[event])[event.pk]


def get_planned_cost_by_event(
    *, events: Iterable[Event]
) -> dict[int, EventPlannedCost]:
    """Planned costs of several events, in a constant number of queries."""
    events = list(events)
    needs_by_event = get_recipe_needs_by_event(events=events)
    frozen = {
        (row.event_id, row.recipe_id): row
        for row in FrozenPlannedCost.objects.filter(event__in=events)
    }
    frozen_by_event: dict[int, dict[int, Decimal]] = defaultdict(dict)
    for (event_id, recipe_id), row in frozen.items():
        frozen_by_event[event_id][recipe_id] = row.cost_per_batch
    live = [
        (event.pk, need)
        for event in events
        for need in needs_by_event[event.pk]
        if need.batches_required and (event.pk, need.recipe.pk) not in frozen
    ]
    estimates = estimate_recipe_costs(
        orders=[(need.recipe, Decimal(need.batches_required)) for _, need in live]
    )
    live_estimates = {
        (event_id, need.recipe.pk): estimate
        for (event_id, need), estimate in zip(live, estimates, strict=True)
    }

    result = {}
    for event in events:
        recipes = []
        for need in needs_by_event[event.pk]:
            key = (event.pk, need.recipe.pk)
            if need.batches_required is None:
                recipes.append(_unplannable(need, is_frozen=key in frozen))
            elif key in frozen:
                recipes.append(_frozen_cost(need, frozen[key]))
            else:
                recipes.append(_live_cost(need, live_estimates[key]))
        result[event.pk] = EventPlannedCost(
            event=event,
            recipes=tuple(recipes),
            total=sum(
                (r.planned_cost for r in recipes if r.planned_cost is not None), ZERO
            ),
            frozen_cost_per_batch=frozen_by_event[event.pk],
        )
    return result


def _unplannable(need: RecipeNeed, *, is_frozen: bool) -> RecipePlannedCost:
    return RecipePlannedCost(
        recipe=need.recipe,
        batches_required=None,
        cost_per_batch=None,
        planned_cost=None,
        is_frozen=is_frozen,
        problem=need.problem,
        units_needed=need.units_needed,
    )


def _frozen_cost(need: RecipeNeed, frozen: FrozenPlannedCost) -> RecipePlannedCost:
    return RecipePlannedCost(
        recipe=need.recipe,
        batches_required=need.batches_required,
        cost_per_batch=frozen.cost_per_batch,
        planned_cost=quantize_money(frozen.cost_per_batch * need.batches_required),
        is_frozen=True,
        unpriced=tuple(filter(None, frozen.unpriced_note.split("; "))),
        units_needed=need.units_needed,
    )


def _live_cost(need: RecipeNeed, estimate) -> RecipePlannedCost:
    return RecipePlannedCost(
        recipe=need.recipe,
        batches_required=need.batches_required,
        cost_per_batch=estimate.cost_per_batch,
        planned_cost=estimate.total_cost,
        is_frozen=False,
        unpriced=unpriced_names(estimate),
        units_needed=need.units_needed,
    )


def unpriced_names(estimate) -> tuple[str, ...]:
    """ "Vanilla extract: No purchase of Vanilla extract to price it from…"."""
    return tuple(
        f"{line.ingredient.name}: {line.problem}" for line in estimate.unpriced
    )


class Produced(Protocol):
    """What an event has produced of a recipe (the production app's totals)."""

    batches: Decimal
    units_made: Decimal


# What events have produced, by event id then recipe id. The production app
# provides it (events does not import production); until it does, nothing
# counts as produced.
ProducedBatches = Callable[[list[int]], Mapping[int, Mapping[int, Produced]]]
_produced_batches: list[ProducedBatches] = []


def register_produced_batches(counter: ProducedBatches) -> None:
    """Lets the production app tell what has been baked for events."""
    _produced_batches[:] = [counter]


def get_batches_produced(
    *, event_ids: list[int]
) -> Mapping[int, Mapping[int, Produced]]:
    return _produced_batches[0](event_ids) if _produced_batches else {}


def batches_to_go(
    *, units_needed: Decimal, yield_quantity: Decimal | None, units_made: Decimal
) -> int:
    """Whole batches still to bake for the units needed beyond those made (0
    when they are covered): a lost batch is baked again, and a part batch
    that covered what was missing leaves nothing to bake. Required batches
    are whole, so before any baking this is the batches required."""
    if not yield_quantity:
        return 0
    missing = max(units_needed - units_made, ZERO)
    return math.ceil(missing / yield_quantity)


@dataclass(frozen=True)
class IngredientNeeds:
    """What the remaining batches of some events need, by ingredient id (in
    the stock unit), and the recipes whose needs could not be worked out."""

    quantities: dict[int, Decimal]
    problems: tuple[str, ...]


def get_remaining_ingredient_needs(*, events: Iterable[Event]) -> IngredientNeeds:
    """Ingredients for the whole batches still to bake of these events (the
    units needed beyond the units made, `batches_to_go`), in a constant
    number of queries."""
    events = list(events)
    needs_by_event = get_recipe_needs_by_event(events=events)
    produced = get_batches_produced(event_ids=[event.pk for event in events])
    remaining: dict[int, int] = defaultdict(int)
    problems = []
    for event in events:
        made = produced.get(event.pk, {})
        for need in needs_by_event[event.pk]:
            if need.problem:
                problems.append(need.problem)
                continue
            done = made.get(need.recipe.pk)
            to_go = batches_to_go(
                units_needed=need.units_needed,
                yield_quantity=need.yield_quantity,
                units_made=done.units_made if done else ZERO,
            )
            if to_go:
                remaining[need.recipe.pk] += to_go
    quantities: dict[int, Decimal] = defaultdict(Decimal)
    for recipe in recipes_with_lines().filter(pk__in=remaining):
        for requirement in get_recipe_requirements(
            recipe=recipe, batches=Decimal(remaining[recipe.pk])
        ):
            if requirement.quantity is None:
                problems.append(f"{recipe.name}: {requirement.problem}")
            else:
                quantities[requirement.ingredient.pk] += requirement.quantity
    return IngredientNeeds(quantities=dict(quantities), problems=tuple(problems))


@dataclass(frozen=True)
class ShoppingItem:
    """One ingredient: what remaining production needs, what is on hand, and
    the shortfall to buy, in the stock unit and in words."""

    ingredient: Ingredient
    unit: str
    needed: Decimal
    on_hand: Decimal
    shortfall: Decimal
    needed_display: str
    on_hand_display: str
    shortfall_display: str

    @property
    def is_short(self) -> bool:
        return self.shortfall > 0


@dataclass(frozen=True)
class ShoppingList:
    event: Event
    items: tuple[ShoppingItem, ...]
    problems: tuple[str, ...]  # recipes whose needs could not be worked out

    @property
    def to_buy(self) -> tuple[ShoppingItem, ...]:
        return tuple(item for item in self.items if item.is_short)


def get_shopping_list(*, event: Event) -> ShoppingList:
    """Per ingredient, by name: what the event's remaining batches need (whole
    batches for the units still needed), what the pantry holds, and the
    shortfall. Stock on hand is the whole pantry's; other events may need it
    too."""
    needs = get_remaining_ingredient_needs(events=[event])
    ingredients = (
        ingredients_with_stock().filter(pk__in=needs.quantities).order_by("name")
    )
    items = []
    for ingredient in ingredients:
        quantity = needs.quantities[ingredient.pk]
        shortfall = max(quantity - ingredient.on_hand, ZERO)
        items.append(
            ShoppingItem(
                ingredient=ingredient,
                unit=ingredient.stock_unit,
                needed=quantity,
                on_hand=ingredient.on_hand,
                shortfall=shortfall,
                needed_display=describe_stock(ingredient, quantity),
                on_hand_display=describe_stock(ingredient, ingredient.on_hand),
                shortfall_display=describe_stock(ingredient, shortfall),
            )
        )
    return ShoppingList(event=event, items=tuple(items), problems=needs.problems)
