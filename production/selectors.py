"""Reads of production: what has been baked, what is committed to packages,
progress, the dashboard, and costs. Each runs in a constant number of
queries whatever the number of events, assignments, recipes and records."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Prefetch, Q, QuerySet, Sum

from bakery.numbers import ZERO, quantize_money
from events.models import Assignment, AssignmentStatus, Event, PackageItem, Recipient
from events.selectors import EventPlannedCost, get_planned_cost_by_event
from pantry.models import Recipe
from pantry.units import format_number
from production.models import ConsumptionLine, ProductionRecord


@dataclass(frozen=True)
class Produced:
    batches: int
    actual_cost: Decimal


def get_production_totals(
    *, event_ids: Iterable[int]
) -> dict[tuple[int, int], Produced]:
    """Batches and actual cost of the records that count, by (event, recipe)."""
    rows = (
        ProductionRecord.objects.active()
        .filter(event_id__in=list(event_ids))
        .values("event_id", "recipe_id")
        .annotate(batches=Sum("batches"), cost=Sum("actual_cost"))
        .order_by()
    )
    return {
        (row["event_id"], row["recipe_id"]): Produced(
            batches=row["batches"], actual_cost=quantize_money(row["cost"])
        )
        for row in rows
    }


def get_batches_produced_by_recipe(
    *, event_ids: Iterable[int]
) -> dict[int, dict[int, int]]:
    """Batches produced, by event id then recipe id."""
    produced: dict[int, dict[int, int]] = defaultdict(dict)
    for (event_id, recipe_id), totals in get_production_totals(
        event_ids=event_ids
    ).items():
        produced[event_id][recipe_id] = totals.batches
    return produced


def produced_units(recipe: Recipe, batches: int) -> Decimal:
    """Yield units that `batches` made; nothing countable without a yield."""
    return recipe.yield_quantity * batches if recipe.yield_quantity else ZERO


def get_committed_units(
    *, event: Event, exclude_assignment_id: int | None = None
) -> dict[int, Decimal]:
    """Yield units by recipe id already in the event's assembled or delivered
    packages (DESIGN.md rule 6), in one query."""
    rows = (
        Assignment.objects.filter(
            event=event,
            status__in=[AssignmentStatus.ASSEMBLED, AssignmentStatus.DELIVERED],
            package__items__isnull=False,
        )
        .exclude(pk=exclude_assignment_id)
        .values("quantity", "package__items__recipe_id", "package__items__quantity")
    )
    committed: dict[int, Decimal] = defaultdict(Decimal)
    for row in rows:
        units = row["package__items__quantity"] * row["quantity"]
        committed[row["package__items__recipe_id"]] += units
    return committed


@dataclass(frozen=True)
class MissingRecipe:
    recipe: Recipe
    units_needed: Decimal
    units_available: Decimal

    @property
    def units_short(self) -> Decimal:
        return self.units_needed - self.units_available

    def __str__(self) -> str:
        unit = self.recipe.yield_unit or "units"
        if not self.recipe.yield_quantity:
            return f"Set a yield for {self.recipe.name} to count what its batches make."
        return (
            f"Needs {format_number(self.units_short)} more {self.recipe.name} {unit}."
        )


@dataclass(frozen=True)
class AssemblyCheck:
    assignment: Assignment
    can_assemble: bool
    missing: tuple[MissingRecipe, ...]


def can_assemble_package(*, assignment: Assignment) -> AssemblyCheck:
    """Whether the event's baked goods cover this package: per recipe,
    produced yield units minus units already in assembled or delivered
    packages must cover what the package holds."""
    event = assignment.event
    items = list(
        PackageItem.objects.filter(package_id=assignment.package_id).select_related(
            "recipe"
        )
    )
    produced = get_production_totals(event_ids=[event.pk])
    committed = get_committed_units(event=event, exclude_assignment_id=assignment.pk)
    missing = []
    for item in items:
        needed = item.quantity * assignment.quantity
        batches = produced.get((event.pk, item.recipe_id))
        made = produced_units(item.recipe, batches.batches if batches else 0)
        available = made - committed.get(item.recipe_id, ZERO)
        if available < needed or not item.recipe.yield_quantity:
            missing.append(
                MissingRecipe(
                    recipe=item.recipe,
                    units_needed=needed,
                    units_available=max(available, ZERO),
                )
            )
    return AssemblyCheck(
        assignment=assignment, can_assemble=not missing, missing=tuple(missing)
    )


@dataclass(frozen=True)
class RecipeProgress:
    recipe: Recipe
    batches_required: int | None  # None: the recipe has no yield to plan by
    batches_produced: int
    actual_cost: Decimal
    planned_cost: Decimal | None

    @property
    def is_planned(self) -> bool:
        """In the event's packages (a recipe baked beyond them is not)."""
        return self.batches_required != 0

    @property
    def is_complete(self) -> bool:
        return self.batches_required is not None and (
            self.batches_produced >= self.batches_required
        )

    @property
    def over_plan(self) -> int:
        """Batches produced beyond the plan."""
        return max(self.batches_produced - (self.batches_required or 0), 0)

    @property
    def variance(self) -> Decimal | None:
        if self.planned_cost is None:
            return None
        return self.actual_cost - self.planned_cost

    @property
    def variance_percent(self) -> Decimal | None:
        return _percent(self.variance, self.planned_cost)


