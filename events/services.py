"""Event planning: the reads of events.selectors, and keeping a planned cost."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from bakery.numbers import quantize_money
from events.models import Event, FrozenPlannedCost
from events.selectors import (
    get_planned_cost,
    get_recipe_needs,
    get_shopping_list,
    unpriced_names,
)
from pantry.models import Recipe
from pantry.selectors import estimate_recipe_cost

__all__ = [
    "freeze_planned_cost",
    "get_planned_cost",
    "get_recipe_needs",
    "get_shopping_list",
]


@transaction.atomic
def freeze_planned_cost(*, event: Event, recipe: Recipe) -> FrozenPlannedCost:
    """Keeps the recipe's current estimated cost per batch for the event.

    Once: a later call returns the cost kept the first time. The estimate is
    that of the batches the event requires (one batch when the event does
    not plan the recipe), divided per batch.
    """
    existing = FrozenPlannedCost.objects.filter(event=event, recipe=recipe).first()
    if existing is not None:
        return existing
    need = next(
        (n for n in get_recipe_needs(event=event) if n.recipe.pk == recipe.pk), None
    )
    batches = Decimal(need.batches_required if need and need.batches_required else 1)
    estimate = estimate_recipe_cost(recipe=recipe, batches=batches)
    frozen, _ = FrozenPlannedCost.objects.get_or_create(
        event=event,
        recipe=recipe,
        defaults={
            "cost_per_batch": quantize_money(estimate.total_cost / batches),
            "is_fully_priced": estimate.is_fully_priced,
            "unpriced_note": "; ".join(unpriced_names(estimate))[:500],
        },
    )
    return frozen
