"""Event planning: the reads of events.selectors, and keeping a planned cost."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from bakery.numbers import quantize_money
from events.models import Assignment, Event, FrozenPlannedCost, Package
from events.selectors import (
    get_planned_cost,
    get_recipe_needs,
    get_shopping_list,
    unpriced_names,
)
from pantry.models import Recipe
from pantry.selectors import estimate_recipe_cost

__all__ = [
    "ensure_package_contents_can_change",
    "ensure_recipe_yield_can_change",
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


def ensure_package_contents_can_change(*, package: Package) -> None:
    """Refuses, naming them, while assembled or delivered packages of this
    kind hold its contents: what they hold does not change under them."""
    if package.pk is None:
        return
    settled = Assignment.objects.settled().filter(package=package)
    if settled.exists():
        raise ValidationError(
            f"{package} cannot change its contents: {_named(settled)} "
            "already hold them. Make a new package with the new contents.",
            code="settled",
        )


def ensure_recipe_yield_can_change(*, recipe: Recipe) -> None:
    """Refuses, naming them, while assembled or delivered packages hold units
    of the recipe: the units baked for them are counted with its yield."""
    if recipe.pk is None:
        return
    settled = Assignment.objects.settled().filter(package__items__recipe=recipe)
    if settled.exists():
        raise ValidationError(
            f"The yield of {recipe} cannot change: {_named(settled)} hold "
            "units counted with it.",
            code="settled",
        )


def _named(assignments, shown: int = 3) -> str:
    """ "Cookie tin for Aunt Martha at Christmas (assembled), … and 2 more"."""
    rows = list(
        assignments.select_related("package", "recipient", "event").distinct()[
            : shown + 1
        ]
    )
    names = [f"{a} ({a.status})" for a in rows[:shown]]
    if len(rows) > shown:
        names.append(f"{assignments.distinct().count() - shown} more")
    return ", ".join(names[:-1]) + f" and {names[-1]}" if len(names) > 1 else names[0]
