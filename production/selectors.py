"""Reads of production: what has been baked, what is committed to packages,
progress, the dashboard, and costs. Each runs in a constant number of
queries whatever the number of events, assignments, recipes and records."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from decimal import ROUND_CEILING, Decimal

from django.db.models import (
    Case,
    DecimalField,
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils.timezone import localdate

from bakery.numbers import CENT, ROUNDING, ZERO, quantize_money, quantize_quantity
from bakery.version import PerVersion
from events.models import (
    Assignment,
    AssignmentStatus,
    Event,
    Package,
    PackageItem,
    Recipient,
)
from events.selectors import (
    EventPlannedCost,
    batches_to_go,
    get_planned_cost_by_event,
)
from pantry.models import Lot, Recipe, StockMovement
from pantry.units import format_number
from production.models import MIN_BATCHES, Allocation, ConsumptionLine, ProductionRecord


@dataclass(frozen=True)
class Produced:
    """What the records that count of one recipe for one event add up to."""

    batches: Decimal
    units_made: Decimal  # in the recipe's yield units
    actual_cost: Decimal


NOTHING_PRODUCED = Produced(batches=ZERO, units_made=ZERO, actual_cost=ZERO)


def _units_made():
    # record_production keeps what every record made; a record written
    # without units_made made what its batches yield (nothing without one).
    return Coalesce(
        "units_made",
        F("batches") * F("recipe__yield_quantity"),
        Value(ZERO),
        output_field=DecimalField(max_digits=30, decimal_places=3),
    )


def get_production_totals(
    *, event_ids: Iterable[int]
) -> dict[tuple[int, int], Produced]:
    """Batches, units made and actual cost of the records that count, by
    (event, recipe), in one query."""
    rows = (
        ProductionRecord.objects.active()
        .filter(event_id__in=list(event_ids))
        .values("event_id", "recipe_id")
        .annotate(
            # named apart from the fields: `_units_made` reads `batches`
            total_batches=Sum(
                "batches", output_field=DecimalField(max_digits=20, decimal_places=2)
            ),
            total_units=Sum(_units_made()),
            total_cost=Sum("actual_cost"),
        )
        .order_by()
    )
    return {
        (row["event_id"], row["recipe_id"]): Produced(
            batches=row["total_batches"],
            units_made=quantize_quantity(row["total_units"]),
            actual_cost=quantize_money(row["total_cost"]),
        )
        for row in rows
    }


def get_batches_produced_by_recipe(
    *, event_ids: Iterable[int]
) -> dict[int, dict[int, Produced]]:
    """What was produced (batches, units made, cost), by event id then recipe
    id: what the events app counts as baked."""
    produced: dict[int, dict[int, Produced]] = defaultdict(dict)
    for (event_id, recipe_id), totals in get_production_totals(
        event_ids=event_ids
    ).items():
        produced[event_id][recipe_id] = totals
    return produced


def units_yielded(recipe: Recipe, batches: Decimal) -> Decimal | None:
    """Yield units that `batches` make by the recipe; None without a yield."""
    if not recipe.yield_quantity:
        return None
    return quantize_quantity(recipe.yield_quantity * batches)


def part_batch_to_cover(
    *, units_short: Decimal, yield_quantity: Decimal | None
) -> Decimal | None:
    """The batches that make `units_short` units, rounded up to the smallest
    part batch (0.01): what to bake when the whole batches of the plan would
    make more than is missing. None when nothing is missing or the recipe has
    no yield."""
    if units_short <= 0 or not yield_quantity:
        return None
    return (units_short / yield_quantity).quantize(MIN_BATCHES, rounding=ROUND_CEILING)


def part_batch_offer(batches: Decimal | None) -> Decimal | None:
    """The batches to cover what is missing when they are not whole: what
    the page offers beside the whole batches of the plan."""
    if batches is None or batches == batches.to_integral_value():
        return None
    return batches


def get_committed_units(
    *, event: Event, exclude_assignment_id: int | None = None
) -> dict[int, Decimal]:
    """Yield units by recipe id that the event's assembled or delivered
    packages hold (their allocations; DESIGN.md rule 6), in one query."""
    rows = (
        Allocation.objects.filter(record__event=event)
        .exclude(assignment_id=exclude_assignment_id)
        .values("record__recipe_id")
        .annotate(units=Sum("units"))
        .order_by()
    )
    return {row["record__recipe_id"]: row["units"] for row in rows}


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
        if not self.recipe.yield_quantity and not self.units_available:
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
    """Whether the event's baked goods cover this package: per recipe, the
    units made (what the records say their batches really made) minus units
    already in assembled or delivered packages must cover what it holds."""
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
        made = produced.get((event.pk, item.recipe_id), NOTHING_PRODUCED).units_made
        available = made - committed.get(item.recipe_id, ZERO)
        if available < needed:
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
    """One recipe of an event: what the plan needs, what was baked, and what
    it cost (DESIGN.md, "Costs").

    `planned_cost` is the plan for all required batches; `expected_cost` what
    the batches produced were expected to cost (batches produced x the
    planned cost per batch, the frozen one once baking began); `variance` is
    actual - expected and `variance_percent` its share of expected, both None
    while nothing is baked. `over_plan_cost` is the planned cost of the
    batches baked beyond the plan, `remaining_cost` that of the batches
    still to bake. Costs are None when the recipe has no planned cost per
    batch (no yield to plan by).
    """

    recipe: Recipe
    batches_required: int | None  # None: the recipe has no yield to plan by
    batches_produced: Decimal
    actual_cost: Decimal
    planned_cost: Decimal | None
    units_needed: Decimal = ZERO
    units_made: Decimal = ZERO
    cost_per_batch: Decimal | None = None
    expected_cost: Decimal | None = None
    variance: Decimal | None = None
    variance_percent: Decimal | None = None
    over_plan_cost: Decimal | None = None
    remaining_cost: Decimal | None = None
    batches_to_go: int = 0

    @property
    def is_planned(self) -> bool:
        """In the event's packages (a recipe baked beyond them is not)."""
        return self.batches_required != 0

    @property
    def has_baked(self) -> bool:
        return self.batches_produced > 0

    @property
    def is_complete(self) -> bool:
        """The units made cover what the packages need."""
        return self.batches_required is not None and not self.units_short

    @property
    def over_plan(self) -> Decimal:
        """Batches produced beyond the plan."""
        return max(self.batches_produced - (self.batches_required or 0), ZERO)

    @property
    def units_short(self) -> Decimal:
        """Yield units the packages need beyond those made."""
        return max(self.units_needed - self.units_made, ZERO)

    @property
    def batches_to_cover(self) -> Decimal | None:
        """The batches that make the units still needed."""
        return part_batch_to_cover(
            units_short=self.units_short, yield_quantity=self.recipe.yield_quantity
        )

    @property
    def part_batch_offer(self) -> Decimal | None:
        """`batches_to_cover` when it is a part batch, less than the whole
        batches still to bake."""
        return part_batch_offer(self.batches_to_cover)

    @property
    def units_expected(self) -> Decimal | None:
        """What the batches produced yield by the recipe."""
        return units_yielded(self.recipe, self.batches_produced)

    @property
    def yield_differs(self) -> bool:
        """The batches made more or fewer units than the recipe yields."""
        return self.units_expected is not None and self.units_made != (
            self.units_expected
        )