def _percent(variance: Decimal | None, planned: Decimal | None) -> Decimal | None:
    if variance is None or not planned:
        return None
    return (variance / planned * 100).quantize(Decimal("0.1"))


@dataclass(frozen=True)
class PackageCounts:
    """Packages (assignment quantities added up) by status."""

    pending: int = 0
    assembled: int = 0
    delivered: int = 0

    @property
    def total(self) -> int:
        return self.pending + self.assembled + self.delivered


@dataclass(frozen=True)
class CostTotals:
    actual_total: Decimal
    planned_total: Decimal

    @property
    def variance(self) -> Decimal:
        return self.actual_total - self.planned_total

    @property
    def variance_percent(self) -> Decimal | None:
        return _percent(self.variance, self.planned_total)


@dataclass(frozen=True)
class EventProgress:
    """Where an event stands: recipes baked, packages, and cost."""

    event: Event
    recipes: tuple[RecipeProgress, ...]
    packages: PackageCounts
    costs: CostTotals
    is_fully_priced: bool

    @property
    def no_packages(self) -> bool:
        return self.packages.total == 0

    @property
    def is_complete(self) -> bool:
        """Complete when it has packages and every one is delivered."""
        return not self.no_packages and self.packages.delivered == self.packages.total

    @property
    def recipes_total(self) -> int:
        return sum(1 for r in self.recipes if r.is_planned)

    @property
    def recipes_complete(self) -> int:
        return sum(1 for r in self.recipes if r.is_planned and r.is_complete)

    @property
    def batches_required(self) -> int:
        return sum(r.batches_required or 0 for r in self.recipes)

    @property
    def batches_produced(self) -> int:
        return sum(r.batches_produced for r in self.recipes)

    @property
    def pending(self) -> int:
        return self.packages.pending

    @property
    def assembled(self) -> int:
        return self.packages.assembled

    @property
    def delivered(self) -> int:
        return self.packages.delivered

    @property
    def actual_cost(self) -> Decimal:
        return self.costs.actual_total

    @property
    def planned_cost(self) -> Decimal:
        return self.costs.planned_total


def events_with_package_counts() -> QuerySet[Event]:
    """Events annotated with their packages by status (`pending_packages`, ...)."""
    return Event.objects.annotate(
        **{
            f"{status}_packages": Sum(
                "assignments__quantity", filter=Q(assignments__status=status), default=0
            )
            for status in AssignmentStatus.values
        }
    )


def get_progress_by_event(*, events: Iterable[Event]) -> dict[int, EventProgress]:
    """Progress of events annotated by `events_with_package_counts`."""
    events = list(events)
    planned = get_planned_cost_by_event(events=events)
    produced: dict[int, dict[int, Produced]] = defaultdict(dict)
    for (event_id, recipe_id), made in get_production_totals(
        event_ids=[event.pk for event in events]
    ).items():
        produced[event_id][recipe_id] = made
    # recipes baked for an event that does not plan them, fetched at once
    unplanned = {
        recipe_id
        for event in events
        for recipe_id in produced[event.pk]
        if planned[event.pk].for_recipe(recipe_id) is None
    }
    recipes = Recipe.objects.in_bulk(unplanned) if unplanned else {}
    return {
        event.pk: _progress(event, planned[event.pk], produced[event.pk], recipes)
        for event in events
    }