def _percent(variance: Decimal | None, base: Decimal | None) -> Decimal | None:
    if variance is None or not base:
        return None
    return (variance / base * 100).quantize(Decimal("0.1"), rounding=ROUNDING)


def _recipe_progress(
    *,
    recipe: Recipe,
    batches_required: int | None,
    units_needed: Decimal,
    planned_cost: Decimal | None,
    cost_per_batch: Decimal | None,
    produced: Produced,
) -> RecipeProgress:
    baked = produced.batches
    to_go = batches_to_go(
        units_needed=units_needed,
        yield_quantity=recipe.yield_quantity,
        units_made=produced.units_made,
    )
    over_plan = max(baked - (batches_required or 0), ZERO)
    expected = variance = over_plan_cost = remaining = None
    if cost_per_batch is not None:
        expected = quantize_money(cost_per_batch * baked)
        over_plan_cost = quantize_money(cost_per_batch * over_plan)
        if baked:
            variance = produced.actual_cost - expected
    if planned_cost is not None:
        # Before baking the batches to go are the batches required: their
        # cost is the plan's, to the last digit.
        remaining = (
            planned_cost
            if to_go == (batches_required or 0)
            else quantize_money(cost_per_batch * to_go)
        )
    return RecipeProgress(
        recipe=recipe,
        batches_required=batches_required,
        batches_produced=baked,
        actual_cost=produced.actual_cost,
        planned_cost=planned_cost,
        units_needed=units_needed,
        units_made=produced.units_made,
        cost_per_batch=cost_per_batch,
        expected_cost=expected,
        variance=variance,
        variance_percent=_percent(variance, expected),
        over_plan_cost=over_plan_cost,
        remaining_cost=remaining,
        batches_to_go=to_go,
    )


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
    """An event's costs, the recipe figures added up. `variance` adds up the
    variances of the recipes baked (None while nothing is), so it is actual
    - expected over the recipes that have a plan to compare with."""

    planned_cost: Decimal
    expected_cost: Decimal
    actual_cost: Decimal
    variance: Decimal | None
    variance_percent: Decimal | None
    over_plan_cost: Decimal
    remaining_cost: Decimal

    @classmethod
    def of(cls, recipes: Iterable[RecipeProgress], planned_total: Decimal):
        recipes = list(recipes)

        def total(name: str) -> Decimal:
            values = (getattr(r, name) for r in recipes)
            return sum((value for value in values if value is not None), ZERO)

        variances = [r.variance for r in recipes if r.variance is not None]
        variance = sum(variances, ZERO) if variances else None
        expected = total("expected_cost")
        return cls(
            planned_cost=planned_total,
            expected_cost=expected,
            actual_cost=total("actual_cost"),
            variance=variance,
            variance_percent=_percent(variance, expected),
            over_plan_cost=total("over_plan_cost"),
            remaining_cost=total("remaining_cost"),
        )

    @property
    def actual_total(self) -> Decimal:
        return self.actual_cost

    @property
    def planned_total(self) -> Decimal:
        return self.planned_cost


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
    def batches_produced(self) -> Decimal:
        return sum((r.batches_produced for r in self.recipes), ZERO)

    @property
    def batches_to_go(self) -> int:
        return sum(r.batches_to_go for r in self.recipes)

    @property
    def over_plan(self) -> Decimal:
        return sum((r.over_plan for r in self.recipes), ZERO)

    @property
    def has_baked(self) -> bool:
        return self.batches_produced > 0

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
    def planned_cost(self) -> Decimal:
        return self.costs.planned_cost

    @property
    def expected_cost(self) -> Decimal:
        return self.costs.expected_cost

    @property
    def actual_cost(self) -> Decimal:
        return self.costs.actual_cost

    @property
    def variance(self) -> Decimal | None:
        return self.costs.variance

    @property
    def variance_percent(self) -> Decimal | None:
        return self.costs.variance_percent

    @property
    def over_plan_cost(self) -> Decimal:
        return self.costs.over_plan_cost

    @property
    def remaining_cost(self) -> Decimal:
        return self.costs.remaining_cost

    @property
    def cost_per_package_delivered(self) -> Decimal | None:
        """All the event's baking so far over the packages delivered."""
        if not self.packages.delivered:
            return None
        return quantize_money(self.actual_cost / self.packages.delivered)


@dataclass(frozen=True)
class CostBar:
    """One recipe's row of the event's cost chart: planned as an outline,
    actual filled, both as a percent of the largest figure."""

    recipe: Recipe
    planned: Decimal | None
    actual: Decimal
    planned_width: int
    actual_width: int
    has_baked: bool
    over: bool  # actual above what was expected, to the cent


def get_cost_chart(*, progress: EventProgress) -> tuple[CostBar, ...]:
    """The cost chart of an event's progress; no query."""
    largest = max(
        [r.actual_cost for r in progress.recipes]
        + [r.planned_cost or 0 for r in progress.recipes]
        + [0]
    )

    def width(value) -> int:
        return round(value / largest * 100) if largest else 0

    return tuple(
        CostBar(
            recipe=r.recipe,
            planned=r.planned_cost,
            actual=r.actual_cost,
            planned_width=width(r.planned_cost or 0),
            actual_width=width(r.actual_cost),
            has_baked=r.has_baked,
            over=r.variance is not None
            and r.variance.quantize(CENT, rounding=ROUNDING) > 0,
        )
        for r in progress.recipes
    )


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
    kept = _kept_progress.current()
    progress = {}
    for event in events:
        plan, made = planned[event.pk], produced[event.pk]
        counts = PackageCounts(
            pending=event.pending_packages,
            assembled=event.assembled_packages,
            delivered=event.delivered_packages,
        )
        source = (plan.worked_out, made, counts)
        entry = kept.get(event.pk)
        if entry and entry.source == source:
            progress[event.pk] = replace(entry.progress, event=event)
        else:
            progress[event.pk] = _progress(event, plan, made, counts, recipes)
            kept[event.pk] = _KeptProgress(source=source, progress=progress[event.pk])
    return progress