def _progress(
    event: Event,
    planned: EventPlannedCost,
    produced: dict[int, Produced],
    recipes_by_id: dict[int, Recipe],
) -> EventProgress:
    recipes = []
    for line in planned.recipes:
        made = produced.get(line.recipe.pk, Produced(0, ZERO))
        recipes.append(
            RecipeProgress(
                recipe=line.recipe,
                batches_required=line.batches_required,
                batches_produced=made.batches,
                actual_cost=made.actual_cost,
                planned_cost=line.planned_cost,
            )
        )
    planned_ids = {line.recipe.pk for line in planned.recipes}
    for recipe_id, made in produced.items():
        if recipe_id not in planned_ids:
            recipes.append(
                RecipeProgress(
                    recipe=recipes_by_id[recipe_id],
                    batches_required=0,
                    batches_produced=made.batches,
                    actual_cost=made.actual_cost,
                    planned_cost=ZERO,
                )
            )
    return EventProgress(
        event=event,
        recipes=tuple(recipes),
        packages=PackageCounts(
            pending=event.pending_packages,
            assembled=event.assembled_packages,
            delivered=event.delivered_packages,
        ),
        costs=CostTotals(
            actual_total=sum((r.actual_cost for r in recipes), ZERO),
            planned_total=planned.total,
        ),
        is_fully_priced=planned.is_fully_priced,
    )


def get_production_progress(*, event: Event) -> EventProgress:
    """Recipes (required, produced, complete, costs), packages by status, cost
    totals, and whether every package is delivered."""
    annotated = events_with_package_counts().get(pk=event.pk)
    return get_progress_by_event(events=[annotated])[event.pk]


def get_dashboard_summary(
    *, include_complete: bool = False
) -> tuple[EventProgress, ...]:
    """One entry per event, nearest date first; complete events only when asked."""
    events = list(events_with_package_counts().order_by("date", "name"))
    progress = get_progress_by_event(events=events)
    return tuple(
        progress[event.pk]
        for event in events
        if include_complete or not progress[event.pk].is_complete
    )


def get_recipe_cost_breakdown(*, event: Event) -> tuple[RecipeProgress, ...]:
    """Per recipe: batches required and produced, actual and planned cost,
    variance and variance percent (None when nothing was planned)."""
    return get_production_progress(event=event).recipes


@dataclass(frozen=True)
class AssignmentCost:
    assignment: Assignment
    cost: Decimal
    is_actual: bool  # every recipe in it was produced: actual cost per unit


@dataclass(frozen=True)
class RecipientCost:
    recipient: Recipient
    cost: Decimal


@dataclass(frozen=True)
class PackageCosts:
    assignments: tuple[AssignmentCost, ...]
    recipients: tuple[RecipientCost, ...]


def get_package_costs(
    *, event: Event, progress: EventProgress | None = None
) -> PackageCosts:
    """What each assignment's packages and each recipient's gifts cost: per
    yield unit, the actual cost where the recipe was produced, the planned
    cost otherwise. Takes the event's progress when the caller has it."""
    progress = progress or get_production_progress(event=event)
    unit_costs: dict[int, tuple[Decimal | None, bool]] = {}
    for line in progress.recipes:
        recipe = line.recipe
        if line.batches_produced and recipe.yield_quantity:
            unit_costs[recipe.pk] = (
                line.actual_cost / produced_units(recipe, line.batches_produced),
                True,
            )
        elif line.planned_cost is not None and line.batches_required:
            unit_costs[recipe.pk] = (
                line.planned_cost / produced_units(recipe, line.batches_required),
                False,
            )
    assignments = list(
        Assignment.objects.filter(event=event)
        .select_related("event", "recipient", "package")
        .prefetch_related("package__items")
        .order_by("recipient__name", "package__name")
    )
    costs = []
    by_recipient: dict[int, Decimal] = defaultdict(Decimal)
    recipients = {}
    for assignment in assignments:
        total, actual = ZERO, True
        for item in assignment.package.items.all():
            unit_cost, is_actual = unit_costs.get(item.recipe_id, (None, False))
            actual = actual and is_actual
            if unit_cost is not None:
                total += unit_cost * item.quantity * assignment.quantity
        cost = quantize_money(total)
        costs.append(AssignmentCost(assignment=assignment, cost=cost, is_actual=actual))
        by_recipient[assignment.recipient_id] += cost
        recipients[assignment.recipient_id] = assignment.recipient
    return PackageCosts(
        assignments=tuple(costs),
        recipients=tuple(
            RecipientCost(recipient=recipients[pk], cost=cost)
            for pk, cost in by_recipient.items()
        ),
    )


def production_history() -> QuerySet[ProductionRecord]:
    """Records, newest first, with the lots each one used."""
    lines = ConsumptionLine.objects.select_related("lot", "ingredient").order_by(
        "ingredient__name", "lot__purchased_on", "lot_id"
    )
    return ProductionRecord.objects.select_related(
        "event", "recipe", "produced_by", "reversed_by"
    ).prefetch_related(Prefetch("lines", queryset=lines))