@dataclass(frozen=True)
class _KeptProgress:
    """An event's progress and what it was worked out from: the planned
    costs' `worked_out` mark (compared by identity, as `object()`s are),
    the production totals by recipe id and the package counts."""

    source: tuple[object, dict[int, Produced], PackageCounts]
    progress: EventProgress


# Each event's progress, kept against what it was worked out from. A view
# works out again only the events where that changed; the rest cost a
# comparison. At most 1,000 events: about 44 kB each at the benchmark's
# scale M (60 recipes an event).
_kept_progress = PerVersion(limit=1_000)


def _progress(
    event: Event,
    planned: EventPlannedCost,
    produced: dict[int, Produced],
    packages: PackageCounts,
    recipes_by_id: dict[int, Recipe],
) -> EventProgress:
    recipes = [
        _recipe_progress(
            recipe=line.recipe,
            batches_required=line.batches_required,
            units_needed=line.units_needed,
            planned_cost=line.planned_cost,
            cost_per_batch=line.cost_per_batch,
            produced=produced.get(line.recipe.id, NOTHING_PRODUCED),
        )
        for line in planned.recipes
    ]
    for recipe_id, made in produced.items():
        if planned.for_recipe(recipe_id) is None:
            recipes.append(
                _recipe_progress(
                    recipe=recipes_by_id[recipe_id],
                    batches_required=0,
                    units_needed=ZERO,
                    planned_cost=ZERO,
                    cost_per_batch=planned.frozen_cost_per_batch.get(recipe_id),
                    produced=made,
                )
            )
    return EventProgress(
        event=event,
        recipes=tuple(recipes),
        packages=packages,
        costs=CostTotals.of(recipes, planned_total=planned.total),
        is_fully_priced=planned.is_fully_priced,
    )


def get_production_progress(*, event: Event) -> EventProgress:
    """Recipes (required, produced, complete, costs), packages by status, cost
    totals, and whether every package is delivered."""
    annotated = events_with_package_counts().get(pk=event.pk)
    return get_progress_by_event(events=[annotated])[event.pk]


def dashboard_events(*, include_complete: bool = False) -> QuerySet[Event]:
    """Events for the dashboard: upcoming ones first, nearest first, then
    past ones, latest first; complete ones (with packages, all delivered)
    only when asked. Not annotated, so that a page of them costs the same
    whatever the events: `get_dashboard_summary(events=page)` counts the
    packages of the page's events only."""
    events = Event.objects.all()
    if not include_complete:
        packages = Assignment.objects.filter(event=OuterRef("pk"))
        events = events.filter(
            ~Exists(packages)
            | Exists(packages.exclude(status=AssignmentStatus.DELIVERED))
        )
    today = localdate()
    return events.annotate(
        is_past=Case(When(date__lt=today, then=Value(1)), default=Value(0)),
        upcoming=Case(When(date__gte=today, then=F("date"))),
    ).order_by("is_past", F("upcoming").asc(), F("date").desc(), "name")


def get_dashboard_summary(
    *, include_complete: bool = False, events: Iterable[Event] | None = None
) -> tuple[EventProgress, ...]:
    """One entry per event, in `dashboard_events` order or that of the events
    given."""
    if events is None:
        events = dashboard_events(include_complete=include_complete)
    ids = [event.pk for event in events]
    progress = get_progress_by_event(
        events=events_with_package_counts().filter(pk__in=ids)
    )
    return tuple(progress[pk] for pk in ids)


def get_recipe_cost_breakdown(*, event: Event) -> tuple[RecipeProgress, ...]:
    """Per recipe: batches required and produced, units made, and the cost
    fields (planned, expected, actual, variance and percent, over plan,
    remaining)."""
    return get_production_progress(event=event).recipes


@dataclass(frozen=True)
class AssignmentCost:
    """What an assignment's packages cost. Actual when their baked goods were
    made (the package is assembled or delivered, or the event's units made
    cover every package of its recipes), estimated while some are still to
    bake."""

    assignment: Assignment
    cost: Decimal
    is_actual: bool
    stale: str = ""  # what it holds that was baked longer ago than it keeps

    @property
    def basis(self) -> str:
        return "actual" if self.is_actual else "estimated"


def stale_goods(allocations, *, on: datetime.date) -> str:
    """What allocated baked goods were made longer ago, on `on`, than their
    recipe keeps: "Gingerbread baked 2 Dec keeps 7 days"; "" if none."""
    stale = []
    for allocation in allocations:
        record = allocation.record
        keeps = record.recipe.keeps_for_days
        baked = localdate(record.produced_at)
        if keeps is not None and (on - baked).days > keeps:
            stale.append(
                f"{record.recipe.name} baked {baked:%-d %b} keeps {keeps} days"
            )
    return "; ".join(stale)


@dataclass(frozen=True)
class RecipientCost:
    """A recipient's packages of an event added up; actual when each is."""

    recipient: Recipient
    cost: Decimal
    packages: int = 0
    is_actual: bool = False

    @property
    def basis(self) -> str:
        return "actual" if self.is_actual else "estimated"


@dataclass(frozen=True)
class PackageCosts:
    assignments: tuple[AssignmentCost, ...]
    recipients: tuple[RecipientCost, ...]

    def with_status(self, status: str | None) -> tuple[AssignmentCost, ...]:
        """The assignments in `status` (all for an unknown or no status)."""
        if status not in AssignmentStatus.values:
            return self.assignments
        return tuple(c for c in self.assignments if c.assignment.status == status)


def get_package_costs(
    *, event: Event, progress: EventProgress | None = None
) -> PackageCosts:
    """What each assignment's packages and each recipient's gifts cost, per
    yield unit: the actual cost per unit made (actual cost / units made, so
    a lost batch makes the others' units dearer) where anything was made,
    the planned cost per batch / yield otherwise. Takes the event's progress
    when the caller has it."""
    progress = progress or get_production_progress(event=event)
    unit_costs: dict[int, tuple[Decimal | None, bool]] = {}
    for line in progress.recipes:
        recipe = line.recipe
        unit_cost = None
        if line.units_made:
            unit_cost = line.actual_cost / line.units_made
        elif line.cost_per_batch is not None and recipe.yield_quantity:
            unit_cost = line.cost_per_batch / recipe.yield_quantity
        unit_costs[recipe.pk] = (unit_cost, line.is_complete)
    assignments = list(
        event.assignments.select_related("recipient").order_by(
            "recipient__name", "package__name"
        )
    )
    # The event's few packages are read once with their items, and shared by
    # its assignments (which hold the event given): selected with each
    # assignment, a package and the event were built, and the package's
    # items' query cloned, for each of 400 assignments at scale M.
    packages = Package.objects.prefetch_related("items").in_bulk(
        {assignment.package_id for assignment in assignments}
    )
    # one deleted since it was read has lost its package: it is gone
    assignments = [a for a in assignments if a.package_id in packages]
    for assignment in assignments:
        assignment.package = packages[assignment.package_id]
    # the goods in assembled packages, whose freshness is told; read apart,
    # as a prefetch would clone a query for each of the event's assignments
    allocations = defaultdict(list)
    for allocation in Allocation.objects.filter(
        assignment__event=event, assignment__status=AssignmentStatus.ASSEMBLED
    ).select_related("record__recipe"):
        allocations[allocation.assignment_id].append(allocation)
    today = localdate()
    costs = []
    by_recipient: dict[int, list[AssignmentCost]] = defaultdict(list)
    for assignment in assignments:
        total, made = ZERO, True
        for item in assignment.package.items.all():
            unit_cost, covered = unit_costs.get(item.recipe_id, (None, False))
            made = made and covered and unit_cost is not None
            if unit_cost is not None:
                total += unit_cost * item.quantity * assignment.quantity
        cost = AssignmentCost(
            assignment=assignment,
            cost=quantize_money(total),
            is_actual=made or assignment.is_settled,
            stale=stale_goods(allocations[assignment.pk], on=today),
        )
        costs.append(cost)
        by_recipient[assignment.recipient_id].append(cost)
    return PackageCosts(
        assignments=tuple(costs),
        recipients=tuple(
            RecipientCost(
                recipient=own[0].assignment.recipient,
                cost=sum((c.cost for c in own), ZERO),
                packages=sum(c.assignment.quantity for c in own),
                is_actual=all(c.is_actual for c in own),
            )
            for own in by_recipient.values()
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


@dataclass(frozen=True)
class TracedPackage:
    """A package that holds units baked with a traced lot."""

    assignment: Assignment
    units: Decimal  # of the records traced, in their recipes' yield units
    records: tuple[ProductionRecord, ...]

    @property
    def recipient(self) -> Recipient:
        return self.assignment.recipient

    @property
    def event(self) -> Event:
        return self.assignment.event

    @property
    def status(self) -> str:
        return self.assignment.status

    @property
    def delivered_at(self):
        return self.assignment.delivered_at


@dataclass(frozen=True)
class LotTrace:
    lot: Lot
    records: tuple[ProductionRecord, ...]  # oldest first
    assignments: tuple[TracedPackage, ...]  # by event date, then recipient

    @property
    def by_event(self) -> list[tuple[Event, list[TracedPackage]]]:
        grouped: dict[int, tuple[Event, list[TracedPackage]]] = {}
        for package in self.assignments:
            grouped.setdefault(package.event.pk, (package.event, []))[1].append(package)
        return list(grouped.values())


def _packages_holding(records) -> tuple[TracedPackage, ...]:
    allocations = Allocation.objects.filter(record__in=records).select_related(
        "assignment__recipient",
        "assignment__event",
        "assignment__package",
        "record__recipe",
    )
    held: dict[int, list[Allocation]] = defaultdict(list)
    for allocation in allocations:
        held[allocation.assignment_id].append(allocation)
    packages = [
        TracedPackage(
            assignment=own[0].assignment,
            units=sum((a.units for a in own), ZERO),
            records=tuple(a.record for a in own),
        )
        for own in held.values()
    ]
    packages.sort(
        key=lambda p: (p.event.date, p.event.name, p.recipient.name, p.assignment.pk)
    )
    return tuple(packages)


def trace_lot(*, lot: Lot) -> LotTrace:
    """Who got what a lot went into: the productions that used it, oldest
    first, and the packages holding units of them, with their recipients,
    events, statuses and delivery dates. Three queries, however many."""
    records = tuple(
        ProductionRecord.objects.filter(lines__lot=lot)
        .distinct()
        .select_related("event", "recipe")
        .order_by("produced_at", "pk")
    )
    return LotTrace(lot=lot, records=records, assignments=_packages_holding(records))


@dataclass(frozen=True)
class PackageTrace:
    assignment: Assignment
    records: tuple[ProductionRecord, ...]  # the productions it holds units of
    lines: tuple[ConsumptionLine, ...]  # the lots behind them, line by line

    @property
    def lots(self) -> tuple[Lot, ...]:
        return tuple({line.lot_id: line.lot for line in self.lines}.values())


def trace_package(*, assignment: Assignment) -> PackageTrace:
    """The productions a package holds units of, and the lots behind them, in
    three queries."""
    records = tuple(
        ProductionRecord.objects.filter(allocations__assignment=assignment)
        .select_related("event", "recipe")
        .order_by("produced_at", "pk")
    )
    lines = tuple(
        ConsumptionLine.objects.filter(record__in=records)
        .select_related("lot__product", "ingredient", "record__recipe")
        .order_by("ingredient__name", "lot__purchased_on", "lot_id")
    )
    return PackageTrace(assignment=assignment, records=records, lines=lines)


def lot_with_ledger() -> QuerySet[Lot]:
    """Lots with their ingredient, product and movements (who, when), oldest
    movement first."""
    return Lot.objects.select_related("ingredient", "product").prefetch_related(
        Prefetch(
            "movements",
            queryset=StockMovement.objects.select_related("created_by").order_by(
                "created_at", "pk"
            ),
        )
    )


RECALL_COLUMNS = [
    "recipient",
    "household",
    "address",
    "event",
    "event date",
    "package",
    "status",
    "delivered",
    "baked",
]


def recall_rows(*, trace: LotTrace) -> list[list[str]]:
    """One row per package to ask about, in RECALL_COLUMNS order."""
    return [
        [
            package.recipient.name,
            package.recipient.household,
            package.recipient.address,
            package.event.name,
            package.event.date.isoformat(),
            str(package.assignment.package),
            package.status,
            localdate(package.delivered_at).isoformat() if package.delivered_at else "",
            "; ".join(
                f"{record.recipe.name} {localdate(record.produced_at).isoformat()}"
                for record in package.records
            ),
        ]
        for package in trace.assignments
    ]


def trace_ingredient_lots(*, ingredient) -> list[LotTrace]:
    """Every lot of an ingredient, oldest first, each with its trace, in four
    queries however many lots, productions and packages."""
    lots = list(Lot.objects.filter(ingredient=ingredient).fifo())
    lines = ConsumptionLine.objects.filter(lot__in=lots).select_related(
        "record__event", "record__recipe"
    )
    records_by_lot: dict[int, dict[int, ProductionRecord]] = defaultdict(dict)
    for line in lines:
        records_by_lot[line.lot_id][line.record_id] = line.record
    records = {pk: r for own in records_by_lot.values() for pk, r in own.items()}
    packages = _packages_holding(list(records.values()))
    traces = []
    for lot in lots:
        own = sorted(
            records_by_lot[lot.pk].values(), key=lambda r: (r.produced_at, r.pk)
        )
        mine = {record.pk for record in own}
        traces.append(
            LotTrace(
                lot=lot,
                records=tuple(own),
                assignments=tuple(
                    p for p in packages if any(r.pk in mine for r in p.records)
                ),
            )
        )
    return traces


@dataclass(frozen=True)
class TodayChecklist:
    """What to do for the nearest event still in progress, in order: the
    recipes to bake (most units short first), the packages to assemble, then
    those to deliver."""

    progress: EventProgress | None
    to_bake: tuple[RecipeProgress, ...]
    to_assemble: tuple[Assignment, ...]
    to_deliver: tuple[Assignment, ...]

    @property
    def is_empty(self) -> bool:
        return not (self.to_bake or self.to_assemble or self.to_deliver)


def get_today_checklist() -> TodayChecklist:
    """The checklist of the nearest upcoming event that is not complete."""
    event = (
        events_with_package_counts()
        .filter(date__gte=localdate())
        .exclude(pending_packages=0, assembled_packages=0)
        .order_by("date", "name")
        .first()
    )
    if event is None:
        return TodayChecklist(None, (), (), ())
    progress = get_progress_by_event(events=[event])[event.pk]
    assignments = list(
        Assignment.objects.filter(event=event)
        .exclude(status=AssignmentStatus.DELIVERED)
        .select_related("recipient", "package")
        .order_by("recipient__name", "package__name")
    )
    return TodayChecklist(
        progress=progress,
        to_bake=tuple(
            sorted(
                (r for r in progress.recipes if r.is_planned and not r.is_complete),
                key=lambda r: (-(r.units_short or 0), r.recipe.name),
            )
        ),
        to_assemble=tuple(
            a for a in assignments if a.status == AssignmentStatus.PENDING
        ),
        to_deliver=tuple(
            a for a in assignments if a.status == AssignmentStatus.ASSEMBLED
        ),
    )
